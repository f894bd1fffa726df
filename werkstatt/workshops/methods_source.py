"""Where planning gets method cards and agenda templates from.

The catalogue domain owns cards (shipped files synced into the database plus a network's own methods): we
ask its service, so a network's own methods can be planned with too. `shipped_cards` reads the shipped YAML
files in `methods/` directly (for tests and tools that need no database).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from werkstatt.catalogue import service as catalogue
from werkstatt.catalogue.access import Viewer
from werkstatt.catalogue.schema import AgendaTemplate, MethodCard

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop

METHODS_DIR = Path(__file__).resolve().parent.parent.parent / "methods"


@cache
def shipped_cards() -> dict[str, MethodCard]:
    cards: dict[str, MethodCard] = {}
    for path in sorted(METHODS_DIR.glob("*.yaml")):
        card = MethodCard.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        cards[card.slug] = card
    return cards


async def method_card(db: AsyncSession, slug: str, network_id: UUID) -> MethodCard | None:
    """The card a network sees under `slug` (its own method, or the shipped one)."""
    found: MethodCard | None = await catalogue.get_method_card(db, slug, network_id)
    return found


async def method_cards(db: AsyncSession, network_id: UUID, slugs: set[str] | None = None) -> dict[str, MethodCard]:
    """Cards by slug: every card the network sees, or only the given slugs."""
    if slugs is not None:
        found: dict[str, MethodCard] = {}
        for slug in sorted(slugs):
            card = await method_card(db, slug, network_id)
            if card is not None:
                found[slug] = card
        return found
    methods: list[Any] = await catalogue.search_methods(db, catalogue.MethodQuery(), Viewer(network_id=network_id))

    def preference(method: Any) -> tuple[int, Any]:  # as the catalogue's find_method: own, shipped, shared
        own = method.network_id is not None and method.network_id == network_id
        return (0 if own else 1 if str(method.origin) == "shipped" else 2), method.created_at

    cards: dict[str, MethodCard] = {}
    for method in sorted(methods, key=preference):
        if method.slug not in cards:
            cards[method.slug] = catalogue.card_of(method)
    return cards


async def agenda_templates(db: AsyncSession) -> list[AgendaTemplate]:
    templates: list[AgendaTemplate] = await catalogue.list_agenda_templates(db)
    return templates


async def agenda_template(db: AsyncSession, slug: str) -> AgendaTemplate | None:
    return next((template for template in await agenda_templates(db) if template.slug == slug), None)


async def record_usage(db: AsyncSession, workshop: Workshop) -> None:
    """A workshop that was held counts for the cards of the methods on its agenda ("erprobt in N
    Werkstätten"); planning alone does not."""
    if workshop.is_test:  # a load test's workshop was not held
        return
    for slug in sorted({step.method_slug for step in workshop.steps if step.method_slug}):
        await catalogue.record_method_usage(
            db, method_slug=slug, workshop_id=workshop.id, network_id=workshop.network_id
        )
