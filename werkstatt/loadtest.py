"""`werkstatt loadtest URL --token T --participants N --seconds S`: how many people can my server hold?

Against a running instance, with a coach's API token, through the public JSON API only (API.md): it plans a
test workshop (`"test": true`: never counted on town pages, in lists or in "erprobt in N") in a town of the
coach's network, lets N simulated phones join, open the JSON websocket, post cards at a human rate and then
spend their dots, while a simulated coach moderates (timer, "+1 Minute", the step change); afterwards it
prints how long a card took from its post to every phone, how long HTTP requests took, what failed and
what was refused, and deletes the workshop again. Everything is bounded in count and time, and nothing but
the given URL is contacted (not even the join link the server answers with).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets

from werkstatt.loadreport import Latencies, Report

MAX_PARTICIPANTS = 2000
MAX_SECONDS = 3600
DOTS = 3
CONNECT_PARALLEL = 50
DRAIN_SECONDS = 3.0
MODERATION_TYPES = frozenset({"step_started", "timer_changed", "revealed", "board_locked", "spotlight_changed"})


class LoadtestError(Exception):
    """The test could not start (bad URL, token, no town): one German line for the operator."""


@dataclass(frozen=True)
class Plan:
    url: str
    token: str
    participants: int
    seconds: float
    card_every: float = 3.0
    town_id: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
            raise LoadtestError(
                "Die Adresse muss mit http:// oder https:// beginnen, z. B. https://werkstatt.example.org"
            )
        if not 1 <= self.participants <= MAX_PARTICIPANTS:
            raise LoadtestError(f"--participants muss zwischen 1 und {MAX_PARTICIPANTS} liegen.")
        if not 1 <= self.seconds <= MAX_SECONDS:
            raise LoadtestError(f"--seconds muss zwischen 1 und {MAX_SECONDS} liegen.")
        if not 0.5 <= self.card_every <= 600:
            raise LoadtestError("--card-every muss zwischen 0,5 und 600 Sekunden liegen.")

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def socket_url(self, path: str) -> str:
        scheme = "wss" if self.base.startswith("https") else "ws"
        return scheme + self.base.removeprefix("https").removeprefix("http") + path


@dataclass
class Phone:
    index: int
    token: str = ""
    connected_at: float | None = None
    got: set[str] = field(default_factory=set)
    cards: list[str] = field(default_factory=list)  # ids of cards seen, to vote on
    voting: asyncio.Event = field(default_factory=asyncio.Event)
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # the vote step reached it, or the run ended

    async def pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)

    @property
    def name(self) -> str:
        return f"Lasttest {self.index + 1:04d}"


@dataclass
class Run:
    plan: Plan
    http: httpx.AsyncClient
    workshop_id: str = ""
    head: int = 0  # the highest seq seen: a phone connecting now asks only for what comes after it
    requests: dict[str, Latencies] = field(default_factory=dict)
    card_arrival: Latencies = field(default_factory=Latencies)
    moderation_arrival: Latencies = field(default_factory=Latencies)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    sent: dict[str, float] = field(default_factory=dict)  # card text → when its post was sent
    posted: dict[str, int] = field(default_factory=dict)  # cards the server took → phones connected at the post
    connected: int = 0
    arrivals: int = 0
    commands: dict[int, float] = field(default_factory=dict)  # seq of a moderation command → when it was sent
    command_arrivals: list[tuple[int, float]] = field(default_factory=list)
    votes: int = 0
    resyncs: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def call(self, kind: str, method: str, path: str, token: str, body: Any = None) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await self.http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as error:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            return None
        self.requests.setdefault(kind, Latencies()).add(time.perf_counter() - started)
        self.statuses[(kind, response.status_code)] += 1
        return response

    def note(self, seq: Any) -> None:
        if isinstance(seq, int):
            self.head = max(self.head, seq)


# --- the coach -----------------------------------------------------------------------------------------------


async def _town(run: Run) -> str:
    if run.plan.town_id:
        return run.plan.town_id
    networks = await run.call("einrichten", "GET", "/api/networks", run.plan.token)
    if networks is None or networks.status_code != 200:
        raise LoadtestError(_refusal("Netzwerke lesen", networks))
    for network in networks.json():
        towns = await run.call("einrichten", "GET", f"/api/networks/{network['id']}/towns", run.plan.token)
        if towns is not None and towns.status_code == 200 and towns.json():
            return str(towns.json()[0]["id"])
    raise LoadtestError("Das Konto des Tokens hat keine Stadt, in der es Werkstätten planen darf (--town ID).")


def _agenda(slugs: bool) -> list[dict[str, Any]]:
    collect = {"title": "Ideen sammeln", "minutes": 30, "board": {"mechanic": "collect", "config": {}}}
    vote = {"title": "Punkten", "minutes": 15, "board": {"mechanic": "vote", "config": {"dots_per_person": DOTS}}}
    talk = {"title": "Gespräch", "minutes": 15, "board": {"mechanic": "discuss", "config": {}}}
    if slugs:  # as a coach plans it; the methods of a test workshop still count nowhere
        collect, vote = {**collect, "method_slug": "kartenabfrage"}, {**vote, "method_slug": "mehrpunktabfrage"}
    return [collect, vote, talk]


async def _create(run: Run) -> dict[str, Any]:
    town = await _town(run)
    body: dict[str, Any] = {"town_id": town, "title": f"Lasttest ({run.plan.participants} Personen)", "test": True}
    for slugs in (True, False):  # a catalogue without the shipped cards: the same agenda without method names
        response = await run.call(
            "einrichten", "POST", "/api/workshops", run.plan.token, {**body, "agenda": _agenda(slugs)}
        )
        if response is not None and response.status_code == 201:
            return dict(response.json())
        if response is None or response.status_code != 422:
            break
    raise LoadtestError(_refusal("Test-Werkstatt anlegen", response))


async def _command(run: Run, command: dict[str, Any]) -> None:
    sent = time.perf_counter()
    response = await run.call("befehl", "POST", f"/api/workshops/{run.workshop_id}/commands", run.plan.token, command)
    if response is not None and response.status_code == 200:
        seq = response.json().get("seq")
        if isinstance(seq, int):
            run.commands[seq] = sent
            run.note(seq)


async def _moderate(run: Run) -> None:
    """Timer at the start, "+1 Minute" now and then, the vote step after 60 % of the time."""
    seconds = run.plan.seconds
    await _command(run, {"type": "start_timer", "seconds": int(seconds) + 60})
    began = time.perf_counter()
    switched = False
    pause = max(1.0, seconds / 6)
    while not run.stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.stop.wait(), pause)
        if run.stop.is_set():
            return
        if not switched and time.perf_counter() - began >= 0.6 * seconds:
            switched = True
            await _command(run, {"type": "start_step", "step": 1})
            await _command(run, {"type": "start_timer", "seconds": int(seconds) + 60})
        else:
            await _command(run, {"type": "add_minute"})


# --- the phones ----------------------------------------------------------------------------------------------


async def _join(run: Run, phone: Phone, code: str, gate: asyncio.Semaphore) -> bool:
    async with gate:
        response = await run.call("beitreten", "POST", "/api/join", "", {"code": code, "display_name": phone.name})
    if response is None or response.status_code != 201:
        return False
    phone.token = str(response.json()["token"])
    return True


async def _listen(run: Run, phone: Phone, gate: asyncio.Semaphore, ready: asyncio.Event) -> None:
    """The phone's websocket: connect (bounded), then note what arrives until the run stops."""
    url = run.plan.socket_url(f"/api/workshops/{run.workshop_id}/live?after={run.head}")
    try:
        async with gate:
            socket = await websockets.connect(
                url,
                additional_headers={"Authorization": f"Bearer {phone.token}"},
                open_timeout=15,
                compression=None,
                max_size=2**20,
            )
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        run.errors[f"Websocket: {type(error).__name__}"] += 1
        ready.set()
        return
    phone.connected_at = time.perf_counter()
    run.connected += 1
    ready.set()
    try:
        async with socket:
            while not run.stop.is_set():
                try:
                    raw = await asyncio.wait_for(socket.recv(), 0.5)
                except TimeoutError:
                    continue
                _arrived(run, phone, json.loads(raw), time.perf_counter())
    except websockets.ConnectionClosed as closed:
        run.connected -= 1
        if not run.stop.is_set():
            run.errors[f"Websocket geschlossen ({closed.rcvd.code if closed.rcvd else '–'})"] += 1


