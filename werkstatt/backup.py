"""`werkstatt backup FILE` and `werkstatt restore FILE`: the embedded database and DATA_DIR in one archive.

The database is copied online with SQLite's backup API (a consistent snapshot of what is committed, while
the server keeps running and writing), checked, and stored as `database/werkstatt.db`; everything else in
DATA_DIR (the generated secret, operator content, stored files such as photos) goes under `data/`. A
`manifest.json` names the format and the database's migration revision.

With PostgreSQL the database is dumped with pg_dump instead (README, "Backups") and `--files-only` archives
DATA_DIR alone. A restore goes only into an empty (or missing) data folder, never over live data."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from werkstatt.settings import Settings

FORMAT = "werkstatt-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database/werkstatt.db"
DATA = "data"
MAX_MANIFEST_BYTES = 64 * 1024
RESTORING = ".restore-unfinished"


class BackupError(Exception):
    """Something an operator must fix; the message is German and names what is wrong."""


@dataclass(frozen=True)
class Summary:
    files: int
    database: bool
    revision: str | None

    def lines(self, verb: str, where: Path) -> list[str]:
        what = f"Datenbank (Migrationsstand {self.revision or 'unbekannt'}) und " if self.database else ""
        return [f"{verb}: {what}{self.files} Datei(en) aus dem Datenordner – {where}"]


def sqlite_path(settings: Settings) -> Path | None:
    """The embedded database file, or None for PostgreSQL."""
    if not settings.is_sqlite:
        return None
    database = make_url(settings.resolved_database_url).database
    return Path(database).resolve() if database else None


# --- backup ---------------------------------------------------------------------------------------------


def backup(settings: Settings, target: Path, *, files_only: bool = False) -> Summary:
    database = sqlite_path(settings)
    if database is None and not files_only:
        raise BackupError(
            "Die Datenbank ist PostgreSQL: sichern Sie sie mit pg_dump (siehe README, „Sicherung“) und den "
            "Datenordner mit `werkstatt backup --files-only DATEI`."
        )
    data_dir = settings.data_dir.resolve()
    if not data_dir.is_dir():
        raise BackupError(f"Den Datenordner {data_dir} gibt es nicht.")
    target = target.resolve()
    if target.exists():
        raise BackupError(f"Die Datei {target} gibt es schon; bitte einen neuen Namen wählen.")
    if not target.parent.is_dir():
        raise BackupError(f"Den Ordner {target.parent} gibt es nicht.")
    if not files_only and (database is None or not database.is_file()):
        raise BackupError(f"Die Datenbank {database} gibt es nicht (noch nie gestartet?).")
    skip = {target}
    if database is not None:
        skip |= {database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))}
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    skip.add(Path(partial))
    try:
        os.chmod(partial, 0o600)  # it holds the secret key and everyone's data
        with tempfile.TemporaryDirectory(prefix=".werkstatt-backup-", dir=target.parent) as scratch:
            copy = Path(scratch) / "werkstatt.db"
            revision = None
            if not files_only and database is not None:
                revision = _copy_database(database, copy)
            with tarfile.open(partial, "w:gz") as archive:
                files = _add_data_dir(archive, data_dir, {*skip, Path(scratch)})
                if not files_only:
                    archive.add(copy, DATABASE, recursive=False)
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created_at": datetime.now(UTC).isoformat(),
                    "database": "sqlite" if not files_only else None,
                    "revision": revision,
                    "files": files,
                }
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Summary(files, not files_only, revision)


def _copy_database(source: Path, copy: Path) -> str | None:
    """SQLite's online backup: a consistent snapshot even while the server writes; then a single file
    (no WAL) that passes SQLite's own check."""
    source_db = sqlite3.connect(source, timeout=30)
    copy_db = sqlite3.connect(copy)
    try:
        source_db.backup(copy_db)
        copy_db.execute("PRAGMA journal_mode=DELETE")
        check = copy_db.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"Die Kopie der Datenbank ist beschädigt ({check}); die Sicherung wurde verworfen.")
        try:
            row = copy_db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            row = None
        return str(row[0]) if row else None
    finally:
        copy_db.close()
        source_db.close()


def _add_data_dir(archive: tarfile.TarFile, data_dir: Path, skip: set[Path]) -> int:
    """Regular files and folders under DATA_DIR (links and special files are left out)."""
    files = 0
    for folder, subfolders, names in os.walk(data_dir):
        base = Path(folder)
        subfolders.sort()
        for name in [*subfolders]:
            path = base / name
            if path.is_symlink() or path in skip:
                subfolders.remove(name)
                continue
            archive.add(path, _member(data_dir, path), recursive=False)
        for name in sorted(names):
            path = base / name
            if path in skip or path.is_symlink() or not path.is_file():
                continue
            archive.add(path, _member(data_dir, path), recursive=False)
            files += 1
    return files


