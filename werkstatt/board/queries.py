"""Reading a board's state for a page or a fresh board (replay covers the rest)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from werkstatt.board.models import Cluster, Comment, Idea, Reaction
from werkstatt.board.moderation import timer_view
from werkstatt.board.service import current_step, idea_view
from werkstatt.live.visibility import COACH, Viewer, redact_idea
from werkstatt.network.models import FocusTopic, TargetGroup
from werkstatt.workshops.models import Participant

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop


async def board_state(db: AsyncSession, workshop: Workshop, viewer: Viewer) -> dict[str, Any]:
    """The ideas this viewer may see (with comments and reaction counts), the current step, the topics."""
    step = current_step(workshop)
    query = (
        select(Idea, Participant)
        .join(Participant, Participant.id == Idea.participant_id)
        .where(Idea.workshop_id == workshop.id, Idea.withdrawn.is_(False), Idea.merged_into_id.is_(None))
    )
    if viewer.role != COACH:
        query = query.where(Idea.hidden.is_(False))
    if step is not None and step.mechanic == "collect":
        query = query.where(Idea.step_position == step.position)
    rows = (await db.execute(query.order_by(Idea.created_at, Idea.id))).all()
    topics = {
        topic.id: topic
        for topic in (
            await db.execute(select(FocusTopic).where(FocusTopic.network_id == workshop.network_id))
        ).scalars()
    }
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
    ids = [idea.id for idea, _ in rows]
    comments: dict[str, list[dict[str, Any]]] = defaultdict(list)
    reactions: dict[str, dict[str, int]] = defaultdict(dict)
    if ids:
        for comment, author in (
            await db.execute(
                select(Comment, Participant)
                .join(Participant, Participant.id == Comment.participant_id)
                .where(Comment.idea_id.in_(ids), Comment.withdrawn.is_(False))
                .order_by(Comment.created_at)
            )
        ).all():
            comments[str(comment.idea_id)].append(
                {"id": str(comment.id), "text": comment.text, "author_name": author.display_name}
            )
        for idea_id, kind, count in (
            await db.execute(
                select(Reaction.idea_id, Reaction.kind, func.count(Reaction.id))
                .where(Reaction.idea_id.in_(ids))
                .group_by(Reaction.idea_id, Reaction.kind)
            )
        ).all():
            reactions[str(idea_id)][kind] = count
    merged: dict[str, list[str]] = defaultdict(list)
    if ids:
        for target_id, author_name in (
            await db.execute(
                select(Idea.merged_into_id, Participant.display_name)
                .join(Participant, Participant.id == Idea.participant_id)
                .where(Idea.merged_into_id.in_(ids), Idea.anonymous.is_(False))
            )
        ).all():
            merged[str(target_id)].append(author_name)
    for idea in ideas:
        if idea.get("text") is None:
            continue
        idea["comments"] = comments.get(idea["id"], [])
        idea["reactions"] = reactions.get(idea["id"], {})
        idea["merged_authors"] = merged.get(idea["id"], [])
    groups = list(
        (
            await db.execute(
                select(TargetGroup).where(TargetGroup.network_id == workshop.network_id).order_by(TargetGroup.position)
            )
        ).scalars()
    )
    clusters = [
        {"id": str(c.id), "name": c.name}
        for c in (
            await db.execute(
                select(Cluster).where(Cluster.workshop_id == workshop.id).order_by(Cluster.position, Cluster.created_at)
            )
        ).scalars()
    ]
    state = {
        "workshop": workshop,
        "step": step,
        "clusters": clusters,
        "ideas_by_cluster": _by_cluster(ideas, clusters),
        "spotlight": _spotlight(workshop.spotlight, ideas, clusters),
        "timer": timer_view(step) if step is not None else None,
        "participants": await _participants(db, workshop) if viewer.role == COACH else [],
        "ideas": ideas,
        "topics": [t for t in topics.values() if str(t.id) in workshop.focus_topic_ids] or list(topics.values()),
        "target_groups": groups,
        "seq": workshop.last_seq,
    }
    for extend in BOARD_EXTENSIONS:
        await extend(db, workshop, viewer, state)
    return state


def _by_cluster(ideas: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {cluster["id"]: [] for cluster in clusters}
    grouped[""] = []
    for idea in ideas:
        grouped.setdefault(idea.get("cluster_id") or "", []).append(idea)
    return grouped


def _spotlight(value: str | None, ideas: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not value:
        return None
    kind, _, item_id = value.partition(":")
    if kind == "idea":
        idea = next((i for i in ideas if i["id"] == item_id and i.get("text")), None)
        return {"kind": "idea", "id": item_id, "text": idea["text"]} if idea else None
    cluster = next((c for c in clusters if c["id"] == item_id), None)
    if cluster is None:
        return None
    members = [i["text"] for i in ideas if i.get("cluster_id") == item_id and i.get("text")]
    return {"kind": "cluster", "id": item_id, "text": cluster["name"], "members": members}


async def _participants(db: AsyncSession, workshop: Workshop) -> list[Participant]:
    query = (
        select(Participant)
        .where(Participant.workshop_id == workshop.id, Participant.removed.is_(False))
        .order_by(Participant.created_at)
    )
    return list((await db.execute(query)).scalars())


# Other domains add to the board's state (e.g. voting: tallies, my remaining dots). Each entry is
# `async def extend(db, workshop, viewer, state) -> None` and is registered by werkstatt/<domain>/board.py.
BOARD_EXTENSIONS: list[Any] = []


def _load_extensions() -> None:
    import importlib

    for name in ("werkstatt.voting.board",):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name not in {name, name.rsplit(".", 1)[0]}:
                raise
            continue
        BOARD_EXTENSIONS.append(module.extend_board)


_load_extensions()
