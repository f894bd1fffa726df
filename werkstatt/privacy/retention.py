"""Retention: what Werkstatt forgets, and when (the numbers are settings; the privacy notice states them).

- Guests' display names become pseudonyms, in the participant table and in the event log, and their sessions
  and tokens end GUEST_RETENTION_DAYS after the workshop's last date. Their cards, comments and votes stay with
  the workshop's results, so a result page, an export or a replayed event log reads the same, with "Gast 1a2b"
  instead of a name. The texts of cards their authors withdrew are emptied then too (card and event log).
- Sessions past their expiry (or an account session idle longer than SESSION_IDLE_MINUTES), idempotency keys
  older than a day, failed-login rows older than LOGIN_WINDOW_MINUTES, used or expired password-reset links,
  accepted invitations, and invitations and API tokens expired more than EXPIRED_LINK_DAYS ago are deleted.

`apply_retention` is one plain async function for the scheduler (or `werkstatt privacy prune`). It is idempotent
and safe to run on several workers at once: a workshop's guests are claimed by a conditional update
(`pseudonymised_at IS NULL`) in the same transaction as the rewrite, so the second runner finds nothing to do,
and every prune is a plain DELETE by condition."""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select, update

from werkstatt.board.models import Idea
from werkstatt.idempotency import RETENTION as IDEMPOTENCY_RETENTION
from werkstatt.idempotency import ApiRequest
from werkstatt.live.models import WorkshopEvent
from werkstatt.network.models import ApiToken, Invitation, LoginAttempt, PasswordReset
from werkstatt.privacy.pseudonyms import forget_participants_in_sessions, pseudonym, rename_in_event_log
from werkstatt.sessions import WebSession, hash_token
from werkstatt.workshops.dates import last_date
from werkstatt.workshops.models import Participant, ParticipantRole, Workshop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.settings import Settings

logger = logging.getLogger("werkstatt.privacy")

WORKSHOPS_PER_RUN = 200  # a backlog (first run on an old instance) is worked off over several runs


@dataclass
class RetentionReport:
    """What one run changed (all zero when there was nothing to do)."""

    workshops: int = 0
    guests_pseudonymised: int = 0
    events_rewritten: int = 0
    guest_sessions_deleted: int = 0
    sessions_pruned: int = 0
    idempotency_keys_pruned: int = 0
    login_attempts_pruned: int = 0
    links_pruned: int = 0
    tokens_pruned: int = 0
    workshop_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        return [
            f"Werkstätten mit pseudonymisierten Gästen: {self.workshops}",
            f"Gäste pseudonymisiert: {self.guests_pseudonymised}",
            f"Ereignisse im Protokoll umgeschrieben: {self.events_rewritten}",
            f"Gast-Sitzungen beendet: {self.guest_sessions_deleted}",
            f"Abgelaufene Sitzungen gelöscht: {self.sessions_pruned}",
            f"Idempotency-Keys gelöscht: {self.idempotency_keys_pruned}",
            f"Fehlversuche beim Anmelden gelöscht: {self.login_attempts_pruned}",
            f"Einladungs- und Passwort-Links gelöscht: {self.links_pruned}",
            f"Abgelaufene API-Tokens gelöscht: {self.tokens_pruned}",
        ]


async def due_workshops(db: AsyncSession, settings: Settings, now: datetime) -> list[UUID]:
    """Workshops with guests still named whose last date lies GUEST_RETENTION_DAYS back or more."""
    pending = (
        select(Participant.workshop_id)
        .where(Participant.role == ParticipantRole.guest, Participant.pseudonymised_at.is_(None))
        .distinct()
        .subquery()
    )
    last_event = (
        select(WorkshopEvent.workshop_id, func.max(WorkshopEvent.created_at).label("at"))
        .where(WorkshopEvent.workshop_id.in_(select(pending.c.workshop_id)))
        .group_by(WorkshopEvent.workshop_id)
        .subquery()
    )
    rows = await db.execute(
        select(Workshop.id, Workshop.starts_at, Workshop.planned_minutes, last_event.c.at)
        .join(pending, pending.c.workshop_id == Workshop.id)
        .outerjoin(last_event, last_event.c.workshop_id == Workshop.id)
    )
    cutoff = now - timedelta(days=settings.guest_retention_days)
    due = []
    for workshop_id, starts_at, minutes, last_event_at in rows.all():
        ended = last_date(starts_at, minutes, last_event_at)
        if ended is not None and ended <= cutoff:
            due.append(workshop_id)
    return sorted(due)[:WORKSHOPS_PER_RUN]


