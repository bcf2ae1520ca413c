"""The one Store, the two parts every adapter implements, and the errors adapters raise.

Exceptions:
    StoreError
    ├── StoreUnavailable   the database cannot be reached or used (-> UNAVAILABLE)
    └── StoreTimeout       the database did not answer in time (-> DEADLINE_EXCEEDED)
"""

import functools
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from ai_studio.v1.project_pb2 import Project, Scene, VideoSettings
from google.protobuf.timestamp_pb2 import Timestamp

from common import fields
from orchestrator.store.jobs import Job
from orchestrator.store.revisions import Change, ChangeLog

# The fields a client may change; the rest (id, timestamps, video_job) are the server's.
WRITABLE_FIELDS = fields.WRITABLE

# The scalar fields a list can filter and sort on, by proto name: every field of the
# table but the repeated ones and the job (see orchestrator/listing.py for the operators).
SCALAR_KINDS = frozenset({"text", "enum", "number", "integer", "url", "boolean"})
SCALAR_FIELDS = (
    "id",
    *(f.name for f in fields.PROJECT_FIELDS if f.kind in SCALAR_KINDS),
    "create_time",
    "update_time",
)

# The orders a list can be sorted by, by their proto field names.
SORTABLE_FIELDS = SCALAR_FIELDS

