"""One card as the board shows it (text, author, comments, reactions, merged authors), read at record time so
an event can carry the card whole: the boards then swap it in without asking the server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from werkstatt.board.models import Comment, Idea, Reaction
from werkstatt.board.service import idea_view
from werkstatt.network.models import FocusTopic
from werkstatt.workshops.models import Participant

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop

COMMENTS_CARRIED = 50  # an event stays small; a board with more comments on one card shows the newest 50


async def card_state(db: AsyncSession, workshop: Workshop, idea: Idea) -> dict[str, Any]:
    author = await db.get(Participant, idea.participant_id)
    assert author is not None
    step = next((s for s in workshop.steps if s.position == idea.step_position), None)
    topic = await db.get(FocusTopic, idea.focus_topic_id) if idea.focus_topic_id else None
    view = idea_view(idea, author, step, topic)
    comments = (
        await db.execute(
            select(Comment, Participant.display_name)
            .join(Participant, Participant.id == Comment.participant_id)
            .where(Comment.idea_id == idea.id, Comment.withdrawn.is_(False))
            .order_by(Comment.created_at.desc())
            .limit(COMMENTS_CARRIED)
        )
    ).all()
    view["comments"] = [
        {"id": str(comment.id), "text": comment.text, "author_name": name} for comment, name in reversed(comments)
    ]
    counts = select(Reaction.kind, func.count(Reaction.id)).where(Reaction.idea_id == idea.id).group_by(Reaction.kind)
    view["reactions"] = {str(kind): int(count) for kind, count in (await db.execute(counts)).all()}
    view["merged_authors"] = list(
        (
            await db.execute(
                select(Participant.display_name)
                .join(Idea, Idea.participant_id == Participant.id)
                .where(Idea.merged_into_id == idea.id, Idea.anonymous.is_(False))
            )
        ).scalars()
    )
    return view
