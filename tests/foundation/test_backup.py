"""`werkstatt backup` / `werkstatt restore`: an online copy of the embedded database and DATA_DIR, restored
into an empty folder, has the same workshops, cards and votes (and files); a non-empty folder is refused in
German and left as it was; a hostile archive changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import server_env
from tests.voting.conftest import VOTE, Room, coach_client, room, workshop
from werkstatt.backup import BackupError, backup, restore
from werkstatt.cli import main
from werkstatt.settings import Settings

__all__ = ["coach_client", "room", "workshop"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A backup takes the whole DATA_DIR with the database in it: here the test's own folder."""
    return tmp_path


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The embedded mode only: its database lives in DATA_DIR (PostgreSQL is backed up with pg_dump)."""
    shutil.copy(sqlite_template, tmp_path / "werkstatt.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'werkstatt.db'}"


def _rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(database)
    try:
        return {
            "workshops": db.execute("SELECT id, title, state, current_step FROM workshop ORDER BY id").fetchall(),
            "cards": db.execute("SELECT id, workshop_id, text FROM idea ORDER BY id").fetchall(),
            "votes": db.execute("SELECT id, idea_id, participant_id FROM vote ORDER BY id").fetchall(),
            "events": db.execute(
                "SELECT workshop_id, seq, type FROM workshop_event ORDER BY workshop_id, seq"
            ).fetchall(),
        }
    finally:
        db.close()


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _cli(data_dir: Path, *args: str) -> Any:
    """The `werkstatt` command in this process (a fresh interpreter would spend seconds importing)."""
    env: dict[str, str | None] = {
        key: value for key, value in server_env("", data_dir).items() if key.startswith("WERKSTATT_")
    }
    env["WERKSTATT_DATABASE_URL"] = None  # the embedded default: DATA_DIR/werkstatt.db
    return CliRunner().invoke(main, list(args), env=env)


async def _cast_votes(room: Room) -> None:
    await room.step(VOTE)
    for guest, idea in ((0, 0), (1, 0), (2, 3), (0, 2)):
        response = await room.vote(guest, room.ideas[idea])
        assert response.status_code == 201, response.text
    # The tally follows the dots within a window: wait for the count made after the last dot.
    async with asyncio.timeout(10):
        while (await room.events())[-1]["type"] != "tally_updated":  # noqa: ASYNC110 (a condition on the log)
            await asyncio.sleep(0.05)


async def test_a_backup_taken_while_serving_restores_the_same_workshops_cards_and_votes(
    room: Room, settings: Settings, tmp_path: Path
) -> None:
    await _cast_votes(room)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "impressum.md").write_text("# Impressum\n\nStadt Annaberg-Buchholz\n")
    photos = tmp_path / "uploads" / "photos"
    photos.mkdir(parents=True)
    photo = bytes(range(256)) * 400
    (photos / "karte-1.jpg").write_bytes(photo)
    (tmp_path / "secret_key").write_text("im-eingebetteten-betrieb-erzeugter-schluessel")
    (tmp_path / "secret_key").chmod(0o600)
    archive = tmp_path.parent / f"{tmp_path.name}-sicherung.tar.gz"

    # The app is running (the client's lifespan holds the database open in WAL mode): an online backup.
    result = _cli(tmp_path, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "Gesichert: Datenbank (Migrationsstand" in result.stdout and "Datei(en)" in result.stdout
    assert archive.stat().st_mode & 0o777 == 0o600, "the archive holds the secret key: owner only"

    target = tmp_path.parent / f"{tmp_path.name}-wiederhergestellt"
    result = _cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Wiederhergestellt" in result.stdout

    before, after = _rows(tmp_path / "werkstatt.db"), _rows(target / "werkstatt.db")
    assert after == before
    assert len(after["workshops"]) == 1 and len(after["cards"]) == 4 and len(after["votes"]) == 4
    assert (target / "uploads" / "photos" / "karte-1.jpg").read_bytes() == photo
    assert (target / "content" / "impressum.md").read_text() == "# Impressum\n\nStadt Annaberg-Buchholz\n"
    assert (target / "secret_key").read_text() == "im-eingebetteten-betrieb-erzeugter-schluessel"
    assert (target / "secret_key").stat().st_mode & 0o777 == 0o600
    assert not (target / "werkstatt.db-wal").exists(), "one self-contained database file"
    assert not list(target.glob(".restore*"))

    # The restored folder serves: the same workshop answers with its cards.
    from litestar.testing import AsyncTestClient

    from tests.conftest import make_settings
    from werkstatt.app import create_app

    restored = make_settings(f"sqlite+aiosqlite:///{target / 'werkstatt.db'}", target)
    async with AsyncTestClient(app=create_app(restored), base_url="http://testserver.local") as client:
        client.cookies = room.client.cookies
        response = await client.get(f"/api/workshops/{room.workshop.id}/results")
        assert response.status_code == 200, response.text
        assert sorted(idea["text"] for idea in response.json()["ideas"]) == sorted(
            text for (_id, _w, text) in before["cards"]
        )


async def test_restore_refuses_a_folder_that_is_not_empty_and_changes_nothing(
    room: Room, settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path.parent / f"{tmp_path.name}.tar.gz"
    backup(settings, archive)
    before = _rows(tmp_path / "werkstatt.db")
    listing = _listing(tmp_path)
    result = _cli(tmp_path, "restore", str(archive))
    assert result.exit_code == 1
    assert "ist nicht leer" in result.stderr and "nichts wurde verändert" in result.stderr
    assert _listing(tmp_path) == listing
    assert _rows(tmp_path / "werkstatt.db") == before
    again = _cli(tmp_path, "backup", str(archive))
    assert again.exit_code == 1 and "gibt es schon" in again.stderr


def test_postgresql_is_dumped_with_pg_dump_and_files_only_works(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "content").mkdir(parents=True)
    (data_dir / "content" / "datenschutz.md").write_text("Datenschutz")
    settings = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/werkstatt",
        data_dir=data_dir,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    )
    with pytest.raises(BackupError, match="pg_dump"):
        backup(settings, tmp_path / "voll.tar.gz")
    summary = backup(settings, tmp_path / "dateien.tar.gz", files_only=True)
    assert (summary.files, summary.database) == (1, False)
    fresh = Settings(**{**settings.model_dump(), "data_dir": tmp_path / "neu"})
    assert restore(fresh, tmp_path / "dateien.tar.gz").files == 1
    assert (tmp_path / "neu" / "content" / "datenschutz.md").read_text() == "Datenschutz"


def _hostile(path: Path, name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE) -> None:
    with tarfile.open(path, "w:gz") as archive:
        manifest = json.dumps({"format": "werkstatt-backup", "version": 1, "database": None}).encode()
        for member_name, payload in (("manifest.json", manifest), (name, data)):
            info = tarfile.TarInfo(member_name)
            info.size = len(payload)
            info.type = tarfile.REGTYPE if member_name == "manifest.json" else kind
            if info.type == tarfile.SYMTYPE:
                info.linkname, info.size = "/etc/passwd", 0
            archive.addfile(info, io.BytesIO(payload))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("data/../../ausbruch.txt", tarfile.REGTYPE),
        ("/tmp/absolut.txt", tarfile.REGTYPE),
        ("data/verweis", tarfile.SYMTYPE),
        ("database/werkstatt.db", tarfile.REGTYPE),  # a database the manifest does not announce
        ("anderswo/datei.txt", tarfile.REGTYPE),
    ],
)
def test_a_hostile_archive_is_refused_and_leaves_nothing(tmp_path: Path, name: str, kind: bytes) -> None:
    archive = tmp_path / "boese.tar.gz"
    _hostile(archive, name, kind=kind)
    settings = Settings(data_dir=tmp_path / "neu", secret_key="test-secret-key-that-is-long-enough-0123456789")
    with pytest.raises(BackupError, match="unzulässigen Eintrag"):
        restore(settings, archive)
    assert not (tmp_path / "neu").exists()
    assert not (tmp_path / "ausbruch.txt").exists()


def test_something_else_is_not_taken_for_a_backup(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "neu", secret_key="test-secret-key-that-is-long-enough-0123456789")
    (tmp_path / "kaputt.tar.gz").write_bytes(b"\x1f\x8b kein gzip")
    with pytest.raises(BackupError, match="keine lesbare Werkstatt-Sicherung"):
        restore(settings, tmp_path / "kaputt.tar.gz")
    with tarfile.open(tmp_path / "fremd.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("data/a.txt")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(BackupError, match="keine Werkstatt-Sicherung"):
        restore(settings, tmp_path / "fremd.tar.gz")
    assert not (tmp_path / "neu").exists()


def test_a_consistent_copy_leaves_out_what_is_not_committed(settings: Settings, tmp_path: Path) -> None:
    """A writer holding an open transaction neither blocks the backup nor ends up half in it."""
    writer = sqlite3.connect(tmp_path / "werkstatt.db", isolation_level=None, timeout=30)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO scheduled_run (id, job, slot, created_at, updated_at) "
        "VALUES (x'00', 'offen', '2026-12-05 14:00:00', '2026-12-05 14:00:00', '2026-12-05 14:00:00')"
    )
    try:
        backup(settings, tmp_path.parent / f"{tmp_path.name}-offen.tar.gz")
    finally:
        writer.execute("COMMIT")
        writer.close()
    fresh = Settings(
        **{**settings.model_dump(), "data_dir": tmp_path.parent / f"{tmp_path.name}-neu", "database_url": ""}
    )
    restore(fresh, tmp_path.parent / f"{tmp_path.name}-offen.tar.gz")
    db = sqlite3.connect(fresh.data_dir / "werkstatt.db")
    assert db.execute("SELECT count(*) FROM scheduled_run WHERE job = 'offen'").fetchone() == (0,)
    db.close()
