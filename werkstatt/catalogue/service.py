"""Catalogue queries and the shipped-catalogue sync. Services own their transactions; routes stay thin.

Also the entry points other domains use: `get_method_card`, `list_agenda_templates` and
`record_method_usage` (the workshop domain records which methods a workshop used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite

from werkstatt.catalogue import search
from werkstatt.catalogue.access import ANONYMOUS, Viewer
from werkstatt.catalogue.loader import (
    Loaded,
    Problem,
    load_shipped,
)
from werkstatt.catalogue.models import (
    SHIPPED_SCOPE,
    AgendaTemplateRow,
    Method,
    MethodUsage,
    MethodVersion,
    Origin,
    Visibility,
    pack,
)
from werkstatt.catalogue.schema import (
    AgendaTemplate,
    Category,
    Mechanic,
    MethodCard,
    Phase,
    Setting,
    Slug,
)
from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.errors import Invalid, NotFound
from werkstatt.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings

SHIPPED_AUTHOR = "Mitgelieferter Katalog"


class CatalogueInvalid(Exception):
    """The shipped files have problems; nothing was synced."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


# --- filters ------------------------------------------------------------------------------------------------


class MethodQuery(BaseModel):
    """Filters of the list page and of `GET /api/methods` (all optional, empty strings count as unset)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    q: str | None = Field(default=None, max_length=200)
    category: Category | None = None
    phase: Phase | None = None
    max_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 3)
    group_size: int | None = Field(default=None, ge=1, le=10000)
    target_group: Slug | None = None
    focus_topic: Slug | None = None
    setting: Setting | None = None
    mechanic: Mechanic | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def active(self) -> bool:
        return any(value is not None for value in self.model_dump().values())


def parse_query(params: dict[str, Any]) -> MethodQuery:
    try:
        return MethodQuery.model_validate(params)
    except ValidationError as error:
        from werkstatt.catalogue.loader import field_of, message_of

        errors = {field_of(item["loc"]): message_of(item) for item in error.errors()}
        raise Invalid(_("Bitte prüfen Sie die Filter."), errors) from None


def _contains(column: Any, value: str) -> Any:
    return column.contains(f"|{value}|", autoescape=True)


def _dialect(db: AsyncSession) -> str:
    return db.get_bind().dialect.name


def filtered(db: AsyncSession, query: MethodQuery, viewer: Viewer) -> Select[Method]:
    statement = select(Method).where(viewer.visible_clause())
    if query.category:
        statement = statement.where(Method.category == query.category.value)
    if query.phase:
        statement = statement.where(_contains(Method.phases, query.phase.value))
    if query.max_minutes:
        statement = statement.where(Method.min_minutes <= query.max_minutes)
    if query.group_size:
        statement = statement.where(
            Method.group_min <= query.group_size,
            (Method.group_max.is_(None)) | (Method.group_max >= query.group_size),
        )
    if query.target_group:
        statement = statement.where(_contains(Method.target_groups, query.target_group))
    if query.focus_topic:
        statement = statement.where(_contains(Method.focus_topics, query.focus_topic))
    if query.setting:
        statement = statement.where(_contains(Method.settings, query.setting.value))
    if query.mechanic:
        statement = statement.where(_contains(Method.board_mechanics, query.mechanic.value))
    if query.q:
        if _dialect(db) == "sqlite":
            match = search.fts5_query(query.q)
            if match is None:
                return statement.order_by(Method.name)
            hits = (
                select(literal_column("method_id").label("method_id"), literal_column("rank").label("rank"))
                .select_from(text("method_fts"))
                .where(text("method_fts MATCH :fts").bindparams(fts=match))
                .subquery()
            )
            return statement.join(hits, hits.c.method_id == Method.id).order_by(hits.c.rank, Method.name)
        terms = search.tsquery(query.q)
        if terms is None:
            return statement.order_by(Method.name)
        vector = func.to_tsvector(literal_column("'german'"), Method.search_text)
        tsq = func.to_tsquery(literal_column("'german'"), terms)
        return statement.where(vector.op("@@")(tsq)).order_by(func.ts_rank(vector, tsq).desc(), Method.name)
    return statement.order_by(Method.name)


async def search_methods(db: AsyncSession, query: MethodQuery, viewer: Viewer = ANONYMOUS) -> list[Method]:
    return list((await db.scalars(filtered(db, query, viewer))).all())


async def find_method(db: AsyncSession, slug: str, viewer: Viewer = ANONYMOUS) -> Method | None:
    """The card a viewer means by a slug: their network's own, else the shipped one, else a shared one."""
    rows = (await db.scalars(select(Method).where(Method.slug == slug, viewer.visible_clause()))).all()
    if not rows:
        return None

    def preference(method: Method) -> tuple[int, Any]:
        own = viewer.network_id is not None and method.network_id == viewer.network_id
        rank = 0 if own else 1 if method.origin == Origin.shipped else 2
        return rank, method.created_at

    return sorted(rows, key=preference)[0]


async def method_or_404(db: AsyncSession, slug: str, viewer: Viewer) -> Method:
    method = await find_method(db, slug, viewer)
    if method is None:
        raise NotFound(_("Diese Methode gibt es nicht (oder sie ist nur für ein anderes Netzwerk sichtbar)."))
    return method


