"""Pseudonyms for people in a workshop, in the participant table and inside the event log.

A pseudonym is stable per participant ("Gast 1a2b" from a hash of the participant's id), so the same person
keeps one name across a workshop's cards, comments and replayed events after their real name is gone. The event
log keeps its shape: only the values of name fields change, never keys, types or sequence numbers."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.models import Idea
from werkstatt.live.models import WorkshopEvent
from werkstatt.sessions import WebSession, hash_token
from werkstatt.workshops.models import Participant, ParticipantRole

# Where the event payloads name a person, and which field beside it says who: the name is replaced only when
# that id is one of the people being pseudonymised.
NAME_FIELDS = (("author_name", "author_id"), ("display_name", "id"), ("owner_name", "owner_id"))


def pseudonym(participant_id: UUID | str, role: str = ParticipantRole.guest) -> str:
    """ "Gast 1a2b": the same participant gets the same pseudonym on every run and every worker."""
    digest = hashlib.sha256(str(participant_id).encode()).hexdigest()[:4]
    return "Moderation" if role == ParticipantRole.coach else f"Gast {digest}"


def rename_in(
    data: Any, names: Mapping[str, str | None], idea_authors: Mapping[str, str], forgotten: frozenset[str] = frozenset()
) -> tuple[Any, bool]:
    """A copy of an event's data with the people in `names` (id -> new name) renamed and the text of the cards
    in `forgotten` (withdrawn ones) emptied, and whether anything changed. A card's author name without its
    author id (rankings) is found through the card's id."""
    if isinstance(data, list):
        changed = False
        items = []
        for item in data:
            new, did = rename_in(item, names, idea_authors, forgotten)
            items.append(new)
            changed = changed or did
        return items, changed
    if not isinstance(data, dict):
        return data, False
    changed = False
    result: dict[str, Any] = {}
    for key, value in data.items():
        new, did = rename_in(value, names, idea_authors, forgotten)
        result[key] = new
        changed = changed or did
    for name_key, id_key in NAME_FIELDS:
        if name_key not in result or result[name_key] is None:
            continue
        who = result.get(id_key)
        if name_key == "author_name" and who is None:
            who = idea_authors.get(str(result.get("id")))
        if who is not None and str(who) in names and result[name_key] != names[str(who)]:
            result[name_key] = names[str(who)]
            changed = True
    if result.get("text") and str(result.get("id")) in forgotten:
        result["text"] = ""
        changed = True
    return result, changed


async def rename_in_event_log(
    db: AsyncSession, workshop_id: UUID, names: Mapping[str, str | None], forgotten: frozenset[str] = frozenset()
) -> int:
    """Rewrite the names of these people (and empty the texts of the `forgotten` cards) in the workshop's event
    log; returns the number of events changed. Idempotent: a second run finds nothing left to change."""
    if not names and not forgotten:
        return 0
    authors = {
        str(idea_id): str(participant_id)
        for idea_id, participant_id in (
            await db.execute(select(Idea.id, Idea.participant_id).where(Idea.workshop_id == workshop_id))
        ).all()
    }
    changed = 0
    events = await db.execute(
        select(WorkshopEvent).where(WorkshopEvent.workshop_id == workshop_id).order_by(WorkshopEvent.seq)
    )
    for event in events.scalars():
        data, did = rename_in(event.data, names, authors, forgotten)
        if did:
            event.data = data  # a new object, so the JSON column is written
            changed += 1
    await db.flush()
    return changed


async def pseudonymise_participants(
    db: AsyncSession, participants: Iterable[Participant], now: datetime
) -> dict[str, str]:
    """Give these participants their pseudonym and a new random token hash (their bearer tokens stop working).
    Returns id -> pseudonym. The caller rewrites the event log and ends browser sessions."""
    names: dict[str, str] = {}
    for participant in participants:
        participant.display_name = pseudonym(participant.id, participant.role)
        participant.token_hash = hash_token(secrets.token_urlsafe(32))
        participant.pseudonymised_at = now
        names[str(participant.id)] = participant.display_name
    await db.flush()
    return names


async def forget_participants_in_sessions(db: AsyncSession, participant_ids: set[str], now: datetime) -> int:
    """End the browser sessions that joined as these participants: a guest's session goes, an account's session
    only forgets the workshop. Returns the number of sessions deleted."""
    if not participant_ids:
        return 0
    deleted = 0
    rows = await db.execute(select(WebSession).where(WebSession.expires_at > now))
    for session in rows.scalars():
        joined: dict[str, str] = dict((session.data or {}).get("participants") or {})
        kept = {workshop: person for workshop, person in joined.items() if person not in participant_ids}
        if kept == joined:
            continue
        if session.account_id is None and not kept:
            await db.delete(session)
            deleted += 1
        else:
            session.data = {**session.data, "participants": kept}
    await db.flush()
    return deleted
