"""A tally redraws only what changed: with a room voting, the coach's board gets the counts and chips of the
cards whose dots changed since the step's previous tally, not every card each time (issue: 86 cards × 2
pieces several times a second left the coach's board a minute behind). The event itself stays a full count
for programs, and nothing of the changes reaches other audiences while the vote is hidden."""

from __future__ import annotations

from tests.html import by_id, parse
from tests.voting.conftest import VOTE, Room
from tests.voting.test_live_votes import batching, html_socket, last_seq, tally_until


def _drawn(message: str) -> tuple[set[str], set[str]]:
    """The card ids whose count and whose chips a tally message redraws."""
    ids = [str(element["id"]) for element in parse(message).find_all(id=True)]  # also in a <template data-op>
    counts = {i.removeprefix(f"tally-{VOTE}-") for i in ids if i.startswith(f"tally-{VOTE}-")}
    chips = {i.removeprefix(f"vote-groups-{VOTE}-") for i in ids if i.startswith(f"vote-groups-{VOTE}-")}
    return counts, chips


def _count(message: str, idea: str) -> str:
    return by_id(message, f"tally-{VOTE}-{idea}").get_text(" ", strip=True)


async def test_only_the_cards_whose_counts_changed_are_sent(room: Room) -> None:
    batching(room, window=0.05)  # each tally follows its vote at once
    await room.step(VOTE)  # hidden until revealed
    before = await last_seq(room)
    url = f"/w/{room.workshop.id}/live?after={before}"
    with (
        await room.client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as coach,
        await html_socket(room, 2, before) as guest,
    ):
        assert (await room.vote(0, room.ideas[1])).status_code == 201
        first = tally_until(coach, 1)
        counts, chips = _drawn(first)
        assert counts == chips == set(room.ideas), "the step's first tally draws every card"

        assert (await room.vote(1, room.ideas[3])).status_code == 201
        second = tally_until(coach, 2)
        assert _drawn(second) == ({room.ideas[3]}, {room.ideas[3]}), "only the card that got a dot"
        assert _count(second, room.ideas[3]) == "1 Punkt"
        assert by_id(second, f"tally-dots-{VOTE}").get_text() == "2"

        given = await room.vote(0, room.ideas[0])
        assert given.status_code == 201, given.text
        assert _drawn(tally_until(coach, 3)) == ({room.ideas[0]}, {room.ideas[0]})
        withdrawn = await room.unvote(0, given.json()["id"])
        assert withdrawn.status_code in (200, 204), withdrawn.text
        taken_back = tally_until(coach, 2)
        assert _drawn(taken_back) == ({room.ideas[0]}, {room.ideas[0]}), "a card back to no dots is redrawn"
        assert _count(taken_back, room.ideas[0]) == "0 Punkte"

        for dots in (1, 2, 3, 2):  # the guest's board follows the totals alone, never a card
            message = tally_until(guest, dots)
            assert _drawn(message) == (set(), set()), message

    coach_events = [e["data"] for e in await room.events(after=before) if e["type"] == "tally_updated"]
    assert "changed" not in coach_events[0], "nothing to compare the first tally with"
    assert [(e["changed"], e["regrouped"]) for e in coach_events[1:]] == [
        ([room.ideas[3]], []),
        ([room.ideas[0]], []),
        ([room.ideas[0]], []),
    ]
    assert all(set(e["tallies"]) == set(room.ideas) for e in coach_events), "the event stays a full count"
    guest_events = [e["data"] for e in await room.events(2, after=before) if e["type"] == "tally_updated"]
    assert guest_events and not any({"changed", "regrouped", "tallies"} & set(e) for e in guest_events)


async def test_after_the_reveal_everyone_gets_the_changed_counts_only(room: Room) -> None:
    batching(room, window=0.05)
    await room.step(VOTE)
    assert (await room.vote(0, room.ideas[1])).status_code == 201
    assert (await room.vote(1, room.ideas[2])).status_code == 201
    revealed = await room.client.post(f"{room.base}/votes/reveal", headers={"origin": "http://testserver.local"})
    assert revealed.status_code == 200, revealed.text
    before = await last_seq(room)
    with await html_socket(room, 0, before) as guest:
        assert (await room.vote(2, room.ideas[2])).status_code == 201
        message = tally_until(guest, 3)
        assert _drawn(message) == ({room.ideas[2]}, set()), "the changed count, no chips for a guest"
        assert _count(message, room.ideas[2]) == "2 Punkte"
    guest_events = [e["data"] for e in await room.events(0, after=before) if e["type"] == "tally_updated"]
    assert guest_events[-1]["changed"] == [room.ideas[2]] and "regrouped" not in guest_events[-1]
