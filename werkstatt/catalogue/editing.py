"""Network cards: create, edit, fork ("Variante anlegen"), upload and download, each change a version."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any
from uuid import UUID

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from werkstatt.catalogue.access import Viewer, require_creator, require_editor
from werkstatt.catalogue.loader import (
    FILE_FIELD,
    duration_problems,
    parse_yaml,
    reference_problems,
    taxonomy_problems,
    validate_card,
)
from werkstatt.catalogue.models import SHIPPED_SCOPE, Method, MethodVersion, Origin, Visibility
from werkstatt.catalogue.schema import MethodCard
from werkstatt.catalogue.service import _apply, _version_row, card_json, card_of
from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.errors import Invalid
from werkstatt.i18n import Message, _
from werkstatt.network.models import FocusTopic, Network, TargetGroup
from werkstatt.network.topics import FOCUS_TOPICS, TARGET_GROUPS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings

MAX_UPLOAD_BYTES = 200_000
RESERVED_SLUGS = frozenset({"neu", "hochladen", "export", "druck"})


async def network_taxonomy(db: AsyncSession, network_id: UUID | None) -> tuple[dict[str, str], dict[str, str]]:
    """Focus topics and target groups a network's card may use: the defaults plus the network's own."""
    topics, groups = dict(FOCUS_TOPICS), dict(TARGET_GROUPS)
    if network_id is not None:
        for topic in (await db.scalars(select(FocusTopic).where(FocusTopic.network_id == network_id))).all():
            topics.setdefault(topic.slug, topic.name)
        for group in (await db.scalars(select(TargetGroup).where(TargetGroup.network_id == network_id))).all():
            groups.setdefault(group.slug, group.name)
    return topics, groups


async def _check_network_card(db: AsyncSession, card: MethodCard, viewer: Viewer, network_id: UUID) -> None:
    problems = duration_problems(card, "")
    known = set((await db.scalars(select(Method.slug).where(viewer.visible_clause()))).all()) | {card.slug}
    problems += reference_problems(card, "", known)
    topics, groups = await network_taxonomy(db, network_id)
    problems += taxonomy_problems(card, "", topics, groups)
    if problems:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {p.field: p.message for p in problems})


async def _slug_free(db: AsyncSession, slug: str, network_id: UUID) -> None:
    if slug in RESERVED_SLUGS:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {"slug": _("Dieser Kurzname ist reserviert.")})
    taken = await db.scalar(
        select(func.count())
        .select_from(Method)
        .where(Method.slug == slug, Method.scope.in_([SHIPPED_SCOPE, str(network_id)]))
    )
    if taken:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {
                "slug": _(
                    "Diesen Kurznamen gibt es schon im Katalog oder in Ihrem Netzwerk; bitte einen anderen wählen."
                )
            },
        )


def _visibility(value: str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {"visibility": _("Bitte „nur Netzwerk“ oder „geteilt“ wählen.")},
        ) from None


async def create_method(
    db: AsyncSession,
    viewer: Viewer,
    card: MethodCard,
    visibility: str = Visibility.network,
    note: str = "Angelegt",
    forked_from: Method | None = None,
) -> Method:
    network_id = require_creator(viewer)
    chosen = _visibility(visibility)
    await _slug_free(db, card.slug, network_id)
    card = card.model_copy(update={"version": 1})
    await _check_network_card(db, card, viewer, network_id)
    method = Method(
        scope=str(network_id),
        network_id=network_id,
        origin=Origin.network,
        visibility=chosen,
        version=1,
        forked_from_id=forked_from.id if forked_from else None,
        created_by_id=viewer.account_id,
        updated_by_id=viewer.account_id,
    )
    _apply(method, card)
    db.add(method)
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."), {"slug": _("Diesen Kurznamen gibt es schon.")}
        ) from None
    db.add(_version_row(method, viewer, note or "Angelegt"))
    await db.flush()
    return method


async def update_method(
    db: AsyncSession, viewer: Viewer, method: Method, card: MethodCard, visibility: str, note: str
) -> Method:
    require_editor(viewer, method)
    chosen = _visibility(visibility)
    if card.slug != method.slug:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."), {"slug": _("Der Kurzname lässt sich nicht ändern.")}
        )
    assert method.network_id is not None
    card = card.model_copy(update={"version": method.version + 1})
    await _check_network_card(db, card, viewer, method.network_id)
    if card_json(card) == {**method.card, "version": card.version} and chosen == method.visibility:
        return method  # nothing changed: no new version
    _apply(method, card)
    method.version += 1
    method.visibility = chosen
    method.updated_by_id = viewer.account_id
    db.add(_version_row(method, viewer, note or "Bearbeitet"))
    await db.flush()
    return method


async def suggest_fork_slug(db: AsyncSession, source: Method, network_id: UUID) -> str:
    taken = set(
        (
            await db.scalars(
                select(Method.slug).where(
                    Method.slug.startswith(source.slug), Method.scope.in_([SHIPPED_SCOPE, str(network_id)])
                )
            )
        ).all()
    )
    base = f"{source.slug[:70]}-variante"
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


async def fork_method(db: AsyncSession, viewer: Viewer, source: Method, slug: str, name: str) -> Method:
    """ "Variante anlegen": a copy in the viewer's network that remembers where it came from."""
    require_creator(viewer)
    errors: dict[str, Message] = {}
    try:
        card = card_of(source).model_copy(update={"slug": slug.strip(), "name": name.strip()})
        card = MethodCard.model_validate(card.model_dump(mode="json"))
    except ValidationError as error:
        from werkstatt.catalogue.loader import field_of, message_of

        errors = {field_of(item["loc"]): message_of(item) for item in error.errors()}
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), errors) from None
    return await create_method(
        db, viewer, card, Visibility.network, f"Variante von „{source.name}“ angelegt", forked_from=source
    )


