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
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from common import fields
from common.labels import STATUS
from orchestrator.store.base import SCALAR_KINDS, ProjectQuery, check_paths, fold
from orchestrator.store.sqlite.connection import Connection, translated_errors
from orchestrator.store.sqlite.filters import where_clause

STATUS_LABELS = STATUS.label

# A column per scalar field the list queries filter and sort on, beside the older ones
# (status, title, the folded texts, the times in milliseconds); named as the field.
FIELD_COLUMNS = tuple(
    f.name
    for f in fields.PROJECT_FIELDS
    if f.kind in SCALAR_KINDS and f.name not in ("title", "status")
)
COLUMNS = (
    "status", "title", "title_fold", "description_fold", "create_ms", "update_ms", "doc",
    *FIELD_COLUMNS,
)  # fmt: skip

# The list columns, by the proto field names a query filters and sorts on.
SORT_COLUMNS = {
    "id": "p.id",
    "create_time": "p.create_ms",
    "update_time": "p.update_ms",
    "title": "p.title",
    "status": "p.status",
    **{name: f"p.{name}" for name in FIELD_COLUMNS},
}
PROJECTS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY,          -- insertion order: the tie-break of every sort
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    title_fold TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    update_ms INTEGER NOT NULL,
    doc BLOB NOT NULL,                -- the whole Project, serialized
    {", ".join(FIELD_COLUMNS)}
);
CREATE INDEX IF NOT EXISTS projects_create ON projects (create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_status_create ON projects (status, create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_update ON projects (update_ms, seq);
CREATE INDEX IF NOT EXISTS projects_title ON projects (title, seq);
-- Substring search: the folded texts, by trigram, kept in step by the triggers below
-- (an external-content table: the texts are stored once, in projects).
CREATE VIRTUAL TABLE IF NOT EXISTS projects_text USING fts5(
    title_fold, description_fold, content='projects', content_rowid='seq',
    tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER IF NOT EXISTS projects_text_insert AFTER INSERT ON projects BEGIN
    INSERT INTO projects_text (rowid, title_fold, description_fold)
    VALUES (new.seq, new.title_fold, new.description_fold);
END;
CREATE TRIGGER IF NOT EXISTS projects_text_delete AFTER DELETE ON projects BEGIN
    INSERT INTO projects_text (projects_text, rowid, title_fold, description_fold)
    VALUES ('delete', old.seq, old.title_fold, old.description_fold);
END;
CREATE TRIGGER IF NOT EXISTS projects_text_update
AFTER UPDATE OF title_fold, description_fold ON projects BEGIN
    INSERT INTO projects_text (projects_text, rowid, title_fold, description_fold)
    VALUES ('delete', old.seq, old.title_fold, old.description_fold);
    INSERT INTO projects_text (rowid, title_fold, description_fold)
    VALUES (new.seq, new.title_fold, new.description_fold);
END;
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


def _column_value(project: Project, field: fields.Field) -> Any:
    value = getattr(project, field.name)
    if field.kind == "enum":
        return field.labels.label.get(value) if field.labels else None
    if field.kind == "url":
        message: Message = project  # HasField by a name known at run time
        return value if message.HasField(field.name) else None
    return int(value) if isinstance(value, bool) else value


def row_values(project: Project) -> tuple[Any, ...]:
    """The columns of a project's row, in COLUMNS order; the document never keeps a
    video_job (jobs have their own table)."""
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
        *(_column_value(project, fields.BY_NAME[name]) for name in FIELD_COLUMNS),
    )


def fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(str(text))


def add_field_columns(conn: sqlite3.Connection) -> None:
    """Bring a store made by older code up to FIELD_COLUMNS: add the columns it lacks and
    fill them (and the trigram index) from each project's document. Inside the schema's
    write transaction."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(projects)")}
    missing = [name for name in FIELD_COLUMNS if name not in have]
    for name in missing:
        conn.execute(f"ALTER TABLE projects ADD COLUMN {name}")
    if missing:
        for (doc,) in conn.execute("SELECT doc FROM projects").fetchall():
            rewrite(conn, Project.FromString(doc))
    (indexed,) = conn.execute("SELECT count(*) FROM projects_text_docsize").fetchone()
    (stored,) = conn.execute("SELECT count(*) FROM projects").fetchone()
    if indexed != stored:
        conn.execute("INSERT INTO projects_text (projects_text) VALUES ('rebuild')")


def merge(patch: Project, paths: Sequence[str], project: Project) -> None:
    """Copy the top-level `paths` of `patch` onto `project`: a FieldMask merge."""
    FieldMask(paths=list(paths)).MergeMessage(
        patch, project, replace_message_field=True, replace_repeated_field=True
    )


def read_doc(conn: sqlite3.Connection, project_id: str) -> Project | None:
    """The stored project without its job's view, inside a write transaction."""
    row = conn.execute("SELECT doc FROM projects WHERE id = ?", (project_id,)).fetchone()
    return None if row is None else Project.FromString(row[0])


UPDATE_ROW = f"UPDATE projects SET {', '.join(f'{c} = ?' for c in COLUMNS)} WHERE id = ?"
INSERT_ROW = f"INSERT INTO projects (id, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})"


def rewrite(conn: sqlite3.Connection, project: Project) -> None:
    """Write a changed project back to its row, inside a write transaction."""
    conn.execute(UPDATE_ROW, (*row_values(project), project.id))


class SqliteProjects:
    """ProjectStore over the `projects` table; see base.py for the contract."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        # Case-insensitive comparisons of the texts that keep no folded column.
        db.reader.create_function("fold", 1, fold_or_null, deterministic=True)

    # -- writes, on the writer thread -------------------------------------------------

    def _insert(self, project: Project) -> Project:
        project.id = uuid.uuid4().hex
        project.ClearField("video_job")  # a new project has no job yet
        with self.db.immediate() as conn:
            conn.execute(INSERT_ROW, (project.id, *row_values(project)))
        return project

    def _update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        check_paths(paths)
        with self.db.immediate() as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = _project(*row)
            merge(patch, paths, project)
            rewrite(conn, project)
        return project

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
            rewrite(conn, project)
        return project

    def _delete(self, project_id: str) -> bool:
        # The job goes with the project: a runner rendering it finds its claim gone and
        # its result is dropped.
        with self.db.immediate() as conn:
            conn.execute("DELETE FROM video_jobs WHERE id = ?", (project_id,))
            deleted: int = conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount
            return deleted > 0

    async def create(self, project: Project) -> Project:
        return await self.db.write(self._insert, project)

    async def update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        return await self.db.write(self._update, project_id, patch, paths)

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        return await self.db.write(self._update_scene, project_id, index, scene, update_time)

    async def delete(self, project_id: str) -> bool:
        return await self.db.write(self._delete, project_id)

    # -- reads, inline on the loop -------------------------------------------------------

    async def get(self, project_id: str) -> Project | None:
        with translated_errors():
            row = self.db.reader.execute(
                f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)
            ).fetchone()
        return None if row is None else _project(*row)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        where, params = where_clause(query)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        first_descending = query.sort[0][1] if query.sort else False
        keys = [f"{SORT_COLUMNS[f]} {'DESC' if d else 'ASC'}" for f, d in query.sort]
        keys.append("p.seq DESC" if first_descending else "p.seq ASC")
        order = f" ORDER BY {', '.join(keys)}"
        page_params = (-1 if query.limit is None else query.limit, query.offset)
        # The page is found on the indexes alone (the sort key and seq), then only its own
        # rows are read whole: a deep OFFSET skips index entries, not documents.
        page = (
            f"SELECT p.doc, j.view FROM (SELECT p.seq FROM projects p{clause}{order}"
            " LIMIT ? OFFSET ?) AS page JOIN projects p ON p.seq = page.seq"
            f" LEFT JOIN video_jobs j ON j.id = p.id{order}"
        )
        reader = self.db.reader
        with translated_errors():
            # One read transaction, so that the page and the count see the same snapshot.
            reader.execute("BEGIN")
            try:
                (total,) = reader.execute(
                    f"SELECT COUNT(*) FROM projects p{clause}", params
                ).fetchone()
                rows = reader.execute(page, (*params, *page_params)).fetchall()
            finally:
                reader.execute("COMMIT")
        return [_project(*row) for row in rows], total
