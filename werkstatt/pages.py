"""Start page, operator-configured legal pages, the language switch and the health check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt import sessions
from werkstatt.forms import FormModel, cut, parse_form
from werkstatt.i18n import LOCALES, _
from werkstatt.live.broker import broker_state
from werkstatt.settings import Settings
from werkstatt.web import ROOT, markdown_to_html, page

LEGAL_PAGES = {
    "impressum": ("imprint_file", _("Impressum")),
    "datenschutz": ("privacy_file", _("Datenschutzerklärung")),
    "barrierefreiheit": ("accessibility_file", _("Erklärung zur Barrierefreiheit")),
}


def legal_markdown(settings: Settings, slug: str) -> str:
    setting, _title = LEGAL_PAGES[slug]
    configured: Path | None = getattr(settings, setting)
    for candidate in (
        configured,
        settings.data_dir / "content" / f"{slug}.md",
        ROOT / "werkstatt" / "content" / f"{slug}.md",
    ):
        if candidate is not None and candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return ""


class LocaleForm(FormModel):
    """The language switch in the page footer: the language and the page to go back to."""

    locale: Annotated[str, cut(10)] = ""
    next: Annotated[str, cut(2000)] = "/"


class PagesController(Controller):
    include_in_schema = False

    @get("/", name="start")
    async def start(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "pages/start.html", {})

    @get("/{slug:str}", name="legal")
    async def legal(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], slug: FromPath[str]
    ) -> Response[str]:
        if slug not in LEGAL_PAGES:
            from litestar.exceptions import NotFoundException

            raise NotFoundException()
        _setting, title = LEGAL_PAGES[slug]
        body = markdown_to_html(legal_markdown(settings, slug).replace("{{ operator }}", settings.operator_name))
        return page(request, "pages/legal.html", {"title": title, "body": body})

    @post("/sprache", name="set_locale", status_code=303)
    async def set_locale(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
    ) -> Redirect:
        form = parse_form(await request.form(), LocaleForm)
        back = form.next if form.next.startswith("/") and not form.next.startswith("//") else "/"
        locale = form.locale
        if locale not in LOCALES:
            return Redirect(back, status_code=303)
        state: sessions.SessionState | None = request.scope["state"].get("web_session")
        redirect = Redirect(back, status_code=303)
        if state is None:
            _token, cookie = await sessions.open_session(db, settings, previous=None, locale=locale)
            redirect.cookies.append(cookie)
        else:
            await sessions.set_session_locale(db, state, locale)
        return redirect


@get("/healthz", name="healthz", include_in_schema=False, cache_control=None)
async def healthz(db: NamedDependency[AsyncSession], redis: NamedDependency[Redis | None]) -> Response[dict[str, str]]:
    try:
        await db.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # health reports, it does not raise
        database = "unreachable"
    broker = await broker_state(redis)
    healthy = database == "ok" and broker in {"ok", "memory"}
    return Response(
        {"status": "ok" if healthy else "degraded", "database": database, "broker": broker},
        status_code=200 if healthy else 503,
    )
