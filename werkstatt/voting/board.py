"""The voting part of the board's state: my remaining dots and votes, tallies (when this viewer may see
them), the matrix and the ranking. Registered by werkstatt.board.queries (BOARD_EXTENSIONS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from werkstatt.board import step_cards
from werkstatt.live.visibility import COACH, PARTICIPANT, PROJECTOR, Viewer
from werkstatt.network.service import group_names
from werkstatt.voting import service as voting
from werkstatt.voting.matrix import clip_title, matrix_svg
from werkstatt.voting.ranking import cluster_results, competition_ranks, pending_steps, workshop_results
from werkstatt.workshops.models import WorkshopState

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop

QUADRANTS = (
    "Großer Nutzen, wenig Aufwand",
    "Großer Nutzen, viel Aufwand",
    "Wenig Nutzen, wenig Aufwand",
    "Wenig Nutzen, viel Aufwand",
)


async def cluster_cards(
    db: AsyncSession, workshop: Workshop, chosen: step_cards.StepCards, ideas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A step on clusters offers its clusters as the items: `{id, text (the name), number, kind, size,
    members}`, the members being the fixed cards this viewer's board shows (`ideas`, redacted already)."""
    readable = {i["id"]: i for i in ideas if i.get("text") and not i.get("gone") and not i.get("hidden")}
    found = []
    for item in await step_cards.cluster_items(db, workshop, chosen):
        members = [
            {"id": i, "number": readable[i].get("number"), "text": readable[i]["text"]}
            for i in item["card_ids"]
            if i in readable
        ]
        found.append(
            {
                "id": item["id"],
                "text": item["name"],
                "number": item["number"],
                "kind": "cluster",
                "size": len(item["card_ids"]),
                "members": members,
            }
        )
    return found


def matrix_points(ideas: list[dict[str, Any]], positions: dict[str, list[float]]) -> list[dict[str, Any]]:
    points = []
    for number, idea in enumerate(ideas, start=1):
        found = positions.get(idea["id"])
        if found and idea.get("text"):
            label = str(idea.get("number") or number)
            points.append({"label": label, "title": idea["text"], "x": found[0], "y": found[1]})
    return points


async def voting_state(
    db: AsyncSession, workshop: Workshop, viewer: Viewer, ideas: list[dict[str, Any]]
) -> dict[str, Any] | None:
    step = voting.step_at(workshop, workshop.current_step)
    if step is None or step.mechanic not in voting.VOTING_MECHANICS:
        return None
    coach = viewer.role == COACH
    hidden = voting.tallies_hidden(workshop, step)
    items = voting.items_of(workshop, step)
    if items.clusters:
        cards = await cluster_cards(db, workshop, items.chosen, ideas)
    else:
        cards = [i for i in ideas if i.get("text") and not i.get("gone") and not i.get("hidden")]  # votable ones
    state: dict[str, Any] = {
        "clusters": items.clusters,
        "field": items.field,
        "mechanic": step.mechanic,
        "step": step.position,
        "hidden": hidden,
        "revealed": step.revealed,
        "show_tallies": coach or not hidden,
        "cards": cards,
        "numbers": {idea["id"]: idea.get("number") or n for n, idea in enumerate(cards, start=1)},
        "mine": {},
        "remaining": None,
        "chosen": step_cards.describe(workshop, step_cards.chosen_cards(workshop, step)),
    }
    participant = UUID(viewer.participant_id) if viewer.participant_id else None
    if step.mechanic in ("vote", "rate_matrix"):
        tally = await voting.step_tallies(db, workshop, step)
        state.update(dots=tally["dots"], voters=tally["voters"])
        state["tallies"] = tally["tallies"] if state["show_tallies"] else {}
        if participant is not None:
            state["mine"] = await voting.my_votes(db, participant, step)
    if step.mechanic == "vote":
        rules = voting.vote_rules(step)
        state["rules"] = rules
        if participant is not None:
            state["remaining"] = await voting.remaining_dots(db, participant, step)
        elif viewer.role == PARTICIPANT:  # a board pushed to everyone: the whole budget; voters get their own
            state["remaining"] = rules.dots_per_person
        if coach:
            state["by_group"] = by_group = await voting.tallies_by_group(db, workshop, step)
            # one colour per target group across all cards (not per position on a card), so groups compare
            slugs = sorted({slug for groups in by_group.values() for slug in groups})
            state["group_colour"] = {slug: index % 4 for index, slug in enumerate(slugs)}
            state["group_names"] = await group_names(db, workshop.network_id)  # people read names, not slugs
    elif step.mechanic == "rate_matrix":
        rules_m = voting.matrix_rules(step)
        state["matrix_rules"] = rules_m
        tally = await voting.step_tallies(db, workshop, step)
        state["positions"] = tally["positions"] if state["show_tallies"] else {}
        state["svg"] = matrix_svg(
            matrix_points(cards, state["positions"]),
            rules_m["x_label"],
            rules_m["y_label"],
            rules_m["scale"],
            QUADRANTS,
        )
    else:
        offered = await step_cards.step_conditions(db, workshop, step)
        if items.clusters:
            state["ranking"] = await cluster_results(db, workshop, viewer, at=step.position, chosen=items.chosen)
        else:
            state["ranking"] = await workshop_results(db, workshop, viewer, at=step.position, cards=offered)
        # the reveal at hand in a results step: the votes it presents that still hold dots back
        state["pending"] = [s.position for s in await pending_steps(db, workshop, step.position)]
        state["hidden"] = bool(state["pending"])
    return state


