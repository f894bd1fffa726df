"""Domain errors and how they reach people: German field errors in forms, RFC 9457 problem JSON in the API,
error pages in the layout. Bad input never causes a 500 or a partial write."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, ValidationException
from litestar.exceptions import PermissionDeniedException as LitestarForbidden
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from werkstatt import cooldown, metrics
from werkstatt.web import page

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger("werkstatt")


class DomainError(Exception):
    status_code = 400
    title = "Ungültige Anfrage"
    retry_after: int | None = None

    def __init__(self, detail: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors or {})


class Invalid(DomainError):
    status_code = 422
    title = "Eingabe ungültig"


class Unauthenticated(DomainError):
    status_code = 401
    title = "Anmeldung erforderlich"


class Forbidden(DomainError):
    status_code = 403
    title = "Nicht erlaubt"


class NotFound(DomainError):
    status_code = 404
    title = "Nicht gefunden"


class Conflict(DomainError):
    status_code = 409
    title = "Konflikt"


class TooLarge(DomainError):
    status_code = 413
    title = "Zu groß"


class TooMany(DomainError):
    status_code = 429
    title = "Zu viele Versuche"

    def __init__(self, detail: str, retry_after: int, *, personal: bool = False) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.personal = personal  # this caller was too fast (not the room as a whole): refused at the door next


class Unavailable(DomainError):
    """The database is away (restarting, unreachable): nothing was written, the request may be repeated."""

    status_code = 503
    title = "Vorübergehend nicht erreichbar"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__(
            "Die Datenbank antwortet gerade nicht; Ihre Eingabe wurde nicht gespeichert. "
            "Bitte versuchen Sie es in einem Moment noch einmal."
        )


_TYPE_MESSAGES: dict[str, str] = {
    "missing": "Pflichtfeld fehlt.",
    "extra_forbidden": "Unbekanntes Feld.",
    "string_too_short": "Bitte mindestens {min_length} Zeichen eingeben.",
    "string_too_long": "Höchstens {max_length} Zeichen erlaubt.",
    "string_type": "Muss ein Text sein.",
    "string_pattern_mismatch": "Hat nicht das erwartete Format.",
    "int_parsing": "Muss eine ganze Zahl sein.",
    "int_type": "Muss eine ganze Zahl sein.",
    "float_parsing": "Muss eine Zahl sein.",
    "bool_parsing": "Muss ja oder nein sein.",
    "greater_than_equal": "Muss mindestens {ge} sein.",
    "less_than_equal": "Darf höchstens {le} sein.",
    "greater_than": "Muss größer als {gt} sein.",
    "less_than": "Muss kleiner als {lt} sein.",
    "enum": "Unbekannter Wert; erlaubt: {expected}.",
    "literal_error": "Unbekannter Wert; erlaubt: {expected}.",
    "uuid_parsing": "Ist keine gültige Kennung.",
    "uuid_type": "Ist keine gültige Kennung.",
    "datetime_parsing": "Ist kein gültiges Datum mit Uhrzeit.",
    "datetime_from_date_parsing": "Ist kein gültiges Datum mit Uhrzeit.",
    "date_parsing": "Ist kein gültiges Datum.",
    "list_type": "Muss eine Liste sein.",
    "too_long": "Zu viele Einträge (höchstens {max_length}).",
    "too_short": "Zu wenige Einträge (mindestens {min_length}).",
    "url_parsing": "Ist keine gültige Adresse (URL).",
    "url_scheme": "Die Adresse muss mit http:// oder https:// beginnen.",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "json_invalid": "Kein gültiges JSON.",
    "model_type": "Muss ein Objekt sein.",
    "dict_type": "Muss ein Objekt sein.",
}

_ENGLISH_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Field required"), "Pflichtfeld fehlt."),
    (re.compile(r"^Extra inputs are not permitted"), "Unbekanntes Feld."),
    (re.compile(r"^String should have at least (\d+) char"), "Bitte mindestens {0} Zeichen eingeben."),
    (re.compile(r"^String should have at most (\d+) char"), "Höchstens {0} Zeichen erlaubt."),
    (re.compile(r"^Input should be a valid integer"), "Muss eine ganze Zahl sein."),
    (re.compile(r"^Input should be a valid string"), "Muss ein Text sein."),
    (re.compile(r"^Input should be a valid boolean"), "Muss ja oder nein sein."),
    (re.compile(r"^Input should be a valid UUID"), "Ist keine gültige Kennung."),
    (re.compile(r"^Input should be a valid list"), "Muss eine Liste sein."),
    (re.compile(r"^Input should be a valid datetime"), "Ist kein gültiges Datum mit Uhrzeit."),
    (re.compile(r"^Input should be greater than or equal to (\S+)"), "Muss mindestens {0} sein."),
    (re.compile(r"^Input should be less than or equal to (\S+)"), "Darf höchstens {0} sein."),
    (re.compile(r"^Input should be (.+)$"), "Unbekannter Wert; erlaubt: {0}."),
    (re.compile(r"^List should have at most (\d+) item"), "Zu viele Einträge (höchstens {0})."),
    (re.compile(r"^Value error, (.+)$"), "{0}"),
    (re.compile(r"^String should match pattern"), "Hat nicht das erwartete Format."),
]


def german_message(error: Mapping[str, Any]) -> str:
    """A German message for one pydantic error."""
    template = _TYPE_MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return "Ungültiger Wert."
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return "Ungültiger Wert."


def german_from_english(message: str) -> str:
    """Litestar hands us pydantic's English text for API bodies; translate the known shapes."""
    for pattern, template in _ENGLISH_PATTERNS:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return "Ungültiger Wert."


