"""The `werkstatt` command: serve, db, demo, user, loadtest, backup, restore, privacy (and the domains' own:
methods, export, token)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from werkstatt.settings import Settings, settings_from_env


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Werkstatt: live Ideen-Werkstätten und Methoden-Werkzeugkasten für Innenstadt-Netzwerke."""


@main.command()
@click.option("--host", default=None, help="Adresse (Standard: WERKSTATT_HOST oder 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (Standard: PORT, WERKSTATT_PORT oder 8000).")
@click.option("--workers", type=int, default=None, help="Worker-Prozesse (mehr als 1 braucht WERKSTATT_REDIS_URL).")
@click.option("--reload", is_flag=True, help="Bei Codeänderungen neu laden (Entwicklung).")
def serve(host: str | None, port: int | None, workers: int | None, reload: bool) -> None:
    """Startet den Webserver."""
    env_port = os.environ.get("PORT")
    settings = settings_from_env(host=host, port=port or (int(env_port) if env_port else None), workers=workers)
    shown_host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    click.echo(f"Werkstatt läuft auf http://{shown_host}:{settings.port}  (Beenden mit Strg+C)")
    # Each worker builds its app from the environment; pass resolved values on.
    os.environ["WERKSTATT_PORT"] = str(settings.port)
    os.environ["WERKSTATT_HOST"] = settings.host
    with metrics_folder(settings):
        _run_uvicorn(settings, reload)


def _run_uvicorn(settings: Settings, reload: bool) -> None:
    import uvicorn

    from werkstatt.logs import log_config

    uvicorn.run(
        "werkstatt.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        proxy_headers=settings.trust_proxy_headers,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        log_level="info",
        # JSON or text, with request ids; client addresses only with ACCESS_LOG_CLIENT_ADDRESSES
        log_config=log_config(settings, client_addresses=settings.access_log_client_addresses),
    )


@contextmanager
def metrics_folder(settings: Settings) -> Iterator[None]:
    """With metrics on, the workers write them to one folder that `/metrics` sums (prometheus-client's
    multiprocess mode): a fresh one per start unless the operator set PROMETHEUS_MULTIPROC_DIR, removed at exit."""
    from werkstatt.metrics import MULTIPROC_ENV

    if not settings.metrics or os.environ.get(MULTIPROC_ENV):
        yield
        return
    folder = tempfile.mkdtemp(prefix="werkstatt-metrics-")
    os.environ[MULTIPROC_ENV] = folder
    # uvicorn re-raises the SIGTERM it handled once it has shut down: exit through Python then, so the folder goes.
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


@main.group()
def db() -> None:
    """Datenbank-Migrationen."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Wendet Migrationen an (Standard: bis zur neuesten)."""
    from werkstatt.migrate import upgrade

    settings = settings_from_env()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    click.echo("Datenbank ist auf dem neuesten Stand.")


@db.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Nimmt Migrationen zurück (Standard: eine)."""
    from werkstatt.migrate import downgrade

    downgrade(settings_from_env().resolved_database_url, revision)
    click.echo(f"Zurückgesetzt auf {revision}.")


@db.command("current")
def db_current() -> None:
    """Zeigt den Migrationsstand."""
    from werkstatt.migrate import current

    click.echo(current(settings_from_env().resolved_database_url) or "(leer)")


@main.command()
def demo() -> None:
    """Lädt Demodaten (idempotent) und zeigt die Demo-Zugänge."""
    from werkstatt.demo import load_demo

    settings = settings_from_env()
    for line in asyncio.run(load_demo(settings)):
        click.echo(line)


@main.group()
def user() -> None:
    """Konten verwalten."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "coach"]), required=True, help="Rolle des Kontos.")
@click.option("--name", "display_name", default=None, help="Anzeigename (Standard: Teil vor dem @).")
@click.option("--password-stdin", is_flag=True, required=True, help="Passwort von der Standardeingabe lesen.")
def user_create(email: str, role: str, display_name: str | None, password_stdin: bool) -> None:
    """Legt ein Konto an, z. B. das erste Admin-Konto."""
    from werkstatt.network.service import create_account_cli

    password = sys.stdin.readline().rstrip("\n")
    settings = settings_from_env()
    try:
        message = asyncio.run(create_account_cli(settings, email, role, display_name, password))
    except ValueError as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    click.echo(message)


@main.command()
@click.argument("url")
@click.option("--token", required=True, envvar="WERKSTATT_LOADTEST_TOKEN", help="API-Token eines Coach-Kontos.")
@click.option("--participants", type=int, default=20, show_default=True, help="Simulierte Teilnehmende.")
@click.option("--seconds", type=float, default=30, show_default=True, help="Dauer des Tests.")
@click.option("--card-every", type=float, default=3.0, show_default=True, help="Sekunden zwischen Karten je Person.")
@click.option("--town", "town_id", default=None, help="Stadt der Test-Werkstatt (Standard: die erste des Netzwerks).")
def loadtest(url: str, token: str, participants: int, seconds: float, card_every: float, town_id: str | None) -> None:
    """Wie viele Menschen hält mein Server? Simuliert Teilnehmende in einer Test-Werkstatt und misst.

    Legt über die JSON-API eine Test-Werkstatt an (zählt nirgends), lässt Telefone beitreten, Karten posten
    und punkten, während eine simulierte Moderation den Ablauf steuert; gibt Laufzeiten, Fehler und
    Ablehnungen aus und löscht die Werkstatt wieder. Kontaktiert nur URL.
    """
    from werkstatt.loadtest import LoadtestError, Plan
    from werkstatt.loadtest import loadtest as run_loadtest

    try:
        plan = Plan(url, token, participants, seconds, card_every, town_id)
        report = asyncio.run(run_loadtest(plan))
    except LoadtestError as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Abgebrochen (die Test-Werkstatt wird dabei gelöscht).", err=True)
        sys.exit(130)
    for line in report.lines:
        click.echo(line)
    sys.exit(1 if report.failed else 0)


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--files-only", is_flag=True, help="Nur den Datenordner sichern (mit PostgreSQL: die Datenbank mit pg_dump)."
)
def backup_command(file: Path, files_only: bool) -> None:
    """Sichert die eingebettete Datenbank (online, konsistent) und den Datenordner in eine Datei."""
    from werkstatt.backup import BackupError, backup

    try:
        summary = backup(settings_from_env(), file, files_only=files_only)
    except BackupError as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    for line in summary.lines("Gesichert", file):
        click.echo(line)


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Stellt eine Sicherung in einen leeren Datenordner wieder her."""
    from werkstatt.backup import BackupError, restore

    settings = settings_from_env()
    try:
        summary = restore(settings, file)
    except BackupError as error:
        click.echo(f"Fehler: {error}", err=True)
        sys.exit(1)
    for line in summary.lines("Wiederhergestellt", settings.data_dir):
        click.echo(line)
    if summary.database:
        click.echo("Stammt die Sicherung von einer älteren Version: vor dem Start `werkstatt db upgrade`.")


def _domain_commands() -> None:
    """Domains add their own command groups in `werkstatt/<domain>/cli.py` (a list named COMMANDS)."""
    from werkstatt.catalogue import cli as catalogue_cli
    from werkstatt.export import cli as export_cli
    from werkstatt.network import cli as network_cli
    from werkstatt.privacy.cli import privacy  # the group's commands import their work lazily

    for module in (network_cli, catalogue_cli, export_cli):
        for command in module.COMMANDS:
            main.add_command(command)
    main.add_command(privacy)


_domain_commands()

if __name__ == "__main__":
    main()
