"""A guest withdraws their own card from the phone board: a "Zurückziehen …" button on their cards only, a
confirmation dialog, and the card leaves everyone's board; someone else's card cannot be withdrawn."""

from __future__ import annotations

from typing import Any

import httpx
from litestar.testing import AsyncTestClient

from tests.board.conftest import LiveWorkshop, start
from tests.conftest import csrf_headers
from tests.html import parse


async def browser_guest(client: AsyncTestClient[Any], workshop: LiveWorkshop, name: str) -> httpx.Cookies:
    """Join in the browser's way; returns the guest's cookies (the client keeps the caller's)."""
    saved = client.cookies
    client.cookies = httpx.Cookies()
    headers = await csrf_headers(client)
    joined = await client.post(
        f"/beitreten/{workshop.code}", data={"display_name": name}, headers=headers, follow_redirects=False
    )
    assert joined.status_code == 303
    cookies = client.cookies
    client.cookies = saved
    return cookies


async def as_browser(client: AsyncTestClient[Any], cookies: httpx.Cookies, method: str, url: str, **kwargs: Any) -> Any:
    saved = client.cookies
    client.cookies = cookies
    try:
        headers = {"x-csrftoken": cookies.get("csrftoken", ""), **kwargs.pop("headers", {})}
        return await client.request(method, url, headers=headers, **kwargs)
    finally:
        client.cookies = saved


async def test_a_guest_withdraws_their_own_card_after_confirming(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    anna = await browser_guest(coach_client, workshop, "Anna")
    bernd = await browser_guest(coach_client, workshop, "Bernd")
    htmx = {"hx-request": "true"}
    for who, text in ((anna, "Mehr Bänke"), (bernd, "Längere Öffnungszeiten")):
        posted = await as_browser(
            coach_client, who, "POST", f"/w/{workshop.id}/ideen", data={"text": text}, headers=htmx
        )
        assert posted.status_code == 200, posted.text

    page = parse((await as_browser(coach_client, anna, "GET", f"/w/{workshop.id}")).text)
    cards = {card.select_one(".idea-text").get_text(): card for card in page.select("#board .idea[data-idea-id]")}
    own, other = cards["Mehr Bänke"], cards["Längere Öffnungszeiten"]
    own_button = own.select_one("button[data-open='withdraw-dialog']")
    assert own_button is not None and own_button.get_text() == "Zurückziehen …"
    assert not own_button.has_attr("hidden")
    assert other.select_one("button[data-open='withdraw-dialog']").has_attr("hidden")
    dialog = page.select_one("dialog#withdraw-dialog")
    assert dialog is not None and dialog["aria-labelledby"] == "withdraw-dialog-title"
    assert dialog.select_one("h2").get_text() == "Karte zurückziehen?"
    form = dialog.select_one("form[data-dialog-form]")
    assert form["data-action"] == f"/w/{workshop.id}/ideen/{{id}}/zurueckziehen"
    assert form.select_one("input[name=_csrf_token]") is not None  # works without JavaScript too
    assert dialog.select_one("button[data-close][autofocus]").get_text() == "Abbrechen"

    own_id, other_id = own["data-idea-id"], other["data-idea-id"]
    foreign = await as_browser(
        coach_client, anna, "POST", f"/w/{workshop.id}/ideen/{other_id}/zurueckziehen", headers=htmx
    )
    assert foreign.status_code == 422
    assert "Nur die Autorin oder der Autor" in foreign.text

    withdrawn = await as_browser(
        coach_client, anna, "POST", f"/w/{workshop.id}/ideen/{own_id}/zurueckziehen", headers=htmx
    )
    assert withdrawn.status_code == 200
    assert "Karte zurückgezogen." in withdrawn.text
    board = parse((await as_browser(coach_client, bernd, "GET", f"/w/{workshop.id}/board", headers=htmx)).text)
    assert [t.get_text() for t in board.select(".idea-text")] == ["Längere Öffnungszeiten"]
    results = (await coach_client.get(f"/api/workshops/{workshop.id}/results")).json()
    assert [idea["text"] for idea in results["ideas"]] == ["Längere Öffnungszeiten"]


async def test_without_javascript_the_form_posts_and_returns_to_the_board(
    coach_client: AsyncTestClient[Any], workshop: LiveWorkshop
) -> None:
    await start(coach_client, workshop)
    anna = await browser_guest(coach_client, workshop, "Anna")
    posted = await as_browser(
        coach_client,
        anna,
        "POST",
        f"/w/{workshop.id}/ideen",
        data={"text": "Mehr Bänke"},
        headers={"hx-request": "true"},
    )
    assert posted.status_code == 200
    page = parse((await as_browser(coach_client, anna, "GET", f"/w/{workshop.id}")).text)
    idea_id = page.select_one("#board .idea[data-idea-id]")["data-idea-id"]
    token = page.select_one("#withdraw-dialog input[name=_csrf_token]")["value"]
    plain = await as_browser(
        coach_client,
        anna,
        "POST",
        f"/w/{workshop.id}/ideen/{idea_id}/zurueckziehen",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert plain.status_code == 303 and plain.headers["location"] == f"/w/{workshop.id}"
