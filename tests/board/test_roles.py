"""Who may do what on the live path, per role, over HTTP and websocket: a coach of another network, an
anonymous visitor and a Kernteam account that did not join get 404 (the workshop does not exist for them);
a participant may post only in a collect step."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.board.conftest import LiveWorkshop, as_guest, join, start
from tests.factories import make_account, make_network, sign_in
from werkstatt.network.models import Network, Role
from werkstatt.settings import Settings


@pytest.mark.parametrize("who", ["anonymous", "coach_elsewhere", "kernteam_not_joined"])
async def test_outsiders_get_404_everywhere(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, workshop: LiveWorkshop, who: str
) -> None:
    if who == "coach_elsewhere":
        other = await make_network(db, "Anderes Netzwerk")
        await sign_in(client, db, settings, await make_account(db, Role.coach, other.network))
    elif who == "kernteam_not_joined":
        network = await db.get(Network, uuid.UUID(workshop.network_id))
        await sign_in(client, db, settings, await make_account(db, Role.kernteam, network))
    base = f"/api/workshops/{workshop.id}"
    for method, url, body in [
        ("GET", f"/w/{workshop.id}", None),
        ("GET", f"/w/{workshop.id}/board", None),
        ("GET", f"/w/{workshop.id}/beamer", None),
        ("GET", f"{base}/events", None),
        ("GET", f"{base}/ideas", None),
        ("POST", f"{base}/ideas", {"text": "hallo"}),
        ("POST", f"{base}/commands", {"type": "start_step", "step": 0}),
    ]:
        response = await client.request(method, url, json=body, headers={"sec-fetch-site": "same-origin"})
        # API.md: the API tells a caller without any credentials to sign in (401, existing or not)
        expected = 401 if who == "anonymous" and url.startswith("/api/") else 404
        assert response.status_code == expected, (who, url, response.status_code)
    with (
        pytest.raises(WebSocketDisconnect),
        await client.websocket_connect(f"{base}/live", headers={"origin": "http://testserver.local"}) as socket,
    ):
        socket.receive_text(timeout=2)


async def test_participant_posts_only_in_collect_steps(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    guest = await join(coach_client, workshop.code)
    url = f"/api/workshops/{workshop.id}/ideas"
    expected = {0: 201, 1: 201, 2: 403, 3: 403}  # collect, blind collect, discuss, coach-only collect
    for step, status in expected.items():
        await start(coach_client, workshop, step)
        response = await as_guest(coach_client, "POST", url, guest["token"], json={"text": f"Schritt {step}"})
        assert response.status_code == status, (step, response.text)
        if status == 403:
            assert response.json()["detail"]
    coach_post = await coach_client.post(
        url, json={"text": "Die Moderation schreibt mit"}, headers={"sec-fetch-site": "same-origin"}
    )
    assert coach_post.status_code == 201
    assert coach_post.json()["author_id"] is None or coach_post.json().get("own") is True


async def test_cookie_only_api_writes_need_same_origin(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    response = await coach_client.post(f"/api/workshops/{workshop.id}/commands", json={"type": "start_step", "step": 0})
    assert response.status_code == 403
    cross = await coach_client.post(
        f"/api/workshops/{workshop.id}/commands",
        json={"type": "start_step", "step": 0},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
