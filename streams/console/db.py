"""The console's SQLite database: connection, schema migrations, bounded retention.

Migrations are the numbered `migrations/NNNN_*.sql` files, applied in order inside one
transaction each; `PRAGMA user_version` records the last one applied. A database written by
a newer console (a higher version than we know) is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
import time
from importlib import resources
from pathlib import Path

MIGRATIONS = "migrations"


class DatabaseError(RuntimeError):
    pass


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("streams.console").joinpath(MIGRATIONS)
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text(encoding="utf-8")))
    return sorted(found)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating it if needed) and migrate. One connection per process/thread."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    current = schema_version(conn)
    known = migrations()
    latest = known[-1][0] if known else 0
    if current > latest:
        raise DatabaseError(
            f"the database is at schema version {current}, newer than this console "
            f"({latest}); use a newer flamewatch"
        )
    for version, script in known:
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def purge(conn: sqlite3.Connection, retention_days: float, now: float | None = None) -> int:
    """Delete alerts, comments and threads that arrived before the retention horizon.

    Decisions stay: each carries its own copy of the texts it is about (for training)."""
    horizon = (now if now is not None else time.time()) - retention_days * 86400.0
    conn.execute("BEGIN IMMEDIATE")
    try:
        removed = conn.execute("DELETE FROM alerts WHERE ingested_at < ?", (horizon,)).rowcount
        removed += conn.execute("DELETE FROM comments WHERE ingested_at < ?", (horizon,)).rowcount
        conn.execute(
            "DELETE FROM threads WHERE ingested_at < ? AND thread_id NOT IN "
            "(SELECT thread_id FROM comments) AND thread_id NOT IN (SELECT thread_id FROM alerts)",
            (horizon,),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return removed
