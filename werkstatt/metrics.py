"""Operators' metrics at `/metrics` (Prometheus text format), summed over all workers.

Off unless WERKSTATT_METRICS is set, and then only for a scraper that sends METRICS_TOKEN or comes from
METRICS_CLIENTS; everyone else gets 404. The recording functions below are called from the hot paths
(the hub's fan-out); while metrics are off they return at once, and prometheus-client is not even imported.

Several workers: `werkstatt serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers
start (prometheus-client's multiprocess mode: each process writes its values to memory-mapped files there,
and whichever worker answers `/metrics` sums them all). A worker that died is dropped from the socket gauge
at the next scrape; its counters stay in the sums, as counters should.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from werkstatt.settings import Settings

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

logger = logging.getLogger("werkstatt")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


@dataclass(frozen=True, slots=True)
class _Metrics:
    registry: CollectorRegistry | None  # None: multiprocess mode, a fresh collector per scrape
    directory: Path | None
    sockets: Gauge
    published: Counter
    delivered: Counter
    latency: Histogram
    slow: Counter
    resynced: Counter
    refused: Counter
    too_many: Counter


_metrics: _Metrics | None = None


def _create() -> _Metrics:
    """The metrics of this process, made once. In multiprocess mode prometheus-client must store values in
    files: if it was imported before the folder was set, its value class is switched here, before any metric
    exists."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

    folder = os.environ.get(MULTIPROC_ENV)
    directory = Path(folder) if folder else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        if not getattr(values.ValueClass, "_multiprocess", False):
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    registry = None if directory is not None else CollectorRegistry(auto_describe=True)
    where: dict[str, Any] = {"registry": registry}  # None in multiprocess mode: the values live in the files
    return _Metrics(
        registry=registry,
        directory=directory,
        sockets=Gauge(
            "werkstatt_sockets_open",
            "Open live websockets (per worker process: label pid with several workers).",
            multiprocess_mode="liveall",
            **where,
        ),
        published=Counter("werkstatt_events_published", "Events put on a workshop's channel after commit.", **where),
        delivered=Counter("werkstatt_events_delivered", "Events handed to sockets (one per socket).", **where),
        latency=Histogram(
            "werkstatt_delivery_latency_seconds",
            "From an event's recording (its `at`) to its send on the sockets of one audience.",
            buckets=LATENCY_BUCKETS,
            **where,
        ),
        slow=Counter(
            "werkstatt_sockets_slow", "Sends that had to wait for a slow reader (a writer task took over).", **where
        ),
        resynced=Counter(
            "werkstatt_sockets_resynced",
            "Sockets told to reload their board: backlog overflowed, gap not filled, or too far behind.",
            ["reason"],
            **where,
        ),
        refused=Counter("werkstatt_posts_refused", "Cards refused by a limit.", ["reason"], **where),
        too_many=Counter("werkstatt_http_too_many_requests", "HTTP requests answered with 429.", **where),
    )


def configure(settings: Settings) -> None:
    """At app creation: make the metrics when the operator enabled them (idempotent)."""
    global _metrics
    if settings.metrics and _metrics is None:
        _metrics = _create()


# --- recording (no-ops while metrics are off) -------------------------------------------------------------


def socket_opened() -> None:
    if _metrics is not None:
        _metrics.sockets.inc()


def socket_closed() -> None:
    if _metrics is not None:
        _metrics.sockets.dec()


def published(count: int = 1) -> None:
    if _metrics is not None:
        _metrics.published.inc(count)


def delivered(count: int, event: dict[str, Any]) -> None:
    """`count` sockets got the event now; its latency is observed once per audience, not per socket."""
    if _metrics is None:
        return
    _metrics.delivered.inc(count)
    at = event.get("at")
    if isinstance(at, str):
        try:
            _metrics.latency.observe(max(0.0, time.time() - datetime.fromisoformat(at).timestamp()))
        except ValueError:
            return


def slow_socket() -> None:
    if _metrics is not None:
        _metrics.slow.inc()


def resynced(reason: str, count: int = 1) -> None:
    """`overflow` (a slow reader's backlog was full), `gap` (a missing seq did not arrive), `behind` (too far
    behind for a catch-up from the log), `replay` (a reconnect that missed too much or a whole board). Logged as
    well: a board that fetches itself again is what an operator looks for when a room feels slow."""
    logger.info("live boards told to resync: %s (%d)", reason, count)
    if _metrics is not None:
        _metrics.resynced.labels(reason=reason).inc(count)


def post_refused(reason: str) -> None:
    """A card was refused by a limit (`rate`, `per_step`, `workshop`, …): call it where the refusal is made."""
    if _metrics is not None:
        _metrics.refused.labels(reason=reason[:40]).inc()


def too_many_requests() -> None:
    if _metrics is not None:
        _metrics.too_many.inc()


# --- the endpoint -------------------------------------------------------------------------------------------


def exposition() -> tuple[bytes, str]:
    """The text format of every worker's metrics (this process's alone without multiprocess mode)."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    assert _metrics is not None
    if _metrics.directory is None:
        assert _metrics.registry is not None
        return generate_latest(_metrics.registry), CONTENT_TYPE_LATEST
    _forget_dead_workers(_metrics.directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(_metrics.directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _forget_dead_workers(directory: Path) -> None:
    """A worker that died (and was replaced) no longer holds sockets: drop its gauge files."""
    from prometheus_client import multiprocess

    for path in directory.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def scraper_allowed(settings: Settings, authorization: str, client: str | None) -> bool:
    """The bearer token (compared in constant time), or a client address in METRICS_CLIENTS."""
    scheme, _, token = authorization.partition(" ")
    if (
        settings.metrics_token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    ):
        return True
    if client and settings.metrics_clients:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network, strict=False) for network in settings.metrics_clients)
    return False


@get("/metrics", name="metrics", include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[bytes]:
    """Prometheus scrape target; 404 unless enabled and the scraper is allowed (it looks like any unknown
    address to everyone else)."""
    client = request.scope.get("client")
    allowed = settings.metrics and scraper_allowed(
        settings, request.headers.get("authorization", ""), str(client[0]) if client else None
    )
    if not allowed or _metrics is None:
        raise NotFoundException()
    body, content_type = exposition()
    return Response(body, media_type=content_type, headers={"cache-control": "no-store"})
