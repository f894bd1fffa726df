"""Page-or-fragment rendering, Jinja environments (one per locale) and template helpers.

One URL serves the whole page or, for htmx requests, one named block of the same template
(`jinja2-fragments`): the choice is made by `request.htmx`, never by DOM ids.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block
from litestar import MediaType, Request, Response
from litestar.plugins.htmx import HTMXDetails, HTMXRequest
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from werkstatt import i18n

if TYPE_CHECKING:
    from collections.abc import Mapping

    from werkstatt.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


def _format_dt(locale: str) -> Any:
    def format_dt(value: datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return format_datetime(value, style, tzinfo=BERLIN, locale=locale)

    return format_dt


def _format_day(locale: str) -> Any:
    def format_day(value: date | str | None, style: str = "medium") -> str:
        """A calendar day (a date or its ISO text) as people in the locale write it: 13.12.2026."""
        if not value:
            return ""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, style, locale=locale)

    return format_day


def _format_number(locale: str) -> Any:
    def format_number(value: float | int, digits: int = 1) -> str:
        return format_decimal(
            round(value, digits), format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=locale
        )

    return format_number


def _json_attr(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@cache
def environment(locale: str) -> Environment:
    """One environment per locale: translations and locale-aware filters are bound at creation, so
    Jinja's constant folding cannot bake one language into a shared template."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.finalize = partial(i18n.translate, locale)  # a marked message ({{ error }}) prints in this locale
    env.filters["datetime"] = _format_dt(locale)
    env.filters["number"] = _format_number(locale)
    env.filters["day"] = _format_day(locale)
    env.filters["tojson_attr"] = _json_attr
    env.globals["LOCALE"] = locale
    env.globals["LOCALES"] = i18n.LOCALE_NAMES
    env.globals["static"] = static_url
    return env


@cache
def static_url(path: str) -> str:
    """Cache-busting static URL: the file's mtime in the query string."""
    file = STATIC / path
    version = int(file.stat().st_mtime) if file.exists() else 0
    return f"/static/{path}?v={version}"


def request_locale(request: Request[Any, Any, Any]) -> str:
    state = request.scope.get("state", {})
    locale = state.get("locale")
    return locale if isinstance(locale, str) else "de"


def csrf_token(request: Request[Any, Any, Any]) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def base_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    state = request.scope.get("state", {})
    return {
        "request": request,
        "settings": settings,
        "csrf_token": csrf_token(request),
        "account": state.get("account"),
        "path": request.url.path,
        "now": datetime.now(UTC),
        "url": lambda name, **params: url_for(request, name, **params),
    }


def render_html(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any], block: str | None = None
) -> str:
    env = environment(request_locale(request))
    full = {**base_context(request), **context}
    if block:
        return str(render_block(env, template, block, **full))
    return env.get_template(template).render(**full)


def htmx(request: Request[Any, Any, Any]) -> HTMXDetails:
    """Litestar's reading of the htmx headers: `request.htmx` (the app's request class is HTMXRequest), truthy
    for a request htmx sent; `.boosted`, `.history_restore_request`, `.target` …"""
    return request.htmx if isinstance(request, HTMXRequest) else HTMXDetails(request)


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """The page, or for an htmx request the named `block` of the same template."""
    details = htmx(request)
    is_htmx = bool(details) and not details.boosted and not details.history_restore_request  # back button: whole page
    html = render_html(request, template, context or {}, block if is_htmx else None)
    return Response(html, media_type=MediaType.HTML, status_code=status_code, headers=dict(headers or {}))


async def large_page(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any], *, block: str | None = None
) -> Response[str]:
    """`page` rendered in a worker thread: a board of hundreds of cards takes tens of milliseconds to render, and the
    event loop keeps serving the room's websockets meanwhile."""
    return await anyio.to_thread.run_sync(lambda: page(request, template, context, block=block))


def gettext(request: Request[Any, Any, Any], message: str) -> str:
    """A message (marked with `_` or `N_`) in the request's language."""
    return i18n.gettext(request_locale(request), message)


def markdown_to_html(text: str) -> Markup:
    """Operator or user Markdown: raw HTML disabled, result sanitised once more."""
    import nh3
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False, "linkify": False}).render(text)
    return Markup(nh3.clean(html))  # noqa: S704 - sanitised by nh3 above


def url_for(request: Request[Any, Any, Any], name: str, **params: Any) -> str | None:
    """The path of a named route, or None when that part of Werkstatt is not installed."""
    try:
        return request.app.route_reverse(name, **params)
    except Exception:  # NoRouteMatchFoundException and friends: the link is simply not shown
        return None


def N_(message: str) -> str:
    return message
