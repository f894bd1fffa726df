"""Security headers on every response, and the Origin rules for unsafe requests and websockets."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from werkstatt.i18n import _

if TYPE_CHECKING:
    from typing import Any

    from litestar.connection import ASGIConnection
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from werkstatt.settings import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def app_settings(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    """The app's settings where no dependency reaches (a guard, a helper of several faces): read in this one
    place; handlers ask for `settings` by name instead."""
    settings: Settings = connection.app.state.settings
    return settings


def same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The request comes from our own pages: the browser says so, or its Origin is one of ours."""
    if connection.headers.get("sec-fetch-site") == "same-origin":
        return True
    origin = connection.headers.get("origin")
    server = connection.scope.get("server")
    return origin is not None and origin in app_settings(connection).origins(server[1] if server else None)


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Refuses unknown hosts and cross-site unsafe requests early (the headers come from add_security_headers)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        settings: Settings = scope["litestar_app"].state.settings
        if not host_allowed(_header(scope, b"host"), settings.allowed_hosts):
            if scope["type"] == ScopeType.WEBSOCKET:
                await send(cast("Message", {"type": "websocket.close", "code": 1008}))
            else:
                await _refuse(send, 400, _("Unbekannter Hostname.").in_(settings.default_locale))
            return
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        if scope["method"] in UNSAFE and not unsafe_allowed(scope, settings):
            await _refuse(send, 403, _("Anfrage von einer fremden Seite abgelehnt.").in_(settings.default_locale))
            return

        await next_app(scope, receive, send)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook rather than middleware: Litestar runs it for every response, also for the 404 of
    an unknown path (no route, so no route middleware) and the refusals above."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for key, value in HEADERS.items():
        headers.setdefault(key, value)
    settings: Settings = scope["litestar_app"].state.settings
    if settings.production:
        headers.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def host_allowed(host: str | None, allowed: list[str]) -> bool:
    """Litestar's allowed-hosts check compares the Host header including its port; ours drops the port."""
    if "*" in allowed:
        return True
    if not host:
        return False
    name = host if host.endswith("]") else host.rsplit(":", 1)[0]
    name = name.strip("[]").lower()
    for entry in allowed:
        entry = entry.lower()
        if name == entry or (entry.startswith("*.") and name.endswith(entry[1:])):
            return True
    return False


async def _refuse(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send(cast("Message", {"type": "http.response.start", "status": status, "headers": headers}))
    await send(cast("Message", {"type": "http.response.body", "body": body}))


def unsafe_allowed(scope: Scope, settings: Settings) -> bool:
    """The README's rule for unsafe requests, form posts included (the CSRF token alone does not say where a
    post came from): never from a cross-site page; an Origin, where the browser sends one, must be in the
    allowlist or be this very host (our own pages behind any proxy). No Origin (a program, an old browser) and
    bearer calls (a browser cannot add that header cross-site without CORS, which we never allow) pass."""
    if _header(scope, b"sec-fetch-site") == "cross-site":
        return False
    origin = _header(scope, b"origin")
    if origin is None or (_header(scope, b"authorization") or "").lower().startswith("bearer "):
        return True
    host = _header(scope, b"host")
    if host and origin in {f"http://{host}", f"https://{host}"}:
        return True
    server = scope.get("server")
    return origin in settings.origins(server[1] if server else None)


def origin_allowed(scope: Scope, settings: Settings, *, has_bearer: bool) -> bool:
    """Websocket handshake rule (API.md): the Origin must be exactly in the allowlist; a client without
    Origin (a program, not a browser) is accepted only with a bearer token."""
    origin = _header(scope, b"origin")
    if origin is None:
        return has_bearer
    server = scope.get("server")
    port = server[1] if server else None
    return origin in settings.origins(port)
