"""What every benchmark of bench.suite needs: servers (Werkstatt embedded, two Werkstatt workers on PostgreSQL +
Redis, the plain-websocket baseline), process figures from /proc, workshops and participants made through the
public HTTP API and HTML forms (only the network and the coach's account are written into the database), and
client swarms in their own processes (bench.clients). Everything runs on loopback and is stopped at the end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
SECRET = "bench-secret-key-0123456789-0123456789-0123456789"  # noqa: S105 - a throwaway local server


# --- process figures -------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (all their threads)."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


async def settle(pids: list[int], quiet: float = 0.15, limit: float = 60) -> float:
    """Wait until the processes use less than `quiet` of a core over half a second (after connecting, the
    presence announcements die down); returns the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        before = cpu_seconds(pids)
        await asyncio.sleep(0.5)
        if cpu_seconds(pids) - before < quiet * 0.5:
            break
    return time.monotonic() - began


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- servers (every process started here is stopped at exit, also on SIGTERM) ----------------------------

STARTED: list[subprocess.Popen[Any]] = []


def stop_all() -> None:
    for process in STARTED:
        if process.poll() is None:
            process.kill()


def stop_on_exit() -> None:
    import atexit
    import signal

    atexit.register(stop_all)

    def terminated(signum: int, _frame: object) -> None:
        stop_all()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGHUP, terminated)


# --------------------------------------------------------------------------------------------


@dataclass
class Process:
    url: str
    process: subprocess.Popen[bytes]
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws(self) -> str:
        return self.url.replace("http://", "ws://")

    @property
    def origin(self) -> str:
        return self.url

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def werkstatt_env(database_url: str, data_dir: Path, redis_url: str | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WERKSTATT_")}
    env.update(
        WERKSTATT_DATABASE_URL=database_url,
        WERKSTATT_DATA_DIR=str(data_dir),
        WERKSTATT_SECRET_KEY=SECRET,
        WERKSTATT_ALLOWED_HOSTS="127.0.0.1,localhost",
        WERKSTATT_SYNC_METHODS_ON_START="false",
    )
    if redis_url:
        env["WERKSTATT_REDIS_URL"] = redis_url
    return env


def raise_file_limit() -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def wait_http(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url, timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def start_werkstatt(env: dict[str, str], log: Path) -> Process:
    port = free_port()
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "werkstatt.cli", "serve"],
        env={**env, "WERKSTATT_PORT": str(port)},
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    STARTED.append(process)
    server = Process(f"http://127.0.0.1:{port}", process, log)
    try:
        await wait_http(f"{server.url}/healthz", process)
    except RuntimeError:
        server.stop()
        tail = await asyncio.to_thread(log.read_text)
        raise RuntimeError(f"Werkstatt did not start: {tail[-1500:]}") from None
    return server


async def start_baseline() -> Process:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.baseline_server", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    STARTED.append(process)
    assert process.stdout is not None
    await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)
    return Process(f"http://127.0.0.1:{port}", process)


