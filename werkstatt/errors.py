"""Domain errors and how they reach people: field errors in forms, RFC 9457 problem JSON in the API, error
pages in the layout. Bad input never causes a 500 or a partial write.

Every message here is German and marked for translation (`_`); the handlers translate it into the reader's
language (the request's locale) as the answer leaves."""

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
from werkstatt.i18n import Message, _, translate
from werkstatt.web import page, request_locale

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger("werkstatt")


class DomainError(Exception):
    status_code = 400
    title: Message = _("Ungültige Anfrage")
    retry_after: int | None = None

    def __init__(self, detail: Message, errors: Mapping[str, Message] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors or {})


class Invalid(DomainError):
    status_code = 422
    title = _("Eingabe ungültig")


class Unauthenticated(DomainError):
    status_code = 401
    title = _("Anmeldung erforderlich")


class Forbidden(DomainError):
    status_code = 403
    title = _("Nicht erlaubt")


class NotFound(DomainError):
    status_code = 404
    title = _("Nicht gefunden")


class Conflict(DomainError):
    status_code = 409
    title = _("Konflikt")


class TooLarge(DomainError):
    status_code = 413
    title = _("Zu groß")


class TooMany(DomainError):
    status_code = 429
    title = _("Zu viele Versuche")

    def __init__(self, detail: Message, retry_after: int, *, personal: bool = False) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.personal = personal  # this caller was too fast (not the room as a whole): refused at the door next


class Unavailable(DomainError):
    """The database is away (restarting, unreachable): nothing was written, the request may be repeated."""

    status_code = 503
    title = _("Vorübergehend nicht erreichbar")
    retry_after = 5

    def __init__(self) -> None:
        super().__init__(
            _(
                "Die Datenbank antwortet gerade nicht; Ihre Eingabe wurde nicht gespeichert. "
                "Bitte versuchen Sie es in einem Moment noch einmal."
            )
        )


_TYPE_MESSAGES: dict[str, Message] = {
    "missing": _("Pflichtfeld fehlt."),
    "extra_forbidden": _("Unbekanntes Feld."),
    "string_too_short": _("Bitte mindestens %(min_length)s Zeichen eingeben."),
    "string_too_long": _("Höchstens %(max_length)s Zeichen erlaubt."),
    "string_type": _("Muss ein Text sein."),
    "string_pattern_mismatch": _("Hat nicht das erwartete Format."),
    "int_parsing": _("Muss eine ganze Zahl sein."),
    "int_type": _("Muss eine ganze Zahl sein."),
    "float_parsing": _("Muss eine Zahl sein."),
    "bool_parsing": _("Muss ja oder nein sein."),
    "greater_than_equal": _("Muss mindestens %(ge)s sein."),
    "less_than_equal": _("Darf höchstens %(le)s sein."),
    "greater_than": _("Muss größer als %(gt)s sein."),
    "less_than": _("Muss kleiner als %(lt)s sein."),
    "enum": _("Unbekannter Wert; erlaubt: %(expected)s."),
    "literal_error": _("Unbekannter Wert; erlaubt: %(expected)s."),
    "uuid_parsing": _("Ist keine gültige Kennung."),
    "uuid_type": _("Ist keine gültige Kennung."),
    "datetime_parsing": _("Ist kein gültiges Datum mit Uhrzeit."),
    "datetime_from_date_parsing": _("Ist kein gültiges Datum mit Uhrzeit."),
    "date_parsing": _("Ist kein gültiges Datum."),
    "list_type": _("Muss eine Liste sein."),
    "too_long": _("Zu viele Einträge (höchstens %(max_length)s)."),
    "too_short": _("Zu wenige Einträge (mindestens %(min_length)s)."),
    "url_parsing": _("Ist keine gültige Adresse (URL)."),
    "url_scheme": _("Die Adresse muss mit http:// oder https:// beginnen."),
    "json_invalid": _("Kein gültiges JSON."),
    "model_type": _("Muss ein Objekt sein."),
    "dict_type": _("Muss ein Objekt sein."),
}
_OWN_ERRORS = ("value_error", "assertion_error")  # our validators' own (marked) messages
INVALID_VALUE = _("Ungültiger Wert.")
CHECK_FIELDS = _("Bitte prüfen Sie die markierten Felder.")

_ENGLISH_PATTERNS: list[tuple[re.Pattern[str], Message]] = [
    (re.compile(r"^Field required"), _TYPE_MESSAGES["missing"]),
    (re.compile(r"^Extra inputs are not permitted"), _TYPE_MESSAGES["extra_forbidden"]),
    (re.compile(r"^String should have at least (?P<min_length>\d+) char"), _TYPE_MESSAGES["string_too_short"]),
    (re.compile(r"^String should have at most (?P<max_length>\d+) char"), _TYPE_MESSAGES["string_too_long"]),
    (re.compile(r"^Input should be a valid integer"), _TYPE_MESSAGES["int_type"]),
    (re.compile(r"^Input should be a valid string"), _TYPE_MESSAGES["string_type"]),
    (re.compile(r"^Input should be a valid boolean"), _TYPE_MESSAGES["bool_parsing"]),
    (re.compile(r"^Input should be a valid UUID"), _TYPE_MESSAGES["uuid_type"]),
    (re.compile(r"^Input should be a valid list"), _TYPE_MESSAGES["list_type"]),
    (re.compile(r"^Input should be a valid datetime"), _TYPE_MESSAGES["datetime_parsing"]),
    (re.compile(r"^Input should be greater than or equal to (?P<ge>\S+)"), _TYPE_MESSAGES["greater_than_equal"]),
    (re.compile(r"^Input should be less than or equal to (?P<le>\S+)"), _TYPE_MESSAGES["less_than_equal"]),
    (re.compile(r"^Input should be (?P<expected>.+)$"), _TYPE_MESSAGES["enum"]),
    (re.compile(r"^List should have at most (?P<max_length>\d+) item"), _TYPE_MESSAGES["too_long"]),
    (re.compile(r"^String should match pattern"), _TYPE_MESSAGES["string_pattern_mismatch"]),
]
_VALUE_ERROR = re.compile(r"^(?:Value|Assertion) error, (?P<own>.+)$", re.DOTALL)