def _arrived(run: Run, phone: Phone, message: dict[str, Any], now: float) -> None:
    kind = message.get("type")
    run.note(message.get("seq"))
    if kind == "resync":
        run.resyncs += 1
    elif kind == "idea_posted":
        idea = (message.get("data") or {}).get("idea") or {}
        text = str(idea.get("text", ""))
        if text in run.sent and text not in phone.got:
            phone.got.add(text)
            run.arrivals += 1
            run.card_arrival.add(now - run.sent[text])
        if idea.get("id"):
            phone.cards.append(str(idea["id"]))
    elif kind in MODERATION_TYPES:
        run.command_arrivals.append((int(message.get("seq") or 0), now))
        step = ((message.get("data") or {}).get("step") or {}).get("position")
        if kind == "step_started" and step == 1:
            phone.voting.set()
            phone.wake.set()


async def _take_part(run: Run, phone: Phone) -> None:
    """Cards at a human rate until the vote step reaches this phone, then its dots, one every second or so."""
    every = run.plan.card_every
    await phone.pause(random.uniform(0, every))
    count = 0
    while not phone.wake.is_set():
        count += 1
        text = f"{phone.name}: Idee {count}"
        run.sent[text] = time.perf_counter()
        listening = run.connected
        response = await run.call(
            "karte", "POST", f"/api/workshops/{run.workshop_id}/ideas", phone.token, {"text": text}
        )
        if response is not None and response.status_code == 201:
            run.posted[text] = listening
        await phone.pause(every * random.uniform(0.7, 1.3))
    if not phone.voting.is_set():
        return
    phone.wake.clear()
    for idea_id in random.sample(phone.cards, min(DOTS, len(phone.cards))):
        await phone.pause(random.uniform(0.3, 1.2))
        if run.stop.is_set():
            return
        path = f"/api/workshops/{run.workshop_id}/votes"
        response = await run.call("stimme", "POST", path, phone.token, {"idea_id": idea_id})
        if response is not None and response.status_code == 201:
            run.votes += 1


