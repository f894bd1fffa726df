"""The coach's moderation commands on the live board: timer, reveal, lock, spotlight, clusters, merge, hide,
remove a participant, and live edits of the step's question and instructions. Their typed inputs (one model
per command, with its limits) and the registry that runs them are in `werkstatt.board.commands`.

Each command records one event that carries what the boards need to show its effect (the timer, the card
whole, the banner's text): the worker renders it once per audience and pushes it; no board asks back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from sqlalchemy import func, literal, select, tuple_, update

from werkstatt.board import rules
from werkstatt.board.cards import card_state
from werkstatt.board.events import (
    BoardLocked,
    BoardUnlocked,
    ClusterCreated,
    ClusterDeleted,
    ClusterRenamed,
    IdeaHidden,
    IdeaMoved,
    IdeaRestored,
    IdeasMerged,
    IdeaUnmerged,
    JoinBoxChanged,
    ParticipantRemoved,
    Revealed,
    SpotlightChanged,
    StepEdited,
    TimerChanged,
)
from werkstatt.board.models import CLUSTER_NAME_MAX, Cluster, Comment, Idea, Reaction
from werkstatt.board.service import clean_text, current_step
from werkstatt.errors import Conflict, Forbidden, Invalid, NotFound
from werkstatt.i18n import _
from werkstatt.live.events import record
from werkstatt.voting.models import Vote
from werkstatt.voting.service import VOTING_MECHANICS, reveal_tallies
from werkstatt.workshops.models import AgendaStep, Participant, WorkshopState
from werkstatt.workshops.permissions import may_moderate, require_moderator
from werkstatt.workshops.step_settings import auto_advance, cluster_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.workshops.service import Actor


def _coach(actor: Actor) -> None:
    require_moderator(actor, _("Nur die Moderation darf das."))


def _not_closed(actor: Actor) -> None:
    if actor.workshop.state == WorkshopState.closed:
        raise Forbidden(_("Die Werkstatt ist beendet; es kann nichts mehr geändert werden."))


def _step(actor: Actor) -> AgendaStep:
    step = current_step(actor.workshop)
    if step is None:
        raise Invalid(_("Es läuft gerade kein Schritt."), {"step": _("Kein laufender Schritt.")})
    return step


MAX_TIMER = 6 * 3600  # seconds


def timer_view(step: AgendaStep) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "position": step.position,
        "ends_at": step.timer_ends_at.astimezone(UTC).isoformat() if step.timer_ends_at else None,
        "remaining": step.timer_remaining,
        "total": step.minutes * 60,
        "server_now": now.isoformat(),
        "auto_advance": auto_advance(step),
    }


# --- timer -------------------------------------------------------------------------------------------


async def start_timer(db: AsyncSession, actor: Actor, seconds: int | None = None) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    step = _step(actor)
    if seconds is None:
        seconds = step.timer_remaining or step.minutes * 60
    if not 1 <= seconds <= MAX_TIMER:  # the step's own time may be longer than the timer goes
        raise Invalid(_("Die Zeit muss zwischen 1 Sekunde und 6 Stunden liegen."), {"seconds": _("Ungültige Dauer.")})
    step.timer_ends_at = datetime.now(UTC) + timedelta(seconds=seconds)
    step.timer_remaining = None
    return await record(db, actor.workshop.id, TimerChanged(timer_view(step), "start"))


async def pause_timer(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    _coach(actor)
    step = _step(actor)
    if step.timer_ends_at is None:
        raise Invalid(_("Der Timer läuft nicht."), {"type": _("Der Timer läuft nicht.")})
    left = int((step.timer_ends_at - datetime.now(UTC)).total_seconds())
    step.timer_remaining = max(left, 0)
    step.timer_ends_at = None
    return await record(db, actor.workshop.id, TimerChanged(timer_view(step), "pause"))


async def add_minute(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    step = _step(actor)
    now = datetime.now(UTC)
    if step.timer_ends_at is None and step.timer_remaining == 0:  # run out (on the server): one more minute runs
        step.timer_ends_at, step.timer_remaining = now + timedelta(seconds=60), None
        return await record(db, actor.workshop.id, TimerChanged(timer_view(step), "add"))
    if step.timer_ends_at is not None:
        left = max(int((step.timer_ends_at - now).total_seconds()), 0)
    else:  # paused, or not started yet: a minute on top of the step's own time, not on nothing
        left = step.timer_remaining if step.timer_remaining is not None else step.minutes * 60
    if left + 60 > MAX_TIMER:
        raise Invalid(_("Länger als 6 Stunden geht der Timer nicht."), {"type": _("Höchstens 6 Stunden.")})
    if step.timer_ends_at is not None:
        step.timer_ends_at = now + timedelta(seconds=left + 60)
    else:
        step.timer_remaining = left + 60
    return await record(db, actor.workshop.id, TimerChanged(timer_view(step), "add"))


async def stop_timer(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    _coach(actor)
    step = _step(actor)
    step.timer_ends_at = None
    step.timer_remaining = None
    return await record(db, actor.workshop.id, TimerChanged(timer_view(step), "stop"))


# --- reveal, lock, spotlight, step texts ------------------------------------------------------------


async def reveal(db: AsyncSession, actor: Actor) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    step = _step(actor)
    if step.mechanic in VOTING_MECHANICS:  # a hidden vote: the reveal carries the tallies
        return await reveal_tallies(db, actor)
    if step.revealed:
        raise Invalid(_("Dieser Schritt ist schon aufgedeckt."), {"type": _("Schon aufgedeckt.")})
    step.revealed = True
    return await record(db, actor.workshop.id, Revealed(step.position))


async def set_lock(db: AsyncSession, actor: Actor, locked: bool) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    actor.workshop.locked = locked
    return await record(db, actor.workshop.id, BoardLocked(locked) if locked else BoardUnlocked(locked))


async def set_join_box(db: AsyncSession, actor: Actor, shown: bool) -> WorkshopEvent:
    """The projector's join box (code, address, QR): hidden once the room is in, shown again for latecomers."""
    _coach(actor)
    _not_closed(actor)
    actor.workshop.join_hidden = not shown
    return await record(db, actor.workshop.id, JoinBoxChanged(shown))