def own_message(error: BaseException) -> Message:
    """The message of a validator's error: ours are marked (`raise ValueError(_("…"))`); anything else is
    looked up as a German msgid."""
    text = error.args[0] if error.args else ""
    return text if isinstance(text, Message) else Message(str(text))


def german_message(error: Mapping[str, Any]) -> Message:
    """A German message (marked for translation) for one pydantic error."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind in _OWN_ERRORS and isinstance(ctx.get("error"), BaseException):
        return own_message(ctx["error"])
    template = _TYPE_MESSAGES.get(kind)
    if template is None:
        return INVALID_VALUE
    if "%(" not in template.msgid:
        return template
    try:
        return template % {key: str(value) for key, value in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return INVALID_VALUE


def german_from_english(message: str) -> Message:
    """Litestar hands us pydantic's English text for API bodies; translate the known shapes."""
    own = _VALUE_ERROR.search(message)
    if own:
        return Message(own["own"])
    for pattern, template in _ENGLISH_PATTERNS:
        match = pattern.search(message)
        if match:
            return template % match.groupdict() if match.groupdict() else template
    return INVALID_VALUE


def field_errors(error: ValidationError) -> dict[str, Message]:
    found: dict[str, Message] = {}
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "_"
        found.setdefault(key, german_message(item))
    return found


def invalid_from(error: ValidationError) -> Invalid:
    return Invalid(CHECK_FIELDS, field_errors(error))


def translated_errors(locale: str, errors: Mapping[str, str]) -> dict[str, str]:
    return {key: translate(locale, value) for key, value in errors.items()}


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/schema")


def problem(
    status: int,
    title: str,
    detail: str,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    locale: str = "de",
) -> Response[dict[str, Any]]:
    """RFC 9457 problem JSON; marked messages in `locale` (German unless the caller chose English)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": translate(locale, title),
        "status": status,
        "detail": translate(locale, detail),
    }
    if errors:
        body["errors"] = [{"field": key, "message": translate(locale, value)} for key, value in errors.items()]
    return Response(body, status_code=status, media_type="application/problem+json", headers=dict(headers or {}))


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    title: Message,
    detail: Message,
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    locale = request_locale(request)
    if is_api(request):
        return problem(status, title, detail, headers=headers, locale=locale)
    try:
        return page(
            request,
            "errors/error.html",
            {"status": status, "title": title.in_(locale), "detail": detail.in_(locale)},
            block="content",
            status_code=status,
            headers=headers,
        )
    except Exception:  # the layout itself failed: still answer in the reader's language
        logger.exception("error page failed")
        return Response(f"{status} {title.in_(locale)}", status_code=status, media_type=MediaType.TEXT)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    if exc.status_code == 429:
        metrics.too_many_requests()
        if exc.retry_after and isinstance(exc, TooMany) and exc.personal:  # next posts: refused at the door
            cooldown.remember(request.method, request.url.path, request.scope.get("headers", []), exc.retry_after)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if is_api(request):
        locale = request_locale(request)
        return problem(exc.status_code, exc.title, exc.detail, exc.errors, headers, locale=locale)
    return _error_page(request, exc.status_code, exc.title, exc.detail, headers)


def validation_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    errors: dict[str, Message] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors.setdefault(str(item.get("key") or "_"), german_from_english(str(item.get("message", ""))))
    detail = _("Die Anfrage enthält ungültige Werte.") if errors else _("Die Anfrage ist kein gültiges JSON.")
    if is_api(request):
        return problem(422, Invalid.title, detail, errors, locale=request_locale(request))
    return _error_page(request, 400, DomainError.title, detail)


_HTTP_TITLES = {
    400: _("Ungültige Anfrage"),
    401: _("Anmeldung erforderlich"),
    403: _("Nicht erlaubt"),
    404: _("Seite nicht gefunden"),
    405: _("Methode nicht erlaubt"),
    413: _("Anfrage zu groß"),
    429: _("Zu viele Anfragen"),
}
_HTTP_DETAILS = {
    401: _("Bitte melden Sie sich an."),
    403: _("Diese Aktion ist für Sie nicht freigegeben."),
    404: _("Diese Adresse gibt es nicht (mehr). Prüfen Sie den Link oder gehen Sie zur Startseite."),
    405: _("Diese Adresse unterstützt die Anfrage nicht."),
    413: _("Die gesendeten Daten sind zu groß."),
}
CSRF_EXPIRED = _("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es noch einmal.")


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    title = _HTTP_TITLES.get(status, _("Fehler"))
    detail = _HTTP_DETAILS.get(status, _("Die Anfrage konnte nicht bearbeitet werden."))
    if status == 403 and "CSRF" in str(exc.detail):
        detail = CSRF_EXPIRED
    return _error_page(request, status, title, detail, exc.headers)


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _error_page(
        request,
        500,
        _("Interner Fehler"),
        _("Etwas ist schiefgegangen. Bitte versuchen Sie es gleich noch einmal."),
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
