"""Logs an operator can use: one line per event, JSON when WERKSTATT_LOG_FORMAT=json, each with the request id
of the request it belongs to; never a token, a guest's name or (by default) a client's address.

- The request id is taken from the client's `X-Request-ID` when it is sane (1–128 of `A–Z a–z 0–9 . _ : -`),
  otherwise generated, kept in a context variable for every line logged while the request runs, and echoed
  in the response's `X-Request-ID` header (HTTP and the websocket handshake).
- `Scrub` (a logging filter on every handler) takes the client address out of uvicorn's access and websocket
  lines and blanks secrets: the token in invitation and password-reset paths, join codes, `token=` query
  values, bearer credentials and anything shaped like a generated token (40+ URL-safe characters).
- Guest names never reach a log line: the app logs ids only, and the database engines hide SQL parameters.

`werkstatt serve` hands `log_config(settings)` to uvicorn (every worker applies it)."""

from __future__ import annotations

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from werkstatt.settings import Settings

HEADER = "x-request-id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID: ContextVar[str | None] = ContextVar("werkstatt_request_id", default=None)
HIDDEN = "[entfernt]"

_SECRETS = [
    # A path segment that is a secret: invitation and reset tokens, join codes.
    (re.compile(r"(/(?:einladung|passwort-neu|beitreten)/)[^/?#\s\"]+"), rf"\g<1>{HIDDEN}"),
    # `token=…`, `code=…`, `password=…` in a query string or a message.
    (re.compile(r"((?:^|[?&;\s])(?:[a-z_]*token|code|password|passwort)=)[^&\s\"]*", re.IGNORECASE), rf"\g<1>{HIDDEN}"),
    (re.compile(r"(Bearer\s+)[^\s\"]+", re.IGNORECASE), rf"\g<1>{HIDDEN}"),
    # Anything shaped like a generated secret (secrets.token_urlsafe(32) is 43 characters; ids are shorter).
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])"), HIDDEN),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


# --- the request id ---------------------------------------------------------------------------------------


def request_id_for(scope: Scope) -> str:
    """The request's id (from a sane `X-Request-ID`, else new), kept in the scope and the context variable."""
    state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    request_id = state.get("request_id")
    if not isinstance(request_id, str):
        given = next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == HEADER.encode()), "")
        request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid4().hex
        state["request_id"] = request_id
    REQUEST_ID.set(request_id)
    return request_id


class RequestIdMiddleware(ASGIMiddleware):
    """Sets the request id before anything of the route runs, so that every line logged on the way has it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request_id_for(scope)
        await next_app(scope, receive, send)


async def echo_request_id(message: Message, scope: Scope) -> None:
    """A `before_send` hook: also runs for responses no route middleware sees (an unknown path's 404)."""
    if message["type"] not in {"http.response.start", "websocket.accept"}:
        return
    request_id = request_id_for(scope)
    headers = [(key, value) for key, value in message.get("headers", []) if key.lower() != HEADER.encode()]
    headers.append((HEADER.encode(), request_id.encode()))
    message["headers"] = headers  # type: ignore[typeddict-unknown-key]


# --- logging ---------------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class Scrub(logging.Filter):
    """No client address (unless `client_addresses`), no secrets, in any line."""

    def __init__(self, client_addresses: bool = False) -> None:
        super().__init__()
        self.client_addresses = client_addresses

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(record.msg, str) and record.msg.startswith('%s - "') and isinstance(args, tuple) and args:
            # uvicorn's access line (addr, method, path, version, status) and websocket lines (addr, path, …)
            access = record.name == "uvicorn.access"
            path_at = 2 if access else 1
            args = tuple(redact(str(arg)) if index == path_at else arg for index, arg in enumerate(args))
            if self.client_addresses:
                record.args = args
            elif access:  # the formatters take the address from its place (the text format leaves it out)
                record.args = ("-", *args[1:])
            else:
                record.msg, record.args = record.msg.removeprefix("%s - "), args[1:]
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ method, path, status for access
    lines, + exception with its traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get() or "-",
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            _addr, method, path, version, status = record.args
            line.update(message=f"{method} {path} HTTP/{version} {status}", method=method, path=path)
            line["status"] = int(str(status))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def litestar_logging() -> LoggingConfig:
    """Litestar's own logging: its lines go to the root logger's handlers (ours under `werkstatt serve`)
    instead of Litestar replacing the root logger's handlers with its own format."""
    return LoggingConfig(
        configure_root_logger=False,
        loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
    )


def log_config(settings: Settings, *, client_addresses: bool | None = None) -> dict[str, Any]:
    """The `logging.config.dictConfig` for `werkstatt serve` (uvicorn applies it in every worker). Client
    addresses are left out unless asked for, or unless the operator opted in with the access-log setting."""
    if client_addresses is None:
        client_addresses = bool(getattr(settings, "access_log_client_addresses", False))
    json_lines = settings.log_format == "json"
    filters = {
        "request_id": {"()": "werkstatt.logs.RequestIdFilter"},
        "scrub": {"()": "werkstatt.logs.Scrub", "client_addresses": client_addresses},
    }
    if json_lines:
        formatters: dict[str, Any] = {"default": {"()": "werkstatt.logs.JsonFormatter"}}
        formatters["access"] = formatters["default"]
    else:
        address = "%(client_addr)s - " if client_addresses else ""
        formatters = {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s [%(request_id)s] %(name)s: %(message)s",
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": f'%(levelprefix)s [%(request_id)s] {address}"%(request_line)s" %(status_code)s',
            },
        }
    handler = {"class": "logging.StreamHandler", "filters": ["request_id", "scrub"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": formatters,
        "handlers": {
            "default": {**handler, "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {**handler, "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"handlers": ["default"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"level": "INFO"},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "apscheduler": {"level": "WARNING"},  # not a line per job run
        },
    }
