"""Whether the projects' default order (create time, then seq) is their seq order.

The text indexes give their matches in rowid (seq) order only, so a search's first page
in the default order can stop after its LIMIT instead of sorting every match, when the
two orders agree. They do as long as no project was created with an earlier create time
than one stored before it (two orchestrators sharing a file, a clock set back): the
triggers below note the first such project, and from then on the store sorts instead.
"""

import sqlite3

INSERTION_ORDER_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects_order (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    mixed INTEGER NOT NULL            -- 1 once the create times disagree with seq
);
CREATE TRIGGER IF NOT EXISTS projects_order_insert AFTER INSERT ON projects
WHEN EXISTS (SELECT 1 FROM projects WHERE seq > new.seq)
    OR EXISTS (SELECT 1 FROM projects WHERE create_ms > new.create_ms)
BEGIN
    UPDATE projects_order SET mixed = 1;
END;
CREATE TRIGGER IF NOT EXISTS projects_order_update AFTER UPDATE OF create_ms ON projects
WHEN new.create_ms != old.create_ms
BEGIN
    UPDATE projects_order SET mixed = 1;
END;
"""


def fill(conn: sqlite3.Connection) -> None:
    """The flag of a file made before it existed (or a new one), from its projects."""
    if conn.execute("SELECT 1 FROM projects_order").fetchone() is not None:
        return
    latest, mixed = None, False
    for (create_ms,) in conn.execute("SELECT create_ms FROM projects ORDER BY seq"):
        if latest is not None and create_ms < latest:
            mixed = True
            break
        latest = create_ms
    conn.execute("INSERT INTO projects_order (one, mixed) VALUES (1, ?)", (int(mixed),))


def in_seq_order(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT mixed FROM projects_order").fetchone()
    return row is not None and not row[0]
