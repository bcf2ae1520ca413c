"""The microservice clients against a fake service on loopback: payloads, headers,
retries only where nothing can have been processed, and every failure typed."""

import json
import socket
import time

import pytest

from common.logs import request_id
from orchestrator.clients.http import CallPolicy
from orchestrator.clients.image import ImageClient
from orchestrator.clients.script import ScriptClient
from orchestrator.clients.video import VideoClient
from orchestrator.errors import (
    ContentRefused,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    Violation,
)

POLICY = CallPolicy(max_answer_bytes=64 * 1024, attempts=3, retry_budget_s=2.0)
SCRIPT_ARGS = dict(
    title="T", description="D", use_case="explanation", language="fr", style="casual"
)


async def started(client):
    await client.start()
    return client


@pytest.fixture
async def script(fake):
    client = await started(ScriptClient(fake.base_url, 1.0, POLICY))
    yield client
    await client.close()


async def test_the_payload_and_request_id_are_sent(fake, script) -> None:
    token = request_id.set("req-42")
    try:
        answer = await script.generate(**SCRIPT_ARGS, deadline=None)
    finally:
        request_id.reset(token)
    assert answer.text == "A script about T."
    (call,) = fake.received
    assert call.path == "/generate"
    assert call.body == {
        "title": "T",
        "description": "D",
        "use_case": "explanation",
        "language": "fr",
        "style": "casual",
    }
    assert call.headers["X-Request-ID"] == "req-42"
    assert "Idempotency-Key" not in call.headers


async def test_a_render_carries_its_idempotency_key(fake) -> None:
    video = await started(VideoClient(fake.base_url, 1.0, POLICY))
    try:
        answer = await video.render({"audio_path": "x"}, idempotency_key="job-1:3", deadline=None)
    finally:
        await video.close()
    assert answer.url.endswith(".mp4") and answer.duration == 30.0
    assert fake.received[0].headers["Idempotency-Key"] == "job-1:3"


@pytest.mark.parametrize(
    ("how", "error", "words"),
    [
        (dict(status=500), UpstreamError, "answered 500"),
        (dict(status=404), UpstreamError, "answered 404"),
        (dict(status=503), UpstreamUnavailable, "unavailable"),
        (dict(body=b"<html>oops</html>"), UpstreamError, "not JSON"),
        (dict(body=b'{"txt": "wrong key"}'), UpstreamError, "unusable"),
        (dict(body=b'{"text": 42}'), UpstreamError, "unusable"),
        (dict(body=b'{"text": ""}'), UpstreamError, "unusable"),
        (dict(body=b"[1, 2]"), UpstreamError, "unusable"),
        (dict(body=b'{"text": "' + b"x" * 70_000 + b'"}'), UpstreamError, "more than"),
        (
            dict(status=302, headers={"Location": "http://169.254.169.254/"}),
            UpstreamError,
            "redirect",
        ),
        (dict(hang=True), UpstreamTimeout, "did not answer"),
        (dict(endless=True), UpstreamTimeout, "did not answer"),
    ],
)
async def test_every_failure_is_typed_names_the_service_and_is_not_retried(
    fake, how, error, words
) -> None:
    client = await started(ScriptClient(fake.base_url, 0.5, POLICY))
    try:
        fake.misbehave(**how)
        with pytest.raises(error) as raised:
            await client.generate(**SCRIPT_ARGS, deadline=None)
    finally:
        await client.close()
    assert raised.value.service == "script"
    assert words in raised.value.message and "script service" in raised.value.message
    assert len(fake.received) == 1, "a request that may have been processed is never retried"


async def test_a_503_with_retry_after_is_retried_until_it_succeeds(fake, script) -> None:
    fake.misbehave(status=503, headers={"Retry-After": "0"}, times=2)
    answer = await script.generate(**SCRIPT_ARGS, deadline=None)
    assert answer.text and len(fake.received) == 3


async def test_retries_are_bounded_in_count(fake, script) -> None:
    fake.misbehave(status=503, headers={"Retry-After": "0"})
    with pytest.raises(UpstreamUnavailable):
        await script.generate(**SCRIPT_ARGS, deadline=None)
    assert len(fake.received) == POLICY.attempts


async def test_retries_are_bounded_in_time(fake) -> None:
    client = await started(
        ScriptClient(fake.base_url, 5.0, CallPolicy(attempts=10, retry_budget_s=0.5))
    )
    fake.misbehave(status=503, headers={"Retry-After": "2"})
    try:
        with pytest.raises(UpstreamUnavailable):
            await client.generate(**SCRIPT_ARGS, deadline=None)
    finally:
        await client.close()
    assert len(fake.received) == 1, "a 2 s Retry-After does not fit a 0.5 s budget"


