"""The websocket hub of one worker.

It subscribes once per workshop that has sockets here, and for every event renders one payload per audience
(format × role × locale × own card or not) and hands the same string to each socket of that audience. The
fan-out loop writes to a socket directly when nothing waits before it there; a socket whose peer reads slowly
gets a writer task and a bounded backlog: a slow phone cannot hold up the room, and when its backlog is full
it is told to resync (it reloads the board) instead of being fed forever. An event an audience may not see
at all (another person's vote) renders to None: those sockets are sent nothing, their seq moves on in order
(`Connection.skip`), so live delivery, replays and catch-ups agree on which seqs a socket has.

The broker only carries news, and news can be lost: a worker dies between its commit and its publish, Redis
goes away for a while. The hub then reads the event log (never for anything else) and delivers what its rooms
missed: when a gap does not fill by itself, when Redis comes back, and when a periodic look at the workshops'
last seq finds a room still short of a seq it was already short of one look earlier (a lost last card).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import types
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from werkstatt import metrics
from werkstatt.live.broker import SESSIONS_CHANNEL, workshop_channel
from werkstatt.live.events import event_dict, events_after, latest_seqs
from werkstatt.live.visibility import COACH, PARTICIPANT, Viewer, audience_key

if TYPE_CHECKING:
    from litestar import WebSocket
    from litestar.channels import ChannelsPlugin
    from litestar.channels.subscriber import Subscriber
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from werkstatt.ratelimit import Limiter

logger = logging.getLogger("werkstatt.live")

QUEUE_LIMIT = 512
GAP_WAIT = 2.0
PRESENCE_EVERY = 20.0
PRESENCE_STALE = 60.0
PRESENCE_COALESCE = 0.5  # joins and leaves within this are one announcement: a room of 1,000 connecting at
# once (a reconnect storm) costs a few presence messages per socket, not one per other socket
CATCH_UP_EVERY = 2.0
CATCH_UP_LIMIT = 500

Renderer = Callable[[dict[str, Any], Viewer], str | None]
PresenceRenderer = Callable[[dict[str, Any], Viewer], str | None]
# Reads, once per event and worker, what rendering that event needs beyond the event itself (a whole board on
# a step change) and attaches it to the event; given the audiences present in the room (role, locale).
Preparer = Callable[[dict[str, Any], set[tuple[str, str]]], Awaitable[None]]
PERSONAL = "_personal"  # an event's per-person extras: {participant id: anything}, rendered per person
RESYNC = "\x00resync"
CLOSE_WAIT = 2.0
REVOKED = 4410  # the token was revoked, or the account locked, moved or given another role


@types.coroutine
def _rest_of(step: Generator[Any, Any, None], waiting: Any) -> Generator[Any, Any, None]:
    """The rest of a send that `Connection._send_now` began in the fan-out loop's task and that had to wait:
    the writer task waits for what the send waits for, then resumes the send, as its own task would have (a
    cancellation goes into the send)."""
    while True:
        try:
            yield waiting
        except BaseException as error:
            try:
                waiting = step.throw(error)
            except StopIteration:
                return
        else:
            try:
                waiting = step.send(None)
            except StopIteration:
                return


@dataclass(eq=False, slots=True)
class Connection:
    """One socket: its seq bookkeeping and its outbox.

    The fan-out loop writes a payload straight onto the socket when no send is waiting there: no queue, no
    task switch, no task at all for an idle socket. Only when a send has to wait (the peer reads slowly and
    the server's write buffer is full) does a writer task finish it and drain what arrives meanwhile, from a
    bounded backlog: full, it is replaced by one resync (the client reloads the board)."""

    socket: WebSocket[Any, Any, Any]
    viewer: Viewer
    target_group: str | None = None
    last_seq: int = 0
    buffering: bool = True
    pending: list[dict[str, Any]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None  # only while a send waits
    backlog: deque[str | None] | None = None  # what waits behind it; None marks the close
    gone: bool = False  # a send failed: the peer is gone (the reader notices and leaves the room)
    overflowed: bool = False
    closing: int | None = None
    held: dict[int, str | None] = field(default_factory=dict)  # None: a seq skipped while a gap was open
    session_hash: str | None = None  # set when a browser session (not a bearer token) opened the socket
    token_hash: str | None = None  # set when an account's API token opened the socket
    account_id: str | None = None  # the signed-in account behind the socket, if any
    gap_timer: asyncio.TimerHandle | None = None
    on_gap: Callable[[], None] | None = None  # the hub fills a gap from the event log before giving up
    gap_asked: bool = False
    resync: Callable[[Viewer], str] | None = None  # what RESYNC becomes on this socket (a fresh board)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # names the socket across workers (seats)

    def offer(self, payload: str | None, seq: int | None) -> None:
        """Send a payload; numbered ones strictly in seq order. Across workers two events can arrive swapped
        (B's commit published before A's): the later one waits briefly for the gap to fill, and if it does
        not, the client is told to resync instead of silently missing a card. A None payload is `skip`."""
        if seq is None:
            if payload is not None:
                self._put(payload)
            return
        if seq <= self.last_seq or seq in self.held:
            return
        if seq > self.last_seq + 1:
            self.held[seq] = payload
            if self.gap_timer is None:
                self.gap_timer = asyncio.get_running_loop().call_later(GAP_WAIT, self._gap_expired)
            return
        self.last_seq = seq
        if payload is not None:
            self._put(payload)
        if self.held:
            while self.last_seq + 1 in self.held:
                self.last_seq += 1
                held = self.held.pop(self.last_seq)
                if held is not None:
                    self._put(held)
        if not self.held:
            self.gap_asked = False
            if self.gap_timer is not None:
                self.gap_timer.cancel()
                self.gap_timer = None

    def skip(self, seq: int) -> None:
        """An event this socket's audience may not see at all (another person's vote): nothing is written, but
        its seq counts as delivered, in order, like `offer` (a held gap before it still fills or resyncs). So
        the socket's seq has gaps the client tolerates, and the hub never mistakes them for lost news."""
        self.offer(None, seq)

    def _gap_expired(self) -> None:
        self.gap_timer = None
        if self.held and self.on_gap is not None and not self.gap_asked:
            # The missing event is committed (its successor is); its news was lost. Ask the log, wait once more.
            self.gap_asked = True
            self.on_gap()
            self.gap_timer = asyncio.get_running_loop().call_later(GAP_WAIT, self._gap_expired)
            return
        self.gap_asked = False
        if self.held:
            self.last_seq = max(self.held)
            self.held.clear()
            metrics.resynced("gap")
            self._put(RESYNC)

    def _put(self, payload: str) -> None:
        if self.overflowed or self.gone or self.closing is not None:
            return
        if self.writer is None:
            self._send_now(payload)
            return
        if self.backlog is None:
            self.backlog = deque()
        if len(self.backlog) >= QUEUE_LIMIT:
            # A slow reader: drop what it has not got and tell it to resync (it reloads the board).
            self.overflowed = True
            metrics.resynced("overflow")
            self.backlog.clear()
            self.backlog.append(RESYNC)
        else:
            self.backlog.append(payload)

    def _send_now(self, payload: str) -> None:
        """Run the send in the caller's task. The server's send completes without waiting unless its write
        buffer is full; if it has to wait, a writer task takes the started send over."""
        if payload == RESYNC:
            payload = self._resync()
        try:
            step = self._send(payload).__await__()
            waiting = step.send(None)
        except StopIteration:
            return
        except Exception:  # the peer is gone
            self._lost()
            return
        metrics.slow_socket()
        self.writer = asyncio.create_task(self._drain(_rest_of(step, waiting)))

    def _send(self, payload: str) -> Awaitable[None]:
        # The ASGI send that send_text wraps: Litestar's disconnect check, then the server's.
        return self.socket.send({"type": "websocket.send", "bytes": None, "text": payload})

    def _resync(self) -> str:
        self.overflowed = False
        return self.resync(self.viewer) if self.resync is not None else RESYNC

    async def _drain(self, first: Awaitable[None] | None) -> None:
        try:
            if first is not None:
                await first
            while self.backlog:
                payload = self.backlog.popleft()
                if payload is None:  # the close
                    with contextlib.suppress(Exception):
                        await self.socket.close(code=self.closing or 1000)
                    return
                if payload == RESYNC:
                    payload = self._resync()
                await self._send(payload)
        except Exception:  # the peer is gone
            self._lost()
        finally:
            self.writer = None
            self.backlog = None

    def _lost(self) -> None:
        self.gone = True
        self.backlog = None

    def close(self, code: int) -> None:
        """Close after what the backlog holds; nothing offered afterwards is sent."""
        if self.gap_timer is not None:
            self.gap_timer.cancel()
            self.gap_timer = None
        if self.closing is not None:
            return
        self.closing = code
        if self.writer is None:
            self.backlog = deque([None])
            self.writer = asyncio.create_task(self._drain(None))
        else:
            if self.backlog is None:
                self.backlog = deque()
            self.backlog.append(None)

    async def finish(self) -> None:
        """Wait (a little) for the close to go out; give up on a peer that does not read."""
        writer = self.writer
        if writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, timeout=CLOSE_WAIT)