async def spotlight(
    db: AsyncSession, actor: Actor, target: tuple[Literal["idea", "cluster"], UUID] | None
) -> WorkshopEvent:
    """Highlight one card or cluster on every board and the projector; `None` switches it off."""
    _coach(actor)
    if target is None:
        actor.workshop.spotlight = None
        return await record(db, actor.workshop.id, SpotlightChanged(None))
    kind, item_id = target
    if kind == "idea":
        idea = await db.get(Idea, item_id)
        if idea is None or idea.workshop_id != actor.workshop.id or not rules.on_the_board(idea):
            raise NotFound(rules.NOT_FOUND)
        if rules.is_blind(actor.workshop, idea):
            raise Invalid(
                _("Verdeckte Karten lassen sich erst nach dem Aufdecken hervorheben."), {"target": _("Verdeckt.")}
            )
    else:
        cluster = await db.get(Cluster, item_id)
        if cluster is None or cluster.workshop_id != actor.workshop.id:
            raise NotFound(_("Diesen Cluster gibt es nicht."))
    actor.workshop.spotlight = f"{kind}:{item_id}"
    view = await _spotlight_view(db, actor, kind, item_id)
    return await record(db, actor.workshop.id, SpotlightChanged(actor.workshop.spotlight, view))


SPOTLIGHT_MEMBERS = 30  # a cluster in focus lists this many of its cards on the banner


async def _spotlight_view(db: AsyncSession, actor: Actor, kind: str, item_id: UUID) -> dict[str, Any]:
    """What every board's banner shows: the card's text, or the cluster's name and its visible cards' texts."""
    if kind == "idea":
        idea = await db.get(Idea, item_id)
        assert idea is not None
        return {"kind": kind, "id": str(item_id), "text": idea.text}
    cluster = await db.get(Cluster, item_id)
    assert cluster is not None
    members = [
        idea
        for idea in (
            await db.execute(
                select(Idea).where(Idea.cluster_id == item_id, *rules.ON_THE_BOARD).order_by(Idea.created_at, Idea.id)
            )
        ).scalars()
        if not rules.is_blind(actor.workshop, idea)
    ]
    return {
        "kind": kind,
        "id": str(item_id),
        "text": cluster.name,
        "members": [idea.text for idea in members[:SPOTLIGHT_MEMBERS]],
        "more": max(len(members) - SPOTLIGHT_MEMBERS, 0),
    }


async def edit_step_text(db: AsyncSession, actor: Actor, question: str, instructions: str) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    step = _step(actor)
    step.question = clean_text(question, 300, "question") if question.strip() else ""
    step.instructions = clean_text(instructions, 4000, "instructions") if instructions.strip() else ""
    edited = StepEdited(step.position, step.title, step.question, step.instructions)
    return await record(db, actor.workshop.id, edited)


# --- clusters ----------------------------------------------------------------------------------------


def _may_cluster(actor: Actor) -> None:
    step = _step(actor)
    if may_moderate(actor):
        return
    if step.mechanic != "cluster" or cluster_settings(step).who != "all":
        raise Forbidden(_("In diesem Schritt ordnet nur die Moderation die Karten."))


