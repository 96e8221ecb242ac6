"""Consistent copies of the SQLite database while the portal serves, and putting one back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

REQUIRED_TABLES = {"alembic_version", "user_account", "module", "attempt", "audit_event"}


class BackupError(RuntimeError):
    """The copy could not be made or checked; the message says why, in Spanish."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Este comando copia bases SQLite. Para PostgreSQL use pg_dump y pg_restore (vea el README).")
    return Path(url.database)


def check_copy(path: Path) -> None:
    """Raise BackupError unless `path` is an intact portal database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} no es una base de datos SQLite válida: {error}") from None
    if verdict != "ok":
        raise BackupError(f"La copia {path} está dañada: {verdict}")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(f"{path} no es una base del Portal de Inducción (faltan: {', '.join(sorted(missing))}).")


def _copy(source: Path, target: Path) -> None:
    # SQLite's online backup copies a consistent snapshot even while others write;
    # the busy timeout lets it wait for a writer instead of failing.
    with sqlite3.connect(source, timeout=30) as origin, sqlite3.connect(target, timeout=30) as destination:
        origin.backup(destination, pages=1024)
    destination.close()
    origin.close()


def backup(database_url: str, destination: Path) -> None:
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"No existe la base de datos {source}.")
    if destination.exists():
        raise BackupError(f"{destination} ya existe; elija otro nombre para no sobrescribirlo.")
    if not destination.parent.is_dir():
        raise BackupError(f"La carpeta {destination.parent} no existe.")
    partial = destination.with_name(destination.name + ".partial")
    try:
        _copy(source, partial)
        # The copy inherits WAL mode, whose -wal and -shm files would appear beside it whenever it is
        # opened (by the check below, too). A backup is one file: give it a rollback journal.
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")
        check_copy(partial)
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)


def restore(database_url: str, copy: Path) -> None:
    """Check the copy, then replace the database's content with it (online backup the other way)."""
    target = sqlite_path(database_url)
    if not copy.is_file():
        raise BackupError(f"No existe el archivo {copy}.")
    check_copy(copy)
    _copy(copy, target)


#: Names of the nightly copies: the day sorts them, so the oldest go first.
NIGHTLY_PREFIX = "portal-"


def backup_with_retention(database_url: str, directory: Path, keep: int, day: str | None = None) -> str:
    """The nightly copy into `directory` (portal-YYYY-MM-DD.sqlite3), keeping the newest `keep`; what was done."""
    from portal.dates import local_today

    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / f"{NIGHTLY_PREFIX}{day or local_today().isoformat()}.sqlite3"
    if not destination.exists():
        backup(database_url, destination)
    copies = sorted(directory.glob(f"{NIGHTLY_PREFIX}*.sqlite3"))
    removed = copies[: max(len(copies) - max(keep, 1), 0)]
    for old in removed:
        old.unlink()
    kept = len(copies) - len(removed)
    return f"Copia {destination.name} en {directory}; copias guardadas: {kept}, borradas: {len(removed)}."
