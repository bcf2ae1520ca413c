"""The embedded store's video jobs: the `video_jobs` table and the JobStore part, on the
connection the projects share.

Every transition is a read-modify-write in one `BEGIN IMMEDIATE` transaction, which
holds the file's write lock: across threads and processes, one claim at a time. The
transition itself is one of the pure functions of store/jobs.py.
"""

import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson
from ai_studio.v1.project_pb2 import Project, VideoSettings

from orchestrator.store import jobs
from orchestrator.store.base import check_paths
from orchestrator.store.jobs import ACTIVE, RECORD_FIELDS, STATE_LABELS, Job, JobActive
from orchestrator.store.sqlite.changes import ChangeWriter
from orchestrator.store.sqlite.connection import Connection, translated_errors
from orchestrator.store.sqlite.progress import record, with_progress
from orchestrator.store.sqlite.projects import merge, read_doc, rewrite, touch

JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS video_jobs (
    id TEXT PRIMARY KEY,              -- the project's id: one job per project
    state TEXT NOT NULL,              -- queued, rendering, succeeded, failed, cancelled
    attempts INTEGER NOT NULL,
    error TEXT,
    requested BLOB NOT NULL,          -- VideoSettings, serialized
    payload TEXT NOT NULL,            -- the render request's JSON body
    owner TEXT,
    epoch INTEGER NOT NULL,
    lease_until_ms INTEGER,
    due_ms INTEGER NOT NULL,
    create_ms INTEGER NOT NULL,
    update_ms INTEGER NOT NULL,
    view BLOB NOT NULL                -- the VideoJob the API shows, read with the project
);
CREATE INDEX IF NOT EXISTS video_jobs_due ON video_jobs (state, due_ms);
CREATE INDEX IF NOT EXISTS video_jobs_lease ON video_jobs (state, lease_until_ms);
"""

COLUMNS = ", ".join(("id", *RECORD_FIELDS))


def _job(row: tuple[Any, ...] | None) -> Job | None:
    if row is None:
        return None
    record = dict(zip(RECORD_FIELDS, row[1:], strict=True))
    record["requested"] = VideoSettings.FromString(record["requested"])
    record["payload"] = orjson.loads(record["payload"])
    return jobs.from_record(row[0], record)


def _read(conn: sqlite3.Connection, job_id: str) -> Job | None:
    return _job(
        conn.execute(f"SELECT {COLUMNS} FROM video_jobs WHERE id = ?", (job_id,)).fetchone()
    )


def _put(conn: sqlite3.Connection, log: ChangeWriter, job: Job) -> None:
    """Write the job, and give its project (whose view it is) a new revision."""
    record = jobs.to_record(job)
    record["requested"] = job.requested.SerializeToString()
    record["payload"] = orjson.dumps(job.payload).decode()
    marks = ", ".join("?" * (len(RECORD_FIELDS) + 2))
    conn.execute(
        f"INSERT OR REPLACE INTO video_jobs ({COLUMNS}, view) VALUES ({marks})",
        (job.id, *record.values(), with_progress(conn, job, job.view()).SerializeToString()),
    )
    touch(conn, log, job.id)


class SqliteJobs:
    """JobStore over the `video_jobs` table; see base.py and store/jobs.py."""

    def __init__(self, db: Connection, log: ChangeWriter) -> None:
        self.db, self.log = db, log

    # -- on the writer thread -------------------------------------------------------

    def _queue(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        with self.db.immediate() as conn:
            if (
                conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone()
                is None
            ):
                return None
            previous = _read(conn, project_id)
            if previous is not None and previous.state in ACTIVE:
                raise JobActive(previous)
            job = jobs.new_job(project_id, requested, payload, now_ms, previous)
            _put(conn, self.log, job)
        return job

    def _claim(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        with self.db.immediate() as conn:
            before = _job(
                conn.execute(
                    f"SELECT {COLUMNS} FROM video_jobs"
                    " WHERE (state = 'queued' AND due_ms <= ?)"
                    " OR (state = 'rendering' AND lease_until_ms <= ?)"
                    " ORDER BY due_ms LIMIT 1",
                    (now_ms, now_ms),
                ).fetchone()
            )
            if before is None:
                return None
            job = jobs.claimed(before, owner, now_ms, lease_ms)
            _put(conn, self.log, job)
        return job

    def _transition(
        self, claim: Job, after: Job, patch: Project | None = None, paths: Sequence[str] = ()
    ) -> bool:
        """Write `after` if `claim` still holds the job; with a patch, apply it to the
        project in the same transaction."""
        with self.db.immediate() as conn:
            if not jobs.holds(_read(conn, claim.id), claim):
                return False
            if patch is not None:
                project = read_doc(conn, claim.id)
                if project is None:
                    return False
                merge(patch, paths, project)
                rewrite(conn, project)
            _put(conn, self.log, after)
        return True

    def _progress(self, claim: Job, progress: float, stage: str) -> bool:
        with self.db.immediate() as conn:
            stored = _read(conn, claim.id)
            if stored is None or not jobs.holds(stored, claim):
                return False
            record(conn, claim, progress, stage)
            _put(conn, self.log, stored)  # the view shows it; the project's revision moves
        return True

    def _cancel(self, project_id: str, now_ms: int) -> Job | None:
        with self.db.immediate() as conn:
            job = _read(conn, project_id)
            if job is None or job.state not in ACTIVE:
                return job
            job = jobs.cancelled(job, now_ms)
            _put(conn, self.log, job)
        return job

    # -- the JobStore interface -----------------------------------------------------

    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        return await self.db.write(self._queue, project_id, requested, payload, now_ms)

    async def get_job(self, project_id: str) -> Job | None:
        with translated_errors():
            return _read(self.db.reader, project_id)

    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        return await self.db.write(self._claim, owner, now_ms, lease_ms)

    async def renew_lease(self, job: Job, until_ms: int, now_ms: int) -> bool:
        return await self.db.write(self._transition, job, jobs.renewed(job, until_ms, now_ms))

    async def requeue_job(self, job: Job, due_ms: int, error: str, now_ms: int) -> bool:
        after = jobs.requeued(job, due_ms, error, now_ms)
        return await self.db.write(self._transition, job, after)

    async def release_job(self, job: Job, now_ms: int) -> bool:
        return await self.db.write(self._transition, job, jobs.released(job, now_ms))

    async def fail_job(self, job: Job, error: str, now_ms: int) -> bool:
        return await self.db.write(self._transition, job, jobs.failed(job, error, now_ms))

    async def finish_job(self, job: Job, patch: Project, paths: Sequence[str], now_ms: int) -> bool:
        check_paths(paths)
        after = jobs.succeeded(job, now_ms)
        return await self.db.write(self._transition, job, after, patch, paths)

    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        return await self.db.write(self._cancel, project_id, now_ms)

    async def report_progress(self, job: Job, progress: float, stage: str, now_ms: int) -> bool:
        return await self.db.write(self._progress, job, progress, stage)

    async def count_jobs(self, states: Sequence[int]) -> int:
        marks = ", ".join("?" * len(states))
        with translated_errors():
            (count,) = self.db.reader.execute(
                f"SELECT COUNT(*) FROM video_jobs WHERE state IN ({marks})",
                [STATE_LABELS[s] for s in states],
            ).fetchone()
        return int(count)
