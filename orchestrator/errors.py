"""Domain exceptions, and the one place they become a `google.rpc.Status`.

Exceptions (the gRPC code and ErrorInfo reason each becomes):
    DomainError
    ├── InvalidArgument      INVALID_ARGUMENT     VALIDATION_ERROR, with BadRequest violations
    ├── NotFound             NOT_FOUND
    │   ├── ProjectNotFound      PROJECT_NOT_FOUND
    │   ├── SceneNotFound        SCENE_NOT_FOUND
    │   └── VideoJobNotFound     VIDEO_JOB_NOT_FOUND
    ├── PreconditionFailed   FAILED_PRECONDITION  the step's reason, e.g. SCRIPT_REQUIRED
    │   └── InputURLRefused      INPUT_URL_REFUSED, with BadRequest violations
    │   └── NothingToUse         NOTHING_TO_SPEAK, NOTHING_TO_DRAW, with BadRequest violations
    ├── RenderAlreadyActive  ALREADY_EXISTS       VIDEO_JOB_ACTIVE (metadata: job_id, state)
    └── UpstreamFailure      (a microservice failed; ErrorInfo metadata names it)
        ├── ContentRefused       INVALID_ARGUMENT   CONTENT_REFUSED or PROMPT_REJECTED (the
        │                                           service refused the client's own content,
        │                                           422: BadRequest names the field; the edge
        │                                           answers 422)
        ├── UpstreamError        UNKNOWN            UPSTREAM_ERROR (an error or unusable answer)
        ├── UpstreamUnavailable  UNAVAILABLE        UPSTREAM_UNAVAILABLE (could not be reached)
        └── UpstreamTimeout      DEADLINE_EXCEEDED  UPSTREAM_TIMEOUT (did not answer in time)
    RevisionMismatch         FAILED_PRECONDITION  REVISION_MISMATCH (metadata: expected, actual)
    RevisionExpired          OUT_OF_RANGE       REVISION_EXPIRED (metadata: oldest): re-list
    StoreUnavailable         UNAVAILABLE        STORE_UNAVAILABLE
    StoreTimeout             DEADLINE_EXCEEDED  STORE_TIMEOUT
Anything else is a bug: INTERNAL, INTERNAL, logged with its traceback.
"""

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from orchestrator.store.base import StoreTimeout, StoreUnavailable
from orchestrator.store.revisions import RevisionExpired, RevisionMismatch

DOMAIN = "ai_studio"


def shown(value: str, limit: int = 64) -> str:
    """A client's value as an error message quotes it: cut short. A status travels in
    gRPC trailers, whose size is limited; an id of megabytes must not break the answer."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


@dataclass(frozen=True, slots=True)
class Violation:
    field: str
    description: str


class DomainError(Exception):
    code = code_pb2.INTERNAL
    reason = "INTERNAL"

    def __init__(self, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata or {}


class InvalidArgument(DomainError):
    code = code_pb2.INVALID_ARGUMENT
    reason = "VALIDATION_ERROR"

    # A status travels in gRPC trailers, whose size is limited (16 KiB by default): ten
    # thousand empty prompts must still answer a 400, so only the first ones are listed.
    MAX_LISTED = 20

    def __init__(self, violations: list[Violation]) -> None:
        listed = violations[: self.MAX_LISTED]
        fields = ", ".join(dict.fromkeys(v.field for v in listed))
        more = len(violations) - len(listed)
        super().__init__(f"invalid {fields}" + (f" (and {more} more)" if more else ""))
        self.violations = listed


class NotFound(DomainError):
    code = code_pb2.NOT_FOUND


class ProjectNotFound(NotFound):
    reason = "PROJECT_NOT_FOUND"

    def __init__(self, project_id: str) -> None:
        super().__init__(f"project {shown(project_id)} not found")


class SceneNotFound(NotFound):
    reason = "SCENE_NOT_FOUND"

    def __init__(self, project_id: str, index: int) -> None:
        super().__init__(f"project {shown(project_id)} has no scene {index}")


class VideoJobNotFound(NotFound):
    reason = "VIDEO_JOB_NOT_FOUND"

    def __init__(self, project_id: str) -> None:
        super().__init__(f"project {shown(project_id)} has no video job")


class PreconditionFailed(DomainError):
    code = code_pb2.FAILED_PRECONDITION

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class InputURLRefused(PreconditionFailed):
    """The project's render inputs name URLs the video service will not fetch."""

    def __init__(self, violations: list[Violation]) -> None:
        fields = ", ".join(v.field for v in violations[: InvalidArgument.MAX_LISTED])
        super().__init__("INPUT_URL_REFUSED", f"{fields}: never fetched for a render")
        self.violations = violations[: InvalidArgument.MAX_LISTED]


