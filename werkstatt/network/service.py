"""Commands on the organisation: networks, towns, Kernteams, focus topics, target groups and accounts.

Routes authorise (permissions.py) and hand validated input here; each command checks what only the database
knows (duplicates, ids of the right network) and applies the change; the request's unit of work commits it.
A failed check raises `Invalid` with a German message per field and leaves nothing behind."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.errors import Invalid, NotFound
from werkstatt.i18n import Message, _
from werkstatt.network.models import (
    Account,
    FocusTopic,
    Invitation,
    KernteamMember,
    KernteamRole,
    Network,
    Role,
    TargetGroup,
    Town,
    TownFocusTopic,
)
from werkstatt.network.permissions import require_network
from werkstatt.network.schemas import MIN_PASSWORD, TownTopicChoice
from werkstatt.network.topics import FOCUS_TOPICS, TARGET_GROUPS
from werkstatt.passwords import hash_password
from werkstatt.sessions import end_account_sessions
from werkstatt.uow import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.sessions import CurrentAccount
    from werkstatt.settings import Settings

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s.]{2,}$")
# One vocabulary: a new network starts with the catalogue's target groups (the method filters use the same).
DEFAULT_TARGET_GROUPS = TARGET_GROUPS
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValueError(_("Bitte eine gültige E-Mail-Adresse angeben."))
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.") % {"n": MIN_PASSWORD})
    if len(password) > 200:
        raise ValueError(_("Das Passwort darf höchstens 200 Zeichen lang sein."))


def slugify(name: str, limit: int = 60) -> str:
    text = unicodedata.normalize("NFKD", name.lower().translate(_UMLAUTS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-")
    return slug or "eintrag"


def topic_slug(name: str, taken: set[str]) -> str:
    """A focus topic named like one of the catalogue's standard topics takes its slug: then the town's topic
    and the methods tagged with it are the same thing (filters, suggestions); any other gets its own."""
    standard = {title.casefold(): slug for slug, title in FOCUS_TOPICS.items()}.get(name.strip().casefold())
    return standard if standard is not None and standard not in taken else _unique_slug(name, taken)


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def parse_id(value: str | UUID) -> UUID:
    """Ids from a URL: anything that is not a UUID is simply not found."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(_("Nicht gefunden.")) from None


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def _check_unique(
    names: Sequence[tuple[UUID, str]], name: str, field: str, message: Message, exclude: UUID | None
) -> None:
    for other_id, other in names:
        if other_id != exclude and _same_name(other, name):
            raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {field: message})


async def _flush(db: AsyncSession, field: str, message: Message) -> None:
    """Write now (the unit of work commits); a unique constraint that another request won meanwhile becomes the
    same field error, and nothing of the unit of work stays."""
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {field: message}) from None


# --- reading, with network isolation --------------------------------------------------------------------


async def visible_networks(db: AsyncSession, account: CurrentAccount) -> list[Network]:
    query = select(Network).order_by(Network.name)
    if account.role != Role.admin:
        query = query.where(Network.id == account.network_id)
    return list((await db.execute(query)).scalars())


async def get_network(db: AsyncSession, account: CurrentAccount | None, network_id: str | UUID) -> Network:
    network = await db.get(Network, parse_id(network_id))
    if network is None:
        raise NotFound(_("Dieses Netzwerk gibt es nicht."))
    require_network(account, network.id)
    return network


async def get_town(db: AsyncSession, account: CurrentAccount | None, town_id: str | UUID) -> Town:
    town = (
        await db.execute(
            select(Town)
            .where(Town.id == parse_id(town_id))
            .options(
                selectinload(Town.focus_topics).joinedload(TownFocusTopic.focus_topic), selectinload(Town.kernteam)
            )
        )
    ).scalar_one_or_none()
    if town is None:
        raise NotFound(_("Diese Stadt gibt es nicht."))
    require_network(account, town.network_id)
    return town


async def towns_of(db: AsyncSession, network_id: UUID) -> list[Town]:
    return list(
        (
            await db.execute(
                select(Town)
                .where(Town.network_id == network_id)
                .order_by(Town.name)
                .options(
                    selectinload(Town.focus_topics).joinedload(TownFocusTopic.focus_topic),
                    selectinload(Town.kernteam),
                )
            )
        ).scalars()
    )