async def create_cluster(db: AsyncSession, actor: Actor, name: str) -> WorkshopEvent:
    _not_closed(actor)
    _may_cluster(actor)
    if actor.workshop.locked and not may_moderate(actor):
        raise Forbidden(_("Das Board ist gerade gesperrt."))
    label = clean_text(name, CLUSTER_NAME_MAX, "name")
    cluster = Cluster(workshop_id=actor.workshop.id, name=label, position=len(await _clusters(db, actor)))
    db.add(cluster)
    await db.flush()
    created = ClusterCreated({"id": str(cluster.id), "name": label}, _board_flags(actor))
    return await record(db, actor.workshop.id, created)


async def rename_cluster(db: AsyncSession, actor: Actor, cluster_id: UUID, name: str) -> WorkshopEvent:
    _not_closed(actor)
    _may_cluster(actor)
    cluster = await _cluster(db, actor, cluster_id)
    cluster.name = clean_text(name, CLUSTER_NAME_MAX, "name")
    return await record(db, actor.workshop.id, ClusterRenamed({"id": str(cluster.id), "name": cluster.name}))


async def delete_cluster(db: AsyncSession, actor: Actor, cluster_id: UUID) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    cluster = await _cluster(db, actor, cluster_id)
    await db.execute(update(Idea).where(Idea.cluster_id == cluster.id).values(cluster_id=None))
    if actor.workshop.spotlight == f"cluster:{cluster.id}":
        actor.workshop.spotlight = None
    await db.delete(cluster)
    return await record(db, actor.workshop.id, ClusterDeleted({"id": str(cluster.id)}))


async def move_idea(db: AsyncSession, actor: Actor, idea_id: UUID, cluster_id: UUID | None) -> WorkshopEvent:
    """Put a card into a cluster (or back to the unsorted cards). Concurrent moves: the last commit wins
    and, as every board applies events in seq order, all boards end in the database's state."""
    _not_closed(actor)
    _may_cluster(actor)
    if actor.workshop.locked and not may_moderate(actor):
        raise Forbidden(_("Das Board ist gerade gesperrt."))
    idea = await _idea(db, actor, idea_id)
    target = await _cluster(db, actor, cluster_id) if cluster_id is not None else None
    before = str(idea.cluster_id) if idea.cluster_id else None
    idea.cluster_id = target.id if target else None
    moved = {
        "id": str(idea.id),
        "step": idea.step_position,  # where its question's column is (werkstatt.board.columns)
        "cluster_id": str(target.id) if target else None,
        "from_cluster_id": before,
    }
    return await record(db, actor.workshop.id, IdeaMoved(moved))


async def merge_ideas(db: AsyncSession, actor: Actor, source_id: UUID, target_id: UUID) -> WorkshopEvent:
    """Merge a duplicate into another card: the target keeps both authors (shown on the card) and gets
    the duplicate's comments and reactions; the duplicate leaves the board. Not once a card carries dots or
    ratings: they would vanish from the result (or count twice), so merging is for before the vote."""
    _coach(actor)
    _not_closed(actor)
    source = await _idea(db, actor, source_id)
    target = await _idea(db, actor, target_id)
    if source.id == target.id:
        raise Invalid(_("Eine Karte lässt sich nicht mit sich selbst zusammenführen."), {"target": _("Gleiche Karte.")})
    if await db.scalar(select(func.count()).where(Vote.idea_id.in_([source.id, target.id]))):
        raise Conflict(
            _("Diese Karten haben schon Punkte oder Bewertungen; zusammenführen geht nur vor der Abstimmung.")
        )
    source.merged_into_id = target.id
    await db.execute(update(Idea).where(Idea.merged_into_id == source.id).values(merged_into_id=target.id))
    # Comments and reactions move to the target and remember where they were given (for `unmerge_idea`).
    await db.execute(
        update(Comment)
        .where(Comment.idea_id == source.id)
        .values(
            idea_id=target.id,
            merged_from_id=func.coalesce(Comment.merged_from_id, literal(source.id, Comment.merged_from_id.type)),
        )
    )
    already = select(Reaction.participant_id, Reaction.kind).where(Reaction.idea_id == target.id)
    # The same person's same reaction on both cards counts once: that one stays behind on the duplicate.
    await db.execute(
        update(Reaction)
        .where(Reaction.idea_id == source.id, tuple_(Reaction.participant_id, Reaction.kind).not_in(already))
        .values(
            idea_id=target.id,
            merged_from_id=func.coalesce(Reaction.merged_from_id, literal(source.id, Reaction.merged_from_id.type)),
        )
    )
    await db.flush()
    merged = IdeasMerged(str(source.id), str(target.id), **await _card_data(db, actor, target))
    return await record(db, actor.workshop.id, merged)


