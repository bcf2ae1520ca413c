"""What a generation step is asked, and the project it works on.

A step's request may give some of the project's fields for that call alone
(common/fields.py: `given_to`); the servicer checks them before any I/O and hands the
step a StepCall. The step works on the stored project with those values laid over it.
"""

from collections.abc import Collection
from dataclasses import dataclass

from ai_studio.v1.project_pb2 import Project
from google.protobuf.field_mask_pb2 import FieldMask

from orchestrator.services.projects import get_project
from orchestrator.store.base import Store


@dataclass(frozen=True, slots=True)
class StepCall:
    """One generation request, checked: the project it names, what it gives (a partial
    Project), the fields it gives, and when the work must be done by (time.monotonic())."""

    project_id: str
    overrides: Project
    given: Collection[str]
    deadline: float | None = None


async def effective(store: Store, call: StepCall) -> Project:
    """The project as stored, with what the request gave laid over it."""
    project = await get_project(store, call.project_id)
    FieldMask(paths=list(call.given)).MergeMessage(
        call.overrides, project, replace_message_field=True, replace_repeated_field=True
    )
    return project
