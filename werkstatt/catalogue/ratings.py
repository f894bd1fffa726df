"""Ratings after use ("erprobt in N Werkstätten, Ø x,y") and what worked, in the coaches' words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select

from werkstatt.catalogue.access import Viewer, require_rater
from werkstatt.catalogue.models import Method, MethodRating, MethodUsage
from werkstatt.catalogue.schema import Slug
from werkstatt.catalogue.service import insert_ignore

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# --- ratings ---------------------------------------------------------------------------------------------------


class RatingInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    stars: int = Field(ge=1, le=5)
    group_size: int | None = Field(default=None, ge=1, le=10000)
    target_group: Slug | None = None
    note: str = Field(default="", max_length=1000)
    workshop_id: UUID | None = None

    @field_validator("group_size", "target_group", "workshop_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value


@dataclass(frozen=True)
class Stats:
    uses: int = 0
    ratings: int = 0
    average: float | None = None


async def rate_method(db: AsyncSession, viewer: Viewer, method: Method, rating: RatingInput) -> MethodRating:
    require_rater(viewer)
    row = MethodRating(
        method_id=method.id,
        account_id=viewer.account_id,
        network_id=viewer.network_id,
        workshop_id=rating.workshop_id,
        stars=rating.stars,
        group_size=rating.group_size,
        target_group=rating.target_group,
        note=rating.note,
        author_name=viewer.display_name[:100],
    )
    db.add(row)
    if rating.workshop_id is not None:
        await insert_ignore(
            db,
            MethodUsage,
            {"method_id": method.id, "workshop_id": rating.workshop_id, "network_id": viewer.network_id},
            ["method_id", "workshop_id"],
        )
    await db.flush()
    return row


async def stats_for(db: AsyncSession, method_ids: list[UUID]) -> dict[UUID, Stats]:
    """Per method: uses (workshops that used it, plus ratings given without a workshop), ratings, Ø stars."""
    if not method_ids:
        return {}
    usage = dict(
        (
            await db.execute(
                select(MethodUsage.method_id, func.count())
                .where(MethodUsage.method_id.in_(method_ids))
                .group_by(MethodUsage.method_id)
            )
        ).all()
    )
    rows = (
        await db.execute(
            select(
                MethodRating.method_id,
                func.count(),
                func.avg(MethodRating.stars),
                func.count().filter(MethodRating.workshop_id.is_(None)),
            )
            .where(MethodRating.method_id.in_(method_ids))
            .group_by(MethodRating.method_id)
        )
    ).all()
    found: dict[UUID, Stats] = {}
    for method_id, count, average, without_workshop in rows:
        found[method_id] = Stats(
            uses=int(usage.get(method_id, 0)) + int(without_workshop),
            ratings=int(count),
            average=round(float(average), 1) if average is not None else None,
        )
    for method_id, count in usage.items():
        found.setdefault(method_id, Stats(uses=int(count)))
    return found


async def ratings_of(db: AsyncSession, method: Method, limit: int = 30) -> list[MethodRating]:
    return list(
        (
            await db.scalars(
                select(MethodRating)
                .where(MethodRating.method_id == method.id)
                .order_by(MethodRating.created_at.desc())
                .limit(limit)
            )
        ).all()
    )
