"""What voting's live events carry, gathered once at record time so that the live fragments render from the
event alone (no database access per audience or per socket).

A `tally_updated` carries the full counts of the step (zeros included, so a card whose last dot was taken
back drops to 0), for the coach also the counts per target group with the groups' names, and in a matrix step
the averaged positions with each rated card's number and title. A vote's tally also names the cards that
changed since the step's previous tally (or reveal) in the log: `changed` (their count) and, for the coach,
`regrouped` (only their target-group chips); the boards redraw those alone (a room of 40 voters and 86 cards
sends a few cards per update, not all of them). Without a previous count of the step, neither is there and
every card is drawn. What an audience may not see is taken out by
werkstatt.voting.visibility (per-group counts always for non-coaches, per-card counts while hidden). A
`ranking_fixed` carries the ranking as the coach and as everyone else sees it (ids, ranks, votes, flags; no
texts: the boards have them). Events stay under MAX_EVENT_BYTES: the largest optional parts go first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from werkstatt.board import rules as card_rules
from werkstatt.board import step_cards
from werkstatt.board.models import Idea
from werkstatt.live.events import MAX_EVENT_BYTES, record
from werkstatt.live.models import WorkshopEvent
from werkstatt.live.visibility import COACH, PARTICIPANT, Viewer
from werkstatt.network.service import group_names
from werkstatt.voting.events import TallyUpdated
from werkstatt.voting.matrix import clip_title
from werkstatt.voting.ranking import workshop_results
from werkstatt.voting.service import (
    items_of,
    matrix_rules,
    step_at,
    step_tallies,
    tallies_by_group,
    tallies_hidden,
)
from werkstatt.workshops.models import Workshop

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import AgendaStep

# What a vote's tally may lose when too large, first to last: without the changes every card is drawn.
VOTE_OPTIONAL = ("changed", "regrouped", "by_group", "group_names")


def fit(data: dict[str, Any], optional: tuple[str, ...]) -> dict[str, Any]:
    """Drop optional parts, in the order given, until the event is small enough; say which were dropped."""
    dropped = []
    for key in optional:
        if len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()) <= MAX_EVENT_BYTES:
            break
        if key in data:
            del data[key]
            dropped.append(key)
    if dropped:
        data["trimmed"] = dropped
    return data


async def _public_cards(db: AsyncSession, workshop: Workshop) -> list[tuple[str, str, int | None]]:
    """(id, text, number) of the cards everyone sees on the board, in board order."""
    query = select(Idea.id, Idea.text, Idea.step_position, Idea.number).where(*card_rules.counted_cards(workshop.id))
    blind = set(card_rules.blind_positions(workshop))
    cards = []
    for idea_id, text, position, number in await db.execute(query.order_by(Idea.created_at, Idea.id)):
        if position in blind:
            continue  # another person's blind card has no text for most audiences
        cards.append((str(idea_id), str(text), number))
    return cards


async def tally_data(db: AsyncSession, workshop: Workshop, step: AgendaStep) -> dict[str, Any]:
    tally = await step_tallies(db, workshop, step)
    data: dict[str, Any] = {
        "step": step.position,
        "mechanic": step.mechanic,
        "dots": tally["dots"],
        "voters": tally["voters"],
        "hidden": tallies_hidden(workshop, step),
    }
    items = items_of(workshop, step)
    offered = await step_cards.cluster_items(db, workshop, items.chosen) if items.clusters else []
    if step.mechanic == "vote":
        counts = tally["tallies"]
        if items.clusters:  # clusters whose last dot was taken back drop to 0
            for item in offered:
                counts.setdefault(item["id"], 0)
        else:
            live = select(Idea.id).where(*card_rules.counted_cards(workshop.id))
            for idea_id in (await db.execute(live)).scalars():  # cards whose last dot was taken back drop to 0
                counts.setdefault(str(idea_id), 0)
        data.update(tallies=counts, positions={})
        by_group = await tallies_by_group(db, workshop, step)
        slugs = {slug for groups in by_group.values() for slug in groups if slug}
        names = await group_names(db, workshop.network_id) if slugs else {}
        data.update(by_group=by_group, group_names={slug: names.get(slug, slug) for slug in sorted(slugs)})
        return fit(data, VOTE_OPTIONAL)
    rules = matrix_rules(step)
    positions = tally["positions"]
    if items.clusters:  # a cluster's point is labelled with its number among the offered clusters
        numbers = {item["id"]: (item["number"], item["name"]) for item in offered}
    else:
        numbers = {
            idea_id: (number or n, text)
            for n, (idea_id, text, number) in enumerate(await _public_cards(db, workshop), start=1)
        }
    data.update(
        tallies={},
        positions=positions,
        labels={i: [numbers[i][0], clip_title(numbers[i][1])] for i in positions if i in numbers},
        axes=[rules["x_label"], rules["y_label"], rules["scale"]],
    )
    return fit(data, ("labels",))


async def record_tally(db: AsyncSession, workshop_id: UUID, position: int) -> WorkshopEvent | None:
    """The coalesced `tally_updated` of one step (in its own transaction): a full count, never a difference."""
    workshop = await db.get(Workshop, workshop_id)
    if workshop is None:
        return None
    step = step_at(workshop, position)
    if step is None or step.mechanic not in ("vote", "rate_matrix"):
        return None
    data = await tally_data(db, workshop, step)
    if step.mechanic == "vote":
        data = fit({**data, **await changes(db, workshop.id, data)}, VOTE_OPTIONAL)
    return await record(db, workshop.id, TallyUpdated(data))


async def changes(db: AsyncSession, workshop_id: UUID, data: dict[str, Any]) -> dict[str, list[str]]:
    """The cards whose count (`changed`) or only whose target-group counts (`regrouped`) differ from the step's
    previous count in the log (its last `tally_updated` or `revealed`); {} when there is none to compare with
    (every card is then drawn). Every board got that previous count: the log replays it after a reconnect,
    and a board drawn later shows counts at least as new."""
    query = (
        select(WorkshopEvent.data)
        .where(WorkshopEvent.workshop_id == workshop_id, WorkshopEvent.type.in_(("tally_updated", "revealed")))
        .order_by(WorkshopEvent.seq.desc())
        .limit(1)
    )
    before = (await db.execute(query)).scalar_one_or_none() or {}
    if before.get("step") != data["step"] or "tallies" not in before:
        return {}
    counts, old = data["tallies"], before["tallies"]
    changed = [i for i, n in counts.items() if old.get(i, 0) != n]
    if "by_group" not in data:
        return {"changed": changed}
    if "by_group" not in before:  # a reveal carries no chips: the coach's are all drawn once more
        return {"changed": changed, "regrouped": [i for i in counts if old.get(i, 0) == counts[i]]}
    groups, old_groups = data["by_group"], before["by_group"]
    shown = set(changed)
    regrouped = [i for i in counts if i not in shown and (groups.get(i) or {}) != (old_groups.get(i) or {})]
    return {"changed": changed, "regrouped": regrouped}


def _rows(result: dict[str, Any]) -> list[list[Any]]:
    """[id, rank, votes, tie, fixed] per card with a text, in ranking order."""
    return [
        [i["id"], i["rank"], i["votes"], bool(i["tie"]), bool(i["fixed"])] for i in result["ideas"] if i.get("text")
    ]


async def ranking_data(db: AsyncSession, workshop: Workshop, order: list[UUID]) -> dict[str, Any]:
    """The fixed order and the ranking as the coach and as everyone else sees it (votes hidden with tallies)."""
    coach = Viewer(str(workshop.id), COACH, None)
    everyone = Viewer(str(workshop.id), PARTICIPANT, None)
    step = step_at(workshop, workshop.current_step)
    at = step.position if step is not None and step.mechanic == "rank" else None  # as that step's panel shows it
    offered = await step_cards.step_conditions(db, workshop, step)  # the cards the current step offers
    data: dict[str, Any] = {
        "order": [str(i) for i in order],
        "ranking": _rows(await workshop_results(db, workshop, coach, at=at, cards=offered)),
        "public": _rows(await workshop_results(db, workshop, everyone, at=at, cards=offered)),
    }
    if len(json.dumps(data).encode()) > MAX_EVENT_BYTES:  # hundreds of cards: the top of the list travels
        keep = max(1, len(data["public"]) * MAX_EVENT_BYTES // len(json.dumps(data).encode()) - 1)
        data.update(ranking=data["ranking"][:keep], public=data["public"][:keep], trimmed=["ranking"])
    return data
