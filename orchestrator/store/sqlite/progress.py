"""The embedded store's render progress: the `video_job_progress` table, one row per job,
for the claim (epoch) that reported it. It is apart from `video_jobs` so that the job's
transitions (store/jobs.py) stay as they are: a job's view shows the progress of its
current claim while it renders, and nothing once it has ended or been claimed again.
"""

import sqlite3

from ai_studio.v1.project_pb2 import VideoJob

from orchestrator.store.jobs import RENDERING, Job

PROGRESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS video_job_progress (
    id TEXT PRIMARY KEY,              -- the job's (the project's) id
    epoch INTEGER NOT NULL,           -- the claim that reported it
    progress REAL NOT NULL,           -- 0 to 1
    stage TEXT NOT NULL
);
"""


def with_progress(conn: sqlite3.Connection, job: Job, view: VideoJob) -> VideoJob:
    """The job's view with its render's progress, while it renders; else the row goes."""
    if job.state != RENDERING:
        conn.execute("DELETE FROM video_job_progress WHERE id = ?", (job.id,))
        return view
    row = conn.execute(
        "SELECT progress, stage FROM video_job_progress WHERE id = ? AND epoch = ?",
        (job.id, job.epoch),
    ).fetchone()
    if row is not None:
        view.progress, view.stage = row
    return view


def record(conn: sqlite3.Connection, claim: Job, progress: float, stage: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO video_job_progress (id, epoch, progress, stage)"
        " VALUES (?, ?, ?, ?)",
        (claim.id, claim.epoch, progress, stage),
    )
