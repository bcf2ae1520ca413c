"""What the integration tests share: the fake clock, the contract's resource table, a thin
REST client, and the checks of an error answer (HTTP) and of a rich status (gRPC)."""

import asyncio
import io
import logging
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import grpc
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from google.rpc import error_details_pb2, status_pb2

from common.logs import request_id

FRONTEND = "http://localhost:3000"

# 2025-11-29T10:00:00Z, the contract's example.
START = 1764410400.0


@dataclass
class FakeClock:
    """The orchestrator's clock: it reads `now` until told to move. The test's HTTP
    client and gRPC channel tick it after each request (see conftest), so each request
    of a test runs at its own time, START + n * step, however often the orchestrator
    (its job runner included) reads the clock. A step of 1.25 s exercises both printed
    forms: `...:00Z` when the milliseconds are 0, `...:01.250Z` otherwise."""

    now: float = START
    step: float = 1.25

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += self.step


def rfc3339(seconds: float) -> str:
    """The edge's spelling of a time, to the millisecond."""
    millis = round(seconds * 1000) % 1000
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(seconds)))
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")

# Every field of the resource table, in the table's order.
FIELDS = (
    "id",
    "title",
    "description",
    "language",
    "use_case",
    "status",
    "script_text",
    "script_style",
    "voice_id",
    "audio_speed",
    "audio_pitch",
    "audio_path",
    "image_style",
    "images",
    "resolution",
    "fps",
    "video_template_id",
    "background_music",
    "video_url",
    "thumbnail",
    "duration",
    "video_inspirations",
    "video_job",
    "created_at",
    "updated_at",
)

# The documented defaults of a project created with a title only.
DEFAULTS: dict[str, Any] = {
    "description": "",
    "language": "en",
    "use_case": "explanation",
    "status": "draft",
    "script_text": "",
    "script_style": "educational",
    "voice_id": "alloy",
    "audio_speed": 1.0,
    "audio_pitch": 1.0,
    "audio_path": None,
    "image_style": "realistic",
    "images": [],
    "resolution": "1080p",
    "fps": 30,
    "video_template_id": "basic_fade",
    "background_music": "none",
    "video_url": None,
    "thumbnail": None,
    "duration": 0,
    "video_inspirations": [],
    "video_job": None,
}

# A value other than the default for every writable field: what a full body sends.
EVERYTHING: dict[str, Any] = {
    "title": "Everything set",
    "description": "All of the writable fields",
    "language": "fr",
    "use_case": "tutorial",
    "status": "images_ready",
    "script_text": "Once upon a time.",
    "script_style": "comedic",
    "voice_id": "shimmer",
    "audio_speed": 1.3,
    "audio_pitch": 0.7,
    "audio_path": "https://cdn.example/audio.mp3",
    "image_style": "watercolor",
    "images": [
        {"prompt": "A cat", "url": "https://cdn.example/cat.png"},
        {"prompt": "A dog", "url": None},
    ],
    "resolution": "2160p",
    "fps": 60,
    "video_template_id": "ken_burns",
    "background_music": "cinematic",
    "video_url": "https://cdn.example/video.mp4",
    "thumbnail": "http://cdn.example/thumb.jpg",
    "duration": 42.5,
    "video_inspirations": ["https://youtube.example/watch?v=1", "a note"],
}

JSON_HEADERS = {"Content-Type": "application/json"}


class Api:
    """The REST edge, through a real HTTP client; each helper asserts its happy answer."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def create(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "A project", **fields}
        resp = await self.client.post("/projects", json=body)
        assert resp.status == 201, await resp.text()
        return await resp.json()

    async def get(self, project_id: str) -> dict[str, Any]:
        resp = await self.client.get(f"/projects/{project_id}")
        assert resp.status == 200, await resp.text()
        return await resp.json()

    async def all(self) -> list[dict[str, Any]]:
        """Every stored project, in the default order."""
        resp = await self.client.get("/projects")
        assert resp.status == 200, await resp.text()
        return await resp.json()

    async def send(self, method: str, path: str, raw: bytes | str) -> ClientResponse:
        """A body exactly as given, labelled as JSON."""
        data = raw.encode() if isinstance(raw, str) else raw
        # A BytesIO: aiohttp warns about big raw bytes bodies (and warnings are errors).
        return await self.client.request(method, path, data=io.BytesIO(data), headers=JSON_HEADERS)


async def assert_error(
    resp: ClientResponse, status: int, code: str, fields: list[str] | None = None
) -> dict[str, Any]:
    """The contract's error answer: JSON `{detail, code}`, and `errors[{field, message}]`
    naming exactly `fields` (in any order) for a validation error."""
    text = await resp.text()
    assert resp.status == status, text
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert "Traceback" not in text
    assert body["code"] == code, body
    if fields is None:
        assert set(body) == {"detail", "code"}, body
    else:
        assert set(body) == {"detail", "code", "errors"}, body
        for error in body["errors"]:
            assert set(error) == {"field", "message"}, error
            assert isinstance(error["message"], str) and error["message"], error
        assert sorted(e["field"] for e in body["errors"]) == sorted(fields), body
    return body


@dataclass
class RpcFailure:
    """A failed RPC, its rich status unpacked."""

    code: grpc.StatusCode
    message: str
    reason: str | None
    domain: str | None
    violations: dict[str, str]  # field -> description


async def rpc_failure(call: Awaitable[Any]) -> RpcFailure:
    """Await an RPC that must fail, and unpack `grpc-status-details-bin` from its trailers."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        error = exc
    else:
        raise AssertionError("the RPC succeeded")
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw is not None, f"no rich status: {error.code()} {error.details()}"
    status = status_pb2.Status.FromString(raw)
    assert status.code == error.code().value[0]
    assert status.message == error.details()
    reason = domain = None
    violations: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain = info.reason, info.domain
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                assert violation.field not in violations, "a field reported twice"
                assert violation.description, violation
                violations[violation.field] = violation.description
    return RpcFailure(error.code(), status.message, reason, domain, violations)


async def assert_invalid(call: Awaitable[Any], *fields: str) -> RpcFailure:
    """INVALID_ARGUMENT, VALIDATION_ERROR in domain ai_studio, violations on exactly `fields`."""
    failure = await rpc_failure(call)
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
    assert (failure.reason, failure.domain) == ("VALIDATION_ERROR", "ai_studio"), failure
    assert sorted(failure.violations) == sorted(fields), failure
    return failure


class RequestIds(logging.Handler):
    """On the orchestrator's RPC logger: the request id each RPC's line was written
    under, in order."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[str] = []
        self._grew = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(request_id.get())
        self._grew.set()

    async def settled(self, count: int) -> list[str]:
        """The ids once `count` RPCs have logged. A failed RPC's status leaves with
        abort_with_status, before the interceptor writes its line: wait for it."""
        async with asyncio.timeout(5):
            while len(self.seen) < count:
                self._grew.clear()
                await self._grew.wait()
        await asyncio.sleep(0.02)  # room for a line too many to show up
        return self.seen