def parse_card_file(content: bytes) -> MethodCard:
    """An uploaded card file → a card, or Invalid with one German message per field."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid(_("Die Datei ist zu groß."), {FILE_FIELD: _("Die Datei ist zu groß (höchstens 200 kB).")})
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(
            _("Die Datei ist nicht lesbar."), {FILE_FIELD: _("Die Datei ist nicht in UTF-8 gespeichert.")}
        ) from None
    data, problems = parse_yaml(decoded, "")
    if data is None:
        raise Invalid(_("Die Datei ist nicht lesbar."), {p.field: p.message for p in problems})
    card, problems = validate_card(data, "")
    if card is None:
        raise Invalid(
            _("Die Karte enthält Fehler; es wurde nichts gespeichert."), {p.field: p.message for p in problems}
        )
    return card


async def import_card(db: AsyncSession, viewer: Viewer, content: bytes, visibility: str) -> Method:
    """Upload: a new card, or a new version of the network's card with that slug. All or nothing."""
    network_id = require_creator(viewer)
    card = parse_card_file(content)
    own = await db.scalar(select(Method).where(Method.scope == str(network_id), Method.slug == card.slug))
    if own is not None:
        return await update_method(db, viewer, own, card, visibility, "Aus Datei hochgeladen")
    return await create_method(db, viewer, card, visibility, "Aus Datei hochgeladen")


def card_yaml(card: dict[str, Any]) -> str:
    return yaml.safe_dump(card, allow_unicode=True, sort_keys=False, width=100)


async def network_methods(db: AsyncSession, network_id: UUID) -> list[Method]:
    return list((await db.scalars(select(Method).where(Method.network_id == network_id).order_by(Method.slug))).all())


async def export_zip(db: AsyncSession, network_id: UUID) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for method in await network_methods(db, network_id):
            archive.writestr(f"{method.slug}.yaml", card_yaml(method.card))
    return buffer.getvalue()


async def versions_of(db: AsyncSession, method: Method) -> list[MethodVersion]:
    return list(
        (
            await db.scalars(
                select(MethodVersion).where(MethodVersion.method_id == method.id).order_by(MethodVersion.version.desc())
            )
        ).all()
    )


async def network_name(db: AsyncSession, network_id: UUID | None) -> str | None:
    if network_id is None:
        return None
    return await db.scalar(select(Network.name).where(Network.id == network_id))


async def export_cards(settings: Settings, network_slug: str | None) -> list[tuple[str, str]]:
    """`werkstatt methods export`: a network's cards (or the shipped ones) as (file name, YAML) pairs."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            statement = select(Method)
            if network_slug:
                network_id = await db.scalar(select(Network.id).where(Network.slug == network_slug))
                if network_id is None:
                    raise LookupError(f"Kein Netzwerk mit dem Kurznamen '{network_slug}'.")
                statement = statement.where(Method.network_id == network_id)
            else:
                statement = statement.where(Method.scope == SHIPPED_SCOPE)
            methods = (await db.scalars(statement.order_by(Method.slug))).all()
    finally:
        await engine.dispose()
    return [(f"{method.slug}.yaml", card_yaml(method.card)) for method in methods]