# The projector shows the top of a result in type readable from the back row: this many rows fit 1080 px.
PROJECTOR_TOP = 8
PROJECTOR_LEGEND = 24  # the matrix's numbered cards beside the figure
CLOSING_TOP = 5


def top_rows(rows: list[tuple[str, str, int | None]], limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """(id, text, dots) → the first `limit` rows by dots with competition places, the top count, the rest. Only
    cards with dots: a card nobody gave one has no place in a result."""
    rows = [row for row in rows if row[2]]
    counted = [(key, float(count)) for key, _text, count in rows if count is not None]
    places = competition_ranks(counted)
    ordered = sorted(rows, key=lambda row: (-(row[2] or 0), places.get(row[0], (0, False))[0]))
    top: list[dict[str, Any]] = [
        {
            "id": key,
            "text": text,
            "count": count,
            "place": places[key][0] if key in places else None,
            "tie": places[key][1] if key in places else False,
        }
        for key, text, count in ordered[:limit]
    ]
    return top, max((row["count"] or 0 for row in top), default=0), max(0, len(rows) - limit)


def _ranked_rows(ideas: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """A ranking's top `limit` cards with their numbers, leaving out those without dots (unless the coach
    fixed their place)."""
    ranked = [
        i
        for i in ideas
        if i.get("text") and i["rank"] is not None and (i["votes"] is None or i["votes"] or i.get("fixed"))
    ]
    top = [
        {
            "id": i["id"],
            "number": i.get("number"),
            "text": i["text"],
            "count": i["votes"],
            "place": i["rank"],
            "tie": i["tie"],
            "size": i.get("size"),
        }
        for i in ranked[:limit]
    ]
    return top, max((row["count"] or 0 for row in top), default=0), max(0, len(ranked) - limit)


def projector_view(state: dict[str, Any]) -> None:
    """What the projector adds to a voting step's state: the top of the result, sorted, each with its number."""
    if state["mechanic"] == "vote" and state["show_tallies"]:
        rows: list[tuple[str, str, int | None]] = [
            (card["id"], card["text"], int(state["tallies"].get(card["id"], 0))) for card in state["cards"]
        ]
        state["top"], state["top_count"], state["more"] = top_rows(rows, PROJECTOR_TOP)
        sizes = {card["id"]: card.get("size") for card in state["cards"]}
        for row in state["top"]:
            row["number"] = state["numbers"].get(row["id"])
            row["size"] = sizes.get(row["id"])
    elif state["mechanic"] == "rank":
        top, top_count, more = _ranked_rows(state["ranking"]["ideas"], PROJECTOR_TOP)
        state.update(top=top, top_count=top_count, more=more)
    elif state["mechanic"] == "rate_matrix":
        state["legend"], state["legend_more"] = matrix_legend(
            [(card["id"], state["numbers"].get(card["id"]), card["text"]) for card in state["cards"]],
            set(state["positions"]),
        )
    state["legend_limit"] = PROJECTOR_LEGEND


def matrix_legend(cards: list[tuple[str, Any, str]], rated: set[str]) -> tuple[list[dict[str, Any]], int]:
    """The projector's matrix legend from (id, number, text) of the cards: the rated ones (the figure's points),
    by number, or the cards to rate while no point is shown; the first PROJECTOR_LEGEND, and how many more."""
    shown = [card for card in cards if card[0] in rated] or cards
    rows = sorted(
        ({"number": number, "text": clip_title(text)} for _id, number, text in shown), key=lambda r: r["number"] or 0
    )
    return rows[:PROJECTOR_LEGEND], max(0, len(rows) - PROJECTOR_LEGEND)


async def closing_view(db: AsyncSession, workshop: Workshop, viewer: Viewer) -> dict[str, Any]:
    """The closing screen's top results, as the room sees them (the close reveals every vote)."""
    found = await workshop_results(db, workshop, viewer)
    top, top_count, _more = _ranked_rows(found["ideas"], CLOSING_TOP)
    return {"top": top, "top_count": top_count}


async def extend_board(db: AsyncSession, workshop: Workshop, viewer: Viewer, state: dict[str, Any]) -> None:
    state["voting"] = found = await voting_state(db, workshop, viewer, list(state.get("ideas") or []))
    if viewer.role == PROJECTOR:
        if found is not None:
            projector_view(found)
        if workshop.state == WorkshopState.closed:
            state["finale"] = await closing_view(db, workshop, viewer)
