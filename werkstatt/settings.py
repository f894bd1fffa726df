"""Typed settings, read from the environment with the prefix WERKSTATT_.

Every field carries a docstring; the README's configuration table is generated from them
(`python scripts/settings_table.py`), and a test fails when the README's table differs.
"""

from __future__ import annotations

import ipaddress
import secrets
import sys
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class Mode(StrEnum):
    embedded = "embedded"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WERKSTATT_", extra="ignore", use_attribute_docstrings=True)

    mode: Mode = Mode.embedded
    """`embedded` (SQLite, in-memory fan-out, secrets generated under DATA_DIR) or `production`."""

    data_dir: Path = Path("var")
    """Folder for the embedded database, the generated secret and operator content."""

    database_url: str = ""
    """SQLAlchemy URL (`sqlite+aiosqlite:///…` or `postgresql+asyncpg://…`); empty = `DATA_DIR/werkstatt.db`."""

    redis_url: str | None = None
    """Redis URL; when set, live fan-out, rate limits and caches go through Redis (needed for several workers)."""

    secret_key: str | None = Field(default=None, min_length=32, repr=False)
    """Secret for signing tokens; required in production, generated and kept in DATA_DIR otherwise."""

    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "localhost"])
    """Comma-separated host names this instance answers to (`*` allows all, not for production)."""

    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Comma-separated origins (`https://werkstatt.example.org`) allowed for websockets and unsafe requests;
    empty = the origins of ALLOWED_HOSTS on the served port."""

    default_locale: str = Field(default="de", pattern="^(de|en)$")
    """Language for visitors who have not chosen one: `de` or `en`."""

    host: str = "127.0.0.1"
    """Address `werkstatt serve` binds to."""

    port: int = Field(default=8000, ge=1, le=65535)
    """Port `werkstatt serve` listens on (`PORT` is honoured too)."""

    workers: int = Field(default=1, ge=1, le=64)
    """Worker processes for `werkstatt serve`; more than one needs REDIS_URL."""

    public_url: str | None = None
    """Address participants use (for join links and QR codes); empty = derived from the request."""

    session_idle_minutes: int = Field(default=120, ge=5, le=60 * 24 * 7)
    """Minutes without a request after which a login session ends."""

    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)
    """Hours after login at which a session ends regardless of activity."""

    guest_session_hours: int = Field(default=24, ge=1, le=24 * 14)
    """Hours a guest participant's session lasts."""

    guest_retention_days: int = Field(default=30, ge=1, le=3650)
    """Days after a workshop's last date (its planned end or its last live event, whichever is later) at which its
    guests' display names become pseudonyms ("Gast 1a2b", in the event log too) and their sessions and tokens end.
    Cards, comments and votes stay with the workshop's results."""

    expired_link_days: int = Field(default=30, ge=0, le=3650)
    """Days an expired, unused invitation link or API token is still listed for the admins before it is deleted
    (accepted invitations and used or expired password-reset links go at once)."""

    login_attempts_per_account: int = Field(default=5, ge=1, le=100)
    """Failed logins per account from one client address within LOGIN_WINDOW_MINUTES; the next try waits 30 s,
    each further failure doubles the wait (up to the window). Other addresses are not held up."""

    login_attempts_per_client: int = Field(default=50, ge=5, le=10000)
    """Failed logins from one address within LOGIN_WINDOW_MINUTES, any account (high: a town hall shares one
    NAT); beyond it the same growing waits."""

    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """Window for login limiting."""

    join_failures_per_device: int = Field(default=10, ge=1, le=1000)
    """Wrong join codes one device (the signed `werkstatt_geraet` cookie) may enter within JOIN_WINDOW_MINUTES;
    beyond it only this device waits. A phone that has not failed is never held up by its neighbours' typos."""

    join_failures_per_address: int = Field(default=600, ge=1, le=1_000_000)
    """Wrong join codes from one client address within JOIN_WINDOW_MINUTES, all devices together (generous: 40
    phones behind a town hall's NAT reach at most 40 × JOIN_FAILURES_PER_DEVICE = 400)."""

    join_window_minutes: int = Field(default=60, ge=1, le=24 * 60)
    """Window for counting wrong join codes."""

    join_code_days: int = Field(default=14, ge=0, le=3650)
    """Days after a workshop's last date (its planned end or its last live event, whichever is later) at which
    its join code stops working; a workshop without a date and without events keeps its code."""

    cards_per_step: int = Field(default=20, ge=1, le=1000)
    """Cards one participant may post in one step, unless the step sets its own `max_cards_per_person`."""

    post_burst: int = Field(default=5, ge=1, le=1000)
    """Cards (and, counted apart, comments) one participant may post at once, over all their sockets and HTTP."""

    post_interval_seconds: float = Field(default=2.0, ge=0.01, le=3600)
    """After the burst, one more card (or comment) per participant every this many seconds."""

    workshop_posts_per_second: float = Field(default=30.0, ge=0.1, le=10000)
    """Cards and comments per second one workshop takes from everyone together (protects the worker)."""

    workshop_cards: int = Field(default=5000, ge=1, le=1_000_000)
    """Cards one workshop may hold in all."""

    sockets_per_participant: int = Field(default=3, ge=1, le=100)
    """Live connections one participant may hold (per worker); a further one closes their oldest (code 4008)."""

    smtp_url: str | None = None
    """`smtp://user:pass@host:587` for invitation and reset mails; empty = links are shown to the admin."""

    mail_from: str = "werkstatt@localhost"
    """Sender address for mails."""

    imprint_file: Path | None = None
    """Markdown file with the imprint (Impressum); default `DATA_DIR/content/impressum.md`."""

    privacy_file: Path | None = None
    """Markdown file with the privacy notice; default `DATA_DIR/content/datenschutz.md`."""

    accessibility_file: Path | None = None
    """Markdown file with the accessibility statement; default `DATA_DIR/content/barrierefreiheit.md`."""

    logo_file: Path | None = None
    """PNG or JPEG (at most 2 MB) with the operator's logo, printed on the join poster and at the top of the PDF
    and DOCX protocol; default `DATA_DIR/content/logo.png` (or `logo.jpg`) when present. A town's own logo,
    uploaded by an admin on the town's admin page (stored as `DATA_DIR/logos/<town id>.png`), takes precedence."""

    operator_name: str = "Betreiber dieser Werkstatt-Instanz"
    """Name of the operator shown in the footer and legal pages."""

    demo_password: str = Field(default="werkstatt-demo", min_length=8, repr=False)
    """Password of the demo accounts created by `werkstatt demo` (embedded mode only)."""

    sync_methods_on_start: bool = True
    """Upsert the shipped method cards from `methods/` at start-up (embedded mode)."""

    log_format: Literal["text", "json"] = "text"
    """`text` (one readable line per event) or `json` (one JSON object per line: time, level, logger, message,
    request_id; access lines add method, path, status). Either way each line carries the request id (a sane
    `X-Request-ID` from the proxy, else a generated one, echoed in the response) and no tokens, join codes, guest
    names or client addresses."""

    run_jobs: bool = True
    """Run the periodic jobs (step timers running out, retention) in this process; with several workers or
    containers each takes part, and every job still runs once per slot."""

    trust_proxy_headers: bool = False
    """Take the client address from X-Forwarded-For (only behind your own reverse proxy)."""

    forwarded_allow_ips: str = Field(default="127.0.0.1", max_length=1000)
    """The reverse proxies whose X-Forwarded-For is believed: comma-separated addresses or networks, or `*`
    when nothing but the proxy can reach the app (compose.yaml). Per-address limits (join codes, logins)
    count each participant only when this names the proxy; otherwise everyone shares the proxy's address."""

    access_log_client_addresses: bool = False
    """Write each client's address into the server's access log (off: the log names request and status only)."""

    metrics: bool = False
    """Serve Prometheus metrics at `/metrics` (sockets, events, delivery latency, refusals; summed over all
    workers); needs METRICS_TOKEN or METRICS_CLIENTS, and answers 404 to anyone else."""

    metrics_token: str | None = Field(default=None, min_length=24, max_length=200, repr=False)
    """Bearer token the scraper sends to `/metrics` (`Authorization: Bearer …`); at least 24 characters."""

    metrics_clients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Comma-separated addresses or networks (`10.0.0.0/8`) that may read `/metrics` without the token."""

    @field_validator("allowed_hosts", "allowed_origins", "metrics_clients", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("metrics_clients")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network} ist keine Adresse und kein Netz (z. B. 10.0.0.0/8)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as error:
            raise ValueError("ist keine gültige Datenbank-URL") from error
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError("muss mit sqlite+aiosqlite:// oder postgresql+asyncpg:// beginnen")
        return value

    @field_validator("redis_url")
    @classmethod
    def _valid_redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("muss mit redis:// oder rediss:// beginnen")
        return value or None

    @model_validator(mode="after")
    def _production_needs(self) -> Settings:
        if self.mode is Mode.production:
            if not self.secret_key:
                raise ValueError(
                    "WERKSTATT_SECRET_KEY fehlt: im Produktionsbetrieb ist ein Schlüssel mit ≥ 32 Zeichen Pflicht"
                )
            if "*" in self.allowed_hosts:
                raise ValueError("WERKSTATT_ALLOWED_HOSTS darf im Produktionsbetrieb nicht * sein")
        if self.metrics and not (self.metrics_token or self.metrics_clients):
            raise ValueError(
                "WERKSTATT_METRICS braucht WERKSTATT_METRICS_TOKEN oder WERKSTATT_METRICS_CLIENTS "
                "(die Metriken sind nie öffentlich)"
            )
        if self.workers > 1 and not self.redis_url:
            raise ValueError(
                "WERKSTATT_WORKERS > 1 braucht WERKSTATT_REDIS_URL (sonst gehen Live-Nachrichten verloren)"
            )
        return self

    @property
    def production(self) -> bool:
        return self.mode is Mode.production

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'werkstatt.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in DATA_DIR (embedded mode)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def origins(self, port: int | None = None) -> set[str]:
        """The exact origins allowed for websockets and unsafe requests."""
        if self.allowed_origins:
            return set(self.allowed_origins)
        ports = {port or self.port}
        found: set[str] = set()
        for host in self.allowed_hosts:
            if host == "*" or host.startswith("*."):
                continue
            for p in ports:
                found.add(f"http://{host}:{p}")
                found.add(f"https://{host}")
                found.add(f"http://{host}")
        return found


class SettingsError(Exception):
    """A setting is wrong; the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "Konfiguration"
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:
            raise SettingsError(f"Ungültige Einstellung: {message}") from None
        raise SettingsError(f"Ungültige Einstellung WERKSTATT_{field.upper()}: {message}") from None


def settings_from_env(**overrides: object) -> Settings:
    """For the `werkstatt` commands: settings from the environment, or the one-line reason and exit code 2."""
    try:
        return load_settings(**{key: value for key, value in overrides.items() if value is not None})
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def _shown_default(value: object) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return "`" + ",".join(str(item) for item in value) + "`"
    if isinstance(value, StrEnum):
        return f"`{value.value}`"
    return f"`{value}`"


def configuration_table() -> str:
    """The README's configuration table, made from the fields and their docstrings
    (`python scripts/settings_table.py` writes it into README.md; a test fails when the two differ)."""
    rows = ["| Variable | Standard | Bedeutung |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        meaning = " ".join((field.description or "").split())
        rows.append(f"| `WERKSTATT_{name.upper()}` | {_shown_default(default)} | {meaning} |")
    return "\n".join(rows) + "\n"
