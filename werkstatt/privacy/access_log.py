"""The server's logs without client addresses, unless ACCESS_LOG_CLIENT_ADDRESSES is on.

uvicorn writes the peer address into every access line (`1.2.3.4:5678 - "GET / HTTP/1.1" 200`) and into the
lines of accepted and refused websockets (`('1.2.3.4', 5678) - "WebSocket /w/…/live" [accepted]`). A filter on
its handlers replaces the address by "-" before any formatter sees it, so a JSON or plain formatter alike
writes no address; the access format itself leaves the field out."""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from werkstatt.settings import Settings

HIDDEN = "-"
ACCESS_FORMAT = '%(levelprefix)s "%(request_line)s" %(status_code)s'


class HideClientAddress(logging.Filter):
    """Blanks the client address argument of uvicorn's access and websocket log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or not args:
            return True
        addressed = record.name == "uvicorn.access" or (
            isinstance(record.msg, str) and record.msg.startswith('%s - "WebSocket')
        )
        if addressed:
            record.args = (HIDDEN, *args[1:])
        return True


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's own logging configuration, with the addresses left out unless the operator opted in."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    if settings.access_log_client_addresses:
        return config
    config["filters"] = {"hide_client_address": {"()": f"{__name__}.HideClientAddress"}}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("hide_client_address")
    config["formatters"]["access"]["fmt"] = ACCESS_FORMAT
    return config
