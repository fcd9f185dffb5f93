"""Backups of the database, their restore, and the check that a restored copy is whole.

``yiwang backup create|restore|check`` (see docs/operations.md):

* SQLite (the embedded default): an online copy through SQLite's backup API. It
  copies every page under one read transaction, so the copy is one consistent
  moment even while the service keeps writing; the copy is a single file (no WAL).
  Restore copies a backup into a new database file.
* PostgreSQL: ``pg_dump --format=custom``, which reads one snapshot while the
  service runs, and ``pg_restore`` into an empty database in one transaction. The
  client programs come from PATH and must be of the server's major version or newer.

A backup or restore writes under a temporary name and renames only when complete,
so a file with the final name is never half written; neither ever overwrites.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from engine.db import make_db_engine
from engine.models import HistoryEvent, ProcessInstance, WorkTask

from . import audit
from .models import AuditRecord


class BackupError(RuntimeError):
    """A backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    """What a database holds, and whether its audit chain verifies."""

    counts: dict[str, int]
    chain: audit.Verification


COUNTED = {"process instances": ProcessInstance, "tasks": WorkTask, "history events": HistoryEvent,
           "audit records": AuditRecord}


def summarise(session: Session) -> Summary:
    counts = {name: session.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}
    return Summary(counts, audit.verify(session))


def summarise_url(url: str) -> Summary:
    if _is_sqlite(url):
        _sqlite_file(url, must_exist=True)  # never create an empty file by looking
    db_engine = make_db_engine(url)
    try:
        with Session(db_engine) as session:
            return summarise(session)
    finally:
        db_engine.dispose()


def create(url: str, destination: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``destination`` (a new file)."""
    if destination.exists():
        raise BackupError(f"{destination} exists: give the backup a new name (a backup never overwrites)")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_copy(_sqlite_file(url, must_exist=True), partial, single_file=True)
        else:
            conninfo, environ = _libpq(url)
            _run([_program("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", conninfo], environ)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def restore(backup: Path, url: str) -> None:
    """Restore ``backup`` into the database at ``url``, which must be new (SQLite) or empty (PostgreSQL)."""
    if not backup.is_file():
        raise BackupError(f"no backup file {backup}")
    if _is_sqlite(url):
        target = _sqlite_file(url, must_exist=False)
        for leftover in (target, *(target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal"))):
            if leftover.exists():
                raise BackupError(f"{leftover} exists: restore into a new file, or stop the service and move the "
                                  "old database and its -wal and -shm files away first")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            _sqlite_copy(backup, partial, single_file=False)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return
    _require_empty(url)
    conninfo, environ = _libpq(url)
    _run([_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", conninfo, str(backup)], environ)


# -- SQLite -------------------------------------------------------------------------------
def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url} does not name a SQLite database file")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"no database file {path}")
    return path


def _sqlite_copy(source: Path, target: Path, *, single_file: bool) -> None:
    """Copy every page under one read transaction, then check the copy page by page."""
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)) as src:
            with closing(sqlite3.connect(target)) as dst:
                src.backup(dst)  # all pages in one step: one snapshot, however busy the source
                if single_file:
                    dst.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone, without a -wal
                verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{source}: {err}") from None
    if verdict != "ok":
        raise BackupError(f"the copy of {source} fails SQLite's integrity check: {verdict}")


# -- PostgreSQL ---------------------------------------------------------------------------
def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection URI for the client programs; the password goes through the environment."""
    parsed = make_url(url)
    environ = dict(os.environ)
    if parsed.password:
        environ["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), environ


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client programs of the server's "
                          "major version (or newer)")
    return found


def _run(command: list[str], environ: dict[str, str]) -> None:
    done = subprocess.run(command, env=environ, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()}")


def _require_empty(url: str) -> None:
    db_engine = make_db_engine(url)
    try:
        with db_engine.connect() as conn:
            tables = conn.scalar(text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))
    finally:
        db_engine.dispose()
    if tables:
        raise BackupError(f"the database holds {tables} table(s): restore into a new, empty database "
                          "(createdb), then point the service at it")