async def topics_of(db: AsyncSession, network_id: UUID) -> list[FocusTopic]:
    return list(
        (
            await db.execute(
                select(FocusTopic)
                .where(FocusTopic.network_id == network_id)
                .order_by(FocusTopic.position, FocusTopic.name)
            )
        ).scalars()
    )


async def groups_of(db: AsyncSession, network_id: UUID) -> list[TargetGroup]:
    return list(
        (
            await db.execute(
                select(TargetGroup)
                .where(TargetGroup.network_id == network_id)
                .order_by(TargetGroup.position, TargetGroup.name)
            )
        ).scalars()
    )


async def group_names(db: AsyncSession, network_id: UUID) -> dict[str, str]:
    """The network's target groups by slug: what participants chose, as people read it."""
    query = select(TargetGroup.slug, TargetGroup.name).where(TargetGroup.network_id == network_id)
    return dict((await db.execute(query)).all())


async def get_topic(db: AsyncSession, network: Network, item_id: str | UUID) -> FocusTopic:
    topic = await db.get(FocusTopic, parse_id(item_id))
    if topic is None or topic.network_id != network.id:
        raise NotFound(_("Nicht gefunden."))
    return topic


async def get_group(db: AsyncSession, network: Network, item_id: str | UUID) -> TargetGroup:
    group = await db.get(TargetGroup, parse_id(item_id))
    if group is None or group.network_id != network.id:
        raise NotFound(_("Nicht gefunden."))
    return group


async def get_member(db: AsyncSession, network: Network, item_id: str | UUID) -> KernteamMember:
    member = (
        await db.execute(
            select(KernteamMember)
            .join(Town, Town.id == KernteamMember.town_id)
            .where(KernteamMember.id == parse_id(item_id), Town.network_id == network.id)
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound(_("Nicht gefunden."))
    return member


# --- networks -------------------------------------------------------------------------------------------


async def create_network(db: AsyncSession, name: str, *, field: str = "name") -> Network:
    existing = [(row.id, row.name) for row in (await db.execute(select(Network.id, Network.name))).all()]
    message = _("Ein Netzwerk mit diesem Namen gibt es schon.")
    _check_unique(existing, name, field, message, None)
    slugs = set((await db.execute(select(Network.slug))).scalars())
    network = Network(name=name, slug=_unique_slug(name, slugs))
    db.add(network)
    await db.flush()
    for position, (slug, group) in enumerate(DEFAULT_TARGET_GROUPS.items()):
        db.add(TargetGroup(network_id=network.id, name=group, slug=slug, position=position))
    await _flush(db, field, message)
    return network


# --- focus topics and target groups -----------------------------------------------------------------------


async def create_focus_topic(db: AsyncSession, network: Network, name: str, *, field: str = "name") -> FocusTopic:
    topics = await topics_of(db, network.id)
    message = _("Dieses Schwerpunktthema gibt es im Netzwerk schon.")
    _check_unique([(t.id, t.name) for t in topics], name, field, message, None)
    topic = FocusTopic(
        network_id=network.id,
        name=name,
        slug=topic_slug(name, {t.slug for t in topics}),
        position=max((t.position for t in topics), default=-1) + 1,
    )
    db.add(topic)
    await _flush(db, field, message)
    return topic


async def rename_focus_topic(db: AsyncSession, topic: FocusTopic, name: str, *, field: str = "name") -> None:
    topics = await topics_of(db, topic.network_id)
    message = _("Dieses Schwerpunktthema gibt es im Netzwerk schon.")
    _check_unique([(t.id, t.name) for t in topics], name, field, message, topic.id)
    topic.name = name
    await _flush(db, field, message)


async def delete_focus_topic(db: AsyncSession, topic: FocusTopic) -> None:
    await db.execute(delete(TownFocusTopic).where(TownFocusTopic.focus_topic_id == topic.id))
    await db.delete(topic)
    await db.flush()


async def create_target_group(db: AsyncSession, network: Network, name: str, *, field: str = "name") -> TargetGroup:
    groups = await groups_of(db, network.id)
    message = _("Diese Zielgruppe gibt es im Netzwerk schon.")
    _check_unique([(g.id, g.name) for g in groups], name, field, message, None)
    if len(name) > 80:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {field: _("Höchstens 80 Zeichen erlaubt.")})
    group = TargetGroup(
        network_id=network.id,
        name=name,
        slug=_unique_slug(name, {g.slug for g in groups}),
        position=max((g.position for g in groups), default=-1) + 1,
    )
    db.add(group)
    await _flush(db, field, message)
    return group


async def rename_target_group(db: AsyncSession, group: TargetGroup, name: str, *, field: str = "name") -> None:
    groups = await groups_of(db, group.network_id)
    message = _("Diese Zielgruppe gibt es im Netzwerk schon.")
    _check_unique([(g.id, g.name) for g in groups], name, field, message, group.id)
    if len(name) > 80:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {field: _("Höchstens 80 Zeichen erlaubt.")})
    group.name = name
    await _flush(db, field, message)


