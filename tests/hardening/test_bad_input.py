"""Bad bodies never reach a 500: broken JSON is a German 400 problem, other content types a 415."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, as_guest, join

BROKEN_BODIES = [
    pytest.param(b'{"text": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-5000"),
    pytest.param(b'{"text": ', id="truncated"),
    pytest.param(b"\x00\x01\x02", id="binary"),
    pytest.param(b'{"text": "a"} trailing', id="trailing"),
]


def is_german_problem(response: Any, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/problem+json")
        and body["status"] == status
        and body["type"] == "about:blank"
        and bool(body["title"])
        and bool(body["detail"])
    )


@pytest.mark.parametrize("body", BROKEN_BODIES)
async def test_broken_json_is_a_german_400(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, body: bytes
) -> None:
    guest = await join(coach_client, workshop.code, "Anna")
    response = await as_guest(
        coach_client,
        "POST",
        f"/api/workshops/{workshop.id}/ideas",
        guest["token"],
        content=body,
        headers={"content-type": "application/json"},
    )
    assert is_german_problem(response, 400), response.text
    assert response.json()["detail"] == "Der Inhalt der Anfrage ist kein gültiges JSON (UTF-8)."
    listed = await as_guest(coach_client, "GET", f"/api/workshops/{workshop.id}/ideas", guest["token"])
    assert listed.json() == []


@pytest.mark.parametrize("body", [b'{"display_name": "\xff"}', b"{" * 5000])
async def test_broken_json_without_token_is_a_400(coach_client: AsyncTestClient[Any], body: bytes) -> None:
    response = await as_guest(
        coach_client, "POST", "/api/join", None, content=body, headers={"content-type": "application/json"}
    )
    assert is_german_problem(response, 400), response.text


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"]
)
async def test_other_content_types_get_415(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop, content_type: str
) -> None:
    response = await as_guest(
        coach_client,
        "POST",
        "/api/join",
        None,
        content=b'{"code": "%s", "display_name": "Anna"}' % workshop.code.encode(),
        headers={"content-type": content_type},
    )
    assert is_german_problem(response, 415), response.text
    assert "JSON" in response.json()["detail"]


async def test_json_with_charset_and_problem_json_are_accepted(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await as_guest(
            coach_client,
            "POST",
            "/api/join",
            None,
            content=b'{"code": "%s", "display_name": "Anna"}' % workshop.code.encode(),
            headers={"content-type": content_type},
        )
        assert response.status_code == 201, response.text


async def test_a_body_over_the_limit_is_a_413_problem(coach_client: AsyncTestClient[Any]) -> None:
    body = b'{"display_name": "' + b"x" * 10_000_000 + b'"}'
    response = await as_guest(
        coach_client, "POST", "/api/join", None, content=body, headers={"content-type": "application/json"}
    )
    assert is_german_problem(response, 413), response.text


async def test_a_bodyless_request_may_name_any_content_type(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    guest = await join(coach_client, workshop.code, "Anna")
    response = await as_guest(
        coach_client,
        "GET",
        f"/api/workshops/{workshop.id}/ideas",
        guest["token"],
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 200