class NothingToUse(PreconditionFailed):
    """Text a step needs words in (a letter or a digit) has none: a script with nothing to
    speak, a prompt with nothing to draw; whether the request gave it or the project
    holds it, the violations name where it is."""

    def __init__(self, reason: str, violations: list[Violation]) -> None:
        listed = violations[: InvalidArgument.MAX_LISTED]
        fields = ", ".join(v.field for v in listed)
        super().__init__(reason, f"{fields}: {listed[0].description}")
        self.violations = listed


class RenderAlreadyActive(DomainError):
    code = code_pb2.ALREADY_EXISTS
    reason = "VIDEO_JOB_ACTIVE"

    def __init__(self, job_id: str, state: str) -> None:
        message = f"a video render of this project is already {state} (job {job_id})"
        super().__init__(message, {"job_id": job_id, "state": state})


class UpstreamFailure(DomainError):
    """A microservice failed us; `service` names it (script, audio, image, video), and
    `status` is the HTTP status it answered, if it answered one."""

    def __init__(self, service: str, message: str, status: int | None = None) -> None:
        super().__init__(f"the {service} service {message}", {"service": service})
        self.service = service
        self.status = status

    @property
    def transient(self) -> bool:
        """Worth another attempt later: the service may answer otherwise next time."""
        return True


# 4xx answers that say "not now" rather than "never".
TRANSIENT_4XX = frozenset({408, 425, 429})


class UpstreamError(UpstreamFailure):
    code = code_pb2.UNKNOWN
    reason = "UPSTREAM_ERROR"

    @property
    def transient(self) -> bool:
        """A 5xx or a "not now" 4xx is; a refusal or an answer we cannot use is not."""
        status = self.status
        return status is not None and (status >= 500 or status in TRANSIENT_4XX)


class ContentRefused(UpstreamFailure):
    """The service refused the client's own content (its 422): a text a voice cannot speak,
    a prompt a safety filter rejects. The client can change it, so it is the client's
    error, naming the field (as the request names it: script_text, images[2].prompt,
    prompt), and never retried."""

    code = code_pb2.INVALID_ARGUMENT
    reason = "CONTENT_REFUSED"
    # The service's codes kept as the reason; any other 422 is a CONTENT_REFUSED.
    REASONS = frozenset({"CONTENT_REFUSED", "PROMPT_REJECTED"})

    def __init__(
        self, service: str, detail: str, service_code: str, violations: list[Violation]
    ) -> None:
        super().__init__(service, f"refused the content: {detail}", 422)
        self.reason = service_code if service_code in self.REASONS else "CONTENT_REFUSED"
        self.violations = violations[: InvalidArgument.MAX_LISTED]

    @property
    def transient(self) -> bool:
        return False


class UpstreamUnavailable(UpstreamFailure):
    code = code_pb2.UNAVAILABLE
    reason = "UPSTREAM_UNAVAILABLE"


class UpstreamTimeout(UpstreamFailure):
    code = code_pb2.DEADLINE_EXCEEDED
    reason = "UPSTREAM_TIMEOUT"


def _packed(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_of(exc: Exception) -> tuple[int, str, str]:
    """The code, reason and message an exception stands for."""
    if isinstance(exc, DomainError):
        return exc.code, exc.reason, exc.message
    if isinstance(exc, RevisionMismatch):
        message = f"the project is at revision {exc.actual}, not {exc.expected}"
        return code_pb2.FAILED_PRECONDITION, "REVISION_MISMATCH", message
    if isinstance(exc, RevisionExpired):
        message = (
            f"revision {exc.revision} is older than the change log keeps:"
            " list the projects again, then watch from the revision they show"
        )
        return code_pb2.OUT_OF_RANGE, "REVISION_EXPIRED", message
    if isinstance(exc, StoreUnavailable):
        return code_pb2.UNAVAILABLE, "STORE_UNAVAILABLE", "the store is unavailable"
    if isinstance(exc, StoreTimeout):
        return code_pb2.DEADLINE_EXCEEDED, "STORE_TIMEOUT", "the store did not answer in time"
    return code_pb2.INTERNAL, "INTERNAL", "internal error"


def to_status(exc: Exception) -> grpc.Status:
    """The rich status a failed RPC answers with."""
    code, reason, message = status_of(exc)
    metadata = exc.metadata if isinstance(exc, DomainError) else {}
    if isinstance(exc, RevisionMismatch):
        metadata = {"expected": str(exc.expected), "actual": str(exc.actual)}
    elif isinstance(exc, RevisionExpired):
        metadata = {"oldest": str(exc.oldest)}
    info = error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)
    details = [_packed(info)]
    if isinstance(exc, InvalidArgument | InputURLRefused | NothingToUse | ContentRefused):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in exc.violations
            ]
        )
        details.append(_packed(bad_request))
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=details))
