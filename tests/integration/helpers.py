"""What the integration tests share: the fake clock, the contract's resource table, a thin
REST client, and the checks of an error answer (HTTP) and of a rich status (gRPC); for
the generation tests, the four fake microservices, the steps and the ways a service
fails."""

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grpc
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from google.rpc import error_details_pb2, status_pb2

from common.logs import request_id
from fakes.microservice import FakeService

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
    "captions_url",
    "image_style",
    "images",
    "resolution",
    "fps",
    "video_template_id",
    "background_music",
    "aspect_ratio",
    "subtitles",
    "video_url",
    "thumbnail",
    "duration",
    "video_inspirations",
    "video_job",
    "created_at",
    "updated_at",
    "revision",
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
    "captions_url": None,
    "image_style": "realistic",
    "images": [],
    "resolution": "1080p",
    "fps": 30,
    "video_template_id": "basic_fade",
    "background_music": "none",
    "aspect_ratio": "16:9",
    "subtitles": False,
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
    "captions_url": "https://cdn.example/audio.vtt",
    "image_style": "watercolor",
    "images": [
        {"prompt": "A cat", "url": "https://cdn.example/cat.png"},
        {"prompt": "A dog", "url": None},
    ],
    "resolution": "2160p",
    "fps": 60,
    "video_template_id": "ken_burns",
    "background_music": "cinematic",
    "aspect_ratio": "9:16",
    "subtitles": True,
    "video_url": "https://cdn.example/video.mp4",
    "thumbnail": "http://cdn.example/thumb.jpg",
    "duration": 42.5,
    "video_inspirations": ["https://youtube.example/watch?v=1", "a note"],
}

JSON_HEADERS = {"Content-Type": "application/json"}


async def preflight(
    client: TestClient, path: str, origin: str, method: str, headers: str
) -> ClientResponse:
    """A browser's CORS preflight for `method` on `path` from `origin`, asking to send
    `headers` (comma-separated)."""
    return await client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


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
    metadata: dict[str, str] = field(default_factory=dict)  # ErrorInfo's


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
    metadata: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                assert violation.field not in violations, "a field reported twice"
                assert violation.description, violation
                violations[violation.field] = violation.description
    return RpcFailure(error.code(), status.message, reason, domain, violations, metadata)


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
        super().__init__(logging.DEBUG)
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


# -- generation: four fake microservices, the steps, the ways a service fails -------------

SERVICES = ("script", "audio", "image", "video")

# The fake orchestrator settings of the generation stack: short timeouts, one retry, a
# small answer cap and a fast render runner, so that every failure is quick to meet.
SERVICE_TIMEOUT_S = 0.5
ANSWER_CAP = 64 * 1024
STACK_SETTINGS: dict[str, Any] = {
    "script_timeout_s": SERVICE_TIMEOUT_S,
    "audio_timeout_s": SERVICE_TIMEOUT_S,
    "image_timeout_s": SERVICE_TIMEOUT_S,
    "video_timeout_s": 3.0,
    "service_max_answer_bytes": ANSWER_CAP,
    "service_attempts": 2,
    "service_retry_budget_s": 0.5,
    "video_concurrency": 2,
    "video_lease_s": 0.9,
    "video_poll_s": 0.05,
    "video_max_attempts": 3,
    "video_retry_base_s": 0.01,
    "video_retry_max_s": 0.05,
}


@dataclass
class Fakes:
    """One FakeService per microservice, each on its own aiohttp test server."""

    script: FakeService
    audio: FakeService
    image: FakeService
    video: FakeService
    servers: dict[str, TestServer]

    def __getitem__(self, name: str) -> FakeService:
        return getattr(self, name)

    def calls(self) -> dict[str, int]:
        """How many requests each service received."""
        return {name: len(self[name].received) for name in SERVICES}

    async def shut(self, name: str) -> None:
        """Close the service's port: from now on its connections are refused."""
        await self.servers[name].close()


