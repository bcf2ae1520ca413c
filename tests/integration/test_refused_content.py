"""A service refusing the client's own content (issue #9): its 422 in the common error
shape (CONTENT_REFUSED, PROMPT_REJECTED; errors[].field naming the text or the scene) is
a 422 over REST and INVALID_ARGUMENT with that reason and a BadRequest over gRPC, not a
502; never retried, nothing stored. A 422 without that shape, or any 5xx, stays an
upstream error. (The render job's case is in test_rest_video.py.)"""

import json
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub

from orchestrator.server import Orchestrator
from tests.integration.helpers import STEPS, Api, Fakes, assert_error, only_called, rpc_failure


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's stub, client and api reach the orchestrator wired to the fakes."""
    return stack


SCENES = [{"prompt": p, "url": None} for p in ("A hive", "A meadow", "A queen")]


@pytest.fixture
async def project(api: Api) -> dict[str, Any]:
    return await api.create(title="Bees", script_text="Bees dance.", images=SCENES)


def refusal(code: str, field: str, why: str) -> bytes:
    """The reference services' answer when their provider refuses the content."""
    detail = f"the provider refused {field}: {why}"
    return json.dumps(
        {"detail": detail, "code": code, "errors": [{"field": field, "message": why}]}
    ).encode()


# (step, the service's code, the field it names, the gRPC request)
CASES = [
    ("audio", "CONTENT_REFUSED", "script_text", pbs.GenerateAudioRequest),
    ("images", "CONTENT_REFUSED", "images[2].prompt", pbs.GenerateImagesRequest),
    ("images", "PROMPT_REJECTED", "images[0].prompt", pbs.GenerateImagesRequest),
    ("image", "CONTENT_REFUSED", "prompt", pbs.GenerateImageRequest),
]


@pytest.mark.parametrize(("step", "code", "field", "request_type"), CASES)
async def test_a_refusal_is_a_422_naming_the_field_over_rest(
    api: Api, fakes: Fakes, project: dict, step: str, code: str, field: str, request_type
) -> None:
    s = STEPS[step]
    fakes[s.service].misbehave(status=422, body=refusal(code, field, "safety system"))
    resp = await api.client.post(f"/projects/{project['id']}{s.route}")
    body = await assert_error(resp, 422, code, [field])
    assert body["detail"].startswith(f"the {s.service} service refused the content: ")
    assert body["errors"] == [{"field": field, "message": "safety system"}]
    only_called(fakes, s.service)  # not retried
    assert await api.get(project["id"]) == project


@pytest.mark.parametrize(("step", "code", "field", "request_type"), CASES)
async def test_a_refusal_is_invalid_argument_with_its_reason_over_grpc(
    api: Api,
    stub: ProjectServiceStub,
    fakes: Fakes,
    project: dict,
    step: str,
    code: str,
    field: str,
    request_type,
) -> None:
    s = STEPS[step]
    fakes[s.service].misbehave(status=422, body=refusal(code, field, "safety system"))
    method = {"audio": "GenerateAudio", "images": "GenerateImages", "image": "GenerateImage"}
    request = request_type(id=project["id"])
    failure = await rpc_failure(getattr(stub, method[step])(request, timeout=5))
    assert (failure.code, failure.reason, failure.domain) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        code,
        "ai_studio",
    )
    assert failure.violations == {field: "safety system"}
    assert failure.metadata == {"service": s.service}
    only_called(fakes, s.service)
    assert await api.get(project["id"]) == project


@pytest.mark.parametrize(
    ("how", "status", "code"),
    [
        ({"status": 422, "body": b"<html>refused</html>"}, 502, "UPSTREAM_ERROR"),
        ({"status": 422}, 502, "UPSTREAM_ERROR"),  # {"error": ...}: not the common shape
        ({"status": 500, "body": refusal("CONTENT_REFUSED", "x", "y")}, 502, "UPSTREAM_ERROR"),
        ({"status": 400, "body": refusal("VALIDATION_ERROR", "x", "y")}, 502, "UPSTREAM_ERROR"),
    ],
    ids=["422-not-json", "422-other-shape", "500", "400"],
)
async def test_anything_else_stays_an_upstream_error(
    api: Api, fakes: Fakes, project: dict, how: dict, status: int, code: str
) -> None:
    fakes.audio.misbehave(**how)
    resp = await api.client.post(f"/projects/{project['id']}/generate-audio")
    await assert_error(resp, status, code)
    assert await api.get(project["id"]) == project
