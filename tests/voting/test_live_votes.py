"""Votes over the live sockets: a vote costs other sockets nothing (not even a seq), the voter's other devices
get a small fragment, tallies, reveals and a fixed ranking are pushed from event data, and no voting fragment
makes a board fetch anything."""

from __future__ import annotations

import json
import queue
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.board.conftest import as_guest, bearer
from tests.html import by_id, parse
from tests.voting.conftest import MATRIX, SAME_ORIGIN, VOTE, Room
from werkstatt.voting.batch import TallyBatcher

SEQ = re.compile(r"^<!--seq:(\d+)-->")
ROOT = Path(__file__).resolve().parents[2]


def batching(room: Room, window: float = 3600) -> None:
    """The app's tally batcher with this window (by default one that never closes during a test: votes then
    record only their own events)."""
    app = room.client.app
    app.state.tally_batcher = TallyBatcher(app.state.sessionmaker, app.state.channels, window=window)


def next_message(socket: Any, timeout: float = 5) -> str:
    """The next numbered message or JSON event (presence is skipped)."""
    while True:
        text = socket.receive_text(timeout=timeout)
        if text.startswith("<"):
            if SEQ.match(text):
                return str(text)
        elif "seq" in json.loads(text):
            return str(text)


def tally_until(socket: Any, dots: int) -> str:
    """Tally fragments until the one that counts `dots` dots (a burst may be counted in one or more windows);
    every message before it must be a tally too: the votes themselves sent this socket nothing."""
    for _ in range(10):
        message = next_message(socket)
        assert 'id="tally-dots-' in message, message
        if by_id(message, f"tally-dots-{VOTE}").get_text() == str(dots):
            return message
    raise AssertionError(f"no tally of {dots} dots")


def seq_of(message: str) -> int:
    found = SEQ.match(message)
    return int(found.group(1)) if found else int(json.loads(message)["seq"])


def nothing_numbered(socket: Any, wait: float = 0.5) -> bool:
    try:
        next_message(socket, wait)
    except queue.Empty:
        return True
    return False


async def last_seq(room: Room) -> int:
    return max(int(e["seq"]) for e in await room.events())


async def comment(room: Room, guest: int, text: str) -> None:
    url = f"{room.base}/ideas/{room.ideas[0]}/comments"
    posted = await as_guest(room.client, "POST", url, room.guests[guest]["token"], json={"text": text})
    assert posted.status_code == 201, posted.text


async def guest_socket(room: Room, guest: int, url: str) -> Any:
    """A guest's socket with only their bearer token; the coach's cookies stay with the client."""
    saved = room.client.cookies
    room.client.cookies = httpx.Cookies()
    try:
        return await room.client.websocket_connect(url, headers=bearer(room.guests[guest]["token"]))
    finally:
        room.client.cookies = saved


async def html_socket(room: Room, guest: int, after: int) -> Any:
    return await guest_socket(room, guest, f"/w/{room.workshop.id}/live?after={after}")


async def json_socket(room: Room, guest: int, after: int) -> Any:
    return await guest_socket(room, guest, f"{room.base}/live?after={after}")


async def test_a_vote_costs_other_sockets_nothing_and_replay_stays_exact(room: Room) -> None:
    batching(room)
    await room.step(VOTE)
    before = await last_seq(room)
    with await html_socket(room, 1, before) as html, await json_socket(room, 1, before) as api:
        assert (await room.vote(0, room.ideas[0])).status_code == 201  # Anna votes; Bert watches
        vote_seq = before + 1
        await comment(room, 2, "Gute Idee")  # Cem comments: the next thing Bert sees
        for socket in (html, api):
            message = next_message(socket)
            assert seq_of(message) == vote_seq + 1, message
            assert "Gute Idee" in message and "vote" not in message.split("Gute Idee")[0].lower()
            assert nothing_numbered(socket)
    listed = await room.events(1, after=before)
    assert [e["seq"] for e in listed] == [vote_seq + 1], "another person's vote is not listed for Bert"
    # Bert reconnects from before the vote: exactly the comment again, the vote skipped the same way.
    for opened in (html_socket, json_socket):
        with await opened(room, 1, before) as socket:
            message = next_message(socket)
            assert seq_of(message) == vote_seq + 1 and "Gute Idee" in message
            assert nothing_numbered(socket)
    # Reconnecting exactly at the skipped seq's predecessor or after it changes nothing either.
    with await json_socket(room, 1, vote_seq) as socket:
        assert seq_of(next_message(socket)) == vote_seq + 1


