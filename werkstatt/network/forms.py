"""Small helpers the HTML routes share: render a page with the permission helper (forms are read and refused by
`werkstatt.forms`), and send anonymous visitors to the login page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect

from werkstatt.errors import Unauthenticated
from werkstatt.forms import form_page
from werkstatt.i18n import _
from werkstatt.network.permissions import Action, can
from werkstatt.web import htmx

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import ValidationError

    from werkstatt.errors import DomainError
    from werkstatt.sessions import CurrentAccount, SessionState
    from werkstatt.settings import Settings


def account_of(request: Request[Any, Any, Any]) -> CurrentAccount | None:
    account: CurrentAccount | None = request.scope.get("state", {}).get("account")
    return account


def signed_in(request: Request[Any, Any, Any]) -> CurrentAccount:
    account = account_of(request)
    if account is None:
        raise Unauthenticated(_("Bitte melden Sie sich an."))
    return account


def session_of(request: Request[Any, Any, Any]) -> SessionState | None:
    state: SessionState | None = request.scope.get("state", {}).get("web_session")
    return state


def base_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    """PUBLIC_URL when the operator set it (a proxy may hide the real address), else the request's own."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def safe_next(value: str | None, default: str = "/netzwerk") -> str:
    """Only paths of this site (no `//host`, no scheme) are followed after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    error: ValidationError | DomainError | None = None,
    status_code: int | None = None,
    block: str = "content",
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """A page with the permission helper `can`; with `error`, the form page again with its field errors (422)."""
    account = account_of(request)

    def allowed(action: str, network_id: Any = None) -> bool:
        return can(account, Action(action), network_id)

    full = {"can": allowed, "errors": {}, "values": {}, "notice": request.query_params.get("ok"), **(context or {})}
    return form_page(request, template, full, error, block=block, status_code=status_code, headers=headers)


def to_login(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """HTML pages answer an anonymous visitor with the login page, coming back afterwards."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = "/anmelden?next=" + quote(target if request.method == "GET" else "/netzwerk", safe="/")
    if htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


HTML_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {Unauthenticated: to_login}
