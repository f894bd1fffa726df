"""The test harness: databases (SQLite and PostgreSQL), Redis, app and HTTP clients, app processes and
Chromium. PostgreSQL, Redis and Chromium tests skip with a visible reason when those are missing, except
under CI=true, where such a skip is a failure."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient, websocket_test_session
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.databases import PG_HOST, WorkerDatabases, _pg_execute, _pg_url
from werkstatt.app import create_app
from werkstatt.db import create_sessionmaker
from werkstatt.migrate import upgrade
from werkstatt.settings import Settings


async def _poll_gently(delay: float = 0) -> None:
    """Litestar's websocket test session waits for the client's next message with `sleep(0)` in a loop: a
    dozen open test sockets then spin the app's event loop at full CPU (worse under coverage), and the
    requests between them crawl. A millisecond between polls keeps replies prompt and the loop idle."""
    await anyio.sleep(delay or 0.001)


websocket_test_session.sleep = _poll_gently  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("WERKSTATT_TEST_REDIS", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("WERKSTATT_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
TEST_HOSTS = ["testserver.local", "127.0.0.1", "localhost"]


def missing(reason: str) -> None:
    """Skip visibly; under CI a missing service is a failure, not a skip."""
    if CI:
        pytest.fail(f"{reason} (CI=true: this must run)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database: what each test's database starts as."""
    if not port_open(PG_HOST, 5432):
        missing("PostgreSQL läuft nicht auf 127.0.0.1:5432")
    name = f"werkstatt_tpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated template with `werkstatt demo` loaded: made once per test worker, copied for each live server
    (the demo run is a process of its own and costs seconds)."""
    folder = tmp_path_factory.mktemp("sqlite-demo")
    shutil.copy(sqlite_template, folder / "demo.db")
    result = run_cli(server_env(f"sqlite+aiosqlite:///{folder / 'demo.db'}", folder), "demo")
    assert result.returncode == 0, result.stderr
    return folder / "demo.db"


@pytest.fixture(scope="session")
def pg_demo_template(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL template with `werkstatt demo` loaded, for the two-worker `cluster`."""
    name = f"werkstatt_demo_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    result = run_cli(server_env(_pg_url(name), tmp_path_factory.mktemp("pg-demo")), "demo")
    assert result.returncode == 0, result.stderr
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of the test's own, copied from the template (for app processes, which outlive a
    test's reset); tests in this process use `database_url`, which resets the worker's database instead."""
    # the two-worker `cluster` serves demo data: its database is copied from the demo template (made once)
    template = request.getfixturevalue("pg_demo_template" if "cluster" in request.fixturenames else "pg_template")
    name = f"werkstatt_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def worker_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerDatabases]:
    """One database per template and test worker (xdist runs each worker in a process of its own), reset to the
    template's rows before each test instead of made anew."""
    databases = WorkerDatabases(tmp_path_factory.mktemp("worker-databases"))
    yield databases
    databases.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, worker_databases: WorkerDatabases) -> str:
    """Every test that uses the database runs on SQLite and on PostgreSQL: the worker's database, holding just
    what the template holds (a folder's conftest may override `sqlite_template`/`pg_template`)."""
    if request.param == "sqlite":
        return worker_databases.sqlite(request.getfixturevalue("sqlite_template"))
    return worker_databases.postgres(request.getfixturevalue("pg_template"))


_WORKER_DATA_DIRS: set[Path] = set()


@pytest.fixture(scope="session")
def _worker_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    _WORKER_DATA_DIRS.add(folder)
    return folder


@pytest.fixture
def data_dir(_worker_data_dir: Path) -> Path:
    """DATA_DIR for the test's app: empty at the start of each test, at the same path in every test of the worker
    (so that the app built for these settings can serve the next test too)."""
    shutil.rmtree(_worker_data_dir)
    _worker_data_dir.mkdir()
    return _worker_data_dir


@pytest.fixture
def redis_url() -> str:
    if not port_open("127.0.0.1", 6379):
        missing("Redis läuft nicht auf 127.0.0.1:6379")
    return REDIS_URL


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "allowed_hosts": TEST_HOSTS,
        "allowed_origins": ["http://testserver.local"],
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "sync_methods_on_start": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> Settings:
    return make_settings(database_url, data_dir)


_APPS: dict[str, Litestar] = {}


def app_for(settings: Settings) -> Litestar:
    """`create_app(settings)`, built once per worker for the same settings: building takes a few tenths of a
    second, starting a built app again is cheap, and each start begins afresh (limits, the hub; the database is
    reset by `database_url`). Apps with Redis or with a DATA_DIR of the test's own are built for the test."""
    if settings.redis_url or settings.data_dir not in _WORKER_DATA_DIRS:
        return create_app(settings)
    key = settings.model_dump_json()
    if key not in _APPS:
        _APPS[key] = create_app(settings.model_copy(deep=True))  # a copy: what this test changes in its own stays here
    app = _APPS[key]
    app.state.settings = settings  # equal to the one it was built with; what the test changes in it, routes see
    return app


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = app_for(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session of the test's own engine (the app runs on the test client's loop and thread)."""
    engine = create_async_engine(settings.resolved_database_url)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


async def csrf_headers(client: AsyncTestClient[Any]) -> dict[str, str]:
    """Fetch a page so that the CSRF cookie is set; htmx sends the same token as a header."""
    if "csrftoken" not in client.cookies:
        await client.get("/")
    return {"x-csrftoken": client.cookies["csrftoken"]}


# --- app processes (the compose topology without Docker) -------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def werkstatt_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "werkstatt.cli", *args]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        werkstatt_cmd(*args), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WERKSTATT_")}
    env.update(
        {
            "WERKSTATT_DATABASE_URL": database_url,
            "WERKSTATT_DATA_DIR": str(data_dir),
            "WERKSTATT_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "WERKSTATT_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WERKSTATT_SYNC_METHODS_ON_START": "false",
        }
    )
    env.update(extra)
    return env


def start_server(env: dict[str, str], log: Path, port: int | None = None) -> Server:
    port = port or free_port()
    env = {**env, "WERKSTATT_PORT": str(port)}
    handle = log.open("wb")
    process = subprocess.Popen(werkstatt_cmd("serve"), env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + 60  # a loaded 2-core machine takes its time importing the app
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def live_server(tmp_path: Path, sqlite_demo_template: Path) -> Iterator[Server]:
    """One embedded-mode process (SQLite, in-memory fan-out) with demo data, as `make run` starts it.
    The database starts as a copy of the migrated template with the demo loaded (`db upgrade` + `demo`)."""
    shutil.copy(sqlite_demo_template, tmp_path / "werkstatt.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}"
    env = server_env(url, tmp_path)
    server = start_server(env, tmp_path / "server.log")
    yield server
    server.stop()


@pytest.fixture
def cluster(pg_database: str, redis_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    """Two app processes on one PostgreSQL database and Redis: the compose topology without Docker."""
    env = server_env(pg_database, tmp_path, WERKSTATT_REDIS_URL=redis_url)
    servers = [start_server(env, tmp_path / f"worker-{index}.log") for index in range(2)]
    yield servers
    for server in servers:
        server.stop()


# --- Chromium ---------------------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it is open,
    so it must be closed before async tests of other modules run."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium fehlt unter {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


AXE = Path(__file__).parent / "browser" / "axe-core-4.14.1.min.js"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page state."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in {"serious", "critical"}]
