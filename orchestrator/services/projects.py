"""The CRUD of projects: defaults, timestamps, not-found; validation is done before."""

from collections.abc import Sequence

from ai_studio.v1.project_pb2 import Project

from common import fields
from orchestrator.clock import Clock, stamp
from orchestrator.errors import ProjectNotFound
from orchestrator.store.base import ProjectQuery, Store
from orchestrator.store.revisions import check_expected

# The contract's defaults. Merging a request onto them fills exactly its gaps: enums
# have no valid zero, and the numbers whose zero is invalid (speeds, fps) have presence,
# so that a 0 given is kept, and refused by validation, rather than taken for "unset".
DEFAULTS = Project(**fields.DEFAULTS)


def with_defaults(project: Project) -> Project:
    """The project with the contract's defaults for every field it leaves unset."""
    merged = Project()
    merged.CopyFrom(DEFAULTS)
    merged.MergeFrom(project)
    return merged


async def create_project(store: Store, clock: Clock, project: Project) -> Project:
    project.ClearField("video_job")
    stamp(project.create_time, clock)
    project.update_time.CopyFrom(project.create_time)
    return await store.create(project)


async def get_project(store: Store, project_id: str) -> Project:
    project = await store.get(project_id)
    if project is None:
        raise ProjectNotFound(project_id)
    return project


async def list_projects(store: Store, query: ProjectQuery) -> tuple[list[Project], int]:
    return await store.list(query)


async def update_project(
    store: Store,
    clock: Clock,
    project_id: str,
    patch: Project,
    paths: Sequence[str],
    expected_revision: int | None = None,
) -> Project:
    if not paths:
        # Nothing to change: answer the project as it is, as a JSON Server PATCH {} does.
        project = await get_project(store, project_id)
        check_expected(project_id, expected_revision, project.revision)
        return project
    if "audio_path" in paths and "captions_url" not in paths:
        paths = await _with_captions_reset(store, project_id, patch, paths)
    stamp(patch.update_time, clock)
    updated = await store.update(project_id, patch, [*paths, "update_time"], expected_revision)
    if updated is None:
        raise ProjectNotFound(project_id)
    return updated


def _audio(project: Project) -> str | None:
    return project.audio_path if project.HasField("audio_path") else None


async def _with_captions_reset(
    store: Store, project_id: str, patch: Project, paths: Sequence[str]
) -> list[str]:
    """The update's paths, clearing captions_url too when the update changes the audio
    without giving captions: captions of other audio would be out of sync. (A client that
    writes back the audio it read keeps its captions.)"""
    stored = await get_project(store, project_id)
    if _audio(stored) == _audio(patch):
        return list(paths)
    patch.ClearField("captions_url")
    return [*paths, "captions_url"]


async def delete_project(
    store: Store, project_id: str, expected_revision: int | None = None
) -> None:
    if not await store.delete(project_id, expected_revision):
        raise ProjectNotFound(project_id)
