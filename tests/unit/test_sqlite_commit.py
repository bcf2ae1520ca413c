"""A write transaction whose COMMIT fails ends (orchestrator/store/sqlite/connection.py):
the store refuses that write and takes the next one."""

import sqlite3
from typing import Any

import pytest

from orchestrator.store.base import ProjectQuery, StoreUnavailable
from orchestrator.store.sqlite import SqliteStore
from orchestrator.store.sqlite.connection import Connection
from tests.fakes.projects import project


class FailingCommit:
    """The writer's connection, but its next COMMIT fails as a full disk would."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.failures = conn, 1

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT" and self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_a_failed_commit_ends_its_transaction(store: SqliteStore) -> None:
    kept = await store.create(project("Kept", created_ms=1))
    db = store.db
    assert isinstance(db, Connection)
    writer = db.writer
    db.writer = FailingCommit(writer)  # type: ignore[assignment]
    try:
        with pytest.raises(StoreUnavailable):
            await store.create(project("Lost", created_ms=2))
        made = await store.create(project("Next", created_ms=3))  # BEGIN works again
    finally:
        db.writer = writer
    projects, total = await store.list(ProjectQuery())
    assert total == 2
    assert {p.id for p in projects} == {kept.id, made.id}
