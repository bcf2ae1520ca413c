"""The embedded store's projects: the `projects` table and the ProjectStore part.

Each project is kept whole as its serialized protobuf (`doc`), beside the few columns the
list queries filter and sort on. WAL lets readers run while a writer commits, and
several orchestrator processes can share one file: every read-modify-write runs in a
`BEGIN IMMEDIATE` transaction, and `busy_timeout` makes a writer wait for another.
"""

import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

from ai_studio.v1.project_pb2 import Project, Scene
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from common.labels import STATUS
from orchestrator.store.base import ProjectQuery, check_paths, fold
from orchestrator.store.revisions import check_expected
from orchestrator.store.sqlite.changes import ChangeWriter, next_revision
from orchestrator.store.sqlite.connection import Connection, translated_errors

STATUS_LABELS = STATUS.label

# The list columns, by the proto field names a query sorts on.
SORT_COLUMNS = {
    "create_time": "p.create_ms",
    "update_time": "p.update_ms",
    "title": "p.title",
    "status": "p.status",
}

PROJECTS_SCHEMA = """
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

# Every project read brings its job's view along (NULL when it has none).
SELECT_PROJECTS = "SELECT p.doc, j.view FROM projects p LEFT JOIN video_jobs j ON j.id = p.id"


def _project(doc: bytes, job_view: bytes | None) -> Project:
    """A stored project with its job's view; the job table is the only source of it."""
    project = Project.FromString(doc)
    project.ClearField("video_job")
    if job_view is not None:
        project.video_job.MergeFromString(job_view)
    return project


def row_values(project: Project) -> tuple[Any, ...]:
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


def merge(patch: Project, paths: Sequence[str], project: Project) -> None:
    """Copy the top-level `paths` of `patch` onto `project`: a FieldMask merge."""
    FieldMask(paths=list(paths)).MergeMessage(
        patch, project, replace_message_field=True, replace_repeated_field=True
    )


def read_doc(conn: sqlite3.Connection, project_id: str) -> Project | None:
    """The stored project without its job's view, inside a write transaction."""
    row = conn.execute("SELECT doc FROM projects WHERE id = ?", (project_id,)).fetchone()
    return None if row is None else Project.FromString(row[0])


def rewrite(conn: sqlite3.Connection, project: Project) -> None:
    """Write a changed project back to its row, inside a write transaction."""
    conn.execute(
        "UPDATE projects SET status = ?, title = ?, title_fold = ?,"
        " description_fold = ?, create_ms = ?, update_ms = ?, doc = ? WHERE id = ?",
        (*row_values(project), project.id),
    )


def changed(conn: sqlite3.Connection, log: ChangeWriter, project: Project) -> Project:
    """Give a changed project (as a read shows it, with its job's view) the next revision,
    write it back and log it: every write ends here, inside its transaction."""
    project.revision = next_revision(conn)
    rewrite(conn, project)
    log.log(conn, project.revision, project.id, project.SerializeToString())
    return project


def touch(conn: sqlite3.Connection, log: ChangeWriter, project_id: str) -> Project | None:
    """A change to the project made elsewhere (its job): a new revision, logged."""
    row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
    return None if row is None else changed(conn, log, _project(*row))


class SqliteProjects:
    """ProjectStore over the `projects` table; see base.py for the contract."""

    def __init__(self, db: Connection, log: ChangeWriter) -> None:
        self.db, self.log = db, log

    # -- writes, on the writer thread -------------------------------------------------

    def _insert(self, project: Project) -> Project:
        project.id = uuid.uuid4().hex
        project.ClearField("video_job")  # a new project has no job yet
        with self.db.immediate() as conn:
            project.revision = next_revision(conn)
            conn.execute(
                "INSERT INTO projects (id, status, title, title_fold, description_fold,"
                " create_ms, update_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (project.id, *row_values(project)),
            )
            self.log.log(conn, project.revision, project.id, project.SerializeToString())
        return project

    def _update(
        self, project_id: str, patch: Project, paths: Sequence[str], expected: int | None
    ) -> Project | None:
        check_paths(paths)
        with self.db.immediate() as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = _project(*row)
            check_expected(project_id, expected, project.revision)
            if not paths:  # merging nothing changes nothing: no new revision
                return project
            merge(patch, paths, project)
            return changed(conn, self.log, project)

    def _update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        with self.db.immediate() as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = _project(*row)
            if not 0 <= index < len(project.images):
                raise IndexError(index)
            project.images[index].CopyFrom(scene)
            project.update_time.CopyFrom(update_time)
            return changed(conn, self.log, project)

    def _delete(self, project_id: str, expected: int | None) -> bool:
        # The job goes with the project: a runner rendering it finds its claim gone and
        # its result is dropped.
        with self.db.immediate() as conn:
            if expected is not None:
                found = read_doc(conn, project_id)
                if found is None:
                    return False
                check_expected(project_id, expected, found.revision)
            conn.execute("DELETE FROM video_jobs WHERE id = ?", (project_id,))
            deleted: int = conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount
            if deleted:
                self.log.log(conn, next_revision(conn), project_id, None)
            return deleted > 0

    async def create(self, project: Project) -> Project:
        return await self.db.write(self._insert, project)

    async def update(
        self,
        project_id: str,
        patch: Project,
        paths: Sequence[str],
        expected_revision: int | None = None,
    ) -> Project | None:
        return await self.db.write(self._update, project_id, patch, paths, expected_revision)

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        return await self.db.write(self._update_scene, project_id, index, scene, update_time)

    async def delete(self, project_id: str, expected_revision: int | None = None) -> bool:
        return await self.db.write(self._delete, project_id, expected_revision)

    # -- reads, inline on the loop -------------------------------------------------------

    async def get(self, project_id: str) -> Project | None:
        with translated_errors():
            row = self.db.reader.execute(
                f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)
            ).fetchone()
        return None if row is None else _project(*row)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        where: list[str] = []
        params: list[Any] = []
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
        reader = self.db.reader
        with translated_errors():
            # One read transaction, so that the page and the count see the same snapshot.
            reader.execute("BEGIN")
            try:
                (total,) = reader.execute(
                    f"SELECT COUNT(*) FROM projects p{clause}", params
                ).fetchone()
                rows = reader.execute(
                    f"{SELECT_PROJECTS}{clause}{order}{page}", (*params, *page_params)
                ).fetchall()
            finally:
                reader.execute("COMMIT")
        return [_project(*row) for row in rows], total
