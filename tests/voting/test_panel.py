"""The vote panel on the board and the live fragments: counts only for those who may see them."""

from __future__ import annotations

import json

from tests.board.conftest import as_guest
from tests.html import by_id, parse
from tests.voting.conftest import VOTE, Room
from werkstatt.board.fragments import render_event
from werkstatt.live.visibility import Viewer


def _event(kind: str, data: dict[str, object]) -> dict[str, object]:
    return {"workshop_id": "w", "seq": 7, "type": kind, "at": "2026-11-22T00:00:00+00:00", "data": data}


def test_hidden_tally_update_carries_no_counts_to_any_html_audience_but_the_coach() -> None:
    tallies = {"i1": 3, "i2": 1}
    by_group = {"i1": {"jugendliche": 2, "": 1}, "i2": {"senioren": 1}}
    data = {"step": 1, "mechanic": "vote", "dots": 4, "voters": 2, "hidden": True, "tallies": tallies}
    event = _event("tally_updated", {**data, "by_group": by_group, "group_names": {"jugendliche": "Jugendliche"}})
    for viewer in (Viewer("w", "participant", "p1"), Viewer("w", "projector", None)):
        shown = render_event(event, viewer)
        assert shown is not None and by_id(shown, "tally-dots-1").get_text() == "4"
        assert parse(shown).find(id="tally-1-i1") is None and "vote-groups" not in shown and "Jugend" not in shown
    coach = render_event(event, Viewer("w", "coach", "c"))
    assert coach is not None and "hx-get" not in coach and "hx-trigger" not in coach
    assert by_id(coach, "tally-1-i1").get_text(" ", strip=True) == "3 Punkte"
    chips = [li.get_text(strip=True) for li in by_id(coach, "vote-groups-1-i1").find_all("li")]
    assert chips == ["ohne Angabe: 1", "Jugendliche: 2"]
    assert json.loads(render_event(event, Viewer("w", "participant", "p1", format="json")) or "")["data"] == {
        "step": 1,
        "mechanic": "vote",
        "dots": 4,
        "voters": 2,
        "hidden": True,
    }


def test_a_vote_reaches_the_voter_and_the_coach_only_in_every_format() -> None:
    vote = {"id": "v", "author_id": "p1", "step": 1, "idea_id": "i1", "remaining": 2, "mine": {"i1": 1}}
    event = _event("vote_cast", {"vote": {**vote, "dots": 3, "cap": 1}})
    own = render_event(event, Viewer("w", "participant", "p1"))
    assert own is not None and by_id(own, "voting-remaining")["data-remaining"] == "2"
    for fmt in ("html", "json"):
        assert render_event(event, Viewer("w", "participant", "p2", format=fmt)) is None
        assert render_event(event, Viewer("w", "projector", None, format=fmt)) is None
    assert render_event(event, Viewer("w", "coach", "c")) is None, "the coach's board learns from the tally"
    assert json.loads(render_event(event, Viewer("w", "coach", "c", format="json")) or "")["data"]["vote"] == {
        **vote,
        "dots": 3,
        "cap": 1,
    }


async def test_panel_shows_remaining_dots_and_hides_tallies(room: Room) -> None:
    await room.step(VOTE)
    await room.vote(0, room.ideas[0])
    panel = await as_guest(room.client, "GET", f"/w/{room.workshop.id}/stimmen", room.guests[0]["token"])
    assert panel.status_code == 200, panel.text
    assert "Sie haben noch 2 von 3 Punkten." in panel.text
    assert by_id(panel.text, f"tally-{VOTE}-{room.ideas[0]}").get_text(strip=True) == "", "hidden: an empty slot"
    coach = await room.client.get(f"/w/{room.workshop.id}/")
    assert 'id="voting-panel"' in coach.text
    count = f'id="tally-{VOTE}-{room.ideas[0]}"><span class="vote-tally">1</span> <span class="muted">Punkt</span>'
    assert count in coach.text
    assert 'id="reveal-tallies"' in coach.text


