"""The JSON API's front door for request bodies: a body that is not JSON (another content type, broken UTF-8,
nesting deeper than any API shape) is refused here with a problem in the operator's default language (the
session is not read yet), before Litestar's decoder can turn it into a 500. One place for every `/api/` route
instead of a check per handler."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from werkstatt.i18n import Message as I18nMessage
from werkstatt.i18n import _

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

MAX_DEPTH = 32
"""The deepest API body (agenda → step → board → config → …) stays far below this."""

NOT_JSON = _("Der Inhalt der Anfrage ist kein gültiges JSON (UTF-8).")
TOO_DEEP = _("Das JSON ist zu tief verschachtelt (höchstens %(depth)d Ebenen).") % {"depth": MAX_DEPTH}
WRONG_TYPE = _("Diese Schnittstelle nimmt nur JSON an (Content-Type: application/json).")
TOO_LARGE = _("Die gesendeten Daten sind zu groß.")


class BodyCheckMiddleware(ASGIMiddleware):
    """Reads an `/api/` request body once, checks it, and hands the same bytes on to the route."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith("/api/"):
            await next_app(scope, receive, send)
            return
        configured = scope["litestar_app"].request_max_body_size
        locale = scope["litestar_app"].state.settings.default_locale  # refused before the session is read
        limit = configured if isinstance(configured, int) else None
        messages, body = await _read(receive, limit)
        if limit is not None and len(body) > limit:
            await _problem(send, 413, _("Anfrage zu groß"), TOO_LARGE, locale)
            return
        content_type = _content_type(scope)
        if body and content_type is not None and not _is_json(content_type):  # an empty DELETE may say anything
            await _problem(send, 415, _("Falscher Inhaltstyp"), WRONG_TYPE, locale)
            return
        if body.strip():
            detail = _json_problem(body)
            if detail is not None:
                await _problem(send, 400, _("Ungültige Anfrage"), detail, locale)
                return
        await next_app(scope, _replay(messages, receive), send)


def _content_type(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return None


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def _read(receive: Receive, limit: int | None) -> tuple[list[ReceiveMessage], bytes]:
    """All body messages up to the limit (one byte more tells that it is exceeded)."""
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, b"".join(chunks)
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False) or (limit is not None and size > limit):
            return messages, b"".join(chunks)


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _json_problem(body: bytes) -> I18nMessage | None:
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, ValueError):
        return NOT_JSON
    return TOO_DEEP if _too_deep(value) else None


def _too_deep(value: Any) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


async def _problem(send: Send, status: int, title: I18nMessage, detail: I18nMessage, locale: str) -> None:
    """RFC 9457 like werkstatt.errors.problem; the security headers are added by the middleware around us."""
    body = json.dumps(
        {"type": "about:blank", "title": title.in_(locale), "status": status, "detail": detail.in_(locale)},
        ensure_ascii=False,
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send(cast("Message", {"type": "http.response.start", "status": status, "headers": headers}))
    await send(cast("Message", {"type": "http.response.body", "body": body}))
