"""Inputs of the voting API (field names are the public contract in API.md)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from werkstatt.i18n import _


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteIn(Strict):
    """One dot (`idea_id`) or one rating (`idea_id`, `score_x`, `score_y`). In a step that runs on clusters
    (`config.cards = {"from": "clusters"}`) the vote names the cluster instead: `cluster_id` in place of
    `idea_id` (a cluster the step does not offer: 409; one of another workshop: 404)."""

    idea_id: UUID | None = Field(default=None, description="Die Karte (in Schritten über einzelne Karten)")
    cluster_id: UUID | None = Field(default=None, description="Der Cluster (in Schritten über Cluster)")
    score_x: int | None = Field(default=None, ge=1, le=10)
    score_y: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _one_item(self) -> VoteIn:
        if (self.idea_id is None) == (self.cluster_id is None):
            raise ValueError(str(_("Bitte genau eines angeben: idea_id oder cluster_id.")))
        return self


class OrderIn(Strict):
    idea_ids: list[UUID] = Field(max_length=500)
