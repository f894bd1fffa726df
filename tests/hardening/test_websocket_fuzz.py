"""Random and malformed messages on the board's websocket, as a guest and as the coach: every reply is JSON
(`error`, `ack` or `pong`, besides the board's own events), never a server error, and the socket stays
usable afterwards (a `ping` still gets its `pong`) unless the server closed it on purpose."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, bearer, join, start
from werkstatt.board.commands import COMMANDS

EXAMPLES = 14
"""With the 4 explicit examples below the socket's burst allowance (20 messages), so the rate limit does not
end the fuzz early."""
DELIBERATE = {1008, 1009, 4401, 4404}
REPLIES = {"error", "ack", "pong"}
KNOWN = sorted({*COMMANDS, "post_idea", "ping"})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
commands = st.builds(
    lambda kind, fields: json.dumps({**fields, "type": kind}),
    st.sampled_from([*KNOWN, "", "PING", "unbekannt"]) | st.text(max_size=20),
    st.dictionaries(st.sampled_from(["step", "seconds", "text", "idea_id", "cluster_id", "name", "x"]), json_values),
)
messages = st.one_of(
    commands,
    json_values.map(json.dumps),
    st.text(max_size=200),
    st.integers(min_value=1, max_value=2000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=1, max_value=500).map(lambda depth: '{"type":' * depth),  # all within the 4 KB frame
    st.just('{"type": "post_idea", "text": "\\ud800"}'),
)


def reply_to(socket: Any) -> dict[str, Any]:
    """The next reply to our own message; presence frames and board events may come in between."""
    while True:
        frame = json.loads(socket.receive_text(timeout=10))
        assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
        assert frame.get("status", 0) < 500, frame
        if frame["type"] in REPLIES:
            return frame


HOSTILE = [
    "[" * 2000 + "]" * 2000,  # the hostile run's nesting, within the 4 KB frame limit
    '{"type": "post_idea", "text": "\\ud800"}',
    '{"type": "start_timer", "seconds": 1e400}',
    '{"type": "start_step", "step": 99999999999999999999999}',
]
"""Sent before hypothesis runs: it raises the interpreter's recursion limit (for the app's thread too) while
it generates, which would hide the nesting that breaks the parser at the server's normal limit."""


def fuzz(socket: Any) -> str:
    """Sends the hostile messages and the bounded, derandomized examples; returns "open" or the close code
    that ended it on purpose."""
    for message in HOSTILE:
        socket.send_text(message)
        assert reply_to(socket)["type"] == "error"
    closed: list[int] = []

    @given(message=messages)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(message: str) -> None:
        if closed:
            return
        socket.send_text(message)
        try:
            reply_to(socket)
        except WebSocketDisconnect as error:
            closed.append(error.code)

    send()
    assert set(closed) <= DELIBERATE, closed
    return str(closed[0]) if closed else "open"


async def test_guest_fuzz_never_breaks_the_socket(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    guest = await join(coach_client, workshop.code, "Fuzzi")
    coach_client.cookies.clear()
    url = f"/api/workshops/{workshop.id}/live"
    with await coach_client.websocket_connect(url, headers=bearer(guest["token"])) as socket:
        if fuzz(socket) == "open":
            socket.send_text(json.dumps({"type": "ping"}))
            assert reply_to(socket) == {"type": "pong"}


async def test_coach_fuzz_never_breaks_the_socket(coach_client: AsyncTestClient[Any], workshop: LiveWorkshop) -> None:
    await start(coach_client, workshop)
    url = f"/api/workshops/{workshop.id}/live"
    with await coach_client.websocket_connect(url, headers={"origin": "http://testserver.local"}) as socket:
        if fuzz(socket) == "open":
            socket.send_text(json.dumps({"type": "ping"}))
            assert reply_to(socket) == {"type": "pong"}