def _member(data_dir: Path, path: Path) -> str:
    return str(PurePosixPath(DATA, *path.relative_to(data_dir).parts))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# --- restore --------------------------------------------------------------------------------------------


def restore(settings: Settings, source: Path) -> Summary:
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"Die Sicherung {source} gibt es nicht.")
    data_dir = settings.data_dir.resolve()
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(
            f"Der Datenordner {data_dir} ist nicht leer: eine Sicherung wird nur in einen leeren Ordner "
            "wiederhergestellt (nichts wurde verändert)."
        )
    try:
        with tarfile.open(source, "r:gz") as archive:
            return _restore_from(archive, source, settings, data_dir)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(
            f"{source} ist keine lesbare Werkstatt-Sicherung ({error}); nichts wurde verändert."
        ) from None


def _restore_from(archive: tarfile.TarFile, source: Path, settings: Settings, data_dir: Path) -> Summary:
    manifest = _manifest(archive, source)
    members = _checked_members(archive, manifest)
    database = sqlite_path(settings)
    has_database = manifest.get("database") == "sqlite"
    if has_database and database is None:
        raise BackupError(
            "Die Sicherung enthält eine SQLite-Datenbank, eingestellt ist aber PostgreSQL "
            "(WERKSTATT_DATABASE_URL); bitte ohne sie wiederherstellen oder die Einstellung ändern."
        )
    if has_database and database is not None and database.exists():
        raise BackupError(f"Die Datenbank {database} gibt es schon; nichts wurde verändert.")
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / RESTORING
    try:
        staging.mkdir()
        files = _extract(archive, members, staging)
        if has_database:
            _check_database(staging / DATABASE)
        for entry in (staging / DATA).iterdir() if (staging / DATA).is_dir() else ():
            entry.rename(data_dir / entry.name)
        if has_database and database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging / DATABASE, database)
        shutil.rmtree(staging)
    except BaseException:
        _empty(data_dir, remove=created)
        raise
    revision = manifest.get("revision")
    return Summary(files, has_database, str(revision) if revision else None)


def _manifest(archive: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member) if member.isfile() and member.size <= MAX_MANIFEST_BYTES else None
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, tarfile.TarError, ValueError, OSError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source} ist keine Werkstatt-Sicherung (manifest.json fehlt oder ist fremd).")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"Sicherungsformat {manifest.get('version')!r} kennt diese Version nicht (erwartet {VERSION})."
        )
    return manifest


def _checked_members(archive: tarfile.TarFile, manifest: dict[str, Any]) -> list[tarfile.TarInfo]:
    """Only plain files and folders, only under data/ (plus the database), no way out of the folder."""
    members = []
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if member.name == MANIFEST:
            continue
        allowed = member.name == DATABASE and member.isfile() and manifest.get("database") == "sqlite"
        allowed = allowed or (path.parts[:1] == (DATA,) and (member.isfile() or member.isdir()))
        if not allowed or path.is_absolute() or ".." in path.parts or member.name.startswith(RESTORING):
            raise BackupError(
                f"Die Sicherung enthält einen unzulässigen Eintrag: {member.name!r}; nichts wurde verändert."
            )
        members.append(member)
    return members


def _extract(archive: tarfile.TarFile, members: list[tarfile.TarInfo], staging: Path) -> int:
    files = 0
    for member in members:
        path = staging.joinpath(*PurePosixPath(member.name).parts)
        if member.isdir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = archive.extractfile(member)
        if handle is None:
            continue
        with handle, path.open("xb") as out:
            shutil.copyfileobj(handle, out)
        path.chmod((member.mode & 0o755) | 0o600)  # never group- or world-writable, always the owner's
        if member.name != DATABASE:
            files += 1
    return files


def _check_database(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        check = db.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        check = (str(error),)
    finally:
        db.close()
    if not check or check[0] != "ok":
        raise BackupError(f"Die Datenbank in der Sicherung ist beschädigt ({check}); nichts wurde verändert.")


def _empty(data_dir: Path, *, remove: bool) -> None:
    """Undo a failed restore: the folder was empty (or missing) before."""
    for entry in data_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if remove:
        data_dir.rmdir()
