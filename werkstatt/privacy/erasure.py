"""Erasure of an account (DSGVO Art. 17): `werkstatt privacy erase EMAIL`.

Removes the account and every copy of the person's name, and keeps what a workshop decided: their cards,
comments and votes stay under a pseudonym ("Gast 1a2b", or "Moderation" for a coach), the event log is rewritten
the same way, the workshops they ran and the method ratings they gave stay without their name, and the project
ideas they owned in a Kernteam stay with no owner (the town names a new one). Their sessions and tokens end;
open websockets on every worker close (through Redis; in the one-process embedded mode the next command on such
a socket is refused, because its session or token no longer exists)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import delete, func, select, update

from werkstatt.catalogue.models import Method, MethodRating, MethodVersion
from werkstatt.live.broker import SESSIONS_CHANNEL
from werkstatt.network.models import Account, ApiToken, Invitation, KernteamMember, PasswordReset
from werkstatt.privacy.accounts import find_account
from werkstatt.privacy.pseudonyms import forget_participants_in_sessions, pseudonymise_participants, rename_in_event_log
from werkstatt.results.models import ProjectIdea
from werkstatt.sessions import WebSession
from werkstatt.workshops.models import Participant, Workshop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.settings import Settings

ERASED_NAME = "Gelöschtes Konto"


@dataclass
class ErasureReport:
    account_id: str
    participants_pseudonymised: int = 0
    events_rewritten: int = 0
    memberships_removed: int = 0
    project_ideas_unowned: int = 0
    ratings_anonymised: int = 0
    method_changes_anonymised: int = 0
    workshops_unlinked: int = 0
    sessions_ended: int = 0
    tokens_revoked: int = 0
    ended_session_hashes: list[str] = field(default_factory=list)
    revoked_token_hashes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            "Konto gelöscht; Anmeldung nicht mehr möglich.",
            f"Teilnahmen pseudonymisiert: {self.participants_pseudonymised}",
            f"Ereignisse im Protokoll umgeschrieben: {self.events_rewritten}",
            f"Kernteam-Mitgliedschaften entfernt: {self.memberships_removed}",
            f"Projektideen ohne Verantwortliche (bitte neu vergeben): {self.project_ideas_unowned}",
            f"Methodenbewertungen ohne Namen: {self.ratings_anonymised}",
            f"Methodenänderungen ohne Namen: {self.method_changes_anonymised}",
            f"Werkstätten ohne Verweis auf das Konto: {self.workshops_unlinked}",
            f"Sitzungen beendet: {self.sessions_ended}",
            f"API-Tokens widerrufen: {self.tokens_revoked}",
        ]


async def erase_account(db: AsyncSession, email: str, now: datetime) -> ErasureReport:
    """Erase the account with this e-mail address everywhere, keeping workshop results. Caller commits and then
    announces the ended sessions and revoked tokens (`announce_erasure`)."""
    account = await find_account(db, email)
    report = ErasureReport(str(account.id))
    names_by_workshop: dict[UUID, dict[str, str | None]] = defaultdict(dict)

    participants = (await db.execute(select(Participant).where(Participant.account_id == account.id))).scalars().all()
    renamed = await pseudonymise_participants(db, participants, now)
    for participant in participants:
        participant.account_id = None
        names_by_workshop[participant.workshop_id][str(participant.id)] = renamed[str(participant.id)]
    report.participants_pseudonymised = len(participants)
    await db.flush()

    members = (await db.execute(select(KernteamMember).where(KernteamMember.account_id == account.id))).scalars().all()
    member_ids = [member.id for member in members]
    if member_ids:
        owned = (
            await db.execute(
                select(ProjectIdea.id, ProjectIdea.workshop_id).where(ProjectIdea.owner_id.in_(member_ids))
            )
        ).all()
        report.project_ideas_unowned = len(owned)
        for _project_id, workshop_id in owned:
            if workshop_id is not None:
                names_by_workshop[workshop_id].update({str(member_id): None for member_id in member_ids})
        await db.execute(update(ProjectIdea).where(ProjectIdea.owner_id.in_(member_ids)).values(owner_id=None))
        await db.execute(delete(KernteamMember).where(KernteamMember.id.in_(member_ids)))
    report.memberships_removed = len(member_ids)

    for workshop_id, names in names_by_workshop.items():
        report.events_rewritten += await rename_in_event_log(db, workshop_id, names)
    await forget_participants_in_sessions(db, {str(p.id) for p in participants}, now)

    ratings = await db.execute(
        update(MethodRating).where(MethodRating.account_id == account.id).values(account_id=None, author_name="")
    )
    report.ratings_anonymised = ratings.rowcount  # type: ignore[attr-defined]
    versions = await db.execute(
        update(MethodVersion)
        .where(MethodVersion.changed_by_id == account.id)
        .values(changed_by_id=None, changed_by_name=ERASED_NAME)
    )
    report.method_changes_anonymised = versions.rowcount  # type: ignore[attr-defined]
    await db.execute(update(Method).where(Method.created_by_id == account.id).values(created_by_id=None))
    await db.execute(update(Method).where(Method.updated_by_id == account.id).values(updated_by_id=None))
    workshops = await db.execute(
        update(Workshop).where(Workshop.created_by_id == account.id).values(created_by_id=None)
    )
    report.workshops_unlinked = workshops.rowcount  # type: ignore[attr-defined]

    ended = await db.execute(
        delete(WebSession).where(WebSession.account_id == account.id).returning(WebSession.token_hash)
    )
    report.ended_session_hashes = list(ended.scalars())
    report.sessions_ended = len(report.ended_session_hashes)
    revoked = await db.execute(delete(ApiToken).where(ApiToken.account_id == account.id).returning(ApiToken.token_hash))
    report.revoked_token_hashes = list(revoked.scalars())
    report.tokens_revoked = len(report.revoked_token_hashes)
    await db.execute(delete(PasswordReset).where(PasswordReset.account_id == account.id))
    await db.execute(delete(Invitation).where(func.lower(Invitation.email) == account.email.lower()))
    await db.execute(update(Invitation).where(Invitation.invited_by_id == account.id).values(invited_by_id=None))
    await db.execute(delete(Account).where(Account.id == account.id))
    await db.flush()
    return report


async def announce_erasure(settings: Settings, report: ErasureReport) -> bool:
    """Tell every worker to close the erased person's open websockets (the hub listens on SESSIONS_CHANNEL).
    Without Redis there is no other worker to tell; returns whether the news went out."""
    if not settings.redis_url:
        return False
    from werkstatt.live.broker import make_redis

    redis = make_redis(settings)
    assert redis is not None
    try:
        messages = [{"account": report.account_id}]
        messages += [{"ended": token_hash} for token_hash in report.ended_session_hashes]
        messages += [{"revoked_token": token_hash} for token_hash in report.revoked_token_hashes]
        for message in messages:
            await redis.publish(SESSIONS_CHANNEL, json.dumps(message).encode())
    finally:
        await redis.aclose()
    return True


async def run_erasure(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, email: str, now: datetime
) -> ErasureReport:
    async with session_factory() as db, db.begin():
        report = await erase_account(db, email, now)
    await announce_erasure(settings, report)
    return report
