"""The embedded store's revisions and change log: the `revision_counter` row and the
`changes` table, written in the same transaction as the change they record.

The counter is one row, bumped with UPDATE ... RETURNING inside the writer's BEGIN
IMMEDIATE transaction, which holds the file's write lock: revisions are given in commit
order, across every process sharing the file, and a reader never sees a later revision
committed before an earlier one (no gaps to wait for, unlike MongoDB).
The log's primary key is the revision; every PRUNE_EVERY writes the entries past the
last `size` are deleted, and `pruned` in the counter row records the newest one gone.
"""

import sqlite3
import time
from collections.abc import Sequence

from ai_studio.v1.project_pb2 import Project

from orchestrator.store.revisions import LOG_SIZE, Change, RevisionExpired
from orchestrator.store.sqlite.connection import Connection, translated_errors

CHANGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS revision_counter (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    value INTEGER NOT NULL,           -- the latest revision given
    pruned INTEGER NOT NULL           -- the newest revision deleted from the log
);
INSERT OR IGNORE INTO revision_counter (id, value, pruned) VALUES (0, 0, 0);
CREATE TABLE IF NOT EXISTS changes (
    revision INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    doc BLOB                          -- the project after the change, NULL when deleted
);
"""

# Pruning is a range delete on the primary key; doing it now and then keeps writes cheap.
PRUNE_EVERY = 64


def next_revision(conn: sqlite3.Connection) -> int:
    """The next revision, inside a write transaction."""
    (revision,) = conn.execute(
        "UPDATE revision_counter SET value = value + 1 WHERE id = 0 RETURNING value"
    ).fetchone()
    return int(revision)


def snapshot_revision(conn: sqlite3.Connection) -> int:
    """The latest revision committed, as the connection's read transaction sees it."""
    (value,) = conn.execute("SELECT value FROM revision_counter WHERE id = 0").fetchone()
    return int(value)


class ChangeWriter:
    """Logs changes inside the writers' transactions; knows how much the log keeps."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        self.size = size

    def log(
        self, conn: sqlite3.Connection, revision: int, project_id: str, doc: bytes | None
    ) -> None:
        conn.execute(
            "INSERT INTO changes (revision, project_id, at_ms, doc) VALUES (?, ?, ?, ?)",
            (revision, project_id, int(time.time() * 1000), doc),
        )
        if revision % PRUNE_EVERY == 0 and revision > self.size:
            keep_from = revision - self.size
            conn.execute("DELETE FROM changes WHERE revision <= ?", (keep_from,))
            conn.execute(
                "UPDATE revision_counter SET pruned = max(pruned, ?) WHERE id = 0", (keep_from,)
            )


class SqliteChanges:
    """ChangeLog over the `changes` table, read on the loop (WAL: never blocked)."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def current_revision(self) -> int:
        with translated_errors():
            return snapshot_revision(self.db.reader)

    async def changes_after(self, revision: int, limit: int) -> Sequence[Change]:
        reader = self.db.reader
        with translated_errors():
            # One read transaction: the pruning mark and the entries from one snapshot.
            reader.execute("BEGIN")
            try:
                (pruned,) = reader.execute(
                    "SELECT pruned FROM revision_counter WHERE id = 0"
                ).fetchone()
                rows = reader.execute(
                    "SELECT revision, project_id, doc FROM changes WHERE revision > ?"
                    " ORDER BY revision LIMIT ?",
                    (revision, limit),
                ).fetchall()
            finally:
                reader.execute("COMMIT")
        if revision < pruned:
            raise RevisionExpired(revision, pruned)
        return [
            Change(rev, project_id, None if doc is None else Project.FromString(doc))
            for rev, project_id, doc in rows
        ]
