"""The embedded store's projects: the `projects` table and the ProjectStore part.

Each project is kept whole as its serialized protobuf (`doc`, in project_docs with the
long texts), beside narrow rows in `projects` holding a column per scalar field, which the
list queries filter and sort on (each with an index of it in the default order; a scan
reads these rows, never the documents), a trigram index of the folded title and
description (projects_text) for substring search, and an index of their pieces of 1 and
2 characters (short_texts.py) for the texts too short for trigrams.
WAL lets readers run while a writer commits, and several orchestrator processes can share
one file: every read-modify-write runs in a `BEGIN IMMEDIATE` transaction, and
`busy_timeout` makes a writer wait for another.
"""

import sqlite3
import uuid
from typing import Any

import orjson
from ai_studio.v1.project_pb2 import Project, Scene
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from common import fields
from common.labels import STATUS
from orchestrator.store.base import Paths, ProjectQuery, check_paths, fold
from orchestrator.store.counts import CountKey, count_key, page_key, rememberable
from orchestrator.store.revisions import check_expected
from orchestrator.store.sqlite import bookmarks, insertion_order, listing, short_texts
from orchestrator.store.sqlite.changes import ChangeWriter, next_revision, snapshot_revision
from orchestrator.store.sqlite.connection import Connection, statements, translated_errors
from orchestrator.store.sqlite.filters import FIELD_COLUMNS
from orchestrator.store.sqlite.insertion_order import INSERTION_ORDER_SCHEMA
from orchestrator.store.sqlite.kept import Counted, KeptMemos, Paged
from orchestrator.store.sqlite.short_texts import SHORT_TEXTS_SCHEMA

STATUS_LABELS = STATUS.label
# The schema version that brought the index of short texts.
SHORT_TEXTS_SINCE = 4

COLUMNS = (
    "status", "title", "title_fold", "description_fold", "create_ms", "update_ms",
    *FIELD_COLUMNS,
)  # fmt: skip