async def unmerge_idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> WorkshopEvent:
    """Undo a merge: the duplicate comes back on the board with the comments and reactions given to it; the
    surviving card keeps the rest. Only while the surviving card has no dots or ratings (they were given to
    both texts at once)."""
    _coach(actor)
    _not_closed(actor)
    source = await db.get(Idea, idea_id)
    if source is None or source.workshop_id != actor.workshop.id or source.withdrawn:
        raise NotFound(rules.NOT_FOUND)
    if source.merged_into_id is None:
        raise Conflict(
            _("Diese Karte ist mit keiner anderen zusammengeführt."), {"idea_id": _("Nicht zusammengeführt.")}
        )
    target = await db.get(Idea, source.merged_into_id)
    assert target is not None
    if await db.scalar(select(func.count()).where(Vote.idea_id == target.id)):
        raise Conflict(
            _(
                "Die zusammengeführte Karte hat schon Punkte oder Bewertungen; "
                "die Zusammenführung lässt sich nicht mehr aufheben."
            ),
            {"idea_id": _("Schon abgestimmt.")},
        )
    source.merged_into_id = None
    for model in (Comment, Reaction):
        await db.execute(
            update(model)
            .where(model.idea_id == target.id, model.merged_from_id == source.id)
            .values(idea_id=source.id, merged_from_id=None)
        )
    await db.flush()
    unmerged = IdeaUnmerged(
        str(source.id),
        str(target.id),
        **await _card_data(db, actor, target),
        source_idea=await card_state(db, actor.workshop, source),
    )
    return await record(db, actor.workshop.id, unmerged)


# --- hide and remove ---------------------------------------------------------------------------------


async def hide_idea(db: AsyncSession, actor: Actor, idea_id: UUID, reason: str) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    idea = await _idea(db, actor, idea_id)
    idea.hidden = True
    idea.hidden_reason = clean_text(reason, 200, "reason") if reason.strip() else ""
    if actor.workshop.spotlight == f"idea:{idea.id}":
        actor.workshop.spotlight = None
    await db.flush()
    return await record(db, actor.workshop.id, IdeaHidden(**await _card_data(db, actor, idea)))


async def restore_idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> WorkshopEvent:
    _coach(actor)
    _not_closed(actor)
    idea = await db.get(Idea, idea_id)
    if idea is None or idea.workshop_id != actor.workshop.id or not idea.hidden:
        raise NotFound(_("Diese ausgeblendete Karte gibt es nicht."))
    idea.hidden = False
    idea.hidden_reason = ""
    await db.flush()
    return await record(db, actor.workshop.id, IdeaRestored(**await _card_data(db, actor, idea)))


async def remove_participant(db: AsyncSession, actor: Actor, participant_id: UUID) -> WorkshopEvent:
    """The participant's sockets close and their token and session can do nothing more."""
    _coach(actor)
    participant = await db.get(Participant, participant_id)
    if participant is None or participant.workshop_id != actor.workshop.id or participant.removed:
        raise NotFound(_("Diese Person nimmt nicht teil."))
    if participant.id == actor.participant_id:
        raise Invalid(_("Die Moderation kann sich nicht selbst entfernen."), {"participant_id": _("Das sind Sie.")})
    participant.removed = True
    return await record(db, actor.workshop.id, ParticipantRemoved({"id": str(participant.id)}))


def _board_flags(actor: Actor, idea: Idea | None = None) -> dict[str, Any]:
    """What a pushed card or cluster needs to know of the board: whether everyone may sort it now."""
    step = current_step(actor.workshop)
    cluster_step = step is not None and step.mechanic == "cluster"
    everyone = bool(cluster_step and cluster_settings(step).who == "all" and not actor.workshop.locked)
    spotlit = idea is not None and actor.workshop.spotlight == f"idea:{idea.id}"
    return {"cluster_step": cluster_step, "all_cluster": everyone, "spotlit": spotlit}


async def _card_data(db: AsyncSession, actor: Actor, idea: Idea) -> dict[str, Any]:
    """The card whole (each audience's board swaps it in as it may see it) and where it stands on the board."""
    return {"idea": await card_state(db, actor.workshop, idea), "board": _board_flags(actor, idea)}


# --- lookups -----------------------------------------------------------------------------------------


async def _idea(db: AsyncSession, actor: Actor, idea_id: UUID) -> Idea:
    idea = await db.get(Idea, idea_id)
    return rules.visible(actor.workshop, idea, coach=actor.is_coach, participant_id=actor.participant_id)


async def _cluster(db: AsyncSession, actor: Actor, cluster_id: UUID) -> Cluster:
    cluster = await db.get(Cluster, cluster_id)
    if cluster is None or cluster.workshop_id != actor.workshop.id:
        raise NotFound(_("Diesen Cluster gibt es nicht."))
    return cluster


async def _clusters(db: AsyncSession, actor: Actor) -> list[Cluster]:
    query = (
        select(Cluster).where(Cluster.workshop_id == actor.workshop.id).order_by(Cluster.position, Cluster.created_at)
    )
    return list((await db.execute(query)).scalars())
