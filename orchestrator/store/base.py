"""The store interface every adapter implements, and the errors adapters raise.

Exceptions:
    StoreError
    ├── StoreUnavailable   the database cannot be reached or used (-> UNAVAILABLE)
    └── StoreTimeout       the database did not answer in time (-> DEADLINE_EXCEEDED)
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ai_studio.v1.project_pb2 import Project, Scene
from google.protobuf.timestamp_pb2 import Timestamp

# The fields a client may change; the rest (id, timestamps, video_job) are the server's.
WRITABLE_FIELDS = frozenset(
    f.name
    for f in Project.DESCRIPTOR.fields
    if f.name not in {"id", "create_time", "update_time", "video_job"}
)

# The orders a list can be sorted by, by their proto field names.
SORTABLE_FIELDS = ("create_time", "update_time", "title", "status")


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
    order_by: str = "create_time"  # one of SORTABLE_FIELDS
    descending: bool = False
    offset: int = 0
    limit: int | None = None  # None returns every match


# The fields an update may name: the writable ones and the server's update time.
UPDATABLE_PATHS = WRITABLE_FIELDS | {"update_time"}


def check_paths(paths: Sequence[str]) -> None:
    """Refuse an update of anything but whole writable fields: a bug of the caller's."""
    wrong = [p for p in paths if p not in UPDATABLE_PATHS]
    if wrong:
        raise ValueError(f"cannot update the paths {wrong} of a project")


def fold(text: str) -> str:
    """The case-insensitive form search compares: Unicode case folding (not ASCII
    lower()), composed, so that "é" typed as e + accent matches a precomposed "é"."""
    return unicodedata.normalize("NFC", text.casefold())


class ProjectStore(Protocol):
    """Persistence of projects. Every method is atomic on its own."""

    async def create(self, project: Project) -> Project:
        """Store a new project, give it an id and return it as stored."""

    async def get(self, project_id: str) -> Project | None:
        """The project, or None when no project has that id."""

    async def list(self, query: ProjectQuery) -> tuple[list[Project], int]:
        """One page of the projects matching the query, and how many match in all."""

    async def update(self, project_id: str, patch: Project, paths: Sequence[str]) -> Project | None:
        """Copy the top-level fields named by `paths` from `patch` (unset ones are cleared,
        repeated ones replaced whole) and return the project after, or None when unknown."""

    async def update_scene(
        self, project_id: str, index: int, scene: Scene, update_time: Timestamp
    ) -> Project | None:
        """Replace images[index] alone, atomically, and return the project after; None
        when the project is unknown, IndexError when it has no scene `index`."""

    async def delete(self, project_id: str) -> bool:
        """Remove the project; False when no project has that id."""

    async def ping(self) -> None:
        """Raise StoreUnavailable when the database cannot be used."""

    async def close(self) -> None:
        """Release connections and threads."""
