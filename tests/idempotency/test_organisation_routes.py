"""`Idempotency-Key` on the organisation and planning routes: workshops, joining, tokens, focus topics and towns.
Joining and tokens are anonymous (scoped by key and body) and their answers hold a secret: it is stored sealed.
The organisation's services commit on their own, so a parallel retry may find the key before its answer."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, bearer
from tests.factories import PASSWORD, make_account, make_network, sign_in
from tests.idempotency.conftest import Org, count, key, last_seq, problem_fields
from werkstatt.idempotency import ApiRequest
from werkstatt.network.models import ApiToken, FocusTopic, LoginAttempt, Role, Town
from werkstatt.settings import Settings
from werkstatt.workshops.models import Participant, Workshop

ORIGIN = {"origin": "http://testserver.local"}


async def test_a_retried_workshop_is_planned_once(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    org = await make_network(db)
    await sign_in(client, db, settings, await make_account(db, Role.coach, org.network))
    body = {
        "town_id": str(org.towns[0].id),
        "title": "Leerstand neu denken",
        "starts_at": "2031-05-05T16:00:00Z",
        "agenda": [{"title": "Was stört?", "minutes": 20, "board": {"mechanic": "collect"}}],
    }
    headers = {**ORIGIN, **key("planung-1")}
    first = await client.post("/api/workshops", json=body, headers=headers)
    again = await client.post("/api/workshops", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await count(db, Workshop) == 1
    other = await client.post("/api/workshops", json={**body, "title": "Anders"}, headers=headers)
    assert other.status_code == 409
    assert problem_fields(other) == {"Idempotency-Key": "Schon mit anderem Inhalt verwendet."}
    assert await count(db, Workshop) == 1
    answers = await asyncio.gather(
        *(client.post("/api/workshops", json=body, headers={**ORIGIN, **key("planung-2")}) for _ in range(10))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count(db, Workshop) == 2


async def _live_workshop(client: AsyncTestClient[Any], db: AsyncSession, settings: Settings) -> LiveWorkshop:
    from tests.board.conftest import plan
    from werkstatt.sessions import account_snapshot

    org = await make_network(db)
    coach = await make_account(db, Role.coach, org.network)
    planned = await plan(db, account_snapshot(coach), org.towns[0].id)
    await sign_in(client, db, settings, coach)
    await client.post(
        f"/api/workshops/{planned.id}/commands",
        json={"type": "start_step", "step": 0},
        headers={"sec-fetch-site": "same-origin"},
    )
    return LiveWorkshop(
        str(planned.id), planned.join_code, account_snapshot(coach), str(org.network.id), str(org.towns[0].id)
    )


async def test_a_retried_join_is_one_participant_with_one_token(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings
) -> None:
    live = await _live_workshop(client, db, settings)
    seq = await last_seq(db, live.id)
    body = {"code": live.code, "display_name": "Dana"}

    async def join(name: str = "Dana", idempotency_key: str = "beitritt") -> Any:
        data = {**body, "display_name": name}
        return await as_guest(client, "POST", "/api/join", None, json=data, headers=key(idempotency_key))

    first, again = await join(), await join()
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await count(db, Participant, Participant.display_name == "Dana") == 1
    assert await last_seq(db, live.id) == seq + 1
    ideas = await as_guest(client, "GET", f"/api/workshops/{live.id}/ideas", again.json()["token"])
    assert ideas.status_code == 200, "the replayed token is the real one"

    stored = (await db.execute(select(ApiRequest))).scalar_one()
    assert stored.principal.startswith("anon:") and set(stored.response or {}) == {"sealed"}
    assert first.json()["token"] not in str(stored.response), "no usable token in the table"

    # Anonymous keys are scoped by their body: another person with the same key is a join of their own.
    other = await join("Emil")
    assert other.status_code == 201 and other.json()["participant_id"] != first.json()["participant_id"]
    answers = await asyncio.gather(*(join("Fiete", "eilig") for _ in range(10)))
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["token"] for answer in answers}) == 1
    assert await count(db, Participant, Participant.display_name == "Fiete") == 1


async def test_a_retried_token_request_gives_the_same_token_once(
    client: AsyncTestClient[Any], db: AsyncSession, org: Org
) -> None:
    email = org.accounts["coach"].email
    wrong = await client.post("/api/auth/token", json={"email": email, "password": "falsch"}, headers=key("t"))
    assert wrong.status_code == 401
    assert await count(db, LoginAttempt) > 0, "a failed login is still counted under a key"
    assert await count(db, ApiRequest) == 0, "and its key is free again"

    body = {"email": email, "password": PASSWORD}
    answers = await asyncio.gather(*(client.post("/api/auth/token", json=body, headers=key("t")) for _ in range(10)))
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers if a.status_code != 201]
    assert len({answer.json()["token"] for answer in answers}) == 1
    assert len({answer.json()["expires_at"] for answer in answers}) == 1
    assert await count(db, ApiToken) == 1
    stored = (await db.execute(select(ApiRequest))).scalar_one()
    assert answers[0].json()["token"] not in str(stored.response)
    assert (await client.get("/api/networks", headers=bearer(answers[0].json()["token"]))).status_code == 200


async def test_focus_topics_and_towns_are_made_once(client: AsyncTestClient[Any], db: AsyncSession, org: Org) -> None:
    network_id = org.a.network.id  # read before the counts below end the fixture session's transaction
    login = {"email": org.accounts["network_admin"].email, "password": PASSWORD}
    token = (await client.post("/api/auth/token", json=login)).json()["token"]
    admin = bearer(token)
    topics = await count(db, FocusTopic)
    url = f"/api/networks/{network_id}/focus-topics"
    answers = await asyncio.gather(
        *(client.post(url, json={"name": "Grüne Innenstadt"}, headers={**admin, **key("thema")}) for _ in range(10))
    )
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers if a.status_code != 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await count(db, FocusTopic) == topics + 1
    other = await client.post(url, json={"name": "Anders"}, headers={**admin, **key("thema")})
    assert other.status_code == 409

    towns = await count(db, Town)
    url = f"/api/networks/{network_id}/towns"
    body = {"name": "Marienberg", "focus_topic_ids": [answers[0].json()["id"]]}
    first = await client.post(url, json=body, headers={**admin, **key("stadt")})
    again = await client.post(url, json=body, headers={**admin, **key("stadt")})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert await count(db, Town) == towns + 1
    duplicate = await client.post(url, json=body, headers={**admin, **key("stadt-2")})
    assert duplicate.status_code == 422, "a new key is a new request: the name is taken"