PROJECTS_SCHEMA = (
    f"""
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY,          -- insertion order: the tie-break of every sort
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    title_fold TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    update_ms INTEGER NOT NULL,
    {", ".join(FIELD_COLUMNS)}
);
-- The whole Project, serialized, and its long texts: a list query scans the narrow rows
-- of projects and reads only its page's documents.
CREATE TABLE IF NOT EXISTS project_docs (
    seq INTEGER PRIMARY KEY,          -- the project's seq
    doc BLOB NOT NULL,
    description TEXT NOT NULL,
    script_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_create ON projects (create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_status_create ON projects (status, create_ms, seq);
CREATE INDEX IF NOT EXISTS projects_update ON projects (update_ms, seq);
CREATE INDEX IF NOT EXISTS projects_title ON projects (title, seq);
CREATE TRIGGER IF NOT EXISTS projects_docs_delete AFTER DELETE ON projects BEGIN
    DELETE FROM project_docs WHERE seq = old.seq;
END;
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
    + SHORT_TEXTS_SCHEMA
    + INSERTION_ORDER_SCHEMA
)
# What the schema of version 2 (one table holding the documents) had, dropped on upgrade.
OLD_OBJECTS = (
    "TRIGGER projects_text_insert", "TRIGGER projects_text_delete",
    "TRIGGER projects_text_update", "TRIGGER projects_docs_delete", "TABLE projects_text",
    "INDEX projects_create", "INDEX projects_status_create", "INDEX projects_update",
    "INDEX projects_title", "TRIGGER projects_order_insert", "TRIGGER projects_order_update",
)  # fmt: skip

# Every project read brings its job's view along (NULL when it has none).
FROM_PROJECTS = (
    " FROM projects p JOIN project_docs d ON d.seq = p.seq LEFT JOIN video_jobs j ON j.id = p.id"
)
SELECT_PROJECTS = f"SELECT d.doc, j.view{FROM_PROJECTS}"


def stored_project(doc: bytes, job_view: bytes | None) -> Project:
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


def _without_job(project: Project) -> Project:
    """The document never keeps a video_job (jobs have their own table)."""
    if project.HasField("video_job"):
        project = Project.FromString(project.SerializeToString())
        project.ClearField("video_job")
    return project


def row_values(project: Project) -> tuple[Any, ...]:
    """The columns of a project's row, in COLUMNS order."""
    return (
        STATUS_LABELS.get(project.status, ""),
        project.title,
        fold(project.title),
        fold(project.description),
        project.create_time.ToMilliseconds(),
        project.update_time.ToMilliseconds(),
        *(_column_value(project, fields.BY_NAME[name]) for name in FIELD_COLUMNS),
    )


def doc_values(project: Project) -> tuple[Any, ...]:
    """The document and long texts of a project, as project_docs keeps them."""
    return (_without_job(project).SerializeToString(), project.description, project.script_text)


INSERT_ROW = f"INSERT INTO projects (id, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})"
INSERT_DOC = "INSERT INTO project_docs (seq, doc, description, script_text) VALUES (?, ?, ?, ?)"
UPDATE_ROW = f"UPDATE projects SET {', '.join(f'{c} = ?' for c in COLUMNS)} WHERE seq = ?"
UPDATE_DOC = "UPDATE project_docs SET doc = ?, description = ?, script_text = ? WHERE seq = ?"
FOLDS = slice(2, 4)  # title_fold, description_fold in COLUMNS

# Each scalar column's index, in the default order (its seq last, as in every index): an
# equality filter pages and counts on it alone; made by upgrade(), once the columns exist.
FIELD_INDEXES = tuple(
    f"CREATE INDEX IF NOT EXISTS projects_by_{name} ON projects ({name}, create_ms)"
    for name in FIELD_COLUMNS
)


def insert(conn: sqlite3.Connection, project: Project) -> None:
    """Store a new project (with its id set), inside a write transaction."""
    values = row_values(project)
    seq = conn.execute(INSERT_ROW, (project.id, *values)).lastrowid
    assert seq is not None
    conn.execute(INSERT_DOC, (seq, *doc_values(project)))
    short_texts.add(conn, seq, *values[FOLDS])


def rewrite(conn: sqlite3.Connection, project: Project) -> None:
    """Write a changed project back to its row, inside a write transaction."""
    seq, *folds = conn.execute(
        "SELECT seq, title_fold, description_fold FROM projects WHERE id = ?", (project.id,)
    ).fetchone()
    values = row_values(project)
    conn.execute(UPDATE_ROW, (*values, seq))
    conn.execute(UPDATE_DOC, (*doc_values(project), seq))
    if tuple(folds) != values[FOLDS]:
        short_texts.remove(conn, seq, *folds)
        short_texts.add(conn, seq, *values[FOLDS])


def fold_or_null(text: str | None) -> str | None:
    return None if text is None else fold(str(text))


def _add_field_columns(conn: sqlite3.Connection, missing: list[str]) -> None:
    """Columns for fields added to the field table since the file was made, filled from
    each project's document."""
    for name in missing:
        conn.execute(f"ALTER TABLE projects ADD COLUMN {name}")
    if missing:
        docs = conn.execute(
            "SELECT p.id, d.doc FROM projects p JOIN project_docs d ON d.seq = p.seq"
        )
        for project_id, doc in docs.fetchall():
            project = Project.FromString(doc)
            project.id = project_id
            rewrite(conn, project)


def upgrade(conn: sqlite3.Connection) -> None:
    """Bring an older store to this layout, inside the schema's transaction, after the
    statements of PROJECTS_SCHEMA ran: columns for fields added since, the field indexes,
    the index of short texts and the order flag (version 4)."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    have = {row[1] for row in conn.execute("PRAGMA table_info(projects)")}
    if "doc" in have:
        _upgrade_from_2(conn)
    else:
        _add_field_columns(conn, [name for name in FIELD_COLUMNS if name not in have])
    for statement in FIELD_INDEXES:
        conn.execute(statement)
    if version < SHORT_TEXTS_SINCE:
        short_texts.fill(conn)
    insertion_order.fill(conn)


def _upgrade_from_2(conn: sqlite3.Connection) -> None:
    """Schema version 2 kept the documents in the projects rows: each project is written
    again, with the seq it had."""
    for kind_name in OLD_OBJECTS:
        conn.execute(f"DROP {kind_name.replace(' ', ' IF EXISTS ', 1)}")
    conn.execute("ALTER TABLE projects RENAME TO projects_v2")
    for statement in statements(PROJECTS_SCHEMA):
        conn.execute(statement)
    for seq, doc in conn.execute("SELECT seq, doc FROM projects_v2 ORDER BY seq").fetchall():
        project = Project.FromString(doc)
        conn.execute(
            f"INSERT INTO projects (seq, id, {', '.join(COLUMNS)})"
            f" VALUES (?, ?{', ?' * len(COLUMNS)})",
            (seq, project.id, *row_values(project)),
        )
        conn.execute(INSERT_DOC, (seq, *doc_values(project)))
    conn.execute("DROP TABLE projects_v2")


def merge(patch: Project, paths: Paths, project: Project) -> None:
    """Copy the top-level `paths` of `patch` onto `project`: a FieldMask merge."""
    FieldMask(paths=list(paths)).MergeMessage(
        patch, project, replace_message_field=True, replace_repeated_field=True
    )


def read_doc(conn: sqlite3.Connection, project_id: str) -> Project | None:
    """The stored project without its job's view, inside a write transaction."""
    row = conn.execute(
        "SELECT d.doc FROM projects p JOIN project_docs d ON d.seq = p.seq WHERE p.id = ?",
        (project_id,),
    ).fetchone()
    return None if row is None else Project.FromString(row[0])


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
    return None if row is None else changed(conn, log, stored_project(*row))


class SqliteProjects:
    """ProjectStore over the `projects` table; see base.py for the contract."""

    def __init__(self, db: Connection, log: ChangeWriter) -> None:
        self.db, self.log = db, log
        # Case-insensitive comparisons of the texts that keep no folded column.
        for conn in (db.reader, db.writer):
            conn.create_function("fold", 1, fold_or_null, deterministic=True)
        # The memos of counts and pages, kept current through this store's writes.
        kept = KeptMemos(db.path, db.busy_timeout_ms, fold_or_null)
        db.observe(kept)
        self.counts, self.pages, self.marks = kept.counts, kept.pages, kept.marks

    # -- writes, on the writer thread -------------------------------------------------

    def _insert(self, project: Project) -> Project:
        project.id = uuid.uuid4().hex
        project.ClearField("video_job")  # a new project has no job yet
        with self.db.immediate() as conn:
            project.revision = next_revision(conn)
            insert(conn, project)
            self.log.log(conn, project.revision, project.id, project.SerializeToString())
        return project

    def _update(
        self, project_id: str, patch: Project, paths: Paths, expected: int | None
    ) -> Project | None:
        check_paths(paths)
        with self.db.immediate() as conn:
            row = conn.execute(f"{SELECT_PROJECTS} WHERE p.id = ?", (project_id,)).fetchone()
            if row is None:
                return None
            project = stored_project(*row)
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
            project = stored_project(*row)
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
            deleted = conn.execute(
                "DELETE FROM projects WHERE id = ? RETURNING seq, title_fold, description_fold",
                (project_id,),
            ).fetchall()
            for seq, title_fold, description_fold in deleted:
                short_texts.remove(conn, seq, title_fold, description_fold)
            if deleted:
                self.log.log(conn, next_revision(conn), project_id, None)
            return bool(deleted)

    async def create(self, project: Project) -> Project:
        return await self.db.write(self._insert, project)

    async def update(
        self, project_id: str, patch: Project, paths: Paths, expected_revision: int | None = None
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
        return None if row is None else stored_project(*row)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        reader = self.db.reader
        with translated_errors():
            # One read transaction, so that the page and the count see the same snapshot.
            reader.execute("BEGIN")
            try:
                seqs, total = self._page(reader, query)
                # The page's seqs as one JSON array, read in its order (any number of them).
                rows = reader.execute(
                    "SELECT d.doc, j.view FROM json_each(?) AS page"
                    " JOIN projects p ON p.seq = page.value JOIN project_docs d ON d.seq = p.seq"
                    " LEFT JOIN video_jobs j ON j.id = p.id ORDER BY page.key",
                    (orjson.dumps(seqs),),
                ).fetchall()
            finally:
                reader.execute("COMMIT")
        return [stored_project(*row) for row in rows], total

    def _page(self, reader: sqlite3.Connection, query: ProjectQuery) -> tuple[tuple[int, ...], int]:
        """The seqs of the page, in order, and the count, from the memos when they hold
        at this snapshot. Every write to a project, from any process sharing the file,
        takes the next revision in its transaction: the snapshot's revision says which
        counts and pages still hold (this store's writes carry them on: kept.py). A deep
        page no memo holds is walked from a bookmark, where the order allows one."""
        if not rememberable(query):
            plan = listing.plan(reader, query, None)
            return self._walk(reader, query, plan), plan.total
        revision = snapshot_revision(reader)
        counted = count_key(query)  # folds the search: made once a list
        count = self.counts.lookup(counted, revision)
        key = page_key(query, counted)
        page = None if key is None else self.pages.lookup(key, revision)
        if page is not None and count is not None:
            return page.seqs, count.total
        plan = listing.plan(reader, query, None if count is None else count.total)
        member = count.member if count is not None else listing.membership(query)
        if count is None:
            self.counts.remember(counted, revision, Counted(plan.total, member))
        if page is not None:
            return page.seqs, plan.total
        if plan.seek is not None and query.limit and bookmarks.EVERY <= query.offset < plan.total:
            seqs = self._from_bookmarks(reader, query, plan, plan.seek, (counted, member), revision)
        else:
            seqs = self._walk(reader, query, plan)
        if key is not None:
            full = len(seqs) == query.limit
            paged = Paged(seqs, full, member, listing.first_of_two(query))
            self.pages.remember(key, revision, paged)
        return seqs, plan.total

    @staticmethod
    def _walk(
        reader: sqlite3.Connection, query: ProjectQuery, plan: listing.Plan
    ) -> tuple[int, ...]:
        """The page's seqs, walked from the first match (OFFSET)."""
        if query.offset >= plan.total:
            # Past the last match (a deep page, a slice whose end comes before its start):
            # empty, without walking every match to find so.
            return ()
        page_params = (-1 if query.limit is None else query.limit, query.offset)
        return tuple(
            seq
            for (seq,) in reader.execute(
                f"{plan.page} LIMIT ? OFFSET ?", (*plan.params, *page_params)
            )
        )

    def _from_bookmarks(
        self,
        reader: sqlite3.Connection,
        query: ProjectQuery,
        plan: listing.Plan,
        seek: listing.Seek,
        conditions: tuple[CountKey, listing.Membership],
        revision: int,
    ) -> tuple[int, ...]:
        """A deep page walked from the nearest bookmark (bookmarks.py); those laid on the
        way are remembered."""
        assert query.limit is not None
        counted, member = conditions
        key = (counted, tuple(query.sort))
        known = self.marks.lookup(key, revision)
        seqs, at = bookmarks.page(reader, plan, seek, known, query.offset, query.limit)
        if known is None or at != known.at:
            marks = bookmarks.Marks(at, member, listing.first_of_two(query))
            self.marks.remember(key, revision, marks)
        return seqs
