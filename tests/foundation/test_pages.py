from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import csrf_headers
from tests.html import external_references, parse, text_of


async def test_start_page_is_german_with_landmarks_and_no_foreign_origin(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    soup = parse(response.text)
    assert soup.html is not None and soup.html["lang"] == "de"
    assert soup.select_one("a.skip-link")["href"] == "#main"
    assert soup.find("main", id="main") is not None
    assert soup.find("header") is not None and soup.find("footer") is not None
    assert soup.find("nav", attrs={"aria-label": "Hauptnavigation"}) is not None
    assert "Ideen für die Innenstadt" in text_of(response.text, "h1")
    assert external_references(response.text) == []


async def test_security_headers(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_english_switch_changes_language_and_keeps_it(client: AsyncTestClient[Any]) -> None:
    headers = await csrf_headers(client)
    response = await client.post(
        "/sprache", data={"locale": "en", "next": "/impressum"}, headers=headers, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/impressum"
    page = await client.get("/")
    soup = parse(page.text)
    assert soup.html is not None and soup.html["lang"] == "en"
    assert text_of(page.text, "a.skip-link") == "Skip to content"


async def test_locale_switch_refuses_open_redirect(client: AsyncTestClient[Any]) -> None:
    headers = await csrf_headers(client)
    response = await client.post(
        "/sprache", data={"locale": "en", "next": "//evil.example"}, headers=headers, follow_redirects=False
    )
    assert response.headers["location"] == "/"


async def test_unsafe_form_without_csrf_token_is_refused(client: AsyncTestClient[Any]) -> None:
    await client.get("/")
    response = await client.post("/sprache", data={"locale": "en"})
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.text
    page = await client.get("/")
    assert parse(page.text).html["lang"] == "de"


async def test_cross_site_post_is_refused(client: AsyncTestClient[Any]) -> None:
    headers = await csrf_headers(client)
    response = await client.post("/sprache", data={"locale": "en"}, headers={**headers, "sec-fetch-site": "cross-site"})
    assert response.status_code == 403


async def test_unknown_host_is_refused(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400


async def test_404_page_in_layout(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/gibt-es-nicht/wirklich")
    assert response.status_code == 404
    assert text_of(response.text, "h1") == "Seite nicht gefunden"
    assert parse(response.text).find("nav") is not None


async def test_legal_pages_show_operator_content(client: AsyncTestClient[Any], settings) -> None:
    content = settings.data_dir / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "impressum.md").write_text("## Stadt Musterberg\n\nMarktplatz 1 <script>alert(1)</script>")
    response = await client.get("/impressum")
    assert response.status_code == 200
    assert text_of(response.text, "article h2") == "Stadt Musterberg"
    assert parse(response.text).select("article script") == []
    for slug in ("datenschutz", "barrierefreiheit"):
        assert (await client.get(f"/{slug}")).status_code == 200


async def test_healthz_reports_database_and_broker(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "memory"}


async def test_openapi_document_is_served_without_cdn_ui(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Werkstatt API"
    assert (await client.get("/schema")).status_code in {404, 200}
    if (await client.get("/schema")).status_code == 200:
        assert external_references((await client.get("/schema")).text) == []
