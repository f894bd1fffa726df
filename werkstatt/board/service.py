"""Board commands: post, edit and withdraw cards, comment, react; the coach's step and close commands.

Each reads authorize → validate → apply → record and returns the recorded events; the unit of work commits and
only then publishes, so a failed commit broadcasts nothing."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from advanced_alchemy.mixins import uuid as _ids
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from werkstatt.board import limits, rules, step_cards
from werkstatt.board.events import (
    CommentPosted,
    IdeaEdited,
    IdeaPosted,
    IdeaWithdrawn,
    ReactionChanged,
    StepStarted,
    WorkshopClosed,
)
from werkstatt.board.models import REACTIONS, Comment, Idea, Reaction
from werkstatt.errors import Forbidden, Invalid, NotFound
from werkstatt.i18n import _
from werkstatt.live.events import record
from werkstatt.network.models import FocusTopic
from werkstatt.workshops.methods_source import record_usage
from werkstatt.workshops.models import AgendaStep, Participant, Workshop, WorkshopState
from werkstatt.workshops.permissions import may_moderate, require_moderator
from werkstatt.workshops.step_settings import blind_now, collect_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.workshops.service import Actor

# Invisible and direction-changing characters that make a card lie about what it says.
_FORBIDDEN_CHARS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def clean_text(text: str, limit: int, field: str = "text") -> str:
    """Normalise, strip, refuse control and bidi-override characters, and enforce the limit."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    if not text:
        raise Invalid(_("Bitte einen Text eingeben."), {field: _("Der Text ist leer.")})
    if any((ord(ch) < 32 and ch not in "\n\t") or ch in _FORBIDDEN_CHARS for ch in text):
        raise Invalid(_("Der Text enthält unzulässige Steuerzeichen."), {field: _("Unzulässige Steuerzeichen.")})
    if len(text) > limit:
        raise Invalid(
            _("Der Text ist zu lang: höchstens %(limit)d Zeichen.") % {"limit": limit},
            {field: _("Höchstens %(max_length)s Zeichen erlaubt.") % {"max_length": limit}},
        )
    return text


def current_step(workshop: Workshop) -> AgendaStep | None:
    if workshop.current_step is None:
        return None
    for step in workshop.steps:
        if step.position == workshop.current_step:
            return step
    return None


def _require_open(actor: Actor) -> None:
    if not rules.changes_open(actor.workshop):
        raise Forbidden(_("Die Werkstatt ist beendet; es kann nichts mehr geändert werden."))
    if actor.workshop.locked and not may_moderate(actor):
        raise Forbidden(_("Das Board ist gerade gesperrt. Die Moderation gibt es gleich wieder frei."))


def _collect_step(workshop: Workshop, actor: Actor) -> AgendaStep:
    step = current_step(workshop)
    if workshop.state != WorkshopState.live or step is None:
        raise Forbidden(_("Die Werkstatt hat noch nicht begonnen."))
    if step.mechanic != "collect":
        raise Forbidden(_("In diesem Schritt werden keine Karten gesammelt."))
    if collect_settings(step).coach_only and not may_moderate(actor):
        raise Forbidden(_("In diesem Schritt schreibt nur die Moderation."))
    return step


def idea_view(idea: Idea, author: Participant, step: AgendaStep | None, topic: FocusTopic | None) -> dict[str, Any]:
    """Everything any audience could see of a card; `visibility.py` takes away what one may not see."""
    return {
        "id": str(idea.id),
        "number": idea.number,
        "text": idea.text,
        "author_id": str(idea.participant_id),
        "author_name": author.display_name,
        "author_target_group": author.target_group,
        "anonymous": idea.anonymous,
        "blind": blind_now(step),
        "step": idea.step_position,
        "focus_topic_id": str(idea.focus_topic_id) if idea.focus_topic_id else None,
        "focus_topic": topic.name if topic else None,
        "withdrawn": idea.withdrawn,
        "edited": idea.edited_at is not None,
        "cluster_id": str(idea.cluster_id) if idea.cluster_id else None,
        "hidden": idea.hidden,
        "hidden_reason": idea.hidden_reason,
        "created_at": idea.created_at.astimezone(UTC).isoformat() if idea.created_at else None,
    }


