"""Plumbing for the voting state machine (test_state_machine.py): one app with one test client per test run,
the coach's bearer token, guest clients with their websockets, the deterministic tally batcher, and direct
reads of the votes table.

The Litestar test client runs the app on a blocking portal (its own thread and event loop), so the machine's
rules are plain synchronous calls; database reads and the batcher run on that same portal loop."""

from __future__ import annotations

import json
import queue
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import TestClient, WebSocketTestSession
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import PASSWORD, make_account, make_network
from werkstatt.app import create_app
from werkstatt.board.models import Idea
from werkstatt.network.models import Role
from werkstatt.voting.batch import TallyBatcher
from werkstatt.voting.models import Vote
from werkstatt.workshops.models import Workshop

T = TypeVar("T")
RECEIVE_TIMEOUT = 10.0  # seconds to wait for an event we know was recorded (only reached when it never comes)
NEVER = 3600.0  # the batcher's window: its timer never fires during a test; `flush_tallies` closes the window


@dataclass(frozen=True)
class DotRow:
    id: str
    step: int
    participant_id: str
    idea_id: str
    live: bool  # the card is neither withdrawn nor hidden


class Harness:
    """One app and one synchronous test client; every request carries only the credentials it names."""

    def __init__(self, app: Litestar, client: TestClient[Litestar]) -> None:
        self.app = app
        self.client = client
        self.batcher = TallyBatcher(app.state.sessionmaker, app.state.channels, window=NEVER)
        app.state.tally_batcher = self.batcher  # what app.py's `tally_batcher` dependency hands to the routes
        self.coach_token = ""
        self.town_id = ""

    def run(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the app's own event loop (the test client's portal)."""
        return self.client.blocking_portal.call(function, *args)

    def request(self, method: str, url: str, token: str | None, **kwargs: Any) -> httpx.Response:
        """A program's request: the bearer token and nothing else (no cookie jar carried over)."""
        self.client.cookies = httpx.Cookies()
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, url, headers=headers, **kwargs)

    def connect(self, url: str, token: str) -> WebSocketTestSession:
        self.client.cookies = httpx.Cookies()
        return self.client.websocket_connect(url, headers={"Authorization": f"Bearer {token}"}).__enter__()

    # --- the batcher ---------------------------------------------------------------------------------------

    def pending_tallies(self) -> list[tuple[str, int]]:
        return [(str(workshop_id), position) for workshop_id, position in self.batcher.pending]

    def flush_tallies(self) -> list[tuple[str, int]]:
        """The batch window closes now: each pending step gets its one `tally_updated`, in the order the
        batcher queued them (exactly what the timer would do, without waiting for it)."""

        async def flush() -> list[tuple[str, int]]:
            done = []
            for key, task in list(self.batcher.pending.items()):
                task.cancel()
                self.batcher.pending.pop(key, None)
                await self.batcher.flush(*key)
                done.append((str(key[0]), key[1]))
            return done

        return self.run(flush)

    # --- the database --------------------------------------------------------------------------------------

    def stored(self, workshop_id: str) -> tuple[int, list[DotRow]]:
        """The workshop's last recorded seq and every dot row as stored, with whether its card still counts."""

        async def read() -> tuple[int, list[DotRow]]:
            async with self.app.state.sessionmaker() as db:
                last_seq = (
                    await db.execute(select(Workshop.last_seq).where(Workshop.id == UUID(workshop_id)))
                ).scalar_one()
                rows = await db.execute(
                    select(Vote.id, Vote.step_position, Vote.participant_id, Vote.idea_id, Idea.withdrawn, Idea.hidden)
                    .join(Idea, Idea.id == Vote.idea_id)
                    .where(Vote.workshop_id == UUID(workshop_id), Vote.slot.is_not(None))
                )
                return int(last_seq), [
                    DotRow(str(vote_id), int(step), str(participant), str(idea), not (withdrawn or hidden))
                    for vote_id, step, participant, idea, withdrawn, hidden in rows
                ]

        return self.run(read)


@contextmanager
def open_harness(database_url: str, data_dir: Path) -> Iterator[Harness]:
    """The app on the test's database, a network with a town and a coach who holds an API token."""
    # The machine posts its room's cards at once, a few per guest: the per-person limits are tested elsewhere.
    app = create_app(make_settings(database_url, data_dir, post_burst=100, workshop_posts_per_second=1000))
    with TestClient(app=app, base_url="http://testserver.local") as client:
        harness = Harness(app, client)

        async def seed() -> tuple[str, str]:
            async with app.state.sessionmaker() as db:
                network = await make_network(db)
                account = await make_account(db, Role.coach, network.network)
                return account.email, str(network.towns[0].id)

        email, harness.town_id = harness.run(seed)
        answer = harness.request("POST", "/api/auth/token", None, json={"email": email, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        harness.coach_token = answer.json()["token"]
        yield harness


# --- what one client was sent -------------------------------------------------------------------------------


@dataclass
class ClientView:
    """The events one client received, in order, and the tallies it can rebuild from them: per vote step the
    counts of the last `tally_updated`/`revealed` that carried any, minus cards withdrawn or hidden since."""

    name: str
    events: list[dict[str, Any]] = field(default_factory=list)
    tallies: dict[int, dict[str, int]] = field(default_factory=dict)
    socket: WebSocketTestSession | None = None
    first_seq: int = 1
    caught_up: int = 0  # every event up to this seq that is this client's has arrived (seqs may have gaps)

    @property
    def last_seq(self) -> int:
        """The last seq received: what a reconnecting client sends as `after` (as the browser does)."""
        return int(self.events[-1]["seq"]) if self.events else self.first_seq - 1

    def take(self, event: dict[str, Any]) -> None:
        seq = int(event.get("seq", 0))
        assert seq > self.last_seq, f"{self.name}: got seq {seq} after {self.last_seq}"
        self.events.append(event)
        data = event.get("data") or {}
        if event["type"] in {"tally_updated", "revealed"} and "tallies" in data:
            self.tallies[int(data["step"])] = {idea: int(n) for idea, n in data["tallies"].items() if n}
        elif event["type"] in {"idea_withdrawn", "idea_hidden"}:
            for counts in self.tallies.values():
                counts.pop(data["idea"]["id"], None)

    def receive(self, seqs: list[int], through: int) -> list[dict[str, Any]]:
        """Read the socket until exactly the events numbered `seqs` arrived, in this order, and nothing else
        numbered (presence messages are skipped); the client then has everything of its own up to `through`."""
        assert self.socket is not None
        got: list[dict[str, Any]] = []
        for expected in seqs:
            while True:
                try:
                    message = json.loads(self.socket.receive_text(timeout=RECEIVE_TIMEOUT))
                except queue.Empty:
                    raise AssertionError(f"{self.name}: no event {expected} after seq {self.last_seq}") from None
                assert message.get("type") != "resync", f"{self.name} was told to resync"
                if "seq" in message:
                    break
            assert message["seq"] == expected, f"{self.name}: got {message} where seq {expected} was due"
            self.take(message)
            got.append(message)
        self.caught_up = max(self.caught_up, through)
        return got

    def receive_until(self, target: int) -> list[dict[str, Any]]:
        """Every event up to `target` (a client that may see all of them: the coach)."""
        return self.receive(list(range(self.last_seq + 1, target + 1)), target)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.__exit__(None, None, None)
            self.socket = None


def tally_of(rows: list[DotRow], step: int) -> Counter[str]:
    return Counter(row.idea_id for row in rows if row.live and row.step == step)
