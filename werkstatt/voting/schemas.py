"""Inputs of the voting API (field names are the public contract in API.md)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoteIn(Strict):
    idea_id: UUID
    score_x: int | None = Field(default=None, ge=1, le=10)
    score_y: int | None = Field(default=None, ge=1, le=10)


class OrderIn(Strict):
    idea_ids: list[UUID] = Field(max_length=500)