async def test_the_voters_other_device_gets_a_small_fragment(room: Room) -> None:
    batching(room)
    await room.step(VOTE)
    before = await last_seq(room)
    with await html_socket(room, 0, before) as phone:
        assert (await room.vote(0, room.ideas[2])).status_code == 201
        message = next_message(phone)
        assert seq_of(message) == before + 1
        assert len(message.encode()) < 4000, len(message)
        assert "hx-trigger" not in message and "hx-get" not in message
        remaining = by_id(message, "voting-remaining")
        assert remaining["data-remaining"] == "2" and "noch 2 von 3 Punkten" in remaining.get_text()
        assert by_id(message, f"vote-mine-{room.ideas[2]}").get_text(" ", strip=True).endswith("1")
        actions = by_id(message, f"vote-actions-{room.ideas[2]}")
        buttons = actions.find_all("button")
        assert len(buttons) == 2 and not buttons[0].has_attr("disabled"), "+ still open (cap 2), − offered"
        # Two more dots: the budget is spent, so "+" is off for the cards in the fragment.
        assert (await room.vote(0, room.ideas[2])).status_code == 201
        third = await room.vote(0, room.ideas[3])
        assert third.status_code == 201
        next_message(phone)
        last = next_message(phone)
        assert by_id(last, "voting-remaining")["data-remaining"] == "0"
        for card in (room.ideas[2], room.ideas[3]):
            plus = by_id(last, f"vote-actions-{card}").find("button")
            assert plus is not None and plus.has_attr("disabled")
        assert by_id(last, f"vote-actions-{room.ideas[2]}").find("button").has_attr("data-full")
        # Taking one back reaches the phone too: a dot free again, no "−" left on that card.
        assert (await room.unvote(0, third.json()["id"])).status_code == 204
        back = next_message(phone)
        assert by_id(back, "voting-remaining")["data-remaining"] == "1"
        assert len(by_id(back, f"vote-actions-{room.ideas[3]}").find_all("button")) == 1


async def test_coach_gets_counts_and_group_chips_pushed_guests_only_totals(room: Room) -> None:
    batching(room, window=0.05)  # the tally follows the votes at once
    await room.step(VOTE)  # hidden until revealed
    before = await last_seq(room)
    with await html_socket(room, 2, before) as guest:
        assert (await room.vote(0, room.ideas[0])).status_code == 201
        assert (await room.vote(1, room.ideas[0])).status_code == 201
        tally = tally_until(guest, 2)
        assert parse(tally).find(id=f"tally-{VOTE}-{room.ideas[0]}") is None, "hidden: no count for guests"
        assert "vote-groups" not in tally and "Jugendliche" not in tally
    coach_events = [e for e in await room.events(after=before) if e["type"] == "tally_updated"]
    assert coach_events[-1]["data"]["by_group"] == {room.ideas[0]: {"jugendliche": 1, "senioren": 1}}
    guest_events = [e for e in await room.events(2, after=before) if e["type"] == "tally_updated"]
    assert "tallies" not in guest_events[-1]["data"] and "by_group" not in guest_events[-1]["data"]


async def test_coach_board_receives_chips(room: Room) -> None:
    batching(room, window=0.05)  # the tally follows the votes at once
    await room.step(VOTE)
    before = await last_seq(room)
    with await room.client.websocket_connect(
        f"/w/{room.workshop.id}/live?after={before}", headers={"origin": "http://testserver.local"}
    ) as coach:
        assert (await room.vote(0, room.ideas[1])).status_code == 201
        assert (await room.vote(1, room.ideas[1])).status_code == 201
        tally = tally_until(coach, 2)  # the coach's board got no message for the two votes themselves
        assert "hx-trigger" not in tally and "hx-get" not in tally
        assert by_id(tally, f"tally-{VOTE}-{room.ideas[1]}").get_text(" ", strip=True) == "2 Punkte"
        chips = [li.get_text(strip=True) for li in by_id(tally, f"vote-groups-{VOTE}-{room.ideas[1]}").find_all("li")]
        assert chips == ["Jugendliche: 1", "Senioren: 1"]


