"""JSON API: `GET /api/methods` and `GET /api/methods/{slug}` (see API.md; field names are the contract)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.catalogue import service
from werkstatt.catalogue.access import viewer_from_scope
from werkstatt.catalogue.models import unpack
from werkstatt.catalogue.schema import Category, Mechanic, MethodCard, Phase, Setting


class DurationOut(BaseModel):
    min: int
    typical: int
    max: int


class GroupSizeOut(BaseModel):
    min: int
    optimal: int
    max: int | None


class MethodSummary(BaseModel):
    slug: str
    name: str
    category: Category
    duration: DurationOut
    group_size: GroupSizeOut
    board_mechanics: list[str]
    summary: str
    origin: str


class MethodsApiController(Controller):
    path = "/api/methods"
    tags = ["Methoden"]  # noqa: RUF012

    @get("/", name="api_methods", summary="Methodenkarten suchen und filtern")
    async def list_methods(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        q: Annotated[str | None, Parameter(max_length=200, description="Volltextsuche (deutsch)")] = None,
        category: FromQuery[Category | None] = None,
        target_group: Annotated[str | None, Parameter(max_length=80)] = None,
        focus_topic: Annotated[str | None, Parameter(max_length=80)] = None,
        max_minutes: Annotated[int | None, Parameter(ge=1, le=4320, description="Mindestdauer ≤ dieser Wert")] = None,
        group_size: Annotated[int | None, Parameter(ge=1, le=10000)] = None,
        phase: FromQuery[Phase | None] = None,
        setting: FromQuery[Setting | None] = None,
        mechanic: FromQuery[Mechanic | None] = None,
    ) -> list[MethodSummary]:
        query = service.parse_query(
            {
                "q": q,
                "category": category,
                "target_group": target_group,
                "focus_topic": focus_topic,
                "max_minutes": max_minutes,
                "group_size": group_size,
                "phase": phase,
                "setting": setting,
                "mechanic": mechanic,
            }
        )
        methods = await service.search_methods(db, query, viewer_from_scope(request.scope))
        return [
            MethodSummary(
                slug=m.slug,
                name=m.name,
                category=Category(m.category),
                duration=DurationOut(min=m.min_minutes, typical=m.typical_minutes, max=m.max_minutes),
                group_size=GroupSizeOut(min=m.group_min, optimal=int(m.card["group_size"]["optimal"]), max=m.group_max),
                board_mechanics=unpack(m.board_mechanics),
                summary=m.summary,
                origin=m.origin,
            )
            for m in methods
        ]

    @get("/{slug:str}", name="api_method", summary="Eine Methodenkarte vollständig")
    async def get_method(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        slug: Annotated[str, Parameter(max_length=80)],
    ) -> MethodCard:
        method = await service.method_or_404(db, slug, viewer_from_scope(request.scope))
        return service.card_of(method)
