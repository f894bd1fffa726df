"""Login, session rotation, logout, login limiting, invitations, password reset, role changes, API tokens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import make_settings
from tests.factories import PASSWORD, make_account, sign_in
from tests.html import by_id, parse, text_of
from tests.network.conftest import Org, post_form
from werkstatt.network import auth
from werkstatt.network.models import Account, ApiToken, Invitation, LoginAttempt, PasswordReset, Role
from werkstatt.sessions import WebSession, cookie_name, hash_token
from werkstatt.settings import Settings


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> Settings:
    """Small limits so that the limiting tests need few (argon2-priced) attempts."""
    return make_settings(database_url, data_dir, login_attempts_per_account=3, login_attempts_per_client=5)


async def login(client: AsyncTestClient[Any], email: str, password: str = PASSWORD, next_path: str = "") -> Any:
    return await post_form(client, "/anmelden", {"email": email, "password": password, "next": next_path})


def swap_cookie(client: AsyncTestClient[Any], name: str, value: str) -> None:
    """Present an older session cookie again (as an attacker who kept it would)."""
    client.cookies.delete(name)
    client.cookies.set(name, value)


async def age_attempts(db: AsyncSession, minutes: int = 0, seconds: int = 0) -> None:
    """Let time pass for the login limiter."""
    await db.commit()
    for attempt in (await db.execute(select(LoginAttempt))).scalars():
        attempt.at -= timedelta(minutes=minutes, seconds=seconds)
    await db.commit()


async def sessions_of(db: AsyncSession, account: Account) -> int:
    await db.commit()
    return int((await db.execute(select(func.count()).where(WebSession.account_id == account.id))).scalar_one())


async def test_login_rotates_the_session_id_and_the_old_one_is_dead(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    name = cookie_name(settings)
    await post_form(client, "/sprache", {"locale": "de", "next": "/"})  # an anonymous session exists first
    before = client.cookies[name]
    response = await login(client, org.accounts["coach"].email, next_path="/staedte/x")
    assert response.status_code == 303
    assert response.headers["location"] == "/staedte/x"
    after = client.cookies[name]
    assert after != before
    await db.commit()
    assert (await db.execute(select(WebSession).where(WebSession.token_hash == hash_token(before)))).first() is None
    assert (await client.get("/profil")).status_code == 200
    swap_cookie(client, name, before)
    assert (await client.get("/profil", follow_redirects=False)).headers["location"].startswith("/anmelden")


async def test_login_refuses_foreign_next_and_wrong_password(client: AsyncTestClient[Any], org: Org) -> None:
    response = await login(client, org.accounts["coach"].email, next_path="//evil.example/")
    assert response.headers["location"] == "/netzwerk"
    client.cookies.clear()
    wrong = await login(client, org.accounts["coach"].email, "falsches-passwort")
    assert wrong.status_code == 422
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in text_of(wrong.text, "[role=alert]")
    assert by_id(wrong.text, "f-email")["value"] == org.accounts["coach"].email
    assert (await client.get("/profil", follow_redirects=False)).status_code == 303


async def test_logout_ends_the_session(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    coach = org.accounts["coach"]
    await login(client, coach.email)
    token = client.cookies[cookie_name(settings)]
    await db.commit()
    assert (await db.execute(select(WebSession).where(WebSession.token_hash == hash_token(token)))).first() is not None
    others = await sessions_of(db, coach) - 1
    response = await post_form(client, "/abmelden", {})
    assert response.status_code == 303
    assert await sessions_of(db, coach) == others
    await db.commit()
    assert (await db.execute(select(WebSession).where(WebSession.token_hash == hash_token(token)))).first() is None
    assert cookie_name(settings) not in client.cookies or client.cookies[cookie_name(settings)] == ""
    swap_cookie(client, cookie_name(settings), token)
    assert (await client.get("/profil", follow_redirects=False)).status_code == 303


async def test_login_limit_per_account_and_client_with_growing_waits(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    coach, colleague = org.accounts["coach"], org.accounts["kernteam"]
    for attempt in range(settings.login_attempts_per_account):  # exactly as many as the setting names
        assert (await login(client, coach.email, f"falsch-{attempt}-xxxx")).status_code == 422
    locked = await login(client, coach.email, "noch-einmal-falsch")
    assert locked.status_code == 429
    assert text_of(locked.text, "[role=alert] p:last-child") == (
        "Zu viele Fehlversuche. Bitte in 30 Sekunden erneut versuchen."
    )
    assert 25 < int(locked.headers["retry-after"]) <= 30
    assert (await login(client, coach.email)).status_code == 429, "the right password from this client waits too"
    api = await client.post("/api/auth/token", json={"email": coach.email, "password": PASSWORD})
    assert api.status_code == 429
    assert api.headers["retry-after"].isdigit()
    assert api.json()["detail"].startswith("Zu viele Fehlversuche. Bitte in ")
    # The coach's own device (another address) still gets in: a stranger cannot lock the account.
    own_device = await auth.authenticate(db, settings, coach.email, PASSWORD, "192.0.2.10")
    await db.commit()
    assert own_device.id == coach.id
    # Same town hall, same address: a colleague still gets in.
    assert (await login(client, colleague.email)).status_code == 303
    # The waits grow: after 30 s one more try, then 60 s, then 120 s.
    client.cookies.clear()
    waits = []
    for _round in range(3):
        await age_attempts(db, seconds=waits[-1] + 1 if waits else 31)
        assert (await login(client, coach.email, "wieder-falsch")).status_code == 422
        refused = await login(client, coach.email, "wieder-falsch")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
    assert 55 < waits[0] <= 60 and 115 < waits[1] <= 120 and 235 < waits[2] <= 240, waits
    await age_attempts(db, seconds=waits[-1] + 1)
    assert (await login(client, coach.email)).status_code == 303


async def test_login_limit_per_client(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    emails = [f"unbekannt-{index}@example.org" for index in range(settings.login_attempts_per_client)]
    for email in emails:
        assert (await login(client, email, "irgendwas-falsches")).status_code == 422
    blocked = await login(client, "noch-einer@example.org", "irgendwas-falsches")
    assert blocked.status_code == 429
    assert (await login(client, org.accounts["coach"].email)).status_code == 429
    # Another address is not affected.
    account = await auth.authenticate(db, settings, org.accounts["coach"].email, PASSWORD, "192.0.2.77")
    await db.commit()
    assert account.id == org.accounts["coach"].id


def test_login_waits_double_up_to_the_window() -> None:
    assert [auth.login_delay(beyond, 15 * 60) for beyond in range(7)] == [30, 60, 120, 240, 480, 900, 900]
    assert auth.login_delay(10_000, 15 * 60) == 900


async def invite_link(client: AsyncTestClient[Any], org: Org, email: str, role: str = "coach") -> str:
    response = await post_form(
        client, f"/verwaltung/{org.a.network.id}/einladungen", {"email": email, "role": role, "display_name": ""}
    )
    assert response.status_code == 201, response.text
    return str(by_id(response.text, "new-link-url")["href"]).removeprefix("http://testserver.local")


async def test_invitation_is_one_time_stored_hashed_and_makes_an_account(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["network_admin"])
    link = await invite_link(client, org, "neue.coachin@example.org")
    token = link.rsplit("/", 1)[1]
    stored = (await db.execute(select(Invitation))).scalar_one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    client.cookies.clear()
    page = await client.get(link)
    assert page.status_code == 200
    assert text_of(page.text, "#invitation-email") == "neue.coachin@example.org"
    mismatch = await post_form(
        client, link, {"display_name": "Nora Neu", "password": "langes-passwort-1", "password_repeat": "anderes-pw-22"}
    )
    assert mismatch.status_code == 422
    assert "stimmen nicht überein" in text_of(mismatch.text, "#f-password_repeat-error")
    short = await post_form(client, link, {"display_name": "Nora Neu", "password": "kurz", "password_repeat": "kurz"})
    assert short.status_code == 422
    assert "mindestens 10 Zeichen" in text_of(short.text, "#f-password-error")
    await db.commit()
    assert (
        await db.scalar(select(func.count()).select_from(Account).where(Account.email == "neue.coachin@example.org"))
        == 0
    )
    done = await post_form(
        client,
        link,
        {"display_name": "Nora Neu", "password": "langes-passwort-1", "password_repeat": "langes-passwort-1"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/anmelden?ok=passwort-gesetzt"
    await db.commit()
    account = (await db.execute(select(Account).where(Account.email == "neue.coachin@example.org"))).scalar_one()
    assert (account.role, account.network_id, account.display_name) == (Role.coach, org.a.network.id, "Nora Neu")
    again = await post_form(
        client,
        link,
        {"display_name": "Zweiter", "password": "langes-passwort-2", "password_repeat": "langes-passwort-2"},
    )
    assert again.status_code == 404
    assert (await client.get(link)).status_code == 404
    assert (await login(client, "neue.coachin@example.org", "langes-passwort-1")).status_code == 303


async def test_expired_invitation_creates_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["network_admin"])
    link = await invite_link(client, org, "zu.spaet@example.org")
    await db.execute(
        update(Invitation)
        .where(Invitation.email == "zu.spaet@example.org")
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await db.commit()
    client.cookies.clear()
    assert (await client.get(link)).status_code == 404
    late = await post_form(
        client,
        link,
        {"display_name": "Zu Spät", "password": "langes-passwort-1", "password_repeat": "langes-passwort-1"},
    )
    assert late.status_code == 404
    assert "abgelaufen" in text_of(late.text, "main")
    await db.commit()
    assert (
        await db.scalar(select(func.count()).select_from(Account).where(Account.email == "zu.spaet@example.org")) == 0
    )


async def test_invitation_for_an_existing_account_is_a_field_error(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["network_admin"])
    for email, message in [
        (org.accounts["coach"].email.upper(), "gibt es schon ein Konto"),
        ("keine-adresse", "gültige E-Mail-Adresse"),
    ]:
        response = await post_form(
            client, f"/verwaltung/{org.a.network.id}/einladungen", {"email": email, "role": "coach"}
        )
        assert response.status_code == 422
        assert message in text_of(response.text, "#f-email-error")
    bad_role = await post_form(
        client, f"/verwaltung/{org.a.network.id}/einladungen", {"email": "a@example.org", "role": "admin"}
    )
    assert bad_role.status_code == 422
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Invitation)) == 0


async def test_password_reset_by_link_ends_sessions_and_is_one_time(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    coach = org.accounts["coach"]
    await sign_in(client, db, settings, coach)  # the coach's own (old) session
    old_cookie = client.cookies[cookie_name(settings)]
    client.cookies.clear()
    await sign_in(client, db, settings, org.accounts["network_admin"])
    response = await post_form(client, f"/verwaltung/{org.a.network.id}/konten/{coach.id}/passwort-link", {})
    assert response.status_code == 201
    link = str(by_id(response.text, "new-link-url")["href"]).removeprefix("http://testserver.local")
    client.cookies.clear()
    assert (await client.get(link)).status_code == 200
    done = await post_form(client, link, {"password": "ganz-neues-passwort", "password_repeat": "ganz-neues-passwort"})
    assert done.status_code == 303
    assert await sessions_of(db, coach) == 0
    swap_cookie(client, cookie_name(settings), old_cookie)
    assert (await client.get("/profil", follow_redirects=False)).status_code == 303
    client.cookies.clear()
    assert (await login(client, coach.email)).status_code == 422, "the old password is gone"
    assert (await login(client, coach.email, "ganz-neues-passwort")).status_code == 303
    again = await post_form(client, link, {"password": "noch-ein-passwort", "password_repeat": "noch-ein-passwort"})
    assert again.status_code == 404


async def test_expired_reset_link_and_self_service_request(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    coach = org.accounts["coach"]
    link = await auth.create_reset_link(db, coach, "")
    await db.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == hash_token(link.rsplit("/", 1)[1]))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await db.commit()
    resets = await db.scalar(select(func.count()).select_from(PasswordReset))
    assert (await client.get(link)).status_code == 404
    # Without SMTP nothing is created, and the answer does not reveal whether the address exists.
    for email in (coach.email, "niemand@example.org"):
        response = await post_form(client, "/passwort-vergessen", {"email": email})
        assert response.headers["location"] == "/passwort-vergessen?ok=angefordert"
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(PasswordReset)) == resets
    # With SMTP the link goes out by mail (captured here instead of a server).
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(auth, "_send_mail_blocking", lambda _settings, to, _subject, body: sent.append((to, body)))
    settings.smtp_url = "smtp://mail.example.org:587"
    await post_form(client, "/passwort-vergessen", {"email": coach.email.upper()})
    assert [to for to, _body in sent] == [coach.email]
    mailed_link = sent[0][1].split("http://testserver.local", 1)[1].split()[0]
    assert (await client.get(mailed_link)).status_code == 200


async def test_invitation_is_mailed_when_smtp_is_configured(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, str, str]] = []
    monkeypatch.setattr(auth, "_send_mail_blocking", lambda _s, to, subject, body: sent.append((to, subject, body)))
    settings.smtp_url = "smtp://mail.example.org:587"
    await sign_in(client, db, settings, org.accounts["network_admin"])
    response = await post_form(
        client, f"/verwaltung/{org.a.network.id}/einladungen", {"email": "per.mail@example.org", "role": "kernteam"}
    )
    assert response.status_code == 201
    assert "per E-Mail verschickt" in text_of(response.text, "#new-link")
    assert sent[0][0] == "per.mail@example.org"
    assert str(by_id(response.text, "new-link-url")["href"]) in sent[0][2]


async def test_role_change_ends_the_sessions_of_that_account_and_rotates_ones_own(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    target = await make_account(db, Role.kernteam, org.a.network)
    await sign_in(client, db, settings, target)
    assert await sessions_of(db, target) == 1
    client.cookies.clear()
    admin = org.accounts["network_admin"]
    await sign_in(client, db, settings, admin)
    response = await post_form(client, f"/verwaltung/{org.a.network.id}/konten/{target.id}/rolle", {"role": "coach"})
    assert response.status_code == 303
    assert await sessions_of(db, target) == 0
    await db.refresh(target)
    assert target.role == Role.coach
    # An admin who changes their own role gets a fresh session id.
    before = client.cookies[cookie_name(settings)]
    own = await post_form(client, f"/verwaltung/{org.a.network.id}/konten/{admin.id}/rolle", {"role": "coach"})
    assert own.status_code == 303
    after = own.cookies[cookie_name(settings)]
    assert after != before
    swap_cookie(client, cookie_name(settings), after)
    assert (await client.get(f"/verwaltung/{org.a.network.id}/konten")).status_code == 403
    swap_cookie(client, cookie_name(settings), before)
    assert (await client.get("/profil", follow_redirects=False)).status_code == 303


async def test_deactivated_account_loses_sessions_and_cannot_log_in(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    target = org.accounts["kernteam"]
    await sign_in(client, db, settings, target)
    client.cookies.clear()
    await sign_in(client, db, settings, org.accounts["network_admin"])
    response = await post_form(client, f"/verwaltung/{org.a.network.id}/konten/{target.id}/aktiv", {"active": "0"})
    assert response.status_code == 303
    assert await sessions_of(db, target) == 0
    client.cookies.clear()
    assert (await login(client, target.email)).status_code == 422


async def test_profile_name_language_and_api_tokens(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    coach = org.accounts["coach"]
    await sign_in(client, db, settings, coach)
    saved = await post_form(client, "/profil", {"display_name": "Katrin K.", "locale": "en"})
    assert saved.status_code == 303
    page = await client.get("/profil")
    assert parse(page.text).html["lang"] == "en"
    assert by_id(page.text, "f-display_name")["value"] == "Katrin K."
    assert (await post_form(client, "/profil", {"display_name": " ", "locale": "de"})).status_code == 422
    assert (await post_form(client, "/profil", {"display_name": "X", "locale": "fr"})).status_code == 422

    created = await post_form(client, "/profil/schluessel", {"token_name": "Ratsinfo"})
    assert created.status_code == 201
    token = text_of(created.text, "#new-token code")
    assert token.startswith("wst_")
    await db.commit()
    row = (await db.execute(select(ApiToken).where(ApiToken.account_id == coach.id))).scalar_one()
    assert row.token_hash == hash_token(token)
    listed = await client.get("/profil")
    assert parse(listed.text).select_one("#new-token") is None, "shown once"
    assert token not in listed.text
    assert row.prefix in text_of(listed.text, "#token-table")

    bearer = {"authorization": f"Bearer {token}"}
    client.cookies.clear()
    assert (await client.get("/api/networks", headers=bearer)).status_code == 200
    await sign_in(client, db, settings, coach)
    revoked = await post_form(client, f"/profil/schluessel/{row.id}/widerrufen", {})
    assert revoked.status_code == 303
    client.cookies.clear()
    assert (await client.get("/api/networks", headers=bearer)).status_code == 401
    # Someone else's token id is not found.
    other_row, _other = await auth.create_api_token(db, org.accounts["kernteam"].id, "fremd", 1)
    await db.commit()
    await sign_in(client, db, settings, coach)
    assert (await post_form(client, f"/profil/schluessel/{other_row.id}/widerrufen", {})).status_code == 404


async def test_change_password_in_profile(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    coach = org.accounts["coach"]
    await sign_in(client, db, settings, coach)
    wrong = await post_form(
        client,
        "/profil/passwort",
        {"current_password": "falsch", "password": "neues-passwort-1", "password_repeat": "neues-passwort-1"},
    )
    assert wrong.status_code == 422
    # an account of its own test, in the default language (German)
    assert "Das bisherige Passwort stimmt nicht." in text_of(wrong.text, "#f-current_password-error")
    ok = await post_form(
        client,
        "/profil/passwort",
        {"current_password": PASSWORD, "password": "neues-passwort-1", "password_repeat": "neues-passwort-1"},
    )
    assert ok.status_code == 303
    client.cookies.clear()
    assert (await login(client, coach.email, "neues-passwort-1")).status_code == 303


async def test_token_create_command(
    db: AsyncSession, settings: Settings, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    from werkstatt.cli import main
    from werkstatt.sessions import load_api_account

    monkeypatch.setenv("WERKSTATT_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("WERKSTATT_DATA_DIR", str(settings.data_dir))
    coach = org.accounts["coach"]
    result = await asyncio.to_thread(CliRunner().invoke, main, ["token", "create", coach.email.upper()])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("wst_")
    resolved = await load_api_account(db, token)
    await db.commit()  # the token's first use is noted; the caller's unit of work commits it
    assert resolved is not None and resolved.id == coach.id
    missing = await asyncio.to_thread(CliRunner().invoke, main, ["token", "create", "niemand@example.org"])
    assert missing.exit_code == 1
    assert "Kein aktives Konto" in missing.output
