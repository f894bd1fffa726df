"""Item 4 of the hostile run: 401 before 404, security headers on every response, Origin rule on form posts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, join
from tests.network.conftest import post_form
from werkstatt.security import HEADERS


async def test_workshop_without_credentials_is_401_with_them_404(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    for workshop_id in (workshop.id, str(uuid.uuid4())):  # the same answer, existing or not
        anonymous = await as_guest(coach_client, "GET", f"/api/workshops/{workshop_id}", None)
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.json()["title"] == "Anmeldung erforderlich"
        ideas = await as_guest(coach_client, "GET", f"/api/workshops/{workshop_id}/ideas", None)
        assert ideas.status_code == 401
    guest = await join(coach_client, workshop.code, "Anna")
    assert (await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}", guest["token"])).status_code == 200
    stranger = await as_guest(coach_client, "GET", f"/api/workshops/{uuid.uuid4()}", guest["token"])
    assert stranger.status_code == 404


def has_security_headers(response: Any) -> bool:
    return all(response.headers.get(key) == value for key, value in HEADERS.items())


@pytest.mark.parametrize("path", ["/api/gibt-es-nicht", "/api/workshops/kein-uuid/xyz", "/gibt/es/nicht"])
async def test_security_headers_on_unknown_paths(client: AsyncTestClient[Any], path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert has_security_headers(response), dict(response.headers)


async def test_security_headers_on_unknown_host(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert has_security_headers(response), dict(response.headers)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.local.evil.example"])
async def test_form_post_from_a_foreign_origin_is_refused(client: AsyncTestClient[Any], origin: str) -> None:
    response = await post_form(client, "/sprache", {"locale": "en", "next": "/"}, headers={"origin": origin})
    assert response.status_code == 403
    assert "fremden Seite" in response.text
    assert has_security_headers(response)
    assert "en" not in client.cookies.values()


@pytest.mark.parametrize("origin", [None, "http://testserver.local"])
async def test_form_post_from_our_pages_or_without_origin_passes(
    client: AsyncTestClient[Any], origin: str | None
) -> None:
    headers = {"origin": origin} if origin else {}
    response = await post_form(client, "/sprache", {"locale": "en", "next": "/"}, headers=headers)
    assert response.status_code in {302, 303}, response.text


async def test_origin_of_this_host_passes_without_an_allowlist_entry(client: AsyncTestClient[Any]) -> None:
    """Behind a proxy on another name the allowlist may be empty: our own pages send Origin = this host."""
    response = await post_form(
        client, "/sprache", {"locale": "en", "next": "/"}, headers={"origin": "http://localhost", "host": "localhost"}
    )
    assert response.status_code in {302, 303}, response.text