@dataclass(eq=False)
class Room:
    workshop_id: str
    connections: set[Connection] = field(default_factory=set)
    subscriber: Subscriber | None = None
    task: asyncio.Task[None] | None = None
    presence: dict[str, tuple[float, dict[str, str | None]]] = field(default_factory=dict)
    expected: int | None = None  # the log's last seq at the previous look, when the room was short of it
    catch_up_wanted: bool = False
    catch_up_task: asyncio.Task[None] | None = None
    group_names: dict[str, str] = field(default_factory=dict)  # target group slug → name (the coach's chips)
    announcing: asyncio.TimerHandle | None = None  # a presence announcement on its way (coalesced)


class Hub:
    def __init__(
        self,
        channels: ChannelsPlugin,
        render: Renderer,
        render_presence: PresenceRenderer,
        prepare: Preparer | None = None,
        render_personal: Renderer | None = None,
        needs_preparing: Callable[[dict[str, Any]], bool] = lambda _event: True,
    ) -> None:
        self.channels = channels
        self.render = render
        self.render_presence = render_presence
        self.prepare = prepare
        self.render_personal = render_personal
        self.needs_preparing = needs_preparing  # which events `prepare` reads for (the rest skip it)
        self.rooms: dict[str, Room] = {}
        self.worker_id = uuid.uuid4().hex
        self._lock = asyncio.Lock()
        self.delivered = 0
        self._sessions_task: asyncio.Task[None] | None = None
        self._sessions: Subscriber | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._watch_log = False
        self._log_task: asyncio.Task[None] | None = None
        self._seats: tuple[Limiter, int] | None = None

    def use_event_log(self, sessionmaker: async_sessionmaker[AsyncSession], *, watch: bool) -> None:
        """Where to catch up from; `watch` adds the periodic look (only several workers can lose news: in one
        process the publish cannot get lost without the sockets going with it)."""
        self._sessionmaker = sessionmaker
        self._watch_log = watch

    def limit_sockets(self, limiter: Limiter, per_participant: int) -> None:
        """At most `per_participant` sockets per participant over all workers (seats in the limiter: Redis
        or this process); a further one pushes out the oldest, which every worker hears on SESSIONS_CHANNEL
        and closes with 4008 (flaky Wi-Fi leaves half-open sockets behind)."""
        self._seats = (limiter, per_participant)

    # --- membership -------------------------------------------------------------------------------------

    async def join(self, connection: Connection, group_names: dict[str, str] | None = None) -> None:
        async with self._lock:
            # Subscriptions share one Redis connection: make them one at a time, under the lock.
            if self._sessions_task is None:
                self._sessions = await self.channels.subscribe([SESSIONS_CHANNEL])
                self._sessions_task = asyncio.create_task(self._watch_sessions(self._sessions))
            room = self.rooms.get(connection.viewer.workshop_id)
            if room is None:
                room = Room(connection.viewer.workshop_id)
                self.rooms[room.workshop_id] = room
                room.subscriber = await self.channels.subscribe([workshop_channel(room.workshop_id)])
                room.task = asyncio.create_task(self._pump(room))
            room.connections.add(connection)
            metrics.socket_opened()
            if group_names:
                room.group_names = group_names
            if self._watch_log and self._sessionmaker is not None and self._log_task is None:
                self._log_task = asyncio.create_task(self._watch_rooms())
        if self._sessionmaker is not None:
            connection.on_gap = lambda: self.request_catch_up(room)
        if self._seats is not None and connection.viewer.role == PARTICIPANT and connection.viewer.participant_id:
            limiter, limit = self._seats
            for gone in await limiter.admit(f"sockets:{connection.viewer.participant_id}", connection.key, limit):
                self.channels.publish(json.dumps({"replaced": gone}).encode(), channels=[SESSIONS_CHANNEL])
        self._announce_presence(room)

    async def leave(self, connection: Connection) -> None:
        if self._seats is not None and connection.viewer.role == PARTICIPANT and connection.viewer.participant_id:
            await self._seats[0].release(f"sockets:{connection.viewer.participant_id}", connection.key)
        async with self._lock:
            room = self.rooms.get(connection.viewer.workshop_id)
            if room is None:
                return
            room.connections.discard(connection)
            metrics.socket_closed()
            if room.connections:
                self._announce_presence(room)
                return
            self._publish_presence(room)  # the room goes: say so now, nothing is left to coalesce with
            del self.rooms[room.workshop_id]
            for task in (room.task, room.catch_up_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            if room.subscriber is not None:
                with contextlib.suppress(Exception):
                    await self.channels.unsubscribe(room.subscriber)

    def release(self, connection: Connection, replayed_to: int) -> None:
        """End buffering after the replay: deliver what arrived meanwhile and was not replayed."""
        connection.last_seq = max(connection.last_seq, replayed_to)
        pending, connection.pending = sorted(connection.pending, key=lambda e: int(e["seq"])), []
        connection.buffering = False
        for event in pending:
            try:
                payload = self.render(event, connection.viewer)
            except Exception:  # see deliver()
                logger.exception("rendering event %s failed", event.get("seq"))
                connection.offer(RESYNC, None)
                continue
            connection.offer(payload, int(event["seq"]))  # None: skipped, the seq still moves on

    # --- fan-out ----------------------------------------------------------------------------------------

    async def _pump(self, room: Room) -> None:
        assert room.subscriber is not None
        ticker = asyncio.create_task(self._presence_ticker(room))
        try:
            async for raw in room.subscriber.iter_events():
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if message.get("presence"):
                    self._merge_presence(room, message)
                elif message.get("broker") == "reconnected":
                    self._announce_presence(room)
                    self.request_catch_up(room)
                else:
                    await self._prepare(room, message)
                    self.deliver(room, message)
        finally:
            ticker.cancel()

    async def _prepare(self, room: Room, event: dict[str, Any]) -> None:
        """Once per event and worker, in seq order (the pump waits): a failure leaves the event bare, and its
        renderer then tells the boards to resync."""
        if self.prepare is None or not room.connections or not self.needs_preparing(event):
            return  # the fan-out's hot path: a card or a vote goes straight on
        event["_presence"] = self.presence_summary(room)
        try:
            await self.prepare(event, {(c.viewer.role, c.viewer.locale) for c in room.connections})
        except Exception:
            logger.warning("preparing event %s failed", event.get("seq"), exc_info=True)

    def deliver(self, room: Room, event: dict[str, Any]) -> None:
        seq = int(event["seq"])
        groups: dict[tuple[str, str, str, bool], list[Connection]] = defaultdict(list)
        for connection in list(room.connections):
            if connection.buffering:
                connection.pending.append(event)
            elif seq > connection.last_seq and seq not in connection.held:
                groups[audience_key(event, connection.viewer)].append(connection)
        for members in groups.values():
            try:
                payload = self.render(event, members[0].viewer)
            except Exception:  # one bad render must not stop the room's pump
                logger.exception("rendering event %s failed", seq)
                for connection in members:
                    connection.offer(RESYNC, None)
                continue
            if payload is None:  # nothing of it for this audience: no message, the seq moves on
                for connection in members:
                    connection.skip(seq)
                continue
            for connection in members:
                connection.offer(payload, seq)  # an idle socket is written here and now
            self.delivered += len(members)
            metrics.delivered(len(members), event)
        personal = event.get(PERSONAL)
        if personal and self.render_personal is not None:
            self._deliver_personal(room, event, personal)
        if event.get("type") == "participant_removed":
            removed = (event.get("data") or {}).get("participant", {}).get("id")
            for connection in list(room.connections):
                if removed and connection.viewer.participant_id == removed:
                    connection.close(4403)

    def _deliver_personal(self, room: Room, event: dict[str, Any], personal: dict[str, Any]) -> None:
        """The small per-person part of an event (my own blind cards on a fresh board), after its shared part."""
        assert self.render_personal is not None
        for connection in list(room.connections):
            if connection.buffering or connection.viewer.participant_id not in personal:
                continue
            try:
                payload = self.render_personal(event, connection.viewer)
            except Exception:
                logger.exception("rendering the personal part of event %s failed", event.get("seq"))
                continue
            if payload:
                connection.offer(payload, None)

    # --- catching up from the event log (news lost between workers) -----------------------------------------

    def request_catch_up(self, room: Room) -> None:
        """Coalesced: one catch-up at a time per room, one more if asked again meanwhile."""
        if self._sessionmaker is None:
            return
        room.catch_up_wanted = True
        if room.catch_up_task is None or room.catch_up_task.done():
            room.catch_up_task = asyncio.create_task(self._catch_up_loop(room))

    async def _catch_up_loop(self, room: Room) -> None:
        while room.catch_up_wanted:
            room.catch_up_wanted = False
            try:
                await self.catch_up(room)
            except Exception:  # the database may be away too; the next look tries again
                logger.warning("catch-up of workshop %s failed", room.workshop_id, exc_info=True)

    async def catch_up(self, room: Room) -> None:
        """Deliver from the log every event after the seq the room's furthest-behind socket has; `deliver`
        drops what a socket already has, so news arriving meanwhile is not doubled."""
        live = [c for c in room.connections if not c.buffering]
        if not live or self._sessionmaker is None:
            return
        after = min(c.last_seq for c in live)
        workshop_id = UUID(room.workshop_id)
        async with self._sessionmaker() as db:
            events = await events_after(db, workshop_id, after, limit=CATCH_UP_LIMIT + 1)
            head = (await latest_seqs(db, [workshop_id])).get(room.workshop_id, after)
        if len(events) > CATCH_UP_LIMIT:  # too far behind for a replay: a fresh board, as on reconnect
            metrics.resynced("behind", len(live))
            for connection in live:
                connection.held.clear()
                connection.last_seq = max(connection.last_seq, head)
                connection.offer(RESYNC, None)
            return
        if events:
            logger.info("workshop %s: %d event(s) from the log after seq %d", room.workshop_id, len(events), after)
        for event in events:
            news = event_dict(event)
            await self._prepare(room, news)
            self.deliver(room, news)

    async def _watch_rooms(self) -> None:
        """One small query per look for all rooms of this worker; a room short of the seq it was already
        short of at the previous look has lost news (its last card's worker died before publishing)."""
        while True:
            await asyncio.sleep(CATCH_UP_EVERY)
            rooms = list(self.rooms.values())
            if not rooms or self._sessionmaker is None:
                continue
            try:
                async with self._sessionmaker() as db:
                    heads = await latest_seqs(db, [UUID(room.workshop_id) for room in rooms])
            except Exception:
                logger.warning("looking at the event log failed", exc_info=True)
                continue
            for room in rooms:
                live = [c for c in room.connections if not c.buffering]
                head = heads.get(room.workshop_id)
                if not live or head is None:
                    room.expected = None
                    continue
                have = min(c.last_seq for c in live)
                if room.expected is not None and have < room.expected:
                    self.request_catch_up(room)
                room.expected = head if have < head else None

    # --- presence (across workers: each publishes what it holds, all merge) -------------------------------

    def _local_presence(self, room: Room) -> dict[str, str | None]:
        return {
            c.viewer.participant_id: c.target_group
            for c in room.connections
            if c.viewer.participant_id and c.viewer.role != COACH
        }

    def _announce_presence(self, room: Room) -> None:
        """Soon, once for every join and leave until then."""
        if room.announcing is None:
            room.announcing = asyncio.get_running_loop().call_later(PRESENCE_COALESCE, self._publish_presence, room)

    def _publish_presence(self, room: Room) -> None:
        if room.announcing is not None:
            room.announcing.cancel()
            room.announcing = None
        message = {"presence": True, "worker": self.worker_id, "participants": self._local_presence(room)}
        self.channels.publish(json.dumps(message).encode(), channels=[workshop_channel(room.workshop_id)])

    async def _presence_ticker(self, room: Room) -> None:
        while True:
            await asyncio.sleep(PRESENCE_EVERY)
            self._publish_presence(room)

    def _merge_presence(self, room: Room, message: dict[str, Any]) -> None:
        now = time.monotonic()
        room.presence[str(message["worker"])] = (now, dict(message.get("participants") or {}))
        for worker, (seen, _) in list(room.presence.items()):
            if now - seen > PRESENCE_STALE:
                del room.presence[worker]
        summary = self.presence_summary(room)
        payloads: dict[tuple[str, str, str], str | None] = {}
        for connection in list(room.connections):
            if connection.buffering:
                continue
            key = (connection.viewer.format, connection.viewer.role, connection.viewer.locale)
            if key not in payloads:
                payloads[key] = self.render_presence(summary, connection.viewer)
            payload = payloads[key]
            if payload is not None:
                connection.offer(payload, None)

    def presence_summary(self, room: Room) -> dict[str, Any]:
        merged: dict[str, str | None] = {}
        for _seen, participants in room.presence.values():
            merged.update(participants)
        by_group: dict[str, int] = defaultdict(int)
        for group in merged.values():
            by_group[group or ""] += 1
        return {"connected": len(merged), "by_target_group": dict(by_group), "group_names": room.group_names}

    async def _watch_sessions(self, subscriber: Subscriber) -> None:
        """Logouts on any worker close the sockets their session opened here; so does a participant's newer
        socket the oldest one it pushed out of its seats (4008), and a revoked API token or a changed account
        (locked, moved, another role) the sockets it opened (4410)."""
        async for raw in subscriber.iter_events():
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            ended, replaced = message.get("ended"), message.get("replaced")
            revoked, account = message.get("revoked_token"), message.get("account")
            for room in list(self.rooms.values()):
                for connection in list(room.connections):
                    if ended and connection.session_hash == ended:
                        connection.close(4401)
                    elif replaced and connection.key == replaced:
                        connection.close(4008)
                    elif (revoked and connection.token_hash == revoked) or (
                        account and connection.account_id == account
                    ):
                        connection.close(REVOKED)

    async def close_all(self, code: int = 1012) -> None:
        """Server going away: tell every socket to reconnect (to another worker)."""
        for room in list(self.rooms.values()):
            for connection in list(room.connections):
                connection.close(code)

    async def shutdown(self) -> None:
        """At application shutdown: 1012 (Service Restart) to every socket still open, and the hub's own tasks
        stopped. Uvicorn has already sent 1012 to its websockets by then; this covers other servers."""
        await self.close_all(1012)
        tasks = [self._log_task, self._sessions_task]
        for room in self.rooms.values():
            if room.announcing is not None:
                room.announcing.cancel()
            tasks += [room.task, room.catch_up_task]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        # The channels outlive the hub (an app started again gets a new hub): leave them as found.
        subscribers = [room.subscriber for room in self.rooms.values()] + [self._sessions]
        for subscriber in subscribers:
            if subscriber is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.channels.unsubscribe(subscriber), 1)
        self.rooms.clear()
        self._log_task = self._sessions_task = self._sessions = None