def only_called(fakes: Fakes, service: str | None = None, times: int = 1) -> None:
    """`service` received exactly `times` requests, and every other service none."""
    expected = {name: (times if name == service else 0) for name in SERVICES}
    assert fakes.calls() == expected


@dataclass(frozen=True)
class Step:
    """A synchronous generation step: its REST route under /projects/{id}, the service it
    calls and at which path, what a project needs to meet its precondition, and the
    answer of its service carrying a given media URL (None: the answer has no URL)."""

    name: str
    service: str
    route: str
    remote: str
    ready: dict[str, Any]
    answer_with_url: Callable[[str], dict[str, Any]] | None

    def __str__(self) -> str:
        return self.name


SCENES = [{"prompt": p, "url": None} for p in ("A hive", "A meadow", "A queen")]

STEPS = {
    step.name: step
    for step in (
        Step("script", "script", "/generate-script", "/generate", {}, None),
        Step(
            "audio",
            "audio",
            "/generate-audio",
            "/generate",
            {"script_text": "Bees dance."},
            lambda url: {"url": url, "duration": 3.0},
        ),
        Step(
            "images",
            "image",
            "/generate-images",
            "/generate-batch",
            {"images": SCENES},
            lambda url: {"images": [{"prompt": s["prompt"], "url": url} for s in SCENES]},
        ),
        Step(
            "image",
            "image",
            "/generate-images/1",
            "/generate",
            {"images": SCENES},
            lambda url: {"url": url},
        ),
    )
}


@dataclass(frozen=True)
class Failure:
    """A way a microservice fails a call, and what the caller must get: the HTTP status,
    the gRPC code and reason, words of the message, and how many requests the service
    sees. `how` gives the FakeService.misbehave arguments for a step; None means the
    service's port is closed."""

    id: str
    http: int
    code: grpc.StatusCode
    reason: str
    words: str
    how: Callable[[Step, Fakes], dict[str, Any]] | None
    calls: int = 1
    needs_url: bool = False  # only for steps whose answer carries a URL


def _huge(step: Step, fakes: Fakes) -> dict[str, Any]:
    return {"body": b'{"text": "' + b"x" * ANSWER_CAP + b'"}'}


def _redirect(step: Step, fakes: Fakes) -> dict[str, Any]:
    # To the video service: a trap that no synchronous step may ever call.
    return {"status": 307, "headers": {"Location": f"{fakes.video.base_url}{step.remote}"}}


def _url_answer(url: str) -> Callable[[Step, Fakes], dict[str, Any]]:
    def how(step: Step, fakes: Fakes) -> dict[str, Any]:
        assert step.answer_with_url is not None
        return {"body": json.dumps(step.answer_with_url(url)).encode()}

    return how