# --- the run -------------------------------------------------------------------------------------------------


async def loadtest(plan: Plan) -> Report:
    _raise_file_limit(plan.participants)
    limits = httpx.Limits(max_connections=min(200, plan.participants + 10), max_keepalive_connections=100)
    timeout = httpx.Timeout(30.0, connect=10.0)
    async with httpx.AsyncClient(base_url=plan.base, limits=limits, timeout=timeout, follow_redirects=False) as http:
        run = Run(plan, http)
        cpu_before = _cpu()
        workshop = await _create(run)
        run.workshop_id = str(workshop["id"])
        deleted = "nicht gelöscht"
        started: dict[str, Any] = {"phones": [], "joined": 0, "listeners": []}
        ran = 0.0
        try:
            await _command(run, {"type": "start_step", "step": 0})
            started = await _gather_phones(run, str(workshop["join_code"]))
            began = time.perf_counter()
            tasks = [asyncio.create_task(_take_part(run, phone)) for phone in started["phones"] if phone.connected_at]
            coach = asyncio.create_task(_moderate(run))
            await asyncio.sleep(plan.seconds)
            ran = time.perf_counter() - began
            await _drain(run)
            _stop(run, started["phones"])
            await asyncio.gather(coach, *tasks, *started["listeners"], return_exceptions=True)
        finally:
            _stop(run, started["phones"])
            response = await run.call("einrichten", "DELETE", f"/api/workshops/{run.workshop_id}", plan.token)
            if response is not None and response.status_code == 204:
                deleted = "gelöscht"
        return Report.of(run, started["phones"], started["joined"], ran, deleted, _cpu() - cpu_before)


def _stop(run: Run, phones: list[Phone]) -> None:
    run.stop.set()
    for phone in phones:
        phone.wake.set()


async def _gather_phones(run: Run, code: str) -> dict[str, Any]:
    """Join and connect every phone, CONNECT_PARALLEL at a time, within a bounded setup time."""
    gate = asyncio.Semaphore(CONNECT_PARALLEL)
    phones = [Phone(index) for index in range(run.plan.participants)]
    joins = [asyncio.create_task(_join(run, phone, code, gate)) for phone in phones]
    done, late = await asyncio.wait(joins, timeout=30 + run.plan.participants / 10)
    for task in late:
        task.cancel()
    if late:
        run.errors["beitreten: zu langsam"] += len(late)
    joined = [task in done and not task.cancelled() and task.exception() is None and task.result() for task in joins]
    readies = [asyncio.Event() for _ in phones]
    listeners = [
        asyncio.create_task(_listen(run, phone, gate, ready))
        for phone, ready, ok in zip(phones, readies, joined, strict=True)
        if ok
    ]
    waiting = [ready.wait() for ready, ok in zip(readies, joined, strict=True) if ok]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*waiting), 30 + run.plan.participants / 10)
    return {"phones": phones, "joined": sum(joined), "listeners": listeners}


async def _drain(run: Run) -> None:
    """Posting has ended: wait (a little) for the cards still on their way."""
    deadline = time.perf_counter() + DRAIN_SECONDS
    while time.perf_counter() < deadline and run.arrivals < sum(run.posted.values()):  # noqa: ASYNC110 (a count)
        await asyncio.sleep(0.1)


def _refusal(what: str, response: httpx.Response | None) -> str:
    if response is None:
        return f"{what}: Server nicht erreichbar."
    if response.status_code in {401, 403}:
        return f"{what}: Das Token wurde abgelehnt ({response.status_code}). Ein Coach-Token aus POST /api/auth/token."
    try:
        detail = str(response.json().get("detail", ""))
    except ValueError:
        detail = ""
    return f"{what}: HTTP {response.status_code} {detail}".strip()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _raise_file_limit(participants: int) -> None:
    """Each phone holds a websocket: allow enough open files (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = participants + 256
    if soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard) if hard > 0 else wanted, hard))