async def test_each_target_group_keeps_its_colour_on_every_card(room: Room) -> None:
    """The coach compares groups across cards: Senioren is the same colour on a card where it is alone."""
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[0])).status_code == 201  # Jugendliche
    assert (await room.vote(1, room.ideas[0])).status_code == 201  # Senioren
    assert (await room.vote(1, room.ideas[1])).status_code == 201  # Senioren only
    panel = parse((await room.client.get(f"/w/{room.workshop.id}/stimmen")).text)
    colours: dict[str, set[str]] = {}
    for badge in panel.select(".vote-groups .vote-group"):
        group = badge.get_text(strip=True).split(":")[0]
        colours.setdefault(group, set()).update(c for c in badge["class"] if c.startswith("vote-group-"))
    assert set(colours) == {"Jugendliche", "Senioren"}
    assert all(len(found) == 1 for found in colours.values()), colours
    assert colours["Jugendliche"] != colours["Senioren"]


async def test_cards_with_dots_are_not_merged(room: Room) -> None:
    """Merging after the vote would lose the duplicate's dots from the result (or count them twice)."""
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[1])).status_code == 201
    merged = await room.command(type="merge_ideas", source_id=room.ideas[1], target_id=room.ideas[0])
    assert merged.status_code == 409 and "vor der Abstimmung" in merged.json()["detail"]
    ideas = (await room.results())["ideas"]
    assert room.ideas[1] in {idea["id"] for idea in ideas}, "the card with the dot is still on the board"
    clean = await room.command(type="merge_ideas", source_id=room.ideas[3], target_id=room.ideas[2])
    assert clean.status_code == 200, clean.text


def test_a_late_tally_of_another_step_touches_only_that_steps_counts() -> None:
    """The coach moved on while the last tally of step 1 was counted: its counts must not land on step 3."""
    data = {"step": 1, "mechanic": "vote", "dots": 2, "voters": 1, "hidden": False, "tallies": {"i1": 2, "i2": 0}}
    shown = render_event(_event("tally_updated", data), Viewer("w", "participant", "p1"))
    assert shown is not None
    ops = parse(shown).select('template[data-op="swap"]')
    assert len(ops) == 1, "one swap, applied in one pass"
    swapped = [tag["id"] for tag in ops[0].find_all(id=True)]
    assert swapped == ["tally-dots-1", "tally-voters-1", "tally-1-i1", "tally-1-i2"]


def test_a_hidden_matrix_tally_sends_participants_nothing() -> None:
    data = {"step": 2, "mechanic": "rate_matrix", "dots": 1, "voters": 1, "hidden": True, "tallies": {}}
    event = _event("tally_updated", {**data, "positions": {"i1": [2.0, 5.0, 1]}, "axes": ["Aufwand", "Nutzen", 5]})
    assert render_event(event, Viewer("w", "participant", "p1")) is None
    coach = render_event(event, Viewer("w", "coach", "c"))
    assert coach is not None and by_id(coach, "vote-matrix-figure").find("svg") is not None


def test_only_the_projector_gets_the_matrix_legend_with_a_tally() -> None:
    data = {"step": 2, "mechanic": "rate_matrix", "dots": 1, "voters": 1, "hidden": False, "tallies": {}}
    long = "Ein sehr langer Kartentext " * 3
    event = _event(
        "tally_updated",
        {**data, "positions": {"i1": [2.0, 5.0, 1]}, "labels": {"i1": [7, long]}, "axes": ["Aufwand", "Nutzen", 5]},
    )
    projector = render_event(event, Viewer("w", "projector", None))
    assert projector is not None
    rows = by_id(projector, "beamer-legend-cards").select("li")
    assert [(li["value"], li.select_one(".beamer-legend-no").get_text()) for li in rows] == [("7", "7")]
    text = rows[0].get_text().strip().removeprefix("7").strip()
    assert text.endswith("…") and len(text) == 80, "the start of a long text"
    for viewer in (Viewer("w", "coach", "c"), Viewer("w", "participant", "p1")):
        shown = render_event(event, viewer)
        assert shown is not None and "beamer-legend-cards" not in shown
