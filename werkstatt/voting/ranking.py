"""The workshop's result as one viewer may see it: cards with dots, matrix scores and rank, plus clusters.

Ranks are competition ranks (1, 2, 2, 4): cards with equal dots share a rank and are marked as a tie. A
final order fixed by the coach comes first. Hidden tallies stay hidden from everyone but the coach until
they are revealed, and so does any rank computed from them.

A reveal belongs to its vote step: once revealed, a vote's dots count everywhere it is presented, whatever
votes come later. A results step (rank) presents the votes before it; the result page, the API and the
exports present every vote. A hidden vote nobody has voted in yet hides nothing (there is nothing to hide);
one with dots keeps only its own dots back until it is revealed.

Steps on clusters (werkstatt.board.step_cards) are ranked apart (`cluster_results`): the clusters with the dots
and ratings of the cluster steps, each with the cards its step fixed; the cards' own ranking counts only the
steps on cards."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from werkstatt.board import rules, step_cards
from werkstatt.board.cards import card_extras
from werkstatt.board.models import Cluster, Idea, StepClusterCard
from werkstatt.board.visibility import redact_idea
from werkstatt.live.visibility import COACH, Viewer
from werkstatt.voting.models import FinalRank
from werkstatt.voting.service import items_of, step_tallies, tallies_hidden
from werkstatt.workshops.models import AgendaStep, Participant

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop


def competition_ranks(scores: list[tuple[str, float]]) -> dict[str, tuple[int, bool]]:
    """Rank by score, highest first: equal scores share a rank (1, 2, 2, 4); the flag marks a tie."""
    ordered = sorted(scores, key=lambda item: -item[1])
    counts: dict[float, int] = defaultdict(int)
    for _, score in ordered:
        counts[score] += 1
    ranks: dict[str, tuple[int, bool]] = {}
    previous: float | None = None
    rank = 0
    for index, (key, score) in enumerate(ordered):
        if score != previous:
            rank, previous = index + 1, score
        ranks[key] = (rank, counts[score] > 1)
    return ranks


def presented_steps(
    workshop: Workshop, mechanic: str, at: int | None = None, clusters: bool | None = None
) -> list[AgendaStep]:
    """The steps of one mechanic whose result is shown at step `at` (those before it), or everywhere (None);
    `clusters` True or False: only the steps on clusters, or only those on cards."""
    return [
        s
        for s in workshop.steps
        if s.mechanic == mechanic
        and (at is None or s.position < at)
        and (clusters is None or items_of(workshop, s).clusters == clusters)
    ]


async def pending_steps(db: AsyncSession, workshop: Workshop, at: int | None = None) -> list[AgendaStep]:
    """Presented vote and matrix steps that still hold something back from the room: hidden, not revealed,
    and with votes in them. The coach reveals these from a results step."""
    pending = []
    for step in presented_steps(workshop, "vote", at) + presented_steps(workshop, "rate_matrix", at):
        if tallies_hidden(workshop, step) and (await step_tallies(db, workshop, step))["voters"]:
            pending.append(step)
    return sorted(pending, key=lambda s: s.position)


async def workshop_results(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, at: int | None = None, cards: list[Any] | None = None
) -> dict[str, Any]:
    """The result as `viewer` sees it; `at` is the position of a results step (only the votes before it);
    `cards` (conditions from werkstatt.board.step_cards, as a rank step shows it) narrows it to the cards one
    step offers, ranked among themselves."""
    coach = viewer.role == COACH
    query = (
        select(Idea, Participant)
        .join(Participant, Participant.id == Idea.participant_id)
        .where(*rules.counted_cards(workshop.id), *(cards or ()))
        .order_by(Idea.created_at, Idea.id)
    )
    rows = (await db.execute(query)).all()
    blind_steps = set(rules.blind_positions(workshop))
    vote_steps = presented_steps(workshop, "vote", at, clusters=False)
    matrix_steps = presented_steps(workshop, "rate_matrix", at, clusters=False)
    # Each vote step shows its own dots once revealed; a hidden one keeps only its own dots back.
    visible_votes = [s for s in vote_steps if coach or not tallies_hidden(workshop, s)]
    visible_matrix = [s for s in matrix_steps if coach or not tallies_hidden(workshop, s)]
    card_votes = {s.position for s in vote_steps}
    pending = [] if coach else [s for s in await pending_steps(db, workshop, at) if s.position in card_votes]
    dots, sums = await _summed(db, workshop, visible_votes, visible_matrix)
    if pending and not any(dots.values()):  # nothing shown yet but zeros: no ranking made of them either
        visible_votes = []
    ideas: list[dict[str, Any]] = []
    for idea, author in rows:
        blind = idea.step_position in blind_steps
        seen = redact_idea(
            {
                "id": str(idea.id),
                "text": idea.text,
                "author_id": str(idea.participant_id),
                "blind": blind,
                "hidden": idea.hidden,
                "anonymous": idea.anonymous,
            },
            viewer,
        )
        key = str(idea.id)
        x_sum, y_sum, n = sums.get(key, [0.0, 0.0, 0.0])
        ideas.append(
            {
                "id": key,
                "number": idea.number,
                "text": seen.get("text"),
                "cluster_id": str(idea.cluster_id) if idea.cluster_id else None,
                "step": idea.step_position,
                "votes": dots.get(key, 0) if visible_votes else None,
                "score_x": round(x_sum / n, 2) if n else None,
                "score_y": round(y_sum / n, 2) if n else None,
                "raters": int(n),
                "rank": None,
                "tie": False,
                "fixed": False,
                "author_name": None if idea.anonymous else author.display_name,
            }
        )
    merged = await card_extras(db, [idea.id for idea, _ in rows], blind_steps=() if coach else blind_steps)
    for entry in ideas:
        entry["merged"] = (
            [{"id": m["id"], "text": m["text"], "number": m["number"]} for m in merged[entry["id"]]["merged"]]
            if entry["text"] is not None and entry["id"] in merged
            else []
        )
    _rank(ideas, bool(visible_votes), bool(visible_matrix))
    fixed = list(
        (
            await db.execute(
                select(FinalRank.idea_id).where(FinalRank.workshop_id == workshop.id).order_by(FinalRank.position)
            )
        ).scalars()
    )
    if fixed:
        _apply_fixed(ideas, fixed)
    ideas.sort(key=lambda i: (i["rank"] is None, i["rank"] or 0, i["id"]))
    clusters = await cluster_results(db, workshop, viewer, at=at)
    all_pending = [] if coach else [s for s in await pending_steps(db, workshop, at) if s.mechanic == "vote"]
    return {
        "ideas": ideas,
        "clusters": clusters["ideas"],
        "hidden": bool(all_pending),
        "pending": [s.position for s in all_pending],
        "fixed": bool(fixed),
    }


async def cluster_results(
    db: AsyncSession,
    workshop: Workshop,
    viewer: Viewer,
    at: int | None = None,
    chosen: step_cards.StepCards | None = None,
) -> dict[str, Any]:
    """The clusters as `viewer` sees their result, in the shape of `workshop_results` (`ideas` holds the
    clusters: `{id, name, text, number, cards: [{id, number, text}], size, votes, score_x, score_y, raters, rank,
    tie, fixed}`), from the dots and ratings of the cluster steps presented at `at` (all of them for None).

    `chosen` (a rank step on clusters): the clusters that step offers, with the cards it fixed. Without it:
    every cluster of the workshop, with the cards the latest presented step on clusters fixed in it (or, for a
    cluster no such step fixed, its counted cards now)."""
    coach = viewer.role == COACH
    vote_steps = presented_steps(workshop, "vote", at, clusters=True)
    matrix_steps = presented_steps(workshop, "rate_matrix", at, clusters=True)
    visible_votes = [s for s in vote_steps if coach or not tallies_hidden(workshop, s)]
    visible_matrix = [s for s in matrix_steps if coach or not tallies_hidden(workshop, s)]
    pending = [] if coach else [s for s in await pending_steps(db, workshop, at) if s in vote_steps]
    if chosen is not None:
        offered = await step_cards.cluster_items(db, workshop, chosen)
    else:
        offered = await _clusters_with_cards(db, workshop, [*vote_steps, *matrix_steps])
    dots, sums = await _summed(db, workshop, visible_votes, visible_matrix)
    if pending and not any(dots.values()):
        visible_votes = []
    texts = await _card_texts(db, workshop, viewer, {i for item in offered for i in item["card_ids"]})
    found: list[dict[str, Any]] = []
    for item in offered:
        key = item["id"]
        x_sum, y_sum, n = sums.get(key, [0.0, 0.0, 0.0])
        cards = [texts[i] for i in item["card_ids"] if i in texts]
        found.append(
            {
                "id": key,
                "name": item["name"],
                "text": item["name"],
                "number": item["number"],
                "cards": cards,
                "size": len(item["card_ids"]),
                "votes": dots.get(key, 0) if visible_votes else None,
                "score_x": round(x_sum / n, 2) if n else None,
                "score_y": round(y_sum / n, 2) if n else None,
                "raters": int(n),
                "rank": None,
                "tie": False,
                "fixed": False,
                "merged": [],
            }
        )
    _rank(found, bool(visible_votes), bool(visible_matrix))
    found.sort(key=lambda i: (i["rank"] is None, i["rank"] or 0, i["number"]))
    return {"ideas": found, "hidden": bool(pending), "pending": [s.position for s in pending], "fixed": False}


async def _clusters_with_cards(db: AsyncSession, workshop: Workshop, steps: list[AgendaStep]) -> list[dict[str, Any]]:
    """Every cluster with its counted cards: as the latest of `steps` that fixed it, else as it is now."""
    clusters = (
        await db.execute(
            select(Cluster.id, Cluster.name)
            .where(Cluster.workshop_id == workshop.id)
            .order_by(Cluster.position, Cluster.created_at, Cluster.id)
        )
    ).all()
    fixed: dict[str, list[str]] = {}
    for step in sorted(steps, key=lambda s: s.position):  # the latest step's fixing wins
        frozen_at = items_of(workshop, step).chosen.frozen_at
        rows = await db.execute(
            select(StepClusterCard.cluster_id, StepClusterCard.idea_id)
            .join(Idea, Idea.id == StepClusterCard.idea_id)
            .where(
                StepClusterCard.workshop_id == workshop.id,
                StepClusterCard.step_position == frozen_at,
                *rules.counted_cards(workshop.id),
            )
            .order_by(Idea.number, Idea.id)
        )
        frozen: dict[str, list[str]] = defaultdict(list)
        for cluster_id, idea_id in rows:
            frozen[str(cluster_id)].append(str(idea_id))
        fixed.update(frozen)
    now: dict[str, list[str]] = defaultdict(list)
    rows = await db.execute(
        select(Idea.cluster_id, Idea.id)
        .where(*rules.counted_cards(workshop.id), Idea.cluster_id.is_not(None))
        .order_by(Idea.number, Idea.id)
    )
    for cluster_id, idea_id in rows:
        now[str(cluster_id)].append(str(idea_id))
    found: list[dict[str, Any]] = []
    for cluster_id, name in clusters:
        key = str(cluster_id)
        card_ids = fixed.get(key, now.get(key, []))
        found.append({"id": key, "name": name, "card_ids": card_ids, "number": len(found) + 1})
    return found


async def _card_texts(db: AsyncSession, workshop: Workshop, viewer: Viewer, ids: set[str]) -> dict[str, dict[str, Any]]:
    """`{id, number, text}` of the cards this viewer may read (a blind card of someone else stays out)."""
    if not ids:
        return {}
    rows = await db.execute(select(Idea).where(*rules.counted_cards(workshop.id), Idea.id.in_([UUID(i) for i in ids])))
    blind_steps = set(rules.blind_positions(workshop))
    found: dict[str, dict[str, Any]] = {}
    for idea in rows.scalars():
        seen = redact_idea(
            {
                "id": str(idea.id),
                "text": idea.text,
                "author_id": str(idea.participant_id),
                "blind": idea.step_position in blind_steps,
                "hidden": idea.hidden,
            },
            viewer,
        )
        if seen.get("text"):
            found[str(idea.id)] = {"id": str(idea.id), "number": idea.number, "text": seen["text"]}
    return found


def _rank(ideas: list[dict[str, Any]], by_votes: bool, by_scores: bool) -> None:
    """Dots decide; without visible dots the matrix does (high benefit, low effort first)."""
    if by_votes:
        scores = [(i["id"], float(i["votes"] or 0)) for i in ideas]
    elif by_scores:
        scores = [(i["id"], (i["score_y"] or 0.0) - (i["score_x"] or 0.0)) for i in ideas if i["raters"]]
    else:
        return
    ranks = competition_ranks(scores)
    for idea in ideas:
        if idea["id"] in ranks:
            idea["rank"], idea["tie"] = ranks[idea["id"]]


def _apply_fixed(ideas: list[dict[str, Any]], fixed: list[UUID]) -> None:
    order = {str(idea_id): index for index, idea_id in enumerate(fixed)}
    rest = sorted(
        (i for i in ideas if i["id"] not in order), key=lambda i: (i["rank"] is None, i["rank"] or 0, i["id"])
    )
    for idea in ideas:
        if idea["id"] in order:
            idea.update(rank=order[idea["id"]] + 1, tie=False, fixed=True)
    for offset, idea in enumerate(rest):
        if idea["rank"] is not None:  # a rank hidden with its tallies stays hidden
            idea.update(rank=len(order) + offset + 1, tie=False)


async def _summed(
    db: AsyncSession, workshop: Workshop, votes: list[AgendaStep], matrices: list[AgendaStep]
) -> tuple[dict[str, int], dict[str, list[float]]]:
    """The dots of the given vote steps and the rating sums (x·n, y·n, n) of the given matrix steps, per item
    (a card's or a cluster's id): what a ranking is made of."""
    dots: dict[str, int] = defaultdict(int)
    for step in votes:
        for item, count in (await step_tallies(db, workshop, step))["tallies"].items():
            dots[item] += count
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for step in matrices:
        for item, (x, y, n) in (await step_tallies(db, workshop, step))["positions"].items():
            sums[item][0] += x * n
            sums[item][1] += y * n
            sums[item][2] += n
    return dots, sums
