"""Refusing a flood at the door. When a card or comment post through the JSON API is refused as too fast (429),
the caller's credential is remembered in this worker until its Retry-After has passed; its next posts in that
time are answered 429 here, before any session, token or database work. The limiter decided the refusal
(werkstatt/board/limits.py); this only makes repeating it cheap, so one flooding participant cannot slow the
room: a refused post costs the worker a dictionary look-up instead of a token query."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import TYPE_CHECKING, cast

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from werkstatt import metrics
from werkstatt.i18n import _

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

POSTS = {
    "idea": re.compile(r"^/api/workshops/[^/]+/ideas/?$"),
    "comment": re.compile(r"^/api/workshops/[^/]+/ideas/[^/]+/comments/?$"),
}
MEMORY = 50_000
STILL_TOO_FAST = _("Bitte etwas langsamer: Ihr nächster Beitrag geht in %(seconds)s Sekunden.")
TOO_MANY = _("Zu viele Versuche")

_until: dict[tuple[str, str], float] = {}  # (kind, credential digest) → monotonic time the wait ends


def _kind(method: str, path: str) -> str | None:
    if method != "POST":
        return None
    return next((kind for kind, pattern in POSTS.items() if pattern.match(path)), None)


def _credential(headers: list[tuple[bytes, bytes]] | object) -> str | None:
    for key, value in headers if isinstance(headers, list) else []:
        if key == b"authorization":
            return hashlib.sha256(value).hexdigest()[:32]
    return None


def remember(method: str, path: str, headers: list[tuple[bytes, bytes]] | object, retry_after: int) -> None:
    """After a 429 of the limiter: this credential waits `retry_after` seconds for this kind of post."""
    kind, credential = _kind(method, path), _credential(headers)
    if kind is None or credential is None:
        return
    now = time.monotonic()
    if len(_until) >= MEMORY:
        for stale in [key for key, until in _until.items() if until <= now]:
            del _until[stale]
        if len(_until) >= MEMORY:
            _until.clear()
    _until[(kind, credential)] = now + retry_after


class CooldownMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] == ScopeType.HTTP:
            kind = _kind(str(scope.get("method", "")), str(scope["path"]))
            credential = _credential(scope.get("headers", [])) if kind is not None else None
            if kind is not None and credential is not None:
                wait = _until.get((kind, credential), 0.0) - time.monotonic()
                if wait > 0:
                    locale = scope["litestar_app"].state.settings.default_locale
                    await _refuse(send, max(1, round(wait + 0.499)), locale)
                    return
        await next_app(scope, receive, send)


async def _refuse(send: Send, seconds: int, locale: str) -> None:
    """Refused before the session is read: in the operator's default language."""
    metrics.post_refused("cooldown")
    metrics.too_many_requests()
    body = json.dumps(
        {
            "type": "about:blank",
            "title": TOO_MANY.in_(locale),
            "status": 429,
            "detail": (STILL_TOO_FAST % {"seconds": seconds}).in_(locale),
        },
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]  # the security headers are added by the middleware around us
    await send(cast("Message", {"type": "http.response.start", "status": 429, "headers": headers}))
    await send(cast("Message", {"type": "http.response.body", "body": body}))
