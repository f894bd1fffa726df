"""The permission matrix, generated from the one table in werkstatt/network/permissions.py.

Every role (anonymous, Kernteam, coach, network admin, instance admin and a coach of another network) tries
every organisation action over HTTP pages and the JSON API, on objects of network A. The expected answer of
each cell comes from `PERMISSIONS`; a denied cell must leave the database exactly as it was, an allowed
unsafe cell must change it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_account, sign_in
from tests.network.conftest import Org
from werkstatt.network import permissions
from werkstatt.network.auth import create_api_token, invite
from werkstatt.network.models import FocusTopic, Invitation, KernteamMember, KernteamRole, Role, TargetGroup, Town
from werkstatt.network.permissions import ANONYMOUS, PERMISSIONS, Action, can
from werkstatt.results.models import ProjectIdea
from werkstatt.sessions import account_snapshot
from werkstatt.settings import Settings

TABLES = (
    "project_idea",
    "network",
    "town",
    "focus_topic",
    "target_group",
    "town_focus_topic",
    "kernteam_member",
    "account",
    "invitation",
    "password_reset",
    "api_token",
)
WHO = (ANONYMOUS, "kernteam", "coach", "network_admin", "admin", "other_coach")
# Actions whose endpoints belong to later domains (catalogue, workshops, board, results); they use the same
# table through `can()`/`require()` and are checked here at the function level.
LATER_DOMAINS = {
    Action.view_methods,
    Action.view_workshop,
    Action.contribute_ideas,
    Action.plan_workshop,
    Action.run_workshop,
    Action.rate_method,
    Action.edit_network_method,
    Action.curate_catalogue,
    Action.own_project_idea,
    Action.adopt_idea,
}


@dataclass
class Probe:
    action: Action
    face: str  # "html" or "api"
    method: str
    # (db, org) → (url, body); may create the object the request acts on
    build: Callable[[AsyncSession, Org], Awaitable[tuple[str, dict[str, Any] | None]]]
    scoped: bool = True  # acts on an object of network A (another network's account gets 404)

    def __str__(self) -> str:
        return f"{self.action.value} {self.face} {self.method}"


def fixed(url: str, body: dict[str, Any] | None = None) -> Callable[[AsyncSession, Org], Awaitable[tuple[str, Any]]]:
    async def build(_db: AsyncSession, org: Org) -> tuple[str, Any]:
        filled = url.format(
            net=org.a.network.id, town=org.a.towns[0].id, topic=org.a.topics[0].id, group=org.a.target_groups[0].id
        )
        return filled, body

    return build


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


async def _new_town(db: AsyncSession, org: Org) -> tuple[str, Any]:
    town = Town(network_id=org.a.network.id, name=unique("Abrissstadt"))
    db.add(town)
    await db.commit()
    return f"/verwaltung/{org.a.network.id}/staedte/{town.id}/loeschen", {}


async def _new_member(db: AsyncSession, org: Org) -> tuple[str, Any]:
    member = KernteamMember(town_id=org.a.towns[0].id, display_name="Weg Damit", role=KernteamRole.sonstige)
    db.add(member)
    await db.commit()
    return f"/staedte/{org.a.towns[0].id}/kernteam/{member.id}/entfernen", {}


async def _new_topic(db: AsyncSession, org: Org) -> tuple[str, Any]:
    topic = FocusTopic(network_id=org.a.network.id, name=unique("Thema"), slug=uuid.uuid4().hex[:10], position=99)
    db.add(topic)
    await db.commit()
    return f"/verwaltung/{org.a.network.id}/schwerpunkte/{topic.id}/loeschen", {}


async def _new_group(db: AsyncSession, org: Org) -> tuple[str, Any]:
    group = TargetGroup(network_id=org.a.network.id, name=unique("Gruppe"), slug=uuid.uuid4().hex[:10], position=99)
    db.add(group)
    await db.commit()
    return f"/verwaltung/{org.a.network.id}/zielgruppen/{group.id}/loeschen", {}


async def _new_target(db: AsyncSession, org: Org) -> Any:
    return await make_account(db, Role.kernteam, org.a.network)


async def _role_change(db: AsyncSession, org: Org) -> tuple[str, Any]:
    target = await _new_target(db, org)
    return f"/verwaltung/{org.a.network.id}/konten/{target.id}/rolle", {"role": "coach"}


async def _deactivate(db: AsyncSession, org: Org) -> tuple[str, Any]:
    target = await _new_target(db, org)
    return f"/verwaltung/{org.a.network.id}/konten/{target.id}/aktiv", {"active": "0"}


async def _reset_link(db: AsyncSession, org: Org) -> tuple[str, Any]:
    target = await _new_target(db, org)
    return f"/verwaltung/{org.a.network.id}/konten/{target.id}/passwort-link", {}


async def _revoke_invitation(db: AsyncSession, org: Org) -> tuple[str, Any]:
    settings = Settings(database_url="sqlite+aiosqlite://", secret_key="x" * 40)
    actor = account_snapshot(org.accounts["network_admin"])
    await invite(db, settings, actor, org.a.network, f"{uuid.uuid4().hex[:8]}@example.org", Role.coach, "", "http://x")
    invitation_id = (await db.execute(select(Invitation.id).order_by(Invitation.created_at.desc()))).scalars().first()
    return f"/verwaltung/{org.a.network.id}/einladungen/{invitation_id}/widerrufen", {}


async def _town_topics(_db: AsyncSession, org: Org) -> tuple[str, Any]:
    topic = org.a.topics[1].id
    body = {"topic": str(topic), f"priority-{topic}": "2", f"note-{topic}": unique("Notiz")}
    return f"/staedte/{org.a.towns[0].id}/schwerpunkte", body


def _named(field: str, prefix: str, **extra: str) -> Callable[[AsyncSession, Org], Awaitable[tuple[str, Any]]]:
    async def build(_db: AsyncSession, org: Org) -> tuple[str, Any]:
        return "", {field: unique(prefix), **extra}

    return build


def with_url(url: str, body: Callable[[AsyncSession, Org], Awaitable[tuple[str, Any]]]) -> Any:
    async def build(db: AsyncSession, org: Org) -> tuple[str, Any]:
        _ignored, data = await body(db, org)
        return (await fixed(url)(db, org))[0], data

    return build


PROBES = [
    Probe(Action.edit_profile, "html", "GET", fixed("/profil"), scoped=False),
    Probe(
        Action.edit_profile,
        "html",
        "POST",
        with_url("/profil", _named("display_name", "Neuer Name", locale="de")),
        scoped=False,
    ),
    Probe(
        Action.edit_profile,
        "html",
        "POST",
        with_url("/profil/schluessel", _named("token_name", "Skript")),
        scoped=False,
    ),
    Probe(Action.view_network, "html", "GET", fixed("/netzwerk/{net}")),
    Probe(Action.view_network, "api", "GET", fixed("/api/networks"), scoped=False),
    Probe(Action.view_network, "api", "GET", fixed("/api/networks/{net}/focus-topics")),
    Probe(Action.view_network, "api", "GET", fixed("/api/networks/{net}/towns")),
    Probe(
        Action.create_network,
        "html",
        "POST",
        with_url("/verwaltung/netzwerke", _named("network_name", "Netz")),
        scoped=False,
    ),
    Probe(Action.create_network, "api", "POST", with_url("/api/networks", _named("name", "Netz")), scoped=False),
    Probe(Action.view_town, "html", "GET", fixed("/staedte/{town}")),
    Probe(Action.view_town, "api", "GET", fixed("/api/towns/{town}")),
    Probe(Action.edit_town_topics, "html", "GET", fixed("/staedte/{town}/schwerpunkte")),
    Probe(Action.edit_town_topics, "html", "POST", _town_topics),
    Probe(Action.manage_kernteam, "html", "GET", fixed("/staedte/{town}/kernteam")),
    Probe(
        Action.manage_kernteam,
        "html",
        "POST",
        with_url("/staedte/{town}/kernteam", _named("member_name", "Neu", member_role="gewerbe")),
    ),
    Probe(Action.manage_kernteam, "html", "POST", _new_member),
    Probe(Action.manage_town, "html", "GET", fixed("/verwaltung/{net}")),
    Probe(Action.manage_town, "html", "GET", fixed("/verwaltung/{net}/staedte/{town}")),
    Probe(Action.manage_town, "html", "POST", with_url("/verwaltung/{net}/staedte", _named("town_name", "Neustadt"))),
    Probe(
        Action.manage_town, "html", "POST", with_url("/verwaltung/{net}/staedte/{town}", _named("name", "Umbenannt"))
    ),
    Probe(Action.manage_town, "html", "POST", _new_town),
    Probe(Action.manage_town, "api", "POST", with_url("/api/networks/{net}/towns", _named("name", "Neustadt"))),
    Probe(
        Action.manage_taxonomy, "html", "POST", with_url("/verwaltung/{net}/schwerpunkte", _named("topic_name", "T"))
    ),
    Probe(Action.manage_taxonomy, "html", "POST", with_url("/verwaltung/{net}/zielgruppen", _named("group_name", "G"))),
    Probe(Action.manage_taxonomy, "html", "GET", fixed("/verwaltung/{net}/schwerpunkte/{topic}")),
    Probe(
        Action.manage_taxonomy, "html", "POST", with_url("/verwaltung/{net}/schwerpunkte/{topic}", _named("name", "T"))
    ),
    Probe(Action.manage_taxonomy, "html", "POST", _new_topic),
    Probe(Action.manage_taxonomy, "html", "GET", fixed("/verwaltung/{net}/zielgruppen/{group}")),
    Probe(
        Action.manage_taxonomy, "html", "POST", with_url("/verwaltung/{net}/zielgruppen/{group}", _named("name", "G"))
    ),
    Probe(Action.manage_taxonomy, "html", "POST", _new_group),
    Probe(Action.manage_taxonomy, "api", "POST", with_url("/api/networks/{net}/focus-topics", _named("name", "T"))),
    Probe(Action.manage_accounts, "html", "GET", fixed("/verwaltung/{net}/konten")),
    Probe(
        Action.manage_accounts,
        "html",
        "POST",
        fixed("/verwaltung/{net}/einladungen", {"email": "neu-eingeladen@example.org", "role": "coach"}),
    ),
    Probe(Action.manage_accounts, "html", "POST", _revoke_invitation),
    Probe(Action.manage_accounts, "html", "POST", _role_change),
    Probe(Action.manage_accounts, "html", "POST", _deactivate),
    Probe(Action.manage_accounts, "html", "POST", _reset_link),
]


def expected(who: str, probe: Probe) -> int | None:
    """None = allowed; otherwise the status a denied cell answers with."""
    role = "coach" if who == "other_coach" else who
    if role == ANONYMOUS:
        return 401
    if role not in PERMISSIONS[probe.action].roles:
        return 403
    if who == "other_coach" and probe.scoped:
        return 404
    return None


async def snapshot(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    await db.commit()
    found = {}
    for table in TABLES:
        rows = (await db.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608 - fixed table names
        found[table] = sorted(tuple(str(value) for value in row) for row in rows)
    await db.commit()
    return found


def test_every_organisation_action_has_a_probe_and_the_docstring_table_matches() -> None:
    probed = {probe.action for probe in PROBES}
    assert probed | LATER_DOMAINS == set(Action)
    doc = permissions.__doc__ or ""
    for action, rule in PERMISSIONS.items():
        line = next(row for row in doc.splitlines() if row.startswith(f"| {action.value} "))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1] == rule.kind, action
        assert cells[7] == rule.scope.value, action
        marks = dict(zip(("anonymous", "kernteam", "coach", "network_admin", "admin"), cells[2:7], strict=True))
        assert {role for role, mark in marks.items() if mark == "✓"} == set(rule.roles), action


@pytest.mark.parametrize("who", WHO)
def test_can_follows_the_table_for_every_action(who: str) -> None:
    """The function-level check later domains use (workshops, methods, ideas) on objects of network A."""
    from werkstatt.sessions import CurrentAccount

    network_a, network_b = uuid.uuid4(), uuid.uuid4()
    role = "coach" if who == "other_coach" else who
    account = None
    if role != ANONYMOUS:
        home = None if role == "admin" else (network_b if who == "other_coach" else network_a)
        account = CurrentAccount(uuid.uuid4(), "x@example.org", "X", role, "de", home)
    for action, rule in PERMISSIONS.items():
        allowed_role = role in rule.roles
        assert can(account, action) is allowed_role, (who, action)
        in_a = allowed_role and (role == ANONYMOUS or who != "other_coach")
        assert can(account, action, network_a) is in_a, (who, action)


@pytest.mark.parametrize("who", WHO)
async def test_permission_matrix_over_http_and_api(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, who: str
) -> None:
    bearer: dict[str, str] = {}
    if who != ANONYMOUS:
        account = org.accounts[who]
        await sign_in(client, db, settings, account)
        _row, token = await create_api_token(db, account.id, "Matrix", 1)
        await db.commit()
        bearer = {"authorization": f"Bearer {token}"}
    await client.get("/")
    csrf = client.cookies["csrftoken"]
    failures: list[str] = []
    for probe in PROBES:
        url, body = await probe.build(db, org)
        before = await snapshot(db)
        if probe.face == "api":
            response = await client.request(probe.method, url, json=body, headers=bearer, follow_redirects=False)
        elif probe.method == "GET":
            response = await client.get(url, follow_redirects=False)
        else:
            response = await client.post(url, data={**(body or {}), "_csrf_token": csrf}, follow_redirects=False)
        after = await snapshot(db)
        want = expected(who, probe)
        cell = f"{who} × {probe} {url}"
        status = response.status_code
        if want is None:
            ok_status = status in {200, 201} or (status == 303 and "/anmelden" not in response.headers["location"])
            if not ok_status:
                failures.append(f"{cell}: allowed, but got {status} {response.text[:200]}")
            if probe.method != "GET" and before == after:
                failures.append(f"{cell}: allowed, but nothing changed")
        else:
            if want == 401 and probe.face == "html":
                denied = status == 303 and response.headers["location"].startswith("/anmelden")
            else:
                denied = status == want
            if not denied:
                failures.append(f"{cell}: expected {want}, got {status}")
            if before != after:
                failures.append(f"{cell}: denied, but the database changed")
        if who != ANONYMOUS and probe.action is Action.manage_accounts:
            await sign_in(client, db, settings, org.accounts[who])  # a role change ends the target's sessions only
    assert failures == []


# --- the town scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_the_town_scope_follows_the_table_for_every_action(who: str) -> None:
    """A Kernteam account of town 1 reaches town-scoped actions in town 1 only; every other role (and every
    network-scoped action) reaches the whole network, as before. `require()` says why: 404 another network,
    403 (German) another town."""
    from werkstatt.errors import Forbidden, NotFound
    from werkstatt.network.permissions import Scope, require
    from werkstatt.sessions import CurrentAccount

    network_a, network_b = uuid.uuid4(), uuid.uuid4()
    town_1, town_2 = uuid.uuid4(), uuid.uuid4()
    role = "coach" if who == "other_coach" else who
    account = None
    if role != ANONYMOUS:
        home = None if role == "admin" else (network_b if who == "other_coach" else network_a)
        towns = frozenset({town_1}) if role == "kernteam" else frozenset()
        account = CurrentAccount(uuid.uuid4(), "x@example.org", "X", role, "de", home, towns)
    for action, rule in PERMISSIONS.items():
        in_a = role in rule.roles and (role == ANONYMOUS or who != "other_coach")
        assert can(account, action, network_a, town_id=town_1) is in_a, (who, action)
        own_town_only = role == "kernteam" and rule.scope is Scope.town
        assert can(account, action, network_a, town_id=town_2) is (in_a and not own_town_only), (who, action)
        if account is None or role not in rule.roles:
            continue
        if who == "other_coach":
            with pytest.raises(NotFound):
                require(account, action, network_a, town_id=town_1)
        elif own_town_only:
            assert require(account, action, network_a, town_id=town_1) is account
            with pytest.raises(Forbidden) as refused:
                require(account, action, network_a, town_id=town_2)
            assert refused.value.detail == "Das dürfen nur Mitglieder des Kernteams dieser Stadt."
        else:
            assert require(account, action, network_a, town_id=town_2) is account


async def _project_in(db: AsyncSession, town: Town, owner: KernteamMember | None) -> ProjectIdea:
    project = ProjectIdea(
        network_id=town.network_id, town_id=town.id, title=unique("Projekt"), owner_id=owner.id if owner else None
    )
    db.add(project)
    await db.commit()
    return project


async def _linked_member(db: AsyncSession, town: Town, account_id: Any) -> KernteamMember:
    member = KernteamMember(town_id=town.id, display_name=unique("Mitglied"), account_id=account_id)
    db.add(member)
    await db.commit()
    return member


# who acts on a project idea of town 1 (Annaberg-Buchholz in network A), and the answer the table gives
TOWN_CELLS = {
    "kernteam_owner": None,  # the linked owner in its own town
    "kernteam_other_town": 403,  # a Kernteam account of Zschopau (same network)
    "kernteam_other_network": 404,  # a Kernteam account of network B
    "coach": None,  # coaches keep the whole network
    "other_coach": 404,
}


@pytest.mark.parametrize("face", ["html", "api"])
@pytest.mark.parametrize("who", list(TOWN_CELLS))
async def test_owning_a_project_idea_is_town_scoped_over_http_and_api(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, who: str, face: str
) -> None:
    """own_project_idea over the town page's form and `PATCH /api/project-ideas/{id}`: the answer each cell of
    the town scope gives, and a refused cell changes nothing."""
    town_1, town_2 = org.a.towns
    owner_account = await make_account(db, Role.kernteam, org.a.network)
    owner = await _linked_member(db, town_1, owner_account.id)
    actor = {
        "kernteam_owner": owner_account,
        "coach": org.accounts["coach"],
        "other_coach": org.accounts["other_coach"],
    }.get(who)
    if who == "kernteam_other_town":
        actor = await make_account(db, Role.kernteam, org.a.network)
        await _linked_member(db, town_2, actor.id)
    elif who == "kernteam_other_network":
        actor = await make_account(db, Role.kernteam, org.b.network)
        await _linked_member(db, org.b.towns[0], actor.id)
    assert actor is not None
    project = await _project_in(db, town_1, owner)
    await sign_in(client, db, settings, actor)
    await client.get("/")
    csrf = client.cookies["csrftoken"]
    _row, token = await create_api_token(db, actor.id, "Stadt", 1)
    before = await snapshot(db)
    if face == "api":
        client.cookies.clear()
        response = await client.patch(
            f"/api/project-ideas/{project.id}",
            json={"status": "ausgewaehlt"},
            headers={"authorization": f"Bearer {token}"},
        )
    else:
        response = await client.post(
            f"/staedte/{town_1.id}/projektideen/{project.id}/status",
            data={"status": "ausgewaehlt", "_csrf_token": csrf},
            headers={"hx-request": "true"},
        )
    await db.commit()
    status = await db.scalar(select(ProjectIdea.status).where(ProjectIdea.id == project.id))
    want = TOWN_CELLS[who]
    if want is None:
        assert response.status_code == 200, response.text
        assert status == "ausgewaehlt"
        return
    assert response.status_code == want, response.text
    assert status == "idee"
    after = await snapshot(db)
    after.pop("api_token"), before.pop("api_token")  # the token's last use is noted
    assert after == before
    if want == 403:
        assert "Das dürfen nur Mitglieder des Kernteams dieser Stadt." in response.text