async def _topic(db: AsyncSession, workshop: Workshop, topic_id: UUID | None) -> FocusTopic | None:
    if topic_id is None:
        return None
    topic = await db.get(FocusTopic, topic_id)
    if topic is None or topic.network_id != workshop.network_id:
        raise Invalid(_("Unbekanntes Schwerpunktthema."), {"focus_topic_id": _("Unbekanntes Schwerpunktthema.")})
    return topic


async def post_idea(
    db: AsyncSession, actor: Actor, text: str, focus_topic_id: UUID | None = None
) -> tuple[Idea, WorkshopEvent]:
    workshop = actor.workshop
    _require_open(actor)
    step = _collect_step(workshop, actor)
    assert actor.participant is not None
    settings = collect_settings(step)
    text = clean_text(text, min(settings.max_length, 1000))
    topic = await _topic(db, workshop, focus_topic_id)
    await limits.check_rate(actor, "card")
    await limits.check_cards(db, actor, step)
    idea = Idea(
        workshop_id=workshop.id,
        number=await next_card_number(db, workshop.id),
        participant_id=actor.participant.id,
        step_position=step.position,
        text=text,
        focus_topic_id=topic.id if topic else None,
        anonymous=settings.anonymous,
    )
    db.add(idea)
    await db.flush()
    event = await record(db, workshop.id, IdeaPosted(idea_view(idea, actor.participant, step, topic)))
    return idea, event


