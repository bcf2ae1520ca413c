"""The embedded store: one SQLite file under DATA_DIR, the default database.

Each project is kept whole as its serialized protobuf (`doc`), beside the few columns the
list queries filter and sort on. WAL lets readers run while a writer commits, and
several orchestrator processes can share one file: every read-modify-write runs in a
`BEGIN IMMEDIATE` transaction, and `busy_timeout` makes a writer wait for another.

Reads run on the event loop thread: in WAL mode they never wait for a lock and, with the
page cache sized to the store, take microseconds (stdlib sqlite3 inline measured faster
than aiosqlite's thread hop). Writes may wait for another process's lock, so they run on
one writer thread of their own and the loop never stalls on them.
"""

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ai_studio.v1.project_pb2 import Project, ProjectStatus, Scene
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from orchestrator.labels import labels
from orchestrator.store.base import (
    ProjectQuery,
    StoreTimeout,
    StoreUnavailable,
    check_paths,
    fold,
)
from orchestrator.store.sqlite_jobs import JOBS_SCHEMA, SqliteJobs

FILENAME = "ai_studio.sqlite3"
SCHEMA_VERSION = 2
STATUS_LABELS = labels(ProjectStatus)

# The list columns, by the proto field names a query sorts on.
SORT_COLUMNS = {
    "create_time": "p.create_ms",
    "update_time": "p.update_ms",
    "title": "p.title",
    "status": "p.status",
}

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY,          -- insertion order: the tie-break of every sort
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    title_fold TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    update_ms INTEGER NOT NULL,
    doc BLOB NOT NULL                 -- the whole Project, serialized
);
CREATE INDEX IF NOT EXISTS projects_create ON projects (create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_status_create ON projects (status, create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_update ON projects (update_ms, seq);
CREATE INDEX IF NOT EXISTS projects_title ON projects (title, seq);
"""
    + JOBS_SCHEMA
)

# Every project read brings its job's view along (NULL when it has none).
SELECT_PROJECTS = "SELECT p.doc, j.view FROM projects p LEFT JOIN video_jobs j ON j.id = p.id"


def _project(doc: bytes, job_view: bytes | None) -> Project:
    """A stored project with its job's view; the job table is the only source of it."""
    project = Project.FromString(doc)
    project.ClearField("video_job")
    if job_view is not None:
        project.video_job.MergeFromString(job_view)
    return project


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn the database's own failures into store errors; bugs stay bugs."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreTimeout(f"the embedded store is busy: {exc}") from exc
        raise StoreUnavailable(f"the embedded store failed: {exc}") from exc
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"the embedded store is unusable: {exc}") from exc


def connect(path: Path, busy_timeout_ms: int, cache_mb: int) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode is durable against a process crash, which is what we face.
    conn.execute("PRAGMA synchronous = NORMAL")
    # The default 2 MB cache is smaller than a 1,000-project store.
    conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
    return conn


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the file's write lock at once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def row_values(project: Project) -> tuple:
    """The columns of a project's row; the document never keeps a video_job (jobs have
    their own table)."""
    if project.HasField("video_job"):
        project = Project.FromString(project.SerializeToString())
        project.ClearField("video_job")
    return (
        STATUS_LABELS.get(project.status, ""),
        project.title,
        fold(project.title),
        fold(project.description),
        project.create_time.ToMilliseconds(),
        project.update_time.ToMilliseconds(),
        project.SerializeToString(),
    )


class SqliteProjectStore(SqliteJobs):
    def __init__(self, data_dir: Path, busy_timeout_ms: int = 5000, cache_mb: int = 64) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILENAME
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        with translated_errors():
            # The writer reads one row per write: a small cache; the reader's holds the store.
            self._writer = connect(self.path, busy_timeout_ms, min(cache_mb, 8))
            self._reader = connect(self.path, busy_timeout_ms, cache_mb)
            self._migrate()

    def _migrate(self) -> None:
        with immediate(self._writer) as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StoreUnavailable(f"{self.path} has schema {version}, newer than this code")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _immediate(self):
        return immediate(self._writer)

    _translated = staticmethod(translated_errors)

    async def _write(self, fn, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, self._guarded, fn, args)

    def _guarded(self, fn, args):
        with translated_errors():
            return fn(*args)

    # -- writes, on the writer thread -------------------------------------------------

    def _insert(self, project: Project) -> Project:
        project.id = uuid.uuid4().hex
        project.ClearField("video_job")  # a new project has no job yet
        with immediate(self._writer) as conn:
            conn.execute(
                "INSERT INTO projects (id, status, title, title_fold, description_fold,"
                " create_ms, update_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (project.id, *row_values(project)),
            )
        return project

    def _update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        check_paths(paths)
        with immediate(self._writer) as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = _project(*row)
            FieldMask(paths=paths).MergeMessage(
                patch, project, replace_message_field=True, replace_repeated_field=True
            )
            self._rewrite(conn, project)
        return project

    def _update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        with immediate(self._writer) as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = _project(*row)
            if not 0 <= index < len(project.images):
                raise IndexError(index)
            project.images[index].CopyFrom(scene)
            project.update_time.CopyFrom(update_time)
            self._rewrite(conn, project)
        return project

    def _rewrite(self, conn: sqlite3.Connection, project: Project) -> None:
        conn.execute(
            "UPDATE projects SET status = ?, title = ?, title_fold = ?,"
            " description_fold = ?, create_ms = ?, update_ms = ?, doc = ? WHERE id = ?",
            (*row_values(project), project.id),
        )

    def _delete(self, project_id: str) -> bool:
        # The job goes with the project: a runner rendering it finds its claim gone and
        # its result is dropped.
        with immediate(self._writer) as conn:
            conn.execute("DELETE FROM video_jobs WHERE id = ?", (project_id,))
            return conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount > 0

    async def create(self, project: Project) -> Project:
        return await self._write(self._insert, project)

    async def update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        return await self._write(self._update, project_id, patch, paths)

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        return await self._write(self._update_scene, project_id, index, scene, update_time)

    async def delete(self, project_id: str) -> bool:
        return await self._write(self._delete, project_id)

    # -- reads, inline on the loop -------------------------------------------------------

    async def get(self, project_id: str) -> Project | None:
        with translated_errors():
            row = self._reader.execute(
                f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)
            ).fetchone()
        return None if row is None else _project(*row)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        where, params = [], []
        if query.statuses:
            where.append(f"p.status IN ({', '.join('?' * len(query.statuses))})")
            params.extend(STATUS_LABELS[s] for s in query.statuses)
        if query.search:
            # instr() compares literally: no LIKE pattern, no regex, whatever the text holds.
            where.append("(instr(p.title_fold, ?) > 0 OR instr(p.description_fold, ?) > 0)")
            params.extend([fold(query.search)] * 2)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        direction = "DESC" if query.descending else "ASC"
        order = f" ORDER BY {SORT_COLUMNS[query.order_by]} {direction}, p.seq {direction}"
        page = " LIMIT ? OFFSET ?"
        page_params = (-1 if query.limit is None else query.limit, query.offset)
        with translated_errors():
            # One read transaction, so that the page and the count see the same snapshot.
            self._reader.execute("BEGIN")
            try:
                (total,) = self._reader.execute(
                    f"SELECT COUNT(*) FROM projects p{clause}", params
                ).fetchone()
                rows = self._reader.execute(
                    f"{SELECT_PROJECTS}{clause}{order}{page}", (*params, *page_params)
                ).fetchall()
            finally:
                self._reader.execute("COMMIT")
        return [_project(*row) for row in rows], total

    async def ping(self) -> None:
        with translated_errors():
            self._reader.execute("SELECT 1 FROM projects LIMIT 1").fetchall()

    async def close(self) -> None:
        self._writer_thread.shutdown(wait=True)
        self._reader.close()
        self._writer.close()