def field_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "_"
        found.setdefault(key, german_message(item))
    return found


def invalid_from(error: ValidationError) -> Invalid:
    return Invalid("Bitte prüfen Sie die markierten Felder.", field_errors(error))


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/schema")


def problem(
    status: int,
    title: str,
    detail: str,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = [{"field": key, "message": value} for key, value in errors.items()]
    return Response(body, status_code=status, media_type="application/problem+json", headers=dict(headers or {}))


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    if is_api(request):
        return problem(status, title, detail, headers=headers)
    try:
        return page(
            request,
            "errors/error.html",
            {"status": status, "title": title, "detail": detail},
            block="content",
            status_code=status,
            headers=headers,
        )
    except Exception:  # the layout itself failed: still answer in German
        logger.exception("error page failed")
        return Response(f"{status} {title}", status_code=status, media_type=MediaType.TEXT)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    if exc.status_code == 429:
        metrics.too_many_requests()
        if exc.retry_after and isinstance(exc, TooMany) and exc.personal:  # next posts: refused at the door
            cooldown.remember(request.method, request.url.path, request.scope.get("headers", []), exc.retry_after)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if is_api(request):
        return problem(exc.status_code, exc.title, exc.detail, exc.errors, headers)
    return _error_page(request, exc.status_code, exc.title, exc.detail, headers)


def validation_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    errors: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors.setdefault(str(item.get("key") or "_"), german_from_english(str(item.get("message", ""))))
    detail = "Die Anfrage enthält ungültige Werte." if errors else "Die Anfrage ist kein gültiges JSON."
    if is_api(request):
        return problem(422, "Eingabe ungültig", detail, errors)
    return _error_page(request, 400, "Ungültige Anfrage", detail)


_HTTP_TITLES = {
    400: "Ungültige Anfrage",
    401: "Anmeldung erforderlich",
    403: "Nicht erlaubt",
    404: "Seite nicht gefunden",
    405: "Methode nicht erlaubt",
    413: "Anfrage zu groß",
    429: "Zu viele Anfragen",
}
_HTTP_DETAILS = {
    401: "Bitte melden Sie sich an.",
    403: "Diese Aktion ist für Sie nicht freigegeben.",
    404: "Diese Adresse gibt es nicht (mehr). Prüfen Sie den Link oder gehen Sie zur Startseite.",
    405: "Diese Adresse unterstützt die Anfrage nicht.",
    413: "Die gesendeten Daten sind zu groß.",
}


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    title = _HTTP_TITLES.get(status, "Fehler")
    detail = _HTTP_DETAILS.get(status, "Die Anfrage konnte nicht bearbeitet werden.")
    if status == 403 and "CSRF" in str(exc.detail):
        detail = "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es noch einmal."
    return _error_page(request, status, title, detail, exc.headers)


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _error_page(
        request,
        500,
        "Interner Fehler",
        "Etwas ist schiefgegangen. Bitte versuchen Sie es gleich noch einmal.",
    )


def database_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A connection that broke mid-request (PostgreSQL restarted under it) is a 503 like a refused one
    (werkstatt.db turns those into Unavailable); any other database error is a bug."""
    assert isinstance(exc, DBAPIError)
    if not exc.connection_invalidated:
        return server_error_handler(request, exc)
    logger.warning("database connection lost on %s: %s", request.url.path, exc.orig)
    return domain_error_handler(request, Unavailable())


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    DBAPIError: database_error_handler,
    ValidationException: validation_handler,
    NotFoundException: http_error_handler,
    NotAuthorizedException: http_error_handler,
    LitestarForbidden: http_error_handler,
    HTTPException: http_error_handler,
    500: server_error_handler,
}