async def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = await started(ScriptClient(f"http://127.0.0.1:{port}", 1.0, POLICY))
    try:
        with pytest.raises(UpstreamUnavailable, match="could not be reached"):
            await client.generate(**SCRIPT_ARGS, deadline=None)
    finally:
        await client.close()


async def test_the_rpc_deadline_bounds_the_call(fake) -> None:
    # The service's own timeout is an hour: only the deadline can end this call (were it
    # ignored, the suite's per-test timeout would fail the test).
    client = await started(ScriptClient(fake.base_url, 3600.0, POLICY))
    fake.misbehave(hang=True)
    try:
        with pytest.raises(UpstreamTimeout):
            await client.generate(**SCRIPT_ARGS, deadline=time.monotonic() + 0.3)
    finally:
        await client.close()


async def test_a_batch_answer_must_match_the_prompts(fake) -> None:
    image = await started(ImageClient(fake.base_url, 1.0, POLICY))
    fake.misbehave(body=b'{"images": [{"prompt": "a", "url": "http://x/1.png"}]}')
    try:
        with pytest.raises(UpstreamError, match="1 images for 2 prompts"):
            await image.generate_batch(
                prompts=["a", "b"], style="anime", aspect_ratio="16:9", deadline=None
            )
    finally:
        await image.close()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://host/x.png",
        "/relative.png",
        "file:///etc/passwd",
        "",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/x.png",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://224.0.0.1/x.png",
    ],
)
async def test_a_url_that_is_not_http_is_refused(fake, url: str) -> None:
    image = await started(ImageClient(fake.base_url, 1.0, POLICY))
    fake.misbehave(body=f'{{"url": "{url}"}}'.encode())
    try:
        with pytest.raises(UpstreamError, match="unusable"):
            await image.generate(prompt="p", style="anime", aspect_ratio="16:9", deadline=None)
    finally:
        await image.close()


async def test_the_image_calls_ask_for_the_aspect(fake) -> None:
    image = await started(ImageClient(fake.base_url, 1.0, POLICY))
    try:
        await image.generate(prompt="p", style="anime", aspect_ratio="9:16", deadline=None)
        await image.generate_batch(
            prompts=["a", "b"], style="sketch", aspect_ratio="1:1", deadline=None
        )
    finally:
        await image.close()
    assert [(c.path, c.body) for c in fake.received] == [
        ("/generate", {"prompt": "p", "style": "anime", "aspect_ratio": "9:16"}),
        (
            "/generate-batch",
            {
                "images": [{"prompt": "a"}, {"prompt": "b"}],
                "style": "sketch",
                "aspect_ratio": "1:1",
            },
        ),
    ]


REFUSAL = {
    "detail": "the image provider refused images[1].prompt: safety system",
    "code": "CONTENT_REFUSED",
    "errors": [{"field": "images[1].prompt", "message": "safety system"}],
}


@pytest.mark.parametrize(
    ("body", "reason", "violations"),
    [
        (REFUSAL, "CONTENT_REFUSED", [Violation("images[1].prompt", "safety system")]),
        (
            {**REFUSAL, "code": "PROMPT_REJECTED", "errors": [{"field": "prompt"}]},
            "PROMPT_REJECTED",
            [Violation("prompt", REFUSAL["detail"])],
        ),
        # Another code of a 422 is still the content refused; no errors: no field named.
        ({"detail": "no", "code": "INPUT_UNUSABLE"}, "CONTENT_REFUSED", []),
        # Long words are cut short: they travel in gRPC trailers.
        (
            {"detail": "d" * 5000, "errors": [{"field": "f" * 500, "message": "m" * 5000}]},
            "CONTENT_REFUSED",
            [Violation("f" * 100, "m" * 300)],
        ),
    ],
)
async def test_a_422_is_the_content_refused_and_is_not_retried(
    fake, body, reason, violations
) -> None:
    image = await started(ImageClient(fake.base_url, 1.0, POLICY))
    fake.misbehave(status=422, body=json.dumps(body).encode())
    try:
        with pytest.raises(ContentRefused) as raised:
            await image.generate(prompt="p", style="anime", aspect_ratio="16:9", deadline=None)
    finally:
        await image.close()
    refused = raised.value
    assert (refused.reason, refused.violations, refused.status) == (reason, violations, 422)
    assert refused.message.startswith("the image service refused the content: ")
    assert len(refused.message) < 400
    assert not refused.transient
    assert len(fake.received) == 1


@pytest.mark.parametrize("body", [b"<html>", b'{"code": "CONTENT_REFUSED"}', b'{"detail": 1}'])
async def test_a_422_without_the_error_shape_is_an_unusable_answer(fake, body) -> None:
    image = await started(ImageClient(fake.base_url, 1.0, POLICY))
    fake.misbehave(status=422, body=body)
    try:
        with pytest.raises(UpstreamError, match="422 with an unusable body"):
            await image.generate(prompt="p", style="anime", aspect_ratio="16:9", deadline=None)
    finally:
        await image.close()