def upgrade(database_url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "werkstatt.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )


async def seed_network(database_url: str) -> dict[str, str]:
    """A network with two towns and a coach: the only rows written directly (no public API makes a network)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.factories import PASSWORD, make_account, make_network
    from werkstatt.db import create_sessionmaker
    from werkstatt.network.models import Role

    engine = create_async_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            network = await make_network(db)
            coach = await make_account(db, Role.coach, network.network)
            return {"town_id": str(network.towns[0].id), "email": coach.email, "password": PASSWORD}
    finally:
        await engine.dispose()


PG_ADMIN = os.environ.get("WERKSTATT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("WERKSTATT_BENCH_REDIS", "redis://127.0.0.1:6379/0")


async def create_pg_database() -> tuple[str, str]:
    import asyncpg

    name = f"werkstatt_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    return name, f"postgresql+asyncpg://{host}/{name}"


async def drop_pg_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# --- the public API ----------------------------------------------------------------------------------------


@dataclass
class Workshop:
    id: str
    code: str
    coach_token: str
    json_tokens: list[str] = field(default_factory=list)  # bearer tokens of guests joined via POST /api/join
    html_cookies: list[dict[str, str]] = field(default_factory=list)  # session cookies of guests joined via the form


class Api:
    """The coach's side and the joining, through HTTP only."""

    def __init__(self, base: str, seed: dict[str, str]) -> None:
        self.base = base
        self.seed = seed
        self.http = httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=32))
        self.coach_token = ""

    async def close(self) -> None:
        await self.http.aclose()

    async def login(self) -> str:
        response = await self.http.post(
            "/api/auth/token", json={"email": self.seed["email"], "password": self.seed["password"]}
        )
        response.raise_for_status()
        self.coach_token = response.json()["token"]
        return self.coach_token

    def coach(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.coach_token}"}

    async def coach_cookie(self) -> dict[str, str]:
        """The coach's browser session, through the HTML login form."""
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as browser:
            await browser.get("/anmelden")
            csrf = browser.cookies.get("csrftoken") or ""
            response = await browser.post(
                "/anmelden",
                data={"email": self.seed["email"], "password": self.seed["password"], "next": "/"},
                headers={"x-csrftoken": csrf},
            )
            if response.status_code != 303:
                raise RuntimeError(f"coach login: {response.status_code}")
            return {"werkstatt_session": browser.cookies["werkstatt_session"]}

    async def workshop(self, title: str, agenda: list[dict[str, Any]]) -> Workshop:
        response = await self.http.post(
            "/api/workshops/",
            json={"town_id": self.seed["town_id"], "title": title, "agenda": agenda},
            headers=self.coach(),
        )
        if response.status_code != 201:
            raise RuntimeError(f"create workshop: {response.status_code} {response.text[:300]}")
        body = response.json()
        workshop = Workshop(str(body["id"]), str(body.get("join_code") or body.get("code")), self.coach_token)
        await self.command(workshop, {"type": "start_step", "step": 0})
        return workshop

    async def command(self, workshop: Workshop, command: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"/api/workshops/{workshop.id}/commands", json=command, headers=self.coach())

    async def join_api(self, workshop: Workshop, count: int, prefix: str = "Gast", concurrency: int = 8) -> None:
        async def one(index: int) -> str:
            response = await self.http.post(
                "/api/join", json={"code": workshop.code, "display_name": f"{prefix} {index}"}
            )
            if response.status_code != 201:
                raise RuntimeError(f"join: {response.status_code} {response.text[:300]}")
            return str(response.json()["token"])

        workshop.json_tokens += await bounded([lambda i=i: one(i) for i in range(count)], concurrency)

    async def join_html(self, workshop: Workshop, count: int, concurrency: int = 8) -> None:
        """Guests joining through the HTML form (/beitreten/{code}); each keeps its session cookie."""
        first = await self.http.get(f"/beitreten/{workshop.code}")
        csrf = first.cookies.get("csrftoken") or self.http.cookies.get("csrftoken") or ""
        self.http.cookies.clear()

        async def one(index: int) -> dict[str, str]:
            response = await self.http.post(
                f"/beitreten/{workshop.code}",
                data={"display_name": f"Browser {index}"},
                headers={"x-csrftoken": csrf, "cookie": f"csrftoken={csrf}"},
            )
            if response.status_code != 303:
                raise RuntimeError(f"html join: {response.status_code} {response.text[:300]}")
            match = re.search(r"werkstatt_session=([^;]+)", response.headers.get("set-cookie", ""))
            if match is None:
                raise RuntimeError("html join: no session cookie")
            return {"werkstatt_session": match.group(1)}

        workshop.html_cookies += await bounded([lambda i=i: one(i) for i in range(count)], concurrency)
        self.http.cookies.clear()

    async def events(self, workshop: Workshop, after: int) -> list[dict[str, Any]]:
        """Every event after `after`, as the coach sees it."""
        found: list[dict[str, Any]] = []
        while True:
            response = await self.http.get(
                f"/api/workshops/{workshop.id}/events", params={"after": after, "limit": 1000}, headers=self.coach()
            )
            events = response.json()
            if not events:
                return found
            found += events
            after = int(events[-1]["seq"])

    async def last_seq(self, workshop: Workshop) -> int:
        seq = 0
        while True:
            response = await self.http.get(
                f"/api/workshops/{workshop.id}/events", params={"after": seq, "limit": 1000}, headers=self.coach()
            )
            events = response.json()
            if not events:
                return seq
            seq = int(events[-1]["seq"])


async def bounded(factories: list[Any], concurrency: int) -> list[Any]:
    semaphore = asyncio.Semaphore(concurrency)

    async def run(factory: Any) -> Any:
        async with semaphore:
            return await factory()

    return list(await asyncio.gather(*(run(factory) for factory in factories)))


