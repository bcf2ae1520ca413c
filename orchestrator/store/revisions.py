"""Revisions and the change log: what every adapter keeps so that a project's changes can
be told apart (ETag, If-Match) and followed (WatchProject, WatchProjects).

One counter per store gives every change to a project (its video job's included) the
next revision, across every orchestrator sharing the store. Each change is logged with
its revision and the project after it (or none: a deletion); the log keeps a bounded
number of recent changes, so that a watcher can resume after the last revision it saw.

Exceptions:
    RevisionError
    ├── RevisionMismatch  an expected revision (If-Match) is not the project's
    │                     (-> FAILED_PRECONDITION)
    └── RevisionExpired   a watch resumes from a revision the log no longer keeps
                          (-> OUT_OF_RANGE)
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ai_studio.v1.project_pb2 import Project

# How many changes the log keeps by default: a watcher may be this far behind and resume.
LOG_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Change:
    """One logged change: the project after it, or None when it was deleted."""

    revision: int
    project_id: str
    project: Project | None


class RevisionError(Exception):
    """A revision the caller named does not hold."""


class RevisionMismatch(RevisionError):
    """The project's revision is not the one the caller expected."""

    def __init__(self, project_id: str, expected: int, actual: int) -> None:
        super().__init__(f"project {project_id} is at revision {actual}, not {expected}")
        self.project_id, self.expected, self.actual = project_id, expected, actual


class RevisionExpired(RevisionError):
    """The changes after this revision are no longer all in the log."""

    def __init__(self, revision: int, oldest: int) -> None:
        super().__init__(f"revision {revision} is older than the change log keeps ({oldest})")
        self.revision, self.oldest = revision, oldest


def check_expected(project_id: str, expected: int | None, actual: int) -> None:
    """Raise RevisionMismatch when a revision was expected and the project has another."""
    if expected is not None and expected != actual:
        raise RevisionMismatch(project_id, expected, actual)


class ChangeLog(Protocol):
    """The change log's read side; the writes log their changes themselves, atomically."""

    async def current_revision(self) -> int:
        """The revision of the latest change in the store (0 before any)."""

    async def changes_after(self, revision: int, limit: int) -> Sequence[Change]:
        """Up to `limit` changes after `revision`, oldest first, with no gap: a change a
        writer is still committing holds back the ones after it. RevisionExpired when
        some change after `revision` is no longer kept."""
