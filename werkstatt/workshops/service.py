"""Workshop commands: create, join, and who someone is in a workshop (the actor every command checks).

Commands read authorize → validate → apply → record; the caller commits and then publishes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import delete, func, select

from werkstatt.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from werkstatt.i18n import _
from werkstatt.live.events import record
from werkstatt.network.models import FocusTopic, Role, TargetGroup, Town
from werkstatt.sessions import CurrentAccount  # at run time: Litestar reads `Actor`'s fields (a dependency)
from werkstatt.workshops.events import ParticipantJoined
from werkstatt.workshops.methods_source import method_card
from werkstatt.workshops.models import AgendaStep, Participant, ParticipantRole, Workshop, WorkshopState
from werkstatt.workshops.permissions import may_moderate
from werkstatt.workshops.schemas import BoardIn

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.sessions import SessionState
    from werkstatt.workshops.schemas import JoinIn, StepIn, WorkshopCreate

# No 0/O, 1/I/L: a code read from a projector across a room must not be ambiguous.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_LENGTH = 6
EXPIRED = _("Dieser Code gilt nicht mehr: die Werkstatt liegt zu lange zurück.")
COACH_ROLES = {Role.admin, Role.network_admin, Role.coach}


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_run(account: CurrentAccount | None, network_id: UUID) -> bool:
    """Coaches and network admins of the workshop's network, and instance admins, plan and run it."""
    if account is None:
        return False
    if account.role == Role.admin:
        return True
    return account.role in COACH_ROLES and account.network_id == network_id


@dataclass
class Actor:
    """Who is acting in a workshop: the coach, or a participant (guest or account member)."""

    workshop: Workshop
    participant: Participant | None
    account: CurrentAccount | None
    is_coach: bool

    @property
    def role(self) -> str:
        return "coach" if self.is_coach else "participant"

    @property
    def participant_id(self) -> UUID | None:
        return self.participant.id if self.participant else None


async def get_workshop(db: AsyncSession, workshop_id: UUID, *, lock: bool = False) -> Workshop:
    query = select(Workshop).where(Workshop.id == workshop_id)
    workshop = (await db.execute(query)).scalar_one_or_none()
    if workshop is None:
        raise NotFound(_("Diese Werkstatt gibt es nicht."))
    return workshop


def require_credentials(
    workshop_id: UUID, *, account: CurrentAccount | None, session: SessionState | None, bearer: str | None
) -> None:
    """API.md: a call without any credentials is 401 (sign in or send a token), before the workshop is even
    looked up, so the answer says nothing about whether it exists; a caller with credentials that do not
    reach the workshop gets resolve_actor's 404."""
    if account is not None or bearer:
        return
    if session is not None and session.data.get("participants", {}).get(str(workshop_id)):
        return
    raise Unauthenticated(_("Bitte melden Sie sich an oder senden Sie ein Token."))


async def resolve_actor(
    db: AsyncSession,
    workshop_id: UUID,
    *,
    account: CurrentAccount | None,
    session: SessionState | None,
    bearer: str | None,
    writing: bool = True,
) -> Actor:
    """The coach (account with rights), or the participant from the session or a guest bearer token.
    Anyone else gets 404: a workshop that is not yours does not exist for you. Only a writing request makes
    the coach's participant row; a read finds it, or goes without (a GET changes nothing)."""
    workshop = await get_workshop(db, workshop_id)
    participant: Participant | None = None
    if bearer:  # a guest token names its participant exactly; it wins over a browser's cookie
        participant = (
            await db.execute(
                select(Participant).where(
                    Participant.token_hash == hash_token(bearer), Participant.workshop_id == workshop.id
                )
            )
        ).scalar_one_or_none()
    if participant is None and may_run(account, workshop.network_id):
        assert account is not None
        coach = await _coach_participant(db, workshop, account, make=writing)
        return Actor(workshop, coach, account, is_coach=True)
    if participant is None and session is not None:
        known = session.data.get("participants", {}).get(str(workshop.id))
        if known:
            participant = await db.get(Participant, UUID(known))
    if participant is None or participant.removed or participant.workshop_id != workshop.id:
        raise NotFound(_("Diese Werkstatt gibt es nicht – oder Sie sind ihr nicht beigetreten."))
    return Actor(workshop, participant, account, is_coach=False)