async def next_card_number(db: AsyncSession, workshop_id: UUID) -> int:
    """The workshop's next card number, from one atomic UPDATE of its counter (the row stays locked until
    commit, so parallel posts on PostgreSQL get distinct numbers; a rolled-back post leaves a gap)."""
    number = (
        await db.execute(
            update(Workshop)
            .where(Workshop.id == workshop_id)
            .values(card_counter=Workshop.card_counter + 1)
            .returning(Workshop.card_counter)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    return int(number)


async def _own_idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> Idea:
    idea = await db.get(Idea, idea_id)
    if idea is None or idea.workshop_id != actor.workshop.id or rules.is_gone(idea):
        raise NotFound(rules.NOT_FOUND)
    if not rules.may_change(actor.workshop, idea, coach=may_moderate(actor), participant_id=actor.participant_id):
        raise Forbidden(_("Nur die Autorin oder der Autor und die Moderation können diese Karte ändern."))
    return idea


def _step_of(workshop: Workshop, position: int) -> AgendaStep | None:
    return next((step for step in workshop.steps if step.position == position), None)


async def edit_idea(db: AsyncSession, actor: Actor, idea_id: UUID, text: str) -> tuple[Idea, WorkshopEvent]:
    _require_open(actor)
    idea = await _own_idea(db, actor, idea_id)
    step = _step_of(actor.workshop, idea.step_position)
    idea.text = clean_text(text, min(collect_settings(step).max_length, 1000))
    idea.edited_at = datetime.now(UTC)
    author = await db.get(Participant, idea.participant_id)
    assert author is not None
    topic = await db.get(FocusTopic, idea.focus_topic_id) if idea.focus_topic_id else None
    event = await record(db, actor.workshop.id, IdeaEdited(idea_view(idea, author, step, topic)))
    return idea, event


async def withdraw_idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> WorkshopEvent:
    _require_open(actor)
    idea = await _own_idea(db, actor, idea_id)
    idea.withdrawn = True
    withdrawn = {"id": str(idea.id), "author_id": str(idea.participant_id)}
    return await record(db, actor.workshop.id, IdeaWithdrawn(withdrawn))


async def _visible_idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> Idea:
    """A card this actor may comment on or react to: one they can see on their board."""
    idea = await db.get(Idea, idea_id)
    return rules.visible(actor.workshop, idea, coach=actor.is_coach, participant_id=actor.participant_id)


async def post_comment(db: AsyncSession, actor: Actor, idea_id: UUID, text: str) -> tuple[Comment, WorkshopEvent]:
    _require_open(actor)
    if actor.workshop.state != WorkshopState.live:
        raise Forbidden(_("Kommentare sind nur während der laufenden Werkstatt möglich."))
    idea = await _visible_idea(db, actor, idea_id)
    assert actor.participant is not None
    text = clean_text(text, 500)
    await limits.check_rate(actor, "comment")
    comment = Comment(idea_id=idea.id, participant_id=actor.participant.id, text=text)
    db.add(comment)
    await db.flush()
    event = await record(
        db,
        actor.workshop.id,
        CommentPosted(
            {
                "id": str(comment.id),
                "idea_id": str(idea.id),
                "idea_author_id": str(idea.participant_id),
                "text": comment.text,
                "author_id": str(actor.participant.id),
                "author_name": actor.participant.display_name,
                "idea_private": rules.private(actor.workshop, idea),  # then only the coach and the card's author see it
            }
        ),
    )
    return comment, event


async def react(db: AsyncSession, actor: Actor, idea_id: UUID, kind: str, on: bool | None = None) -> WorkshopEvent:
    """Set (`on=True`) or unset (`on=False`) one's reaction of this kind; the event carries the new count so
    boards need no query. Each is one statement that cannot collide with itself: setting twice (a double
    click, two devices) leaves one reaction, unsetting twice none. Without `on` (a board button, which does
    not know who presses it) the reaction is set unless this person already gave it."""
    _require_open(actor)
    if kind not in REACTIONS:
        raise Invalid(_("Unbekannte Reaktion."), {"kind": _("Unbekannte Reaktion.")})
    idea = await _visible_idea(db, actor, idea_id)
    assert actor.participant is not None
    mine = (Reaction.idea_id == idea.id, Reaction.participant_id == actor.participant.id, Reaction.kind == kind)
    if on is None:
        on = (await db.execute(select(Reaction.id).where(*mine))).scalar_one_or_none() is None
    if on:
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        now = datetime.now(UTC)
        await db.execute(
            dialect.insert(Reaction)
            .values(
                id=new_row_id(),
                idea_id=idea.id,
                participant_id=actor.participant.id,
                kind=kind,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["idea_id", "participant_id", "kind"])
        )
    else:
        await db.execute(delete(Reaction).where(*mine).execution_options(synchronize_session=False))
    count = (
        await db.execute(select(func.count(Reaction.id)).where(Reaction.idea_id == idea.id, Reaction.kind == kind))
    ).scalar_one()
    return await record(
        db,
        actor.workshop.id,
        ReactionChanged(
            {
                "idea_id": str(idea.id),
                "idea_author_id": str(idea.participant_id),
                "kind": kind,
                "count": count,
            }
        ),
    )


def new_row_id() -> UUID:
    """The same time-ordered ids the ORM gives its rows (a Core INSERT bypasses the ORM default)."""
    return UUID(str(_ids.uuid7()))  # type: ignore[attr-defined]


def step_view(step: AgendaStep | None) -> dict[str, Any] | None:
    """The step as events carry it to everyone (`step_started` is WHOLE): never the moderation's
    `facilitator_notes`, which only the coach's own board renders (from the row, not from an event)."""
    if step is None:
        return None
    return {
        "position": step.position,
        "title": step.title,
        "minutes": step.minutes,
        "mechanic": step.mechanic,
        "config": step.config,
        "instructions": step.instructions,
        "question": step.question,
        "revealed": step.revealed,
    }


async def start_step(db: AsyncSession, actor: Actor, position: int) -> WorkshopEvent:
    """Move every board to step `position` (0-based); starting the first step opens the workshop."""
    require_moderator(actor, _("Nur die Moderation wechselt den Schritt."))
    workshop = actor.workshop
    if workshop.state == WorkshopState.closed:
        raise Forbidden(_("Die Werkstatt ist beendet."))
    step = _step_of(workshop, position)
    if step is None:
        raise Invalid(_("Diesen Schritt gibt es im Ablauf nicht."), {"step": _("Unbekannter Schritt.")})
    if workshop.current_step != position:  # back to an earlier step: a fresh timer, not the one left behind
        step.timer_ends_at, step.timer_remaining = None, None
    if workshop.state == WorkshopState.planned:  # held now: its methods count as tried
        await record_usage(db, workshop)
    workshop.current_step = position
    workshop.state = WorkshopState.live
    await step_cards.freeze_clusters(db, workshop, step)  # a step on clusters: their cards are fixed now
    return await record(db, workshop.id, StepStarted(step_view(step), "live"))


async def close_workshop(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    require_moderator(actor, _("Nur die Moderation beendet die Werkstatt."))
    workshop = actor.workshop
    if workshop.state == WorkshopState.closed:
        raise Invalid(_("Die Werkstatt ist bereits beendet."), {"type": _("Bereits beendet.")})
    workshop.state = WorkshopState.closed
    return await record(db, workshop.id, WorkshopClosed("closed"))