UPSTREAM_ERROR = (502, grpc.StatusCode.UNKNOWN, "UPSTREAM_ERROR")
UNAVAILABLE = (503, grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNAVAILABLE")
TIMEOUT = (504, grpc.StatusCode.DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT")

FAILURES = [
    Failure("500", *UPSTREAM_ERROR, "answered 500", lambda s, f: {"status": 500}),
    Failure("404", *UPSTREAM_ERROR, "answered 404", lambda s, f: {"status": 404}),
    Failure("garbage", *UPSTREAM_ERROR, "not JSON", lambda s, f: {"body": b"<html>oops</html>"}),
    Failure("missing-field", *UPSTREAM_ERROR, "unusable", lambda s, f: {"body": b"{}"}),
    Failure("not-an-object", *UPSTREAM_ERROR, "unusable", lambda s, f: {"body": b"[1, 2]"}),
    Failure("huge", *UPSTREAM_ERROR, "more than", _huge),
    Failure("redirect", *UPSTREAM_ERROR, "redirect", _redirect),
    Failure(
        "ftp-url", *UPSTREAM_ERROR, "unusable", _url_answer("ftp://cdn.example/x"), needs_url=True
    ),
    Failure(
        "link-local-url",
        *UPSTREAM_ERROR,
        "unusable",
        _url_answer("http://169.254.169.254/latest/meta-data/"),
        needs_url=True,
    ),
    Failure("503", *UNAVAILABLE, "unavailable (503)", lambda s, f: {"status": 503}),
    Failure(
        "503-retry-after",
        *UNAVAILABLE,
        "unavailable (503)",
        lambda s, f: {"status": 503, "headers": {"Retry-After": "0"}},
        calls=STACK_SETTINGS["service_attempts"],
    ),
    Failure("refused", *UNAVAILABLE, "could not be reached", None, calls=0),
    Failure("hang", *TIMEOUT, "did not answer", lambda s, f: {"hang": True}),
]

# Every (step, failure) pair that can happen: a script answer carries no URL.
STEP_FAILURES = [
    pytest.param(step, failure, id=f"{step.name}-{failure.id}")
    for step in STEPS.values()
    for failure in FAILURES
    if step.answer_with_url is not None or not failure.needs_url
]


async def arm(fakes: Fakes, step: Step, failure: Failure) -> None:
    """Make the step's service fail its calls from now on, as `failure` says."""
    if failure.how is None:
        await fakes.shut(step.service)
    else:
        fakes[step.service].misbehave(**failure.how(step, fakes))


TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


async def settled_job(api: Api, project_id: str, within: float = 10) -> dict[str, Any]:
    """The project once its video job reached a terminal state."""
    async with asyncio.timeout(within):
        while True:
            project = await api.get(project_id)
            if project["video_job"] and project["video_job"]["state"] in TERMINAL:
                return project
            await asyncio.sleep(0.02)


def idempotency_key(project_id: str, video_job: dict[str, Any]) -> str:
    """The Idempotency-Key of every render of one job: its id and when it was queued."""
    queued = datetime.fromisoformat(video_job["created_at"].replace("Z", "+00:00"))
    return f"{project_id}:{round(queued.timestamp() * 1000)}"


# The contract's resource table: the values of each enum, in its order.
CONTRACT_ENUMS = {
    "Language": ["en", "fr", "es", "de", "it", "pt"],
    "UseCase": [
        "storytelling",
        "youtube_short",
        "explanation",
        "commercial",
        "inspirational",
        "educational",
        "tutorial",
    ],
    "ProjectStatus": ["draft", "script_generated", "audio_ready", "images_ready", "video_ready"],
    "ScriptStyle": [
        "educational",
        "inspirational",
        "comedic",
        "dramatic",
        "casual",
        "professional",
    ],
    "Voice": ["alloy", "echo", "fable", "onyx", "nova", "shimmer"],
    "ImageStyle": [
        "realistic",
        "pixar",
        "anime",
        "flat_design",
        "watercolor",
        "oil_painting",
        "sketch",
    ],
    "Resolution": ["720p", "1080p", "1440p", "2160p"],
    "Fps": [24, 30, 60],
    "VideoTemplate": [
        "basic_fade",
        "slide_left",
        "slide_right",
        "zoom_in",
        "zoom_out",
        "ken_burns",
    ],
    "BackgroundMusic": ["none", "soft", "upbeat", "cinematic", "corporate", "ambient"],
    "AspectRatio": ["16:9", "9:16", "1:1"],
    "VideoJobState": ["queued", "rendering", "succeeded", "failed", "cancelled"],
}

# The enum each enum field of a project holds.
ENUM_OF_FIELD = {
    "language": "Language",
    "use_case": "UseCase",
    "status": "ProjectStatus",
    "script_style": "ScriptStyle",
    "voice_id": "Voice",
    "image_style": "ImageStyle",
    "resolution": "Resolution",
    "video_template_id": "VideoTemplate",
    "background_music": "BackgroundMusic",
    "aspect_ratio": "AspectRatio",
}