async def pseudonymise_workshop_guests(db: AsyncSession, workshop_id: UUID, now: datetime) -> tuple[int, int, int]:
    """Claim the workshop's named guests (a conditional update: a parallel run claims none of them), give each
    their pseudonym and a dead token, rewrite the event log and end their sessions. Caller commits.
    Returns (guests, events rewritten, sessions deleted)."""
    guests = (
        await db.execute(
            select(Participant.id).where(
                Participant.workshop_id == workshop_id,
                Participant.role == ParticipantRole.guest,
                Participant.pseudonymised_at.is_(None),
            )
        )
    ).scalars()
    names: dict[str, str | None] = {}
    for participant_id in guests:
        claimed = await db.execute(
            update(Participant)
            .where(Participant.id == participant_id, Participant.pseudonymised_at.is_(None))
            .values(
                display_name=pseudonym(participant_id),
                token_hash=hash_token(secrets.token_urlsafe(32)),  # the guest token stops working
                pseudonymised_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            names[str(participant_id)] = pseudonym(participant_id)
    if not names:
        return 0, 0, 0
    # Cards their authors withdrew are no result: their text goes now, from the card and the event log.
    withdrawn = await db.execute(
        update(Idea)
        .where(Idea.workshop_id == workshop_id, Idea.withdrawn.is_(True))
        .values(text="")
        .returning(Idea.id)
        .execution_options(synchronize_session=False)
    )
    forgotten = frozenset(str(idea_id) for idea_id in withdrawn.scalars())
    events = await rename_in_event_log(db, workshop_id, names, forgotten)
    sessions = await forget_participants_in_sessions(db, set(names), now)
    return len(names), events, sessions


async def prune(db: AsyncSession, settings: Settings, now: datetime, report: RetentionReport) -> None:
    """Delete what has expired. Caller commits."""
    idle = now - timedelta(minutes=settings.session_idle_minutes)
    sessions = await db.execute(
        delete(WebSession).where(
            or_(
                WebSession.expires_at <= now,
                and_(WebSession.account_id.is_not(None), WebSession.last_seen_at < idle),
            )
        )
    )
    report.sessions_pruned += sessions.rowcount  # type: ignore[attr-defined]
    keys = await db.execute(delete(ApiRequest).where(ApiRequest.created_at < now - IDEMPOTENCY_RETENTION))
    report.idempotency_keys_pruned += keys.rowcount  # type: ignore[attr-defined]
    window = now - timedelta(minutes=settings.login_window_minutes)
    attempts = await db.execute(delete(LoginAttempt).where(LoginAttempt.at < window))
    report.login_attempts_pruned += attempts.rowcount  # type: ignore[attr-defined]
    grace = now - timedelta(days=settings.expired_link_days)
    resets = await db.execute(
        delete(PasswordReset).where(or_(PasswordReset.used_at.is_not(None), PasswordReset.expires_at <= now))
    )
    invitations = await db.execute(
        delete(Invitation).where(or_(Invitation.accepted_at.is_not(None), Invitation.expires_at <= grace))
    )
    report.links_pruned += resets.rowcount + invitations.rowcount  # type: ignore[attr-defined]
    tokens = await db.execute(delete(ApiToken).where(ApiToken.expires_at.is_not(None), ApiToken.expires_at <= grace))
    report.tokens_pruned += tokens.rowcount  # type: ignore[attr-defined]


async def apply_retention(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> RetentionReport:
    """One retention run: each due workshop in its own transaction, then the prunes in one."""
    report = RetentionReport()
    async with session_factory() as db:
        due = await due_workshops(db, settings, now)
    for workshop_id in due:
        async with session_factory() as db, db.begin():
            guests, events, sessions = await pseudonymise_workshop_guests(db, workshop_id, now)
        if guests:
            report.workshops += 1
            report.workshop_ids.append(str(workshop_id))
            report.guests_pseudonymised += guests
            report.events_rewritten += events
            report.guest_sessions_deleted += sessions
    async with session_factory() as db, db.begin():
        await prune(db, settings, now, report)
    counts = {key: value for key, value in report.as_dict().items() if key != "workshop_ids" and value}
    if counts:
        logger.info("Aufbewahrungsfristen angewandt: %s", counts)  # numbers only, never a name
    return report
