"""One card as the board shows it (text, author, comments, reactions, merged cards), read at record time so
an event can carry the card whole: the boards then swap it in without asking the server.

`card_extras` is the one reader of what hangs on a card (comments, reaction counts, the cards merged into
it): the board's page (werkstatt.board.queries) and the pushed card (`card_state`) both use it."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from werkstatt.board import rules
from werkstatt.board.models import Comment, Idea, Reaction
from werkstatt.board.service import idea_view
from werkstatt.network.models import FocusTopic
from werkstatt.workshops.models import Participant

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop

COMMENTS_CARRIED = 50  # an event stays small; a board with more comments on one card shows the newest 50


def empty_extras() -> dict[str, Any]:
    return {"comments": [], "reactions": {}, "merged_authors": [], "merged": []}


async def card_extras(
    db: AsyncSession, ids: Sequence[UUID], comments_limit: int | None = None, blind_steps: Collection[int] = ()
) -> dict[str, dict[str, Any]]:
    """Per card id: its comments (oldest first; with `comments_limit` only the newest ones), its reaction
    counts, and the cards merged into it (`merged`: id and text; `merged_authors`: the names that are not
    anonymous; a merged card that is hidden, or of a blind step before the reveal, is not listed)."""
    found: dict[str, dict[str, Any]] = defaultdict(empty_extras)
    if not ids:
        return found
    comments = (
        select(Comment, Participant.display_name)
        .join(Participant, Participant.id == Comment.participant_id)
        .where(Comment.idea_id.in_(ids), Comment.withdrawn.is_(False))
        .order_by(Comment.created_at, Comment.id)
    )
    if comments_limit is not None:
        newest = func.row_number().over(
            partition_by=Comment.idea_id, order_by=(Comment.created_at.desc(), Comment.id.desc())
        )
        kept = (
            select(Comment.id.label("id"), newest.label("n"))
            .where(Comment.idea_id.in_(ids), Comment.withdrawn.is_(False))
            .subquery()
        )
        comments = comments.where(Comment.id.in_(select(kept.c.id).where(kept.c.n <= comments_limit)))
    for comment, name in (await db.execute(comments)).all():
        found[str(comment.idea_id)]["comments"].append(
            {"id": str(comment.id), "text": comment.text, "author_name": name}
        )
    counts = (
        select(Reaction.idea_id, Reaction.kind, func.count(Reaction.id))
        .where(Reaction.idea_id.in_(ids))
        .group_by(Reaction.idea_id, Reaction.kind)
    )
    for idea_id, kind, count in (await db.execute(counts)).all():
        found[str(idea_id)]["reactions"][str(kind)] = int(count)
    merged = (
        select(Idea.merged_into_id, Idea.id, Idea.text, Idea.number, Idea.anonymous, Participant.display_name)
        .join(Participant, Participant.id == Idea.participant_id)
        .where(Idea.merged_into_id.in_(ids), Idea.withdrawn.is_(False), Idea.hidden.is_(False))
        .where(Idea.step_position.not_in(list(blind_steps)))
        .order_by(Idea.created_at, Idea.id)
    )
    for target_id, source_id, text, number, anonymous, name in (await db.execute(merged)).all():
        extras = found[str(target_id)]
        extras["merged"].append({"id": str(source_id), "text": text, "number": number})
        if not anonymous:
            extras["merged_authors"].append(name)
    return found


async def card_state(db: AsyncSession, workshop: Workshop, idea: Idea) -> dict[str, Any]:
    author = await db.get(Participant, idea.participant_id)
    assert author is not None
    step = next((s for s in workshop.steps if s.position == idea.step_position), None)
    topic = await db.get(FocusTopic, idea.focus_topic_id) if idea.focus_topic_id else None
    view = idea_view(idea, author, step, topic)
    extras = await card_extras(db, [idea.id], COMMENTS_CARRIED, rules.blind_positions(workshop))
    view.update(extras.get(str(idea.id)) or empty_extras())
    return view