def json_socket(server: Process, workshop: Workshop, token: str) -> tuple[str, dict[str, str]]:
    return (
        f"{server.ws}/api/workshops/{workshop.id}/live?after={{after}}",
        {"Authorization": f"Bearer {token}"},
    )


def html_socket(server: Process, workshop: Workshop, cookies: dict[str, str]) -> tuple[str, dict[str, str]]:
    """What a browser opens: the board socket with its session cookie and its page's Origin."""
    cookie = "; ".join(f"{key}={value}" for key, value in cookies.items())
    return f"{server.ws}/w/{workshop.id}/live?after={{after}}", {"Cookie": cookie, "Origin": server.origin}


# --- client swarms ---------------------------------------------------------------------------------------


class Swarm:
    """bench.clients processes sharing a list of sockets; their records merged afterwards."""

    def __init__(
        self,
        sockets: list[tuple[str, dict[str, str]]],
        workdir: Path,
        after: int,
        processes: int,
        fetchers: int = 0,
    ) -> None:
        self.sockets = sockets
        self.fetchers = fetchers  # the first sockets fetch like browsers when a frame asks them to
        self.workdir = workdir
        self.after = after
        self.processes = max(1, min(processes, len(sockets)))
        self.children: list[subprocess.Popen[str]] = []
        self.outs: list[Path] = []
        self.offsets: list[int] = []
        self.opened = 0
        self.failed = 0

    async def start(self, limit: float = 300) -> None:
        share = -(-len(self.sockets) // self.processes)
        for number in range(self.processes):
            part = self.sockets[number * share : (number + 1) * share]
            if not part:
                continue
            tag = uuid.uuid4().hex[:8]
            spec = self.workdir / f"swarm-{tag}.json"
            fetch = max(0, min(len(part), self.fetchers - number * share))
            spec.write_text(json.dumps({"sockets": part, "after": self.after, "fetch": fetch}))
            out = self.workdir / f"swarm-{tag}.out.json"
            self.outs.append(out)
            self.offsets.append(number * share)
            child = subprocess.Popen(
                [sys.executable, "-m", "bench.clients", str(spec), str(out)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            STARTED.append(child)
            self.children.append(child)
        answers = await self._ask_all(None, "ready", limit)
        self.opened = sum(int(answer.split()[1]) for answer in answers)
        self.failed = sum(int(answer.split()[2]) for answer in answers)

    async def _ask(self, child: subprocess.Popen[str], line: str | None, expect: str, limit: float) -> str:
        assert child.stdin is not None and child.stdout is not None
        if line is not None:
            child.stdin.write(line + "\n")
            child.stdin.flush()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            answer = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), deadline - time.monotonic())
            if answer.startswith(expect):
                return answer.strip()
            if not answer:
                raise RuntimeError("client process ended")
        raise TimeoutError(expect)

    async def _ask_all(self, line: str | None, expect: str, limit: float = 120) -> list[str]:
        return list(await asyncio.gather(*(self._ask(child, line, expect, limit) for child in self.children)))

    async def stats(self) -> tuple[int, int, int, int]:
        """Frames received (presence included), sockets open, fetches under way, mean bytes of a card frame."""
        answers = [answer.split() for answer in await self._ask_all("stats", "stats")]
        frames, opened, fetching = (sum(int(a[column]) for a in answers) for column in (1, 2, 3))
        sizes = [int(a[4]) for a in answers if int(a[4]) > 0]
        return frames, opened, fetching, sum(sizes) // max(len(sizes), 1)

    async def drop(self) -> None:
        await self._ask_all("drop", "dropped")

    async def rejoin(self) -> tuple[int, int, float]:
        answers = await self._ask_all("rejoin", "rejoined", limit=300)
        return (
            sum(int(a.split()[1]) for a in answers),
            sum(int(a.split()[2]) for a in answers),
            min(float(a.split()[3]) for a in answers),
        )

    async def stop(self) -> list[list[Any]]:
        """Close every socket; the frames every socket received: [socket, t, seq, card, pull, bytes, tag]."""
        with contextlib.suppress(Exception):
            await self._ask_all("stop", "done", limit=120)
        records: list[list[Any]] = []
        for child, out, offset in zip(self.children, self.outs, self.offsets, strict=True):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)
            if child.poll() is None:
                child.kill()
            if out.exists():
                for record in json.loads(out.read_text())["records"]:
                    record[0] += offset
                    records.append(record)
                out.unlink()
        return records

    def kill(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
