"""How database trouble reaches people: a connection lost under a request (PostgreSQL restarted) is a German
503 with Retry-After, like a refused one (tests/multiprocess/test_database_restart.py); any other database
error is a bug and stays a 500 that says nothing about the internals."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import DBAPIError, IntegrityError

from werkstatt.errors import EXCEPTION_HANDLERS


@get("/api/verloren")
async def connection_lost() -> None:
    raise DBAPIError("SELECT 1", None, ConnectionResetError("connection reset"), connection_invalidated=True)


@get("/api/kaputt")
async def constraint_broken() -> None:
    raise IntegrityError("INSERT INTO idea", None, Exception("duplicate key value"))


async def test_lost_connection_is_a_german_503_and_other_database_errors_a_500() -> None:
    app = Litestar([connection_lost, constraint_broken], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as client:
        lost = await client.get("/api/verloren")
        assert lost.status_code == 503
        assert lost.headers["retry-after"] == "5"
        assert lost.json()["title"] == "Vorübergehend nicht erreichbar"
        assert "nicht gespeichert" in lost.json()["detail"]

        broken = await client.get("/api/kaputt")
        assert broken.status_code == 500
        assert "duplicate" not in broken.text
        assert broken.json()["title"] == "Interner Fehler"
