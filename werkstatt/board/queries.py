"""Reading a board's state for a page or a fresh board (replay covers the rest)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

from sqlalchemy import and_, case, false, func, or_, select

from werkstatt.board import columns, rules, step_cards
from werkstatt.board.cards import card_extras, empty_extras
from werkstatt.board.models import Cluster, Idea
from werkstatt.board.moderation import timer_view
from werkstatt.board.permissions import board_permissions
from werkstatt.board.service import current_step, idea_view
from werkstatt.board.visibility import redact_idea
from werkstatt.catalogue.schema import MECHANIC_LABELS
from werkstatt.live.visibility import COACH, Viewer
from werkstatt.network.models import FocusTopic, TargetGroup
from werkstatt.workshops.models import Participant

# A column (the collected cards, a cluster) shows this many cards; "weitere anzeigen" fetches the next batch.
# It bounds every board render, whatever the number of cards.
CARDS_PER_COLUMN = 60
# While clustering, the columns together show at most about this many cards (but each at least a few).
CARDS_PER_BOARD = 480
CARDS_PER_CLUSTER_MIN = 10
# Voting steps list every card in their panel, so their board loads them all.
BOUNDLESS_MECHANICS = frozenset({"vote", "rank", "rate_matrix"})

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import AgendaStep, Workshop


async def board_state(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, column_limit: int | None = None
) -> dict[str, Any]:
    """The ideas this viewer may see (with comments and reaction counts), the current step, the topics.

    With `column_limit` (the HTML board) only the first cards of each column are loaded: the cards of the
    step (or all cards), or of each cluster while clustering; where the cards answer several questions, the
    first cards of each question's column (`question_columns`, werkstatt.board.columns). Others' blind cards
    are only counted (`blind_counts`), and `column_counts` says how many cards each column has in all. Without
    it (API, voting) every card is loaded, as before."""
    step = current_step(workshop)
    shown = [*_visible(workshop, viewer, step), *await step_cards.step_conditions(db, workshop, step)]
    blind = _blind_for_others(workshop, viewer)
    bounded = column_limit is not None and (step is None or step.mechanic not in BOUNDLESS_MECHANICS)
    clustering = step is not None and step.mechanic == "cluster"
    clusters = [
        {"id": str(c.id), "name": c.name}
        for c in (
            await db.execute(
                select(Cluster).where(Cluster.workshop_id == workshop.id).order_by(Cluster.position, Cluster.created_at)
            )
        ).scalars()
    ]
    blind_counts: dict[Any, int] = {}
    column_counts: dict[str, int] = {}
    asked = columns.questions(workshop)
    # cards per question column: every shown card, or while clustering the unsorted ones
    per_question: dict[int, int] = {}
    query = select(Idea, Participant).join(Participant, Participant.id == Idea.participant_id)
    if bounded:
        assert column_limit is not None
        if blind is not None:
            counted = select(Idea.step_position, func.count()).where(*shown, blind).group_by(Idea.step_position)
            blind_counts = {int(position): int(n) for position, n in (await db.execute(counted)).all()}
            shown = [*shown, ~blind]
        # one count per (cluster, step): the clusters' and the questions' counts (grouped in Python, as a
        # grouping by the question's CASE would differ from the selected one on PostgreSQL)
        by_place = select(Idea.cluster_id, Idea.step_position, func.count()).where(*shown)
        for cluster_id, position, n in (await db.execute(by_place.group_by(Idea.cluster_id, Idea.step_position))).all():
            key = str(cluster_id) if clustering and cluster_id else ""
            column_counts[key] = column_counts.get(key, 0) + n
            if not key:
                question = columns.key_of(asked, position)
                per_question[question] = per_question.get(question, 0) + n
        question_columns = columns.columns(asked, per_question)
        split = len(question_columns) > 1
        if clustering:  # many clusters share one bound for the whole board, at least a few cards each
            shared = len(clusters) + max(1, len(question_columns))
            column_limit = max(CARDS_PER_CLUSTER_MIN, min(column_limit, CARDS_PER_BOARD // shared))
        elif split:  # so do the questions' columns
            column_limit = min(column_limit, max(CARDS_PER_CLUSTER_MIN, CARDS_PER_BOARD // len(question_columns)))
        partition: list[Any] = [Idea.cluster_id] if clustering else []
        if split:
            key = columns.key_column(asked)
            partition.append(case((Idea.cluster_id.is_(None), key), else_=columns.ORPHAN - 1) if clustering else key)
        rank = func.row_number().over(partition_by=partition or None, order_by=(Idea.created_at, Idea.id))
        ranked = select(Idea.id.label("id"), rank.label("rank")).where(*shown).subquery()
        query = query.where(Idea.id.in_(select(ranked.c.id).where(ranked.c.rank <= column_limit)))
    else:
        query = query.where(*shown)
    rows = (await db.execute(query.order_by(Idea.created_at, Idea.id))).all()
    topics = {
        topic.id: topic
        for topic in (
            await db.execute(select(FocusTopic).where(FocusTopic.network_id == workshop.network_id))
        ).scalars()
    }
    ideas = await _views(db, workshop, viewer, rows, topics)
    if not bounded:
        for idea in ideas:
            if idea.get("text") is None:
                blind_counts[idea.get("step")] = blind_counts.get(idea.get("step"), 0) + 1
            else:
                key = (idea.get("cluster_id") or "") if clustering else ""
                column_counts[key] = column_counts.get(key, 0) + 1
                if not key:
                    question = columns.key_of(asked, idea.get("step"))
                    per_question[question] = per_question.get(question, 0) + 1
        question_columns = columns.columns(asked, per_question)
    ideas_by_cluster = _by_cluster(ideas, clusters)
    if len(question_columns) > 1:
        loose = ideas_by_cluster[""] if clustering else [i for i in ideas if i.get("text") is not None]
        for column in question_columns:
            column["ideas"] = [i for i in loose if columns.key_of(asked, i.get("step")) == column["key"]]
    else:
        question_columns = []
    groups = list(
        (
            await db.execute(
                select(TargetGroup).where(TargetGroup.network_id == workshop.network_id).order_by(TargetGroup.position)
            )
        ).scalars()
    )
    state = {
        "workshop": workshop,
        "step": step,
        "clusters": clusters,
        "ideas_by_cluster": ideas_by_cluster,
        # one column per question (the discuss and collect views, the unsorted cards while clustering), each
        # {key, question, steps, total, ideas}; empty when the cards answer one question (one column, as before)
        "question_columns": question_columns,
        "spotlight": await _spotlight(db, workshop, viewer, workshop.spotlight, ideas, clusters),
        # a closed workshop's board is read-only: no running time, nothing to change
        "timer": timer_view(step) if step is not None and rules.changes_open(workshop) else None,
        "permissions": board_permissions(workshop, viewer.role),
        "participants": await _participants(db, workshop) if viewer.role == COACH else [],
        "ideas": ideas,
        "topics": [t for t in topics.values() if str(t.id) in workshop.focus_topic_ids] or list(topics.values()),
        "target_groups": groups,
        "seq": workshop.last_seq,
        "column_limit": column_limit or CARDS_PER_COLUMN,
        "column_counts": column_counts,
        "blind_counts": blind_counts,
        "mechanics": MECHANIC_LABELS,  # German names of the step mechanics, for _()
    }
    for extend in BOARD_EXTENSIONS:
        await extend(db, workshop, viewer, state)
    return state


async def column_ideas(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, column: str, after: UUID, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """ "weitere anzeigen": the next `limit` cards of one column after the card `after`, and how many follow."""
    step = current_step(workshop)
    shown = [*_visible(workshop, viewer, step), *await step_cards.step_conditions(db, workshop, step)]
    blind = _blind_for_others(workshop, viewer)
    if blind is not None:
        shown.append(~blind)
    if column.startswith("cluster-"):
        key, _, question = column.removeprefix("cluster-").partition("-step-")
        shown.append(Idea.cluster_id.is_(None) if key == "none" else Idea.cluster_id == _uuid_or_none(key))
        if question:
            shown.append(_question_condition(workshop, question))
    elif column.startswith("step-"):
        shown.append(_question_condition(workshop, column.removeprefix("step-")))
    since = (await db.execute(select(Idea.created_at).where(Idea.id == after))).scalar_one_or_none()
    if since is None:
        return [], 0
    shown.append(or_(Idea.created_at > since, and_(Idea.created_at == since, Idea.id > after)))
    total = (await db.execute(select(func.count()).where(*shown))).scalar_one()
    query = (
        select(Idea, Participant)
        .join(Participant, Participant.id == Idea.participant_id)
        .where(*shown)
        .order_by(Idea.created_at, Idea.id)
        .limit(limit)
    )
    rows = (await db.execute(query)).all()
    topic_ids = {idea.focus_topic_id for idea, _ in rows if idea.focus_topic_id}
    topics = (
        {t.id: t for t in (await db.execute(select(FocusTopic).where(FocusTopic.id.in_(topic_ids)))).scalars()}
        if topic_ids
        else {}
    )
    return await _views(db, workshop, viewer, rows, topics), total


def _question_condition(workshop: Workshop, key: str) -> Any:
    """The cards of one question's column: "N" (the column keyed by step N, or step N's own cards when
    another step asks its question first) or "none" (cards whose step is gone)."""
    asked = columns.questions(workshop)
    if key == "none":
        return Idea.step_position.not_in(list(asked)) if asked else Idea.id.is_not(None)
    if not key.isdigit() or len(key) > 4:
        return false()
    return Idea.step_position.in_(columns.steps_of(asked, int(key)))


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _visible(workshop: Workshop, viewer: Viewer, step: AgendaStep | None) -> list[Any]:
    """Conditions for the cards on this viewer's board (their own blind ones included)."""
    conditions = rules.board_cards(workshop.id, coach=viewer.role == COACH)
    if step is not None and step.mechanic == "collect":
        conditions.append(Idea.step_position == step.position)
    return conditions


