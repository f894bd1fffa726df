"""An account holder's export (their data, nobody else's) and erasure (gone everywhere, results kept, no more
login, sessions and tokens ended, open sockets closed on every worker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.board.conftest import LiveWorkshop, as_guest, bearer, join, start
from tests.board.test_revocation_closes_sockets import close_code_within, live_url
from tests.conftest import make_settings, run_cli, server_env
from tests.factories import PASSWORD, make_account
from werkstatt.db import create_sessionmaker
from werkstatt.live.hub import REVOKED
from werkstatt.network.auth import create_api_token
from werkstatt.network.models import Account, ApiToken, KernteamMember, KernteamRole, Role
from werkstatt.privacy.accounts import UnknownAccount
from werkstatt.privacy.data_export import export_account
from werkstatt.privacy.erasure import run_erasure
from werkstatt.privacy.pseudonyms import pseudonym
from werkstatt.results.models import ProjectIdea
from werkstatt.sessions import WebSession
from werkstatt.settings import Settings
from werkstatt.workshops.models import Participant, ParticipantRole, Workshop


async def coach_account(db: AsyncSession, workshop: LiveWorkshop) -> Account:
    account = await db.get(Account, workshop.coach.id)
    assert account is not None
    return account


async def kernteam_owner(
    db: AsyncSession, workshop: LiveWorkshop, account: Account
) -> tuple[KernteamMember, ProjectIdea]:
    member = KernteamMember(
        town_id=UUID(workshop.town_id), display_name="Katrin Koch", role=KernteamRole.gewerbe, account_id=account.id
    )
    db.add(member)
    await db.flush()
    project = ProjectIdea(
        network_id=UUID(workshop.network_id),
        town_id=UUID(workshop.town_id),
        workshop_id=UUID(workshop.id),
        owner_id=member.id,
        title="Markt bis 18 Uhr",
    )
    db.add(project)
    await db.commit()
    return member, project


async def room(client: AsyncTestClient[Any], workshop: LiveWorkshop) -> dict[str, Any]:
    """The coach posts a card from their session; a guest posts one too."""
    await start(client, workshop)
    url = f"/api/workshops/{workshop.id}/ideas"
    coach_card = await client.post(url, json={"text": "Leerstand bespielen"}, headers={"sec-fetch-site": "same-origin"})
    assert coach_card.status_code == 201, coach_card.text
    guest = await join(client, workshop.code, "Greta Gast")
    guest_card = await as_guest(client, "POST", url, guest["token"], json={"text": "Sitzbänke am Markt"})
    assert guest_card.status_code == 201
    return {"coach_card": coach_card.json(), "guest": guest, "guest_card": guest_card.json()}


async def test_export_lists_the_persons_data_and_nobody_elses(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession
) -> None:
    account = await coach_account(db, workshop)
    await room(coach_client, workshop)
    _row, _token = await create_api_token(db, account.id, "Beamer", 30)
    await db.commit()
    await kernteam_owner(db, workshop, account)
    other = await make_account(db, Role.coach, email="andere@werkstatt.example")

    data = await export_account(db, account.email.upper(), datetime.now(UTC))
    assert data["account"]["email"] == account.email
    assert data["account"]["has_password"] is True
    assert [w["id"] for w in data["workshops_coached"]] == [workshop.id]
    assert [t["name"] for t in data["api_tokens"]] == ["Beamer"]
    assert len(data["sessions"]) == 1 and set(data["sessions"][0]) == {
        "started_at",
        "last_seen_at",
        "expires_at",
        "locale",
    }
    assert [m["display_name"] for m in data["kernteam_memberships"]] == ["Katrin Koch"]
    assert [p["title"] for p in data["project_ideas_owned"]] == ["Markt bis 18 Uhr"]
    (participation,) = data["workshop_participations"]
    assert participation["role"] == "coach"
    assert [idea["text"] for idea in participation["ideas"]] == ["Leerstand bespielen"]

    text = json.dumps(data, ensure_ascii=False)
    assert "Greta" not in text and "Sitzbänke" not in text  # a guest's name and card are not the coach's data
    assert other.email not in text
    token_hash = await db.scalar(select(ApiToken.token_hash))
    session_hash = await db.scalar(select(WebSession.token_hash))
    assert token_hash not in text and session_hash not in text
    assert account.password_hash and account.password_hash not in text


async def test_export_of_an_unknown_address_is_refused(db: AsyncSession) -> None:
    with pytest.raises(UnknownAccount, match="Kein Konto"):
        await export_account(db, "niemand@werkstatt.example", datetime.now(UTC))


async def test_erasure_removes_the_person_and_keeps_the_results(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    account = await coach_account(db, workshop)
    email, account_id = account.email, account.id
    cards = await room(coach_client, workshop)
    _row, token = await create_api_token(db, account.id, "Beamer", 30)
    await db.commit()
    member, project = await kernteam_owner(db, workshop, account)
    member_id, project_id = member.id, project.id
    events_before = (await coach_client.get(f"/api/workshops/{workshop.id}/events")).json()
    assert "Test coach" in json.dumps(events_before)

    engine = create_async_engine(settings.resolved_database_url)
    try:
        report = await run_erasure(create_sessionmaker(engine), settings, email, datetime.now(UTC))
    finally:
        await engine.dispose()
    assert (report.sessions_ended, report.tokens_revoked, report.memberships_removed) == (1, 1, 1)
    assert report.project_ideas_unowned == 1

    db.expire_all()
    assert await db.get(Account, account_id) is None
    assert await db.get(KernteamMember, member_id) is None
    kept = await db.get(ProjectIdea, project_id)
    assert kept is not None and kept.owner_id is None and kept.title == "Markt bis 18 Uhr"
    shop = await db.get(Workshop, UUID(workshop.id))
    assert shop is not None and shop.created_by_id is None
    coach_participant = (
        await db.execute(
            select(Participant).where(
                Participant.workshop_id == UUID(workshop.id), Participant.role == ParticipantRole.coach
            )
        )
    ).scalar_one()
    assert coach_participant.display_name == pseudonym(coach_participant.id, ParticipantRole.coach) == "Moderation"
    assert coach_participant.account_id is None

    # No login, no token, no session.
    login = await coach_client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    assert (await as_guest(coach_client, "GET", "/api/networks", token)).status_code == 401
    assert (await coach_client.get(f"/api/workshops/{workshop.id}/events")).status_code == 401

    # The workshop reads the same to its guests, with the coach's name gone from the event log.
    guest = cards["guest"]["token"]
    events_after = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/events", guest)).json()
    text = json.dumps(events_after, ensure_ascii=False)
    assert "Test coach" not in text and email not in text
    assert "Leerstand bespielen" in text and "Greta Gast" in text
    ideas = (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/ideas", guest)).json()
    assert sorted(idea["text"] for idea in ideas) == ["Leerstand bespielen", "Sitzbänke am Markt"]
    with pytest.raises(UnknownAccount):
        await export_account(db, email, datetime.now(UTC))


@pytest.fixture
def redis_settings(database_url: str, tmp_path: Path, redis_url: str) -> Settings:
    return make_settings(database_url, tmp_path, redis_url=redis_url)


async def test_erasure_closes_the_persons_open_socket(
    redis_settings: Settings, db: AsyncSession, workshop: LiveWorkshop
) -> None:
    """The erase command runs in its own process: through Redis it reaches the worker holding the socket."""
    from werkstatt.app import create_app

    account = await coach_account(db, workshop)
    _row, token = await create_api_token(db, account.id, "Beamer", 30)
    await db.commit()
    app = create_app(redis_settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        started = await client.post(
            f"/api/workshops/{workshop.id}/commands", json={"type": "start_step", "step": 0}, headers=bearer(token)
        )
        assert started.status_code == 200, started.text
        with await client.websocket_connect(live_url(workshop), headers=bearer(token)) as socket:
            engine = create_async_engine(redis_settings.resolved_database_url)
            try:
                await run_erasure(create_sessionmaker(engine), redis_settings, account.email, datetime.now(UTC))
            finally:
                await engine.dispose()
            code, took = close_code_within(socket, 2.0)
            assert code == REVOKED and took < 2.0


def test_cli_exports_and_erases_an_account(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    shutil.copy(sqlite_template, tmp_path / "werkstatt.db")
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}", tmp_path)
    email = "moni.moderation@werkstatt.example"
    created = run_cli_input(env, PASSWORD + "\n", "user", "create", email, "--role", "coach", "--password-stdin")
    assert created.returncode == 0, created.stderr

    exported = run_cli(env, "privacy", "export", email)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["account"]["email"] == email
    into = tmp_path / "auskunft.json"
    assert run_cli(env, "privacy", "export", email, "--output", str(into)).returncode == 0
    assert json.loads(into.read_text())["account"]["email"] == email
    assert into.stat().st_mode & 0o777 == 0o600

    unknown = run_cli(env, "privacy", "erase", "niemand@werkstatt.example", "--yes")
    assert unknown.returncode == 1 and "Kein Konto" in unknown.stderr
    declined = run_cli_input(env, "n\n", "privacy", "erase", email)
    assert declined.returncode == 1 and "nichts wurde geändert" in declined.stderr
    assert json.loads(run_cli(env, "privacy", "export", email).stdout)["account"]["email"] == email

    erased = run_cli(env, "privacy", "erase", email, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "Konto gelöscht" in erased.stdout
    gone = run_cli(env, "privacy", "export", email)
    assert gone.returncode == 1 and "Kein Konto" in gone.stderr

    pruned = run_cli(env, "privacy", "prune")
    assert pruned.returncode == 0, pruned.stderr
    assert "Gäste pseudonymisiert: 0" in pruned.stdout


def run_cli_input(env: dict[str, str], stdin: str, *args: str) -> Any:
    import subprocess

    from tests.conftest import ROOT, werkstatt_cmd

    return subprocess.run(
        werkstatt_cmd(*args), env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


async def test_erasure_leaves_other_accounts_alone(
    workshop: LiveWorkshop, db: AsyncSession, settings: Settings
) -> None:
    other = await make_account(db, Role.coach, email="bleibt@werkstatt.example")
    other_id = other.id
    engine = create_async_engine(settings.resolved_database_url)
    try:
        account = await coach_account(db, workshop)
        await run_erasure(create_sessionmaker(engine), settings, account.email, datetime.now(UTC))
    finally:
        await engine.dispose()
    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(Account)) == 1
    assert (await db.get(Account, other_id)) is not None