async def delete_target_group(db: AsyncSession, group: TargetGroup) -> None:
    await db.delete(group)
    await db.flush()


# --- towns ----------------------------------------------------------------------------------------------


async def _town_names(db: AsyncSession, network_id: UUID) -> list[tuple[UUID, str]]:
    return [
        (row.id, row.name)
        for row in (await db.execute(select(Town.id, Town.name).where(Town.network_id == network_id)))
    ]


async def create_town(
    db: AsyncSession,
    network: Network,
    name: str,
    description: str = "",
    focus_topic_ids: Sequence[UUID] = (),
    *,
    field: str = "name",
) -> Town:
    message = _("Eine Stadt mit diesem Namen gibt es im Netzwerk schon.")
    _check_unique(await _town_names(db, network.id), name, field, message, None)
    known = {topic.id for topic in await topics_of(db, network.id)}
    unknown = [str(topic_id) for topic_id in focus_topic_ids if topic_id not in known]
    if unknown:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {"focus_topic_ids": _("Unbekanntes Schwerpunktthema: %(ids)s") % {"ids": ", ".join(unknown[:3])}},
        )
    town = Town(network_id=network.id, name=name, description=description)
    db.add(town)
    await db.flush()
    for priority, topic_id in enumerate(dict.fromkeys(focus_topic_ids), start=1):
        db.add(TownFocusTopic(town_id=town.id, focus_topic_id=topic_id, priority=min(priority, 9)))
    await _flush(db, field, message)
    return town


async def update_town(db: AsyncSession, town: Town, name: str, description: str) -> None:
    message = _("Eine Stadt mit diesem Namen gibt es im Netzwerk schon.")
    _check_unique(await _town_names(db, town.network_id), name, "name", message, town.id)
    town.name = name
    town.description = description
    await _flush(db, "name", message)


async def delete_town(db: AsyncSession, town: Town) -> None:
    await db.delete(town)
    await db.flush()


async def set_town_topics(db: AsyncSession, town: Town, choices: Sequence[TownTopicChoice]) -> None:
    """Replace the town's chosen focus topics (with priority and note) in one transaction."""
    known = {topic.id for topic in await topics_of(db, town.network_id)}
    for choice in choices:
        if choice.focus_topic_id not in known:
            raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {"_": _("Unbekanntes Schwerpunktthema.")})
    await db.execute(delete(TownFocusTopic).where(TownFocusTopic.town_id == town.id))
    for choice in choices:
        db.add(
            TownFocusTopic(
                town_id=town.id, focus_topic_id=choice.focus_topic_id, priority=choice.priority, note=choice.note
            )
        )
    await db.flush()


async def add_kernteam_member(
    db: AsyncSession, town: Town, display_name: str, role: KernteamRole, organisation: str
) -> KernteamMember:
    member = KernteamMember(town_id=town.id, display_name=display_name, role=role, organisation=organisation)
    db.add(member)
    await db.flush()
    return member


async def kernteam_accounts(db: AsyncSession, network_id: UUID) -> list[Account]:
    """The network's Kernteam accounts a member of a town's Kernteam can be linked to."""
    query = select(Account).where(Account.network_id == network_id, Account.role == Role.kernteam)
    return list((await db.execute(query.order_by(Account.display_name, Account.email))).scalars())


