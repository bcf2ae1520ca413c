"""The embedded store, the default database: one SQLite file under DATA_DIR.

Built from its parts: the file (connection.py), the projects table (projects.py) and the
video jobs table (jobs.py), which share the connection and its writer thread.
"""

from pathlib import Path

from orchestrator.store.base import Store
from orchestrator.store.revisions import LOG_SIZE
from orchestrator.store.sqlite.changes import CHANGES_SCHEMA, ChangeWriter, SqliteChanges
from orchestrator.store.sqlite.connection import Connection
from orchestrator.store.sqlite.jobs import JOBS_SCHEMA, SqliteJobs
from orchestrator.store.sqlite.progress import PROGRESS_SCHEMA
from orchestrator.store.sqlite.projects import PROJECTS_SCHEMA, SqliteProjects, upgrade


class SqliteStore(Store):
    def __init__(
        self,
        data_dir: Path,
        busy_timeout_ms: int = 5000,
        cache_mb: int = 64,
        change_log_size: int = LOG_SIZE,
    ) -> None:
        schema = PROJECTS_SCHEMA + JOBS_SCHEMA + CHANGES_SCHEMA + PROGRESS_SCHEMA
        db = Connection(data_dir, schema, busy_timeout_ms, cache_mb, upgrade)
        log = ChangeWriter(change_log_size)
        super().__init__(SqliteProjects(db, log), SqliteJobs(db, log), db, SqliteChanges(db))
        self.path = db.path
