"""Skipped seqs: an event nothing of which is a socket's (another person's vote) is not written to it, yet its
seq counts as delivered in order, so held gaps fill, later events flow at once and the hub never takes the
skipped seq for lost news."""

from __future__ import annotations

from typing import Any

from tests.board.test_hub import FRESH, connection
from werkstatt.live import hub as hub_module
from werkstatt.live.hub import Hub, Room
from werkstatt.live.visibility import Viewer


async def test_a_skipped_seq_writes_nothing_and_moves_the_seq_on() -> None:
    conn, socket = connection(last_seq=3)
    conn.skip(4)
    conn.offer("five", 5)
    assert socket.sent == ["five"] and conn.last_seq == 5 and conn.gap_timer is None


async def test_a_skip_fills_a_held_gap_in_order() -> None:
    conn, socket = connection(last_seq=3)
    conn.offer("six", 6)  # arrived before 4 and 5 (two workers)
    conn.skip(5)
    assert socket.sent == [] and conn.gap_timer is not None
    conn.offer("four", 4)
    assert socket.sent == ["four", "six"] and conn.last_seq == 6 and conn.gap_timer is None
    conn.skip(6)  # a repeat of something already delivered changes nothing
    assert conn.last_seq == 6


async def test_a_skip_after_the_gap_is_held_like_an_event(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "GAP_WAIT", 0.05)
    conn, socket = connection(last_seq=1)
    conn.skip(3)  # 2 is missing
    assert socket.sent == [] and conn.last_seq == 1 and conn.held == {3: None}
    conn.skip(2)
    assert conn.last_seq == 3 and not conn.held and socket.sent == []


class FakeChannels:
    def publish(self, data: bytes, channels: list[str]) -> None:
        pass


async def test_deliver_sends_each_audience_its_payload_and_skips_the_others() -> None:
    def render(event: dict[str, Any], viewer: Viewer) -> str | None:
        return f"for {viewer.participant_id}" if viewer.participant_id == "p1" else None

    hub = Hub(FakeChannels(), render, lambda summary, viewer: None)  # type: ignore[arg-type]
    room = Room("w")
    mine, mine_socket = connection(last_seq=4)
    other, other_socket = connection(last_seq=4)
    mine.viewer = Viewer("w", "participant", "p1")
    mine.buffering = other.buffering = False
    room.connections = {mine, other}
    hub.deliver(room, {"seq": 5, "type": "vote_cast", "data": {"vote": {"author_id": "p1"}}})
    assert mine_socket.sent == ["for p1"] and other_socket.sent == []
    assert mine.last_seq == other.last_seq == 5
    assert FRESH not in mine_socket.sent + other_socket.sent


async def test_release_after_replay_skips_what_is_not_the_sockets() -> None:
    hub = Hub(FakeChannels(), lambda event, viewer: None, lambda summary, viewer: None)  # type: ignore[arg-type]
    conn, socket = connection(last_seq=2)
    conn.pending = [{"seq": 4, "type": "vote_cast", "data": {}}, {"seq": 3, "type": "vote_cast", "data": {}}]
    hub.release(conn, 2)
    assert socket.sent == [] and conn.last_seq == 4 and not conn.held