# How a condition compares; the text ones (contains, starts_with, ends_with, folded_eq)
# compare case-folded text (see fold) with a value already folded.
Operator = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "contains", "starts_with", "ends_with", "folded_eq"
]
TEXT_OPERATORS = frozenset({"contains", "starts_with", "ends_with", "folded_eq"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One filter of a list: `field` (a SCALAR_FIELDS name) compared with typed values:
    str for texts, URLs, ids and enum labels, float or int for numbers, bool, and
    milliseconds since the epoch for the times. eq matches any of the values, ne none
    of them (a null field included); the others take one value."""

    field: str
    operator: Operator
    values: tuple[Any, ...]


class StoreError(Exception):
    """The store failed for a reason of its own, not the caller's."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or used."""


class StoreTimeout(StoreError):
    """The database did not answer in time."""


@dataclass(frozen=True, slots=True)
class ProjectQuery:
    """What ListProjects asks the store for; already validated."""

    statuses: Sequence[int] = ()  # ProjectStatus numbers; empty matches every status
    search: str = ""  # literal text, matched case-insensitively in title or description
    # (field, descending) keys, each one of SORTABLE_FIELDS; insertion order breaks ties,
    # in the direction of the first key.
    sort: Sequence[tuple[str, bool]] = (("create_time", False),)
    conditions: Sequence[Condition] = ()  # all must hold
    offset: int = 0
    limit: int | None = None  # None returns every match


# The fields an update may name: the writable ones and the server's update time.
UPDATABLE_PATHS = WRITABLE_FIELDS | {"update_time"}

# The top-level fields a write copies from its patch, by name (as a FieldMask's paths).
Paths = Sequence[str]


def check_paths(paths: Paths) -> None:
    """Refuse an update of anything but whole writable fields: a bug of the caller's."""
    wrong = [p for p in paths if p not in UPDATABLE_PATHS]
    if wrong:
        raise ValueError(f"cannot update the paths {wrong} of a project")


def fold(text: str) -> str:
    """The case-insensitive form search compares: Unicode case folding (not ASCII
    lower()), composed, so that "é" typed as e + accent matches a precomposed "é"."""
    return unicodedata.normalize("NFC", text.casefold())


class ProjectStore(Protocol):
    """Persistence of projects, one part of a Store. Every method is atomic on its own."""

    async def create(self, project: Project) -> Project:
        """Store a new project, give it an id and return it as stored."""

    async def get(self, project_id: str) -> Project | None:
        """The project, or None when no project has that id."""

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        """One page of the projects matching the query, and how many match in all."""

    async def update(
        self, project_id: str, patch: Project, paths: Paths, expected_revision: int | None = None
    ) -> Project | None:
        """Copy the top-level fields named by `paths` from `patch` (unset ones are cleared,
        repeated ones replaced whole) and return the project after, or None when unknown.
        With `expected_revision`, RevisionMismatch unless the project is at it (checked
        in the same atomic write)."""

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        """Replace images[index] alone, atomically, and return the project after; None
        when the project is unknown, IndexError when it has no scene `index`."""

    async def delete(self, project_id: str, expected_revision: int | None = None) -> bool:
        """Remove the project and its job; False when no project has that id.
        With `expected_revision`, RevisionMismatch unless the project is at it."""


class JobStore(Protocol):
    """Persistence of video jobs, the other part of a Store; see store/jobs.py."""

    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        """Queue a new job for the project, replacing a finished one; None when the project
        is unknown; JobActive when one is queued or rendering. Atomic: of many concurrent
        calls for one project, one queues and the others raise JobActive."""

    async def get_job(self, project_id: str) -> Job | None:
        """The project's job, or None when it has none."""

    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        """Claim the job due first (queued and due, or rendering with an expired lease):
        owner, lease, epoch + 1, attempts + 1, state rendering. None when none is due."""

    async def renew_lease(self, job: Job, until_ms: int, now_ms: int) -> bool:
        """Extend the lease of a claim; False when the claim is no longer ours."""

    async def requeue_job(self, job: Job, due_ms: int, error: str, now_ms: int) -> bool:
        """Give a claim back to the queue after a transient failure, due at `due_ms`."""

    async def release_job(self, job: Job, now_ms: int) -> bool:
        """Give a claim back to the queue at once (shutdown), without counting an attempt."""

    async def fail_job(self, job: Job, error: str, now_ms: int) -> bool:
        """End a claim as failed; the project keeps its fields."""

    async def finish_job(self, job: Job, patch: Project, paths: Paths, now_ms: int) -> bool:
        """End a claim as succeeded and apply `patch` (the video's fields) to the project,
        both or neither."""

    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        """Cancel the project's queued or rendering job; the job after, or None if none."""

    async def count_jobs(self, states: Sequence[int]) -> int:
        """How many jobs are in these states (the queue depth)."""

    async def report_progress(self, job: Job, progress: float, stage: str, now_ms: int) -> bool:
        """Show the progress (0-1) and stage of the claim's render on the job's view while
        it renders (not a transition); False when the claim is no longer ours."""


class Database(Protocol):
    """The connection both parts share."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the database cannot be used."""

    async def close(self) -> None:
        """Release connections and threads."""


P = ParamSpec("P")
R = TypeVar("R")


def _notifies(
    write: Callable[Concatenate["Store", P], Awaitable[R]],
) -> Callable[Concatenate["Store", P], Awaitable[R]]:
    """Make a Store method a write: once it is over, whether it returned or raised, the
    store's listeners are told."""

    @functools.wraps(write)
    async def notifying(store: "Store", /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await write(store, *args, **kwargs)
        finally:
            for listener in store.listeners:
                listener()

    return notifying


class Store:
    """The one store the server, the services and the runner take: an adapter's project
    part, job part, change log and database, composed. The methods say what each part
    promises. Every write gives the project it changes a new revision (revisions.py)."""

    def __init__(
        self, projects: ProjectStore, jobs: JobStore, db: Database, changes: ChangeLog
    ) -> None:
        self.projects, self.jobs, self.db, self.changes = projects, jobs, db, changes
        # Called after each write of this process (the change feed reads the log at once).
        self.listeners: list[Callable[[], None]] = []

    # -- projects -------------------------------------------------------------------------

    @_notifies
    async def create(self, project: Project) -> Project:
        return await self.projects.create(project)

    async def get(self, project_id: str) -> Project | None:
        return await self.projects.get(project_id)

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        return await self.projects.list(query)

    @_notifies
    async def update(
        self, project_id: str, patch: Project, paths: Paths, expected_revision: int | None = None
    ) -> Project | None:
        return await self.projects.update(project_id, patch, paths, expected_revision)

    @_notifies
    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        return await self.projects.update_scene(project_id, index, scene, update_time)

    @_notifies
    async def delete(self, project_id: str, expected_revision: int | None = None) -> bool:
        return await self.projects.delete(project_id, expected_revision)

    # -- jobs -----------------------------------------------------------------------------

    @_notifies
    async def queue_job(
        self, project_id: str, requested: VideoSettings, payload: dict[str, Any], now_ms: int
    ) -> Job | None:
        return await self.jobs.queue_job(project_id, requested, payload, now_ms)

    async def get_job(self, project_id: str) -> Job | None:
        return await self.jobs.get_job(project_id)

    @_notifies
    async def claim_job(self, owner: str, now_ms: int, lease_ms: int) -> Job | None:
        return await self.jobs.claim_job(owner, now_ms, lease_ms)

    @_notifies
    async def renew_lease(self, job: Job, until_ms: int, now_ms: int) -> bool:
        return await self.jobs.renew_lease(job, until_ms, now_ms)

    @_notifies
    async def requeue_job(self, job: Job, due_ms: int, error: str, now_ms: int) -> bool:
        return await self.jobs.requeue_job(job, due_ms, error, now_ms)

    @_notifies
    async def release_job(self, job: Job, now_ms: int) -> bool:
        return await self.jobs.release_job(job, now_ms)

    @_notifies
    async def fail_job(self, job: Job, error: str, now_ms: int) -> bool:
        return await self.jobs.fail_job(job, error, now_ms)

    @_notifies
    async def finish_job(self, job: Job, patch: Project, paths: Paths, now_ms: int) -> bool:
        return await self.jobs.finish_job(job, patch, paths, now_ms)

    @_notifies
    async def cancel_job(self, project_id: str, now_ms: int) -> Job | None:
        return await self.jobs.cancel_job(project_id, now_ms)

    async def count_jobs(self, states: Sequence[int]) -> int:
        return await self.jobs.count_jobs(states)

    @_notifies
    async def report_progress(self, job: Job, progress: float, stage: str, now_ms: int) -> bool:
        return await self.jobs.report_progress(job, progress, stage, now_ms)

    # -- the change log -------------------------------------------------------------------

    async def current_revision(self) -> int:
        return await self.changes.current_revision()

    async def changes_after(self, revision: int, limit: int) -> Sequence[Change]:
        return await self.changes.changes_after(revision, limit)

    # -- the database ---------------------------------------------------------------------

    async def ping(self) -> None:
        await self.db.ping()

    async def close(self) -> None:
        await self.db.close()