async def names_of(db: AsyncSession, slugs: list[str], viewer: Viewer) -> dict[str, str]:
    """Display names for slugs (e.g. of `combines_with`), as far as the viewer may see those cards."""
    if not slugs:
        return {}
    rows = (
        await db.execute(select(Method.slug, Method.name).where(Method.slug.in_(slugs), viewer.visible_clause()))
    ).all()
    return {str(slug): str(name) for slug, name in rows}


def card_of(method: Method) -> MethodCard:
    return MethodCard.model_validate(method.card)


# --- for other domains ----------------------------------------------------------------------------------------


async def get_method_card(db: AsyncSession, slug: str, network_id: UUID | None) -> MethodCard | None:
    """The card a network may use under this slug: its own, a shipped one or one another network shared."""
    method = await find_method(db, slug, Viewer(network_id=network_id))
    return card_of(method) if method is not None else None


async def list_agenda_templates(db: AsyncSession) -> list[AgendaTemplate]:
    rows = (await db.scalars(select(AgendaTemplateRow).order_by(AgendaTemplateRow.name))).all()
    return [AgendaTemplate.model_validate(row.template) for row in rows]


async def insert_ignore(db: AsyncSession, model: type[Any], values: dict[str, Any], keys: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: idempotent in one statement, no read-modify-write."""
    dialect = postgresql if _dialect(db) == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    await db.execute(statement)


async def record_method_usage(db: AsyncSession, *, method_slug: str, workshop_id: UUID, network_id: UUID) -> None:
    """Count a workshop's use of a method ("erprobt in N Werkstätten"). Idempotent per workshop and method;
    an unknown or invisible slug is ignored. The caller commits."""
    method = await find_method(db, method_slug, Viewer(network_id=network_id))
    if method is None:
        return
    await insert_ignore(
        db,
        MethodUsage,
        {"method_id": method.id, "workshop_id": workshop_id, "network_id": network_id},
        ["method_id", "workshop_id"],
    )


# --- writing cards ------------------------------------------------------------------------------------------


def card_json(card: MethodCard) -> dict[str, Any]:
    return card.model_dump(mode="json", exclude_none=True)


def _apply(method: Method, card: MethodCard) -> None:
    method.slug = card.slug
    method.name = card.name
    method.summary = card.summary
    method.category = card.category.value
    method.secondary_categories = pack([c.value for c in card.secondary_categories])
    method.phases = pack([p.value for p in card.phases])
    method.arc = pack([a.value for a in card.arc])
    method.min_minutes = card.duration.min
    method.typical_minutes = card.duration.typical
    method.max_minutes = card.duration.max
    method.group_min = card.group_size.min
    method.group_max = card.group_size.max
    method.target_groups = pack(list(card.target_groups))
    method.focus_topics = pack(list(card.focus_topics))
    method.settings = pack([s.value for s in card.setting])
    method.board_mechanics = pack(card.board_mechanics)
    method.formats = pack([f.value for f in card.formats])
    method.card = card_json(card)
    text_ = search.card_text(card)
    method.search_text = text_
    method.search_stems = search.stems(text_)


def _version_row(method: Method, who: Viewer | None, note: str) -> MethodVersion:
    return MethodVersion(
        method_id=method.id,
        version=method.version,
        card=method.card,
        changed_by_id=who.account_id if who else None,
        changed_by_name=(who.display_name if who else SHIPPED_AUTHOR)[:100],
        note=note[:300],
    )


async def sync_methods(db: AsyncSession, loaded: Loaded | None = None) -> dict[str, int]:
    """Upsert the shipped cards and agenda templates by slug (new → created, changed → new version)."""
    loaded = loaded or load_shipped()
    if loaded.problems:
        raise CatalogueInvalid(loaded.problems)
    existing = {m.slug: m for m in (await db.scalars(select(Method).where(Method.scope == SHIPPED_SCOPE))).all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "agendas": 0}
    created: list[tuple[Method, str]] = []
    for slug, (file, card) in loaded.cards.items():
        method = existing.get(slug)
        if method is None:
            method = Method(scope=SHIPPED_SCOPE, origin=Origin.shipped, visibility=Visibility.shared, version=1)
            _apply(method, card)
            db.add(method)
            created.append((method, file))
            counts["created"] += 1
        elif method.card != card_json(card):
            _apply(method, card)
            method.version += 1
            db.add(_version_row(method, None, f"Aus {file} aktualisiert"))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    await db.flush()  # one flush gives every new card its id
    db.add_all([_version_row(method, None, f"Aus {file} übernommen") for method, file in created])
    agendas = {a.slug: a for a in (await db.scalars(select(AgendaTemplateRow))).all()}
    for slug, (_file, agenda) in loaded.agendas.items():
        row = agendas.get(slug) or AgendaTemplateRow(slug=slug)
        row.name, row.format = agenda.name, agenda.format.value
        row.template = agenda.model_dump(mode="json", exclude_none=True)
        db.add(row)
        counts["agendas"] += 1
    await db.commit()
    return counts


async def sync_shipped_methods(settings: Settings) -> dict[str, int]:
    """`werkstatt methods sync` and the embedded mode's start-up: upsert `methods/` into the database."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            return await sync_methods(db)
    finally:
        await engine.dispose()
