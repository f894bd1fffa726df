"""In production mode the only cookies are the strictly necessary two, each `__Host-`, Secure, HttpOnly and
SameSite=Lax: the CSRF token from the first page, the session from the login (rotated, never readable by JS)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import make_settings
from tests.factories import PASSWORD, make_account, make_network
from werkstatt.app import create_app
from werkstatt.network.models import Role


def _cookies(response: Any) -> dict[str, Any]:
    jar: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update(parsed)
    return jar


def _strict(cookie: Any, header: str) -> None:
    assert cookie["secure"] and cookie["httponly"], header
    assert cookie["samesite"].lower() == "lax" and cookie["path"] == "/" and not cookie["domain"], header


async def test_production_cookies_are_host_prefixed_secure_httponly_lax(
    database_url: str, tmp_path: Path, db: AsyncSession
) -> None:
    settings = make_settings(database_url, tmp_path, mode="production", allowed_origins=["https://testserver.local"])
    org = await make_network(db)
    account = await make_account(db, Role.coach, org.network)
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        first = await client.get("/anmelden")
        assert first.status_code == 200
        jar = _cookies(first)
        assert set(jar) == {"__Host-csrftoken"}, "a visitor gets nothing but the CSRF token"
        _strict(jar["__Host-csrftoken"], str(first.headers.get_list("set-cookie")))
        token = jar["__Host-csrftoken"].value
        login = await client.post(
            "/anmelden",
            data={"email": account.email, "password": PASSWORD, "_csrf_token": token},
            headers={"origin": "https://testserver.local", "x-csrftoken": token},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        session = _cookies(login)
        assert "__Host-werkstatt_session" in session, login.headers.get_list("set-cookie")
        _strict(session["__Host-werkstatt_session"], str(login.headers.get_list("set-cookie")))
        assert set(session) <= {"__Host-werkstatt_session", "__Host-csrftoken"}
