"""The workshop's result as one viewer may see it: cards with dots, matrix scores and rank, plus clusters.

Ranks are competition ranks (1, 2, 2, 4): cards with equal dots share a rank and are marked as a tie. A
final order fixed by the coach comes first. Hidden tallies stay hidden from everyone but the coach until
they are revealed, and so does any rank computed from them.

A reveal belongs to its vote step: once revealed, a vote's dots count everywhere it is presented, whatever
votes come later. A results step (rank) presents the votes before it; the result page, the API and the
exports present every vote. A hidden vote nobody has voted in yet hides nothing (there is nothing to hide);
one with dots keeps only its own dots back until it is revealed."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from werkstatt.board import rules
from werkstatt.board.cards import card_extras
from werkstatt.board.models import Cluster, Idea
from werkstatt.live.visibility import COACH, Viewer, redact_idea
from werkstatt.voting.models import FinalRank
from werkstatt.voting.service import step_tallies, tallies_hidden
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


def presented_steps(workshop: Workshop, mechanic: str, at: int | None = None) -> list[AgendaStep]:
    """The steps of one mechanic whose result is shown at step `at` (those before it), or everywhere (None)."""
    return [s for s in workshop.steps if s.mechanic == mechanic and (at is None or s.position < at)]


async def pending_steps(db: AsyncSession, workshop: Workshop, at: int | None = None) -> list[AgendaStep]:
    """Presented vote and matrix steps that still hold something back from the room: hidden, not revealed,
    and with votes in them. The coach reveals these from a results step."""
    pending = []
    for step in presented_steps(workshop, "vote", at) + presented_steps(workshop, "rate_matrix", at):
        if tallies_hidden(workshop, step) and (await step_tallies(db, workshop, step))["voters"]:
            pending.append(step)
    return sorted(pending, key=lambda s: s.position)


async def workshop_results(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, at: int | None = None
) -> dict[str, Any]:
    """The result as `viewer` sees it; `at` is the position of a results step (only the votes before it)."""
    coach = viewer.role == COACH
    query = (
        select(Idea, Participant)
        .join(Participant, Participant.id == Idea.participant_id)
        .where(*rules.counted_cards(workshop.id))
        .order_by(Idea.created_at, Idea.id)
    )
    rows = (await db.execute(query)).all()
    blind_steps = set(rules.blind_positions(workshop))
    vote_steps = presented_steps(workshop, "vote", at)
    matrix_steps = presented_steps(workshop, "rate_matrix", at)
    # Each vote step shows its own dots once revealed; a hidden one keeps only its own dots back.
    visible_votes = [s for s in vote_steps if coach or not tallies_hidden(workshop, s)]
    visible_matrix = [s for s in matrix_steps if coach or not tallies_hidden(workshop, s)]
    pending = [] if coach else [s for s in await pending_steps(db, workshop, at) if s.mechanic == "vote"]
    dots: dict[str, int] = defaultdict(int)
    for step in visible_votes:
        for idea_id, count in (await step_tallies(db, workshop, step))["tallies"].items():
            dots[idea_id] += count
    if pending and not any(dots.values()):  # nothing shown yet but zeros: no ranking made of them either
        visible_votes = []
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for step in visible_matrix:
        for idea_id, (x, y, n) in (await step_tallies(db, workshop, step))["positions"].items():
            sums[idea_id][0] += x * n
            sums[idea_id][1] += y * n
            sums[idea_id][2] += n
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
    clusters = [
        {"id": str(c.id), "name": c.name}
        for c in (
            await db.execute(select(Cluster).where(Cluster.workshop_id == workshop.id).order_by(Cluster.position))
        ).scalars()
    ]
    return {
        "ideas": ideas,
        "clusters": clusters,
        "hidden": bool(pending),
        "pending": [s.position for s in pending],
        "fixed": bool(fixed),
    }


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
