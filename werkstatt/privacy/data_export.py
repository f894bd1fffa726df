"""An account holder's data as JSON (DSGVO Art. 15 and 20): `werkstatt privacy export EMAIL`.

Their own data and nobody else's: the people they invited, other people's cards in their workshops and the
secrets of their tokens (only hashes are stored) are not in it."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import func, or_, select

from werkstatt.board.models import Comment, Idea, Reaction
from werkstatt.catalogue.models import Method, MethodRating, MethodVersion
from werkstatt.network.models import ApiToken, Invitation, KernteamMember, Network, PasswordReset, Town
from werkstatt.privacy.accounts import find_account
from werkstatt.privacy.accounts import iso as _iso
from werkstatt.results.models import ProjectIdea
from werkstatt.sessions import WebSession
from werkstatt.voting.models import Vote
from werkstatt.workshops.models import Participant, Workshop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def _participations(db: AsyncSession, account_id: UUID) -> list[dict[str, Any]]:
    rows = (
        await db.execute(
            select(Participant, Workshop.title)
            .join(Workshop, Workshop.id == Participant.workshop_id)
            .where(Participant.account_id == account_id)
            .order_by(Participant.created_at)
        )
    ).all()
    ids = [participant.id for participant, _title in rows]
    ideas: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    comments: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    reactions: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    votes: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for idea in (
            await db.execute(select(Idea).where(Idea.participant_id.in_(ids)).order_by(Idea.created_at))
        ).scalars():
            ideas[idea.participant_id].append(
                {
                    "id": str(idea.id),
                    "text": idea.text,
                    "step": idea.step_position,
                    "created_at": _iso(idea.created_at),
                    "edited_at": _iso(idea.edited_at),
                    "withdrawn": idea.withdrawn,
                    "hidden": idea.hidden,
                }
            )
        query = select(Comment).where(Comment.participant_id.in_(ids)).order_by(Comment.created_at)
        for comment in (await db.execute(query)).scalars():
            comments[comment.participant_id].append(
                {
                    "id": str(comment.id),
                    "idea_id": str(comment.idea_id),
                    "text": comment.text,
                    "created_at": _iso(comment.created_at),
                    "withdrawn": comment.withdrawn,
                }
            )
        for reaction in (await db.execute(select(Reaction).where(Reaction.participant_id.in_(ids)))).scalars():
            reactions[reaction.participant_id].append(
                {"idea_id": str(reaction.idea_id), "kind": reaction.kind, "created_at": _iso(reaction.created_at)}
            )
        query_votes = select(Vote).where(Vote.participant_id.in_(ids)).order_by(Vote.created_at)
        for vote in (await db.execute(query_votes)).scalars():
            votes[vote.participant_id].append(
                {
                    "idea_id": str(vote.idea_id),
                    "step": vote.step_position,
                    "score_x": vote.score_x,
                    "score_y": vote.score_y,
                    "created_at": _iso(vote.created_at),
                }
            )
    return [
        {
            "workshop_id": str(participant.workshop_id),
            "workshop_title": title,
            "display_name": participant.display_name,
            "role": str(participant.role),
            "target_group": participant.target_group,
            "joined_at": _iso(participant.created_at),
            "removed": participant.removed,
            "ideas": ideas[participant.id],
            "comments": comments[participant.id],
            "reactions": reactions[participant.id],
            "votes": votes[participant.id],
        }
        for participant, title in rows
    ]


async def export_account(db: AsyncSession, email: str, now: datetime) -> dict[str, Any]:
    """Everything stored about the account with this e-mail address, as plain JSON-ready data."""
    account = await find_account(db, email)
    network = await db.get(Network, account.network_id) if account.network_id else None
    memberships = (
        await db.execute(
            select(KernteamMember, Town.name)
            .join(Town, Town.id == KernteamMember.town_id)
            .where(KernteamMember.account_id == account.id)
            .order_by(Town.name)
        )
    ).all()
    member_ids = [member.id for member, _town in memberships]
    owned = (
        (
            await db.execute(
                select(ProjectIdea).where(ProjectIdea.owner_id.in_(member_ids)).order_by(ProjectIdea.created_at)
            )
        )
        .scalars()
        .all()
        if member_ids
        else []
    )
    sessions = (
        await db.execute(select(WebSession).where(WebSession.account_id == account.id).order_by(WebSession.created_at))
    ).scalars()
    tokens = (
        await db.execute(select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.created_at))
    ).scalars()
    resets = (await db.execute(select(PasswordReset).where(PasswordReset.account_id == account.id))).scalars()
    invitations = (
        await db.execute(select(Invitation).where(func.lower(Invitation.email) == account.email.lower()))
    ).scalars()
    workshops = (
        await db.execute(select(Workshop).where(Workshop.created_by_id == account.id).order_by(Workshop.created_at))
    ).scalars()
    authored = (
        await db.execute(
            select(Method).where(or_(Method.created_by_id == account.id, Method.updated_by_id == account.id))
        )
    ).scalars()
    changes = (
        await db.execute(
            select(MethodVersion, Method.slug)
            .join(Method, Method.id == MethodVersion.method_id)
            .where(MethodVersion.changed_by_id == account.id)
            .order_by(MethodVersion.created_at)
        )
    ).all()
    ratings = (
        await db.execute(
            select(MethodRating, Method.slug)
            .join(Method, Method.id == MethodRating.method_id)
            .where(MethodRating.account_id == account.id)
            .order_by(MethodRating.created_at)
        )
    ).all()
    return {
        "exported_at": _iso(now),
        "account": {
            "id": str(account.id),
            "email": account.email,
            "display_name": account.display_name,
            "role": str(account.role),
            "locale": account.locale,
            "active": account.is_active,
            "has_password": account.password_hash is not None,
            "network": {"id": str(network.id), "name": network.name} if network else None,
            "created_at": _iso(account.created_at),
            "updated_at": _iso(account.updated_at),
        },
        "kernteam_memberships": [
            {
                "id": str(member.id),
                "town_id": str(member.town_id),
                "town": town,
                "display_name": member.display_name,
                "role": str(member.role),
                "organisation": member.organisation,
                "since": _iso(member.created_at),
            }
            for member, town in memberships
        ],
        "sessions": [
            {
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "expires_at": _iso(s.expires_at),
                "locale": s.locale,
            }
            for s in sessions
        ],
        "api_tokens": [
            {
                "id": str(t.id),
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
            }
            for t in tokens
        ],
        "password_resets": [
            {"requested_at": _iso(r.created_at), "expires_at": _iso(r.expires_at), "used_at": _iso(r.used_at)}
            for r in resets
        ],
        "invitations": [
            {
                "email": i.email,
                "role": str(i.role),
                "display_name": i.display_name,
                "sent_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "accepted_at": _iso(i.accepted_at),
            }
            for i in invitations
        ],
        "workshops_coached": [
            {
                "id": str(w.id),
                "title": w.title,
                "town_id": str(w.town_id),
                "starts_at": _iso(w.starts_at),
                "place": w.place,
                "state": str(w.state),
            }
            for w in workshops
        ],
        "workshop_participations": await _participations(db, account.id),
        "methods_authored": [
            {
                "id": str(m.id),
                "slug": m.slug,
                "name": m.name,
                "created_at": _iso(m.created_at),
                "created": m.created_by_id == account.id,
                "last_changed": m.updated_by_id == account.id,
            }
            for m in authored
        ],
        "method_changes": [
            {
                "method": slug,
                "version": v.version,
                "note": v.note,
                "name_shown": v.changed_by_name,
                "changed_at": _iso(v.created_at),
            }
            for v, slug in changes
        ],
        "method_ratings": [
            {
                "method": slug,
                "stars": r.stars,
                "note": r.note,
                "target_group": r.target_group,
                "group_size": r.group_size,
                "workshop_id": str(r.workshop_id) if r.workshop_id else None,
                "name_shown": r.author_name,
                "rated_at": _iso(r.created_at),
            }
            for r, slug in ratings
        ],
        "project_ideas_owned": [
            {
                "id": str(p.id),
                "title": p.title,
                "status": str(p.status),
                "town_id": str(p.town_id),
                "workshop_id": str(p.workshop_id) if p.workshop_id else None,
                "created_at": _iso(p.created_at),
            }
            for p in owned
        ],
    }


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


async def run_export(session_factory: async_sessionmaker[AsyncSession], email: str, now: datetime) -> str:
    async with session_factory() as db:
        return export_json(await export_account(db, email, now))