async def _coach_participant(
    db: AsyncSession, workshop: Workshop, account: CurrentAccount, *, make: bool = True
) -> Participant | None:
    """The coach posts cards too; their participant row is made on first writing use."""
    found = (
        await db.execute(
            select(Participant).where(
                Participant.workshop_id == workshop.id,
                Participant.account_id == account.id,
                Participant.role == ParticipantRole.coach,
            )
        )
    ).scalar_one_or_none()
    if found is not None or not make:
        return found
    participant = Participant(
        workshop_id=workshop.id,
        account_id=account.id,
        display_name=account.display_name[:60],
        role=ParticipantRole.coach,
        token_hash=hash_token(secrets.token_urlsafe(32)),
    )
    db.add(participant)
    await db.flush()
    return participant


async def create_workshop(db: AsyncSession, account: CurrentAccount | None, data: WorkshopCreate) -> Workshop:
    """Plan a workshop for a town of the coach's network, with its agenda. The caller commits."""
    town = await db.get(Town, data.town_id)
    if town is None or not (account and (account.role == Role.admin or account.network_id == town.network_id)):
        raise NotFound(_("Diese Stadt gibt es nicht."), {"town_id": _("Unbekannte Stadt.")})
    if not may_run(account, town.network_id):
        raise Forbidden(_("Nur Coaches dieses Netzwerks planen Werkstätten."))
    all_topics = {
        str(t)
        for t in (await db.execute(select(FocusTopic.id).where(FocusTopic.network_id == town.network_id))).scalars()
    }
    for topic in data.focus_topic_ids:
        if str(topic) not in all_topics:
            raise Invalid(_("Unbekanntes Schwerpunktthema."), {"focus_topic_ids": _("Unbekanntes Schwerpunktthema.")})
    groups = set(
        (await db.execute(select(TargetGroup.slug).where(TargetGroup.network_id == town.network_id))).scalars()
    )
    for group in data.target_groups:
        if group not in groups:
            raise Invalid(
                _("Unbekannte Zielgruppe."), {"target_groups": _("Unbekannte Zielgruppe: %(group)s") % {"group": group}}
            )
    workshop = Workshop(
        network_id=town.network_id,
        town_id=town.id,
        created_by_id=account.id if account else None,
        title=data.title,
        format=data.format,
        starts_at=data.starts_at,
        place=data.place,
        planned_minutes=data.planned_minutes or max(30, sum(step.minutes for step in data.agenda) or 120),
        expected_participants=data.expected_participants,
        focus_topic_ids=[str(topic) for topic in data.focus_topic_ids],
        target_groups=list(data.target_groups),
        join_code=await _unique_code(db),
        is_test=data.test,
    )
    db.add(workshop)
    await db.flush()
    for position, step in enumerate(data.agenda):
        board = await _board_of(db, step, town.network_id)
        db.add(
            AgendaStep(
                workshop_id=workshop.id,
                position=position,
                method_slug=step.method_slug,
                title=step.title,
                minutes=step.minutes,
                mechanic=board.mechanic.value,
                config=board.config,
                instructions=step.instructions,
                facilitator_notes=step.facilitator_notes,
                question=step.question,
            )
        )
    await db.flush()
    await db.refresh(workshop, ["steps"])
    return workshop


async def delete_test_workshop(db: AsyncSession, actor: Actor) -> None:
    """A load test removes its workshop with everything in it (the database cascades). Only test workshops:
    a held workshop's cards and votes are the town's record. The caller commits."""
    if not may_moderate(actor):  # for anyone else the workshop does not exist
        raise NotFound(_("Diese Werkstatt gibt es nicht."))
    if not actor.workshop.is_test:
        raise Conflict(_("Nur Test-Werkstätten (werkstatt loadtest) lassen sich löschen."))
    await db.execute(delete(Workshop).where(Workshop.id == actor.workshop.id))


async def _board_of(db: AsyncSession, step: StepIn, network_id: UUID) -> BoardIn:
    """The step's board as given; a step that names a method and no board takes the method's own: the mode
    and settings of its first step that does more than talk (Mehrpunktabfrage: the dots), not a discussion."""
    if step.method_slug is None or "board" in step.model_fields_set:
        return step.board
    card = await method_card(db, step.method_slug, network_id)
    boards = [method_step.board for method_step in card.steps] if card is not None else []
    working = [board for board in boards if board.mechanic.value not in {"discuss", "timer"}] or boards
    if not working:
        return step.board
    return BoardIn(mechanic=working[0].mechanic, config=dict(working[0].config))