async def test_reveal_and_fixed_ranking_are_pushed(room: Room) -> None:
    batching(room)
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[1])).status_code == 201
    assert (await room.vote(1, room.ideas[1])).status_code == 201
    assert (await room.vote(2, room.ideas[3])).status_code == 201
    before = await last_seq(room)
    with await html_socket(room, 0, before) as guest:
        revealed = await room.client.post(f"{room.base}/votes/reveal", headers=SAME_ORIGIN)
        assert revealed.status_code == 200, revealed.text
        message = next_message(guest)
        assert "hx-trigger" not in message and "hx-get" not in message
        assert by_id(message, f"tally-{VOTE}-{room.ideas[1]}").get_text(" ", strip=True) == "2 Punkte"
        assert by_id(message, f"tally-{VOTE}-{room.ideas[0]}").get_text(" ", strip=True) == "0 Punkte"
        assert by_id(message, "voting-hidden-note").has_attr("hidden")
        fixed = await room.client.post(
            f"{room.base}/ranking", json={"idea_ids": [room.ideas[3], room.ideas[1]]}, headers=SAME_ORIGIN
        )
        assert fixed.status_code == 200, fixed.text
        ranking = next_message(guest)
        assert "hx-trigger" not in ranking and "hx-get" not in ranking
        order = by_id(ranking, "ranking-order")["data-order"].split()
        assert order[:2] == [room.ideas[3], room.ideas[1]]
        assert by_id(ranking, f"rank-no-{room.ideas[3]}").get_text(strip=True) == "1."
        assert "festgelegt" in by_id(ranking, f"rank-meta-{room.ideas[1]}").get_text()


async def test_matrix_figure_is_pushed(room: Room) -> None:
    batching(room, window=0.05)  # the tally follows the votes at once
    await room.step(MATRIX)
    before = await last_seq(room)
    with await html_socket(room, 1, before) as guest:
        assert (await room.vote(0, room.ideas[0], score_x=2, score_y=5)).status_code == 201
        message = next_message(guest)
        figure = by_id(message, "vote-matrix-figure")
        assert figure.find("svg") is not None and "Mehr Bänke" in figure.get_text()
        assert "hx-trigger" not in message and "hx-get" not in message


@pytest.mark.parametrize("folder", ["templates/voting"])
def test_no_voting_template_makes_a_board_fetch(folder: str) -> None:
    for template in (ROOT / folder).glob("*.html"):
        text = template.read_text()
        assert 'hx-trigger="load"' not in text and "panel_refresh" not in text, template


async def test_the_projectors_matrix_legend_follows_the_ratings(room: Room) -> None:
    batching(room, window=0.05)  # the tally follows the votes at once
    await room.step(MATRIX)
    page = parse((await room.client.get(f"/w/{room.workshop.id}/beamer")).text)
    before = [li.get_text(" ", strip=True) for li in page.select("#beamer-legend-cards li")]
    assert len(before) == 4, "before any rating: the cards to rate"
    numbers = {i["id"]: i["number"] for i in (await room.results())["ideas"]}
    after = await last_seq(room)
    url = f"/w/{room.workshop.id}/live?after={after}&view=projector"
    with await room.client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as projector:
        assert (await room.vote(0, room.ideas[3], score_x=2, score_y=5)).status_code == 201
        message = next_message(projector)
        legend = by_id(message, "beamer-legend-cards")
        assert legend["hx-swap-oob"] == "true"
        assert [li.get_text(" ", strip=True) for li in legend.select("li")] == [f"{numbers[room.ideas[3]]} Radbügel"]
        assert (await room.vote(1, room.ideas[1], score_x=4, score_y=1)).status_code == 201
        rows = by_id(next_message(projector), "beamer-legend-cards").select("li")
        assert [li["value"] for li in rows] == sorted(str(numbers[i]) for i in (room.ideas[1], room.ideas[3]))