def _blind_for_others(workshop: Workshop, viewer: Viewer) -> Any | None:
    """Others' cards of a blind step before the reveal (their text is secret to this viewer), or None."""
    return rules.blind_for(workshop, coach=viewer.role == COACH, participant_id=viewer.participant_id)


async def _views(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, rows: Any, topics: dict[Any, FocusTopic]
) -> list[dict[str, Any]]:
    """Rows as this viewer's card views, with comments, reaction counts and merged authors."""
    steps = {s.position: s for s in workshop.steps}
    ideas = [
        redact_idea(
            idea_view(
                idea,
                author,
                steps.get(idea.step_position),
                topics.get(idea.focus_topic_id) if idea.focus_topic_id else None,
            ),
            viewer,
        )
        for idea, author in rows
    ]
    extras = await card_extras(
        db, [idea.id for idea, _ in rows if idea.text is not None], blind_steps=rules.blind_positions(workshop)
    )
    for idea in ideas:
        if idea.get("text") is not None:
            idea.update(extras.get(idea["id"]) or empty_extras())
    return ideas


def _by_cluster(ideas: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {cluster["id"]: [] for cluster in clusters}
    grouped[""] = []
    for idea in ideas:
        grouped.setdefault(idea.get("cluster_id") or "", []).append(idea)
    return grouped


async def _spotlight(
    db: AsyncSession,
    workshop: Workshop,
    viewer: Viewer,
    value: str | None,
    ideas: list[dict[str, Any]],
    clusters: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The spotlit card or cluster as this viewer may see it, also when it is not among the loaded cards."""
    if not value:
        return None
    kind, _, item_id = value.partition(":")
    if kind == "idea":
        idea = next((i for i in ideas if i["id"] == item_id and i.get("text")), None)
        if idea is None and (wanted := _uuid_or_none(item_id)) is not None:
            query = select(Idea, Participant).join(Participant, Participant.id == Idea.participant_id)
            found = await _views(db, workshop, viewer, (await db.execute(query.where(Idea.id == wanted))).all(), {})
            idea = next((i for i in found if i.get("text") and not i.get("gone") and not i.get("withdrawn")), None)
        return {"kind": "idea", "id": item_id, "text": idea["text"]} if idea else None
    cluster = next((c for c in clusters if c["id"] == item_id), None)
    if cluster is None:
        return None
    shown = _visible(workshop, viewer, current_step(workshop))
    blind = _blind_for_others(workshop, viewer)
    if blind is not None:
        shown.append(~blind)
    members_query = (
        select(Idea.text)
        .where(*shown, Idea.cluster_id == _uuid_or_none(item_id))
        .order_by(Idea.created_at, Idea.id)
        .limit(CARDS_PER_COLUMN)
    )
    members = list((await db.execute(members_query)).scalars())
    return {"kind": "cluster", "id": item_id, "text": cluster["name"], "members": members}


async def _participants(db: AsyncSession, workshop: Workshop) -> list[Participant]:
    query = (
        select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed.is_(False))
        .order_by(Participant.created_at)
    )
    return list((await db.execute(query)).scalars())


# Other domains add to the board's state (e.g. voting: tallies, my remaining dots). Each entry is
# `async def extend(db, workshop, viewer, state) -> None`; app.py registers them (`extend_board_with`).
BoardExtension: TypeAlias = "Callable[[AsyncSession, Workshop, Viewer, dict[str, Any]], Awaitable[None]]"
BOARD_EXTENSIONS: list[BoardExtension] = []


def extend_board_with(extend: BoardExtension) -> None:
    """A higher domain adds its part to every board state (once, however often the app is built)."""
    if extend not in BOARD_EXTENSIONS:
        BOARD_EXTENSIONS.append(extend)
