"""Inputs and outputs of the workshop API (field names are the public contract in API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from werkstatt.catalogue.schema import CONFIG_MODELS, Mechanic
from werkstatt.workshops.models import WorkshopFormat

Name = Annotated[str, Field(min_length=1, max_length=60)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BoardIn(Strict):
    mechanic: Mechanic
    config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Einstellungen je Board-Modus (README). vote, rank und rate_matrix nehmen `cards`: "
            '`{"from": "step", "step": 3}`, `{"from": "top", "step": 5, "n": 10}` oder `{"from": "all"}` '
            "(leer: die Karten des nächsten früheren Sammel-Schritts); rate_matrix zusätzlich `x_hint`, `y_hint`."
        ),
    )

    @model_validator(mode="after")
    def _config_fits(self) -> BoardIn:
        self.config = CONFIG_MODELS[self.mechanic].model_validate(self.config).model_dump(mode="json")
        return self


class StepIn(Strict):
    method_slug: str | None = Field(default=None, max_length=80, pattern=r"^[a-z0-9-]+$")
    title: str = Field(min_length=1, max_length=200)
    minutes: int = Field(ge=1, le=600)
    board: BoardIn = Field(default_factory=lambda: BoardIn(mechanic=Mechanic.discuss))
    instructions: str = Field(default="", max_length=4000, description="Was die Teilnehmenden lesen")
    facilitator_notes: str = Field(
        default="",
        max_length=4000,
        description="Hinweise für die Moderation: nur die Moderation sieht sie (Board, Ablaufplan, diese API)",
    )
    question: str = Field(default="", max_length=300)


class WorkshopCreate(Strict):
    town_id: UUID
    title: str = Field(min_length=1, max_length=200)
    format: WorkshopFormat = WorkshopFormat.ideen_werkstatt
    starts_at: datetime | None = None
    place: str = Field(default="", max_length=200)
    planned_minutes: int | None = Field(default=None, ge=10, le=60 * 16)
    expected_participants: int | None = Field(default=None, ge=1, le=2000)
    focus_topic_ids: list[UUID] = Field(default_factory=list, max_length=20)
    target_groups: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list, max_length=20)
    agenda: list[StepIn] = Field(default_factory=list, max_length=40)
    test: bool = False
    """A test workshop (`werkstatt loadtest`): never counted on town pages, in lists or in "erprobt in N"."""


class JoinIn(Strict):
    code: str = Field(min_length=4, max_length=12)
    display_name: Name
    target_group: str | None = Field(default=None, max_length=80)


class IdeaIn(Strict):
    text: str = Field(min_length=1, max_length=1000)
    focus_topic_id: UUID | None = None


class IdeaEdit(Strict):
    text: str = Field(min_length=1, max_length=1000)


class CommentIn(Strict):
    text: str = Field(min_length=1, max_length=500)