async def _unique_code(db: AsyncSession) -> str:
    for _attempt in range(20):
        code = new_join_code()
        if (await db.execute(select(Workshop.id).where(Workshop.join_code == code))).first() is None:
            return code
    raise RuntimeError("no free join code")  # 31^6 ≈ 887 million codes: practically unreachable


async def code_expired(db: AsyncSession, workshop: Workshop, days: int | None, now: datetime | None = None) -> bool:
    """Whether the join code has stopped working: `days` after the workshop's last date (its planned end or
    its last live event, whichever is later; JOIN_CODE_DAYS). None: codes never expire (callers without
    settings). A workshop without a date and without events keeps its code."""
    if days is None:
        return False
    from werkstatt.live.models import WorkshopEvent
    from werkstatt.workshops.dates import last_date

    last_event_at = await db.scalar(
        select(func.max(WorkshopEvent.created_at)).where(WorkshopEvent.workshop_id == workshop.id)
    )
    if last_event_at is not None and last_event_at.tzinfo is None:
        last_event_at = last_event_at.replace(tzinfo=UTC)
    ended = last_date(workshop.starts_at, workshop.planned_minutes, last_event_at)
    return ended is not None and ended + timedelta(days=days) < (now or datetime.now(UTC))


async def workshop_by_code(db: AsyncSession, code: str) -> Workshop | None:
    """The workshop a join code (as typed: any case, with spaces or dashes) opens, if any."""
    normalised = normalise_code(code)
    if not normalised:
        return None
    return (await db.execute(select(Workshop).where(Workshop.join_code == normalised))).scalar_one_or_none()


async def join_workshop(
    db: AsyncSession, data: JoinIn, account: CurrentAccount | None, *, code_days: int | None = None
) -> tuple[Workshop, Participant, str, WorkshopEvent]:
    """A guest (display name, optional target group) or an account member joins by code.
    Returns the participant's bearer token (shown once). The caller commits and publishes.
    `code_days`: JOIN_CODE_DAYS (the code stops working that long after the workshop's last date)."""
    code = normalise_code(data.code)
    workshop = (await db.execute(select(Workshop).where(Workshop.join_code == code))).scalar_one_or_none()
    if workshop is None:
        raise Invalid(_("Diesen Code gibt es nicht. Bitte prüfen Sie ihn."), {"code": _("Unbekannter Code.")})
    if workshop.state == WorkshopState.closed:
        raise Invalid(
            _(
                "Diese Werkstatt ist schon beendet: Beitreten ist nicht mehr möglich. "
                "Das Ergebnis erhalten Sie von der Moderation."
            ),
            {"code": _("Die Werkstatt ist beendet.")},
        )
    if await code_expired(db, workshop, code_days):
        raise Invalid(EXPIRED, {"code": _("Der Code ist abgelaufen.")})
    name = " ".join(data.display_name.split())
    if not name or any(ord(ch) < 32 or ch in "\u202e\u202d\u200b\u2066\u2067\u2068\u2069" for ch in name):
        raise Invalid(_("Bitte einen lesbaren Anzeigenamen angeben."), {"display_name": _("Ungültiger Anzeigename.")})
    group_name: str | None = None
    if data.target_group:
        group_name = await db.scalar(
            select(TargetGroup.name).where(
                TargetGroup.network_id == workshop.network_id, TargetGroup.slug == data.target_group
            )
        )
        if group_name is None:
            raise Invalid(_("Unbekannte Zielgruppe."), {"target_group": _("Unbekannte Zielgruppe.")})
    token = secrets.token_urlsafe(32)
    is_member = account is not None and account.network_id == workshop.network_id
    participant = Participant(
        workshop_id=workshop.id,
        account_id=account.id if is_member and account else None,
        display_name=name,
        target_group=data.target_group,
        role=ParticipantRole.member if is_member else ParticipantRole.guest,
        token_hash=hash_token(token),
    )
    db.add(participant)
    await db.flush()
    event = await record(
        db,
        workshop.id,
        ParticipantJoined({**participant_view(participant), "target_group_name": group_name}),
    )
    return workshop, participant, token, event


def participant_view(participant: Participant) -> dict[str, Any]:
    return {
        "id": str(participant.id),
        "display_name": participant.display_name,
        "target_group": participant.target_group,
        "role": str(participant.role),
    }