async def link_kernteam_account(
    db: AsyncSession, town: Town, member: KernteamMember, account_id: str, *, field: str = "account_id"
) -> None:
    """Link the member to the account its person logs in with ("" unlinks): then the member owns project
    ideas as that account. One account stands for one member of the network."""
    if not account_id:
        member.account_id = None
        await db.flush()
        return
    try:
        account = await db.get(Account, UUID(account_id))
    except ValueError:
        account = None
    if account is None or account.network_id != town.network_id or account.role != Role.kernteam:
        raise Invalid(_("Bitte prüfen Sie die markierten Felder."), {field: _("Kein Kernteam-Konto dieses Netzwerks.")})
    taken = await db.scalar(
        select(KernteamMember.display_name).where(
            KernteamMember.account_id == account.id, KernteamMember.id != member.id
        )
    )
    if taken is not None:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."),
            {field: _("Dieses Konto gehört schon zu %(name)s.") % {"name": taken}},
        )
    member.account_id = account.id
    await db.flush()


async def remove_kernteam_member(db: AsyncSession, member: KernteamMember) -> None:
    await db.delete(member)
    await db.flush()


# --- accounts -------------------------------------------------------------------------------------------


async def find_account(db: AsyncSession, email: str) -> Account | None:
    return (await db.execute(select(Account).where(func.lower(Account.email) == email.lower()))).scalar_one_or_none()


async def create_account(
    db: AsyncSession,
    email: str,
    role: Role,
    display_name: str | None,
    password: str | None,
    network_id: UUID | None = None,
) -> Account:
    """Validate and add an account; the caller commits."""
    email = normalise_email(email)
    if password is not None:
        check_password(password)
    name = (display_name or email.split("@", 1)[0]).strip()
    if not name or len(name) > 100:
        raise ValueError(_("Der Anzeigename muss 1 bis 100 Zeichen lang sein."))
    if await find_account(db, email) is not None:
        raise ValueError(_("Ein Konto mit %(email)s gibt es schon.") % {"email": email})
    account = Account(
        email=email,
        role=role,
        display_name=name,
        password_hash=hash_password(password) if password else None,
        network_id=network_id,
    )
    db.add(account)
    await db.flush()
    return account


async def accounts_of(db: AsyncSession, network_id: UUID) -> list[Account]:
    return list(
        (
            await db.execute(select(Account).where(Account.network_id == network_id).order_by(Account.display_name))
        ).scalars()
    )


async def open_invitations(db: AsyncSession, network_id: UUID) -> list[Invitation]:
    return list(
        (
            await db.execute(
                select(Invitation)
                .where(Invitation.network_id == network_id, Invitation.accepted_at.is_(None))
                .order_by(Invitation.created_at.desc())
            )
        ).scalars()
    )


async def get_account_in(db: AsyncSession, network: Network, account_id: str | UUID) -> Account:
    account = await db.get(Account, parse_id(account_id))
    if account is None or account.network_id != network.id:
        raise NotFound(_("Dieses Konto gibt es nicht."))
    return account


async def change_role(db: AsyncSession, actor: CurrentAccount, account: Account, role: Role) -> bool:
    """Change a role; the account's sessions end so that it signs in again with a fresh session id.
    Returns True when the actor changed their own role (the caller opens a fresh session)."""
    if account.role == Role.admin:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."), {"role": _("Instanz-Admins werden hier nicht geändert.")}
        )
    if account.role == role:
        return False
    account.role = role
    await end_account_sessions(db, account.id)
    await db.flush()
    return account.id == actor.id


async def set_active(db: AsyncSession, actor: CurrentAccount, account: Account, active: bool) -> None:
    if account.id == actor.id:
        raise Invalid(
            _("Bitte prüfen Sie die markierten Felder."), {"_": _("Das eigene Konto kann nicht gesperrt werden.")}
        )
    account.is_active = active
    if not active:
        await end_account_sessions(db, account.id)
    await db.flush()


async def create_account_cli(settings: Settings, email: str, role: str, display_name: str | None, password: str) -> str:
    engine = create_engine(settings)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as uow:
            account = await create_account(uow.session, email, Role(role), display_name, password)
            return f"Konto {account.email} ({role}) angelegt."
    finally:
        await engine.dispose()
