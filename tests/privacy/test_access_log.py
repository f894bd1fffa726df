"""The server's access log leaves client addresses out unless the operator opts in."""

from __future__ import annotations

import logging
import logging.config
import re
import shutil
from pathlib import Path

import httpx

from tests.conftest import server_env, start_server
from werkstatt.privacy.access_log import uvicorn_log_config
from werkstatt.settings import Settings

ADDRESS = re.compile(r"\b127\.0\.0\.1\b|\('127\.0\.0\.1', \d+\)")


def access_record(logger_name: str = "uvicorn.access") -> logging.LogRecord:
    """A record as uvicorn's access logger makes it: (client, method, path, http version, status)."""
    return logging.LogRecord(
        logger_name,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:51234", "GET", "/", "1.1", 200),
        None,
    )


def formatted(settings: Settings, record: logging.LogRecord) -> str:
    config = uvicorn_log_config(settings)
    logging.config.dictConfig(config)
    handler = next(h for h in logging.getLogger("uvicorn.access").handlers)
    assert handler.filter(record)
    return handler.format(record)


def test_access_lines_have_no_address_by_default() -> None:
    line = formatted(Settings(), access_record())
    assert "203.0.113.7" not in line
    assert '"GET / HTTP/1.1" 200' in line


def test_websocket_lines_have_no_address_by_default() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("('203.0.113.7', 5)", "/w/1/live"),
        None,
    )
    config = uvicorn_log_config(Settings())
    logging.config.dictConfig(config)
    handler = logging.getLogger("uvicorn").handlers[0]
    assert handler.filter(record)
    assert "203.0.113.7" not in handler.format(record)


def test_the_operator_can_opt_in() -> None:
    line = formatted(Settings(access_log_client_addresses=True), access_record())
    assert "203.0.113.7:51234" in line


def test_a_running_server_logs_requests_without_addresses(tmp_path: Path, sqlite_template: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "werkstatt.db")
    env = server_env(f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}", tmp_path)
    server = start_server(env, tmp_path / "server.log")
    try:
        assert httpx.get(f"{server.url}/impressum", timeout=10).status_code == 200
    finally:
        server.stop()
    log = server.log.read_text()
    assert '"GET /impressum HTTP/1.1" 200' in log
    assert ADDRESS.search(log.replace(server.url, "")) is None, log
