"""The image service with a picture provider, over real HTTP, against fake providers on
loopback that speak the real wire formats (tests/fakes/picture_providers.py): what each
provider is sent (payloads, style wording and presets, sizes per aspect, headers), the
pictures stored as our PNGs at the video's size, a batch's bound on calls at once and
its order, one failing scene failing the batch by name, retries on 429/5xx, refusals as
422, a refused key as a configuration error, undocumented bodies as 502, url answers
fetched, and the key in no log line. Real APIs when OPENAI_API_KEY / STABILITY_API_KEY
are set."""

import asyncio
import base64
import io
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image
from pydantic import ValidationError
from yarl import URL

from microservices.image import pictures
from microservices.image.app import create_app
from microservices.image.config import ImageSettings
from microservices.image.models import SIZES, STYLES
from microservices.image.wording import OPENAI_STYLES, STABILITY_STYLES
from tests.fakes.picture_providers import (
    FakeOpenAI,
    FakeStability,
    colour_of,
    png,
)
from tests.microservices.helpers_media import Served, assert_error, fetch_bytes, post_json, serve

KEY = "sk-test-0123456789abcdefSECRET"
Fake = TypeVar("Fake", FakeOpenAI, FakeStability)


@asynccontextmanager
async def image_service(
    tmp_path: Path, provider: str, url: str, **overrides: object
) -> AsyncIterator[tuple[Served, ImageSettings]]:
    fields: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "media_dir": tmp_path / "media",
        "provider": provider,
        "provider_url": url,
        "provider_api_key": KEY,
        "provider_model": "dall-e-3" if provider == "openai" else "",
        "provider_retry_budget_s": 5.0,
        "provider_timeout_s": 10.0,
        # The fake hands out picture URLs on its own loopback origin: trusted, as a
        # deployment trusts a local provider; any other private address stays refused.
        "fetch_trusted_origins": str(URL(url).origin()),
    }
    settings = ImageSettings.model_validate({**fields, **overrides})
    async with serve(create_app(settings), settings) as served:
        yield served, settings


async def listening(fake: Fake, aiohttp_server) -> Fake:
    server = await aiohttp_server(fake.app)
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def openai_fake(aiohttp_server) -> FakeOpenAI:
    return await listening(FakeOpenAI(), aiohttp_server)


@pytest.fixture
async def stability_fake(aiohttp_server) -> FakeStability:
    return await listening(FakeStability(), aiohttp_server)


@pytest.fixture
async def openai(tmp_path, openai_fake) -> AsyncIterator[tuple[Served, FakeOpenAI]]:
    async with image_service(tmp_path, "openai", openai_fake.base_url + "/v1") as (served, _):
        yield served, openai_fake


@pytest.fixture
async def stability(tmp_path, stability_fake) -> AsyncIterator[tuple[Served, FakeStability]]:
    async with image_service(tmp_path, "stability", stability_fake.base_url) as (served, _):
        yield served, stability_fake


def batch(count: int, style: str = "watercolor", aspect: str | None = None) -> dict:
    body: dict = {"images": [{"prompt": f"scene {i}: a fox"} for i in range(count)]}
    body["style"] = style
    if aspect is not None:
        body["aspect_ratio"] = aspect
    return body


async def picture(served: Served, url: str) -> Image.Image:
    status, content_type, raw = await fetch_bytes(served.session, url)
    assert status == 200 and content_type == "image/png"
    image = Image.open(io.BytesIO(raw))
    image.load()
    return image


def assert_colour(image: Image.Image, colour: tuple[int, int, int]) -> None:
    centre = image.getpixel((image.width // 2, image.height // 2))
    assert isinstance(centre, tuple)
    assert all(abs(a - b) <= 2 for a, b in zip(centre, colour, strict=True)), (centre, colour)


def published(served_settings_dir: Path) -> list[Path]:
    """The pictures the media store holds (work files live apart, under .work/)."""
    return [p for p in (served_settings_dir / "images").glob("*.png")]


def work_files(served_settings_dir: Path) -> list[Path]:
    return [p for p in (served_settings_dir / ".work").rglob("*") if p.is_file()]


# --- openai -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "sizes", "response_format"),
    [
        ("dall-e-3", {"16:9": "1792x1024", "9:16": "1024x1792", "1:1": "1024x1024"}, True),
        ("gpt-image-1", {"16:9": "1536x1024", "9:16": "1024x1536", "1:1": "1024x1024"}, False),
        ("stablediffusion", {"16:9": "1024x576", "9:16": "576x1024", "1:1": "1024x1024"}, True),
    ],
)
async def test_openai_is_sent_the_model_prompt_style_and_nearest_size_per_aspect(
    tmp_path, openai_fake, caplog, model, sizes, response_format
):
    caplog.set_level(logging.DEBUG)
    url = openai_fake.base_url + "/v1"
    async with image_service(tmp_path, "openai", url, provider_model=model) as (served, _):
        for aspect in SIZES:
            status, answer = await post_json(
                served,
                "/generate",
                {"prompt": "scene 2: a bee", "style": "anime", "aspect_ratio": aspect},
                {"X-Request-ID": f"rq-{aspect}"},
            )
            assert status == 200, answer
            assert set(answer) == {"url"}
            image = await picture(served, answer["url"])
            assert image.size == SIZES[aspect] and image.mode == "RGB"
            assert_colour(image, colour_of("scene 2"))
    assert len(openai_fake.received) == 3
    for aspect, sent in zip(SIZES, openai_fake.received, strict=True):
        assert sent.headers["Authorization"] == f"Bearer {KEY}"
        assert sent.headers["X-Request-ID"] == f"rq-{aspect}"
        body = sent.body
        assert body["model"] == model and body["n"] == 1 and body["size"] == sizes[aspect]
        assert ("response_format" in body) == response_format
        if response_format:
            assert body["response_format"] == "b64_json"
        assert body["prompt"].startswith("scene 2: a bee")
        assert OPENAI_STYLES["anime"] in body["prompt"] and "No text" in body["prompt"]
    assert KEY not in caplog.text


async def test_each_style_has_its_own_wording(openai):
    served, fake = openai
    for style in STYLES:
        status, answer = await post_json(served, "/generate", {"prompt": "a hill", "style": style})
        assert status == 200, answer
    prompts = [r.body["prompt"] for r in fake.received]
    for style, prompt in zip(STYLES, prompts, strict=True):
        assert OPENAI_STYLES[style] in prompt
    assert len(set(prompts)) == len(STYLES)


async def test_a_batch_keeps_its_order_under_the_bound_on_calls_at_once(tmp_path, openai_fake):
    openai_fake.delay = 0.2  # each call lasts long enough for the others to pile up
    url = openai_fake.base_url + "/v1"
    async with image_service(tmp_path, "openai", url, provider_concurrency=2) as (served, _):
        status, answer = await post_json(served, "/generate-batch", batch(6, aspect="9:16"))
        assert status == 200, answer
        assert [i["prompt"] for i in answer["images"]] == [f"scene {i}: a fox" for i in range(6)]
        images = await asyncio.gather(*(picture(served, i["url"]) for i in answer["images"]))
    assert openai_fake.peak == 2
    assert len(openai_fake.received) == 6
    for i, image in enumerate(images):
        assert image.size == (1080, 1920)
        assert_colour(image, colour_of(f"scene {i}"))


async def test_a_refused_scene_fails_the_batch_by_name_and_nothing_is_published(openai, tmp_path):
    served, fake = openai
    refusal = {
        "error": {
            "message": "Your request was rejected as a result of our safety system.",
            "type": "invalid_request_error",
            "param": None,
            "code": "content_policy_violation",
        }
    }
    fake.when("scene 3", status=400, body=refusal, times=None)
    status, answer = await post_json(served, "/generate-batch", batch(5))
    assert_error(status, answer, 422, "CONTENT_REFUSED")
    assert "scene 3" in answer["detail"] and "safety system" in answer["detail"]
    assert answer["errors"][0]["field"] == "images[3].prompt"
    assert published(tmp_path / "media") == []
    assert work_files(tmp_path / "media") == []

    status, answer = await post_json(served, "/generate", {"prompt": "scene 3: a fox"})
    assert_error(status, answer, 422, "CONTENT_REFUSED")
    assert answer["errors"] == [{"field": "prompt", "message": refusal["error"]["message"]}]


async def test_a_refused_scene_leaves_no_work_file_of_a_scene_still_being_fitted(
    openai, tmp_path, monkeypatch
):
    """The other scenes' pictures are still being fitted (in threads) when one scene is
    refused: the request waits for them, so that its cleanup removes their files."""
    served, fake = openai
    fitted = pictures.fit_png
    started, finished = [], threading.Semaphore(0)

    def slow_fit(*args, **kwargs):
        started.append(1)
        time.sleep(0.3)  # long after the refusal has come back
        try:
            return fitted(*args, **kwargs)
        finally:
            finished.release()

    monkeypatch.setattr(pictures, "fit_png", slow_fit)
    refusal = {"error": {"message": "rejected", "code": "content_policy_violation"}}
    fake.when("scene 3", status=400, body=refusal, times=None)
    status, answer = await post_json(served, "/generate-batch", batch(5))
    assert_error(status, answer, 422, "CONTENT_REFUSED")
    assert started  # some scene was being fitted when scene 3 was refused
    for _ in started:  # every fitting thread has written its file
        assert await asyncio.to_thread(finished.acquire, timeout=30)
    assert published(tmp_path / "media") == []
    assert work_files(tmp_path / "media") == []


async def test_gpt_image_moderation_is_a_refusal_too(tmp_path, openai_fake):
    blocked = {
        "error": {
            "message": "Your request was rejected by the safety system.",
            "type": "image_generation_user_error",
            "code": "moderation_blocked",
        }
    }
    openai_fake.when("scene 1", status=400, body=blocked)
    url = openai_fake.base_url + "/v1"
    async with image_service(tmp_path, "openai", url, provider_model="gpt-image-1") as (s, _):
        status, answer = await post_json(s, "/generate-batch", batch(2))
    assert_error(status, answer, 422, "CONTENT_REFUSED")
    assert answer["errors"][0]["field"] == "images[1].prompt"


async def test_a_scene_failing_for_good_fails_the_batch_naming_it(openai, tmp_path):
    served, fake = openai
    fake.when("scene 1", status=500, body={"error": {"message": "boom"}}, times=None)
    status, answer = await post_json(served, "/generate-batch", batch(3))
    assert_error(status, answer, 502, "PROVIDER_FAILED")
    assert "scene 1 ('scene 1: a fox')" in answer["detail"]
    assert answer["errors"][0]["field"] == "images[1].prompt"
    assert len([r for r in fake.received if "scene 1" in r.body["prompt"]]) == 3  # attempts
    assert published(tmp_path / "media") == []


async def test_429_is_retried_after_the_time_it_asks(openai):
    served, fake = openai
    fake.when(
        "scene 0",
        status=429,
        body={"error": {"message": "slow down"}},
        headers={"Retry-After": "1"},
    )
    status, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert status == 200, answer
    first, second = fake.received
    assert first.body == second.body
    # That the wait is at least the one asked for: tests/unit/test_provider_waits.py.


async def test_a_wait_past_the_retry_budget_is_not_waited_for(openai):
    served, fake = openai
    fake.when("scene 0", status=429, body={"error": {}}, headers={"Retry-After": "3600"})
    status, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert_error(status, answer, 503, "PROVIDER_RATE_LIMITED")
    assert len(fake.received) == 1


async def test_a_5xx_is_retried_then_answered(openai):
    served, fake = openai
    fake.when("scene 0", status=503, body=b"busy", headers={"Retry-After": "0"}, times=2)
    status, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert status == 200, answer
    assert len(fake.received) == 3


async def test_a_refused_key_is_a_configuration_error_and_the_key_is_never_shown(openai, caplog):
    served, fake = openai
    caplog.set_level(logging.DEBUG)
    wrong = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}. You can find your API key at ...",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    fake.when("scene", status=401, body=wrong)
    status, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert_error(status, answer, 502, "PROVIDER_AUTH_FAILED")
    assert "IMAGE_SERVICE_PROVIDER_API_KEY" in answer["detail"]
    assert KEY not in str(answer) and KEY not in caplog.text
    assert len(fake.received) == 1  # not retried
    async with served.session.get(served.url("/healthz")) as response:
        health = await response.json()
    assert health == {"status": "ok", "engine": "openai", "model": "dall-e-3"}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"not json"),
        (200, {"data": []}),
        (200, {"data": [{}]}),
        (200, {"data": [{"b64_json": "!!not base64!!"}]}),
        (200, {"data": [{"b64_json": base64.b64encode(b"not a picture").decode()}]}),
        (200, {"result": "ok"}),
        (404, b"<html>not found</html>"),
        (400, {"error": {"message": "bad size", "code": "invalid_size"}}),
    ],
)
async def test_a_body_the_provider_does_not_document_is_a_502(openai, status, body):
    served, fake = openai
    fake.when("scene", status=status, body=body)
    code, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert_error(code, answer, 502, "PROVIDER_FAILED")


async def test_url_answers_are_fetched(tmp_path, openai_fake):
    openai_fake.answer_urls = True
    url = openai_fake.base_url + "/v1"
    async with image_service(tmp_path, "openai", url) as (served, _):
        status, answer = await post_json(served, "/generate-batch", batch(2, aspect="1:1"))
        assert status == 200, answer
        images = [await picture(served, i["url"]) for i in answer["images"]]
    assert sorted(openai_fake.downloads) == ["img-0.png", "img-1.png"]
    for i, image in enumerate(images):
        assert image.size == (1080, 1080)
        assert_colour(image, colour_of(f"scene {i}"))


@pytest.mark.parametrize(
    "where",
    [
        "http://169.254.169.254/latest/meta-data/x.png",
        "http://metadata.google.internal/x.png",
        "file:///etc/passwd",
        "http://[::]/x.png",
        "http://127.0.0.1:9/x.png",
        "http://localhost/x.png",
        "http://10.0.0.7/x.png",
    ],
)
async def test_a_url_answer_at_a_host_never_fetched_is_a_502(openai, where):
    served, fake = openai
    fake.when("scene", body={"data": [{"url": where}]})
    status, answer = await post_json(served, "/generate", {"prompt": "scene 0: a fox"})
    assert_error(status, answer, 502, "PROVIDER_FAILED")
    assert fake.downloads == []


async def test_a_slow_provider_is_a_504(tmp_path, openai_fake):
    openai_fake.delay = 2.0
    url = openai_fake.base_url + "/v1"
    async with image_service(tmp_path, "openai", url, provider_timeout_s=0.3) as (served, _):
        status, answer = await post_json(served, "/generate", {"prompt": "scene 0"})
    assert_error(status, answer, 504, "PROVIDER_TIMEOUT")


# --- stability ----------------------------------------------------------------------


async def test_stability_is_sent_a_multipart_form_with_presets_where_they_fit(stability, caplog):
    served, fake = stability
    caplog.set_level(logging.DEBUG)
    for i, style in enumerate(STYLES):
        aspect = list(SIZES)[i % 3]
        status, answer = await post_json(
            served,
            "/generate",
            {"prompt": f"scene {i}: a bee", "style": style, "aspect_ratio": aspect},
            {"X-Request-ID": f"st-{i}"},
        )
        assert status == 200, answer
        image = await picture(served, answer["url"])
        assert image.size == SIZES[aspect]
        assert_colour(image, colour_of(f"scene {i}"))
    presets = {}
    for i, (style, sent) in enumerate(zip(STYLES, fake.received, strict=True)):
        assert sent.path == "/v2beta/stable-image/generate/core"
        assert sent.headers["Authorization"] == f"Bearer {KEY}"
        assert sent.headers["Accept"] == "image/*"
        assert sent.headers["Content-Type"].startswith("multipart/form-data")
        assert sent.headers["X-Request-ID"] == f"st-{i}"
        form = sent.body
        assert form["prompt"].startswith(f"scene {i}: a bee")
        assert STABILITY_STYLES[style][0] in form["prompt"]
        assert form["aspect_ratio"] == list(SIZES)[i % 3]
        assert form["output_format"] == "png" and "text" in form["negative_prompt"]
        presets[style] = form.get("style_preset")
    assert presets == {
        "realistic": "photographic",
        "pixar": "3d-model",
        "anime": "anime",
        "flat_design": None,
        "watercolor": None,
        "oil_painting": None,
        "sketch": "line-art",
    }
    assert KEY not in caplog.text


async def test_stability_ultra_and_sd3_endpoints(tmp_path, stability_fake):
    for model, path, field in [("ultra", "ultra", None), ("sd3.5-large", "sd3", "sd3.5-large")]:
        async with image_service(
            tmp_path, "stability", stability_fake.base_url, provider_model=model
        ) as (served, _):
            status, answer = await post_json(served, "/generate", {"prompt": "a", "style": "anime"})
            assert status == 200, answer
        sent = stability_fake.received[-1]
        assert sent.path == f"/v2beta/stable-image/generate/{path}"
        assert sent.body.get("model") == field and "style_preset" not in sent.body


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (
            403,
            {
                "id": "ed14db44",
                "name": "content_moderation",
                "errors": ["Your request was flagged by our content moderation system."],
            },
            {},
        ),
        (200, png((1344, 768), (9, 9, 9)), {"finish-reason": "CONTENT_FILTERED"}),
    ],
)
async def test_stability_moderation_is_a_422_naming_the_scene(stability, status, body, headers):
    served, fake = stability
    fake.when("scene 2", status=status, body=body, headers=headers)
    code, answer = await post_json(served, "/generate-batch", batch(3))
    assert_error(code, answer, 422, "CONTENT_REFUSED")
    assert answer["errors"][0]["field"] == "images[2].prompt" and "scene 2" in answer["detail"]


async def test_stability_errors(stability, caplog):
    served, fake = stability
    caplog.set_level(logging.DEBUG)
    fake.when("auth", status=401, body={"id": "1", "name": "unauthorized", "errors": [KEY]})
    status, answer = await post_json(served, "/generate", {"prompt": "auth"})
    assert_error(status, answer, 502, "PROVIDER_AUTH_FAILED")
    fake.when(
        "lang", status=422, body={"id": "2", "name": "invalid_language", "errors": ["English only"]}
    )
    status, answer = await post_json(served, "/generate", {"prompt": "lang"})
    assert_error(status, answer, 422, "PROMPT_REJECTED")
    assert answer["errors"] == [{"field": "prompt", "message": "English only"}]
    for odd in [b'{"image": "base64..."}', b"GIF89a...", b""]:
        fake.when("odd", status=200, body=odd)
        status, answer = await post_json(served, "/generate", {"prompt": "odd"})
        assert_error(status, answer, 502, "PROVIDER_FAILED")
    fake.when(
        "busy",
        status=429,
        body={"id": "3", "name": "rate_limit_exceeded", "errors": []},
        headers={"Retry-After": "0"},
    )
    status, answer = await post_json(served, "/generate", {"prompt": "busy"})
    assert status == 200, answer
    assert KEY not in str(answer) and KEY not in caplog.text


# --- settings -----------------------------------------------------------------------


def test_a_chosen_provider_must_be_configured_whole():
    with pytest.raises(ValidationError, match="IMAGE_SERVICE_PROVIDER_MODEL"):
        ImageSettings(provider="openai", provider_api_key="k")
    with pytest.raises(ValidationError, match="IMAGE_SERVICE_PROVIDER_API_KEY"):
        ImageSettings(provider="stability")
    with pytest.raises(ValidationError, match="IMAGE_SERVICE_PROVIDER_API_KEY"):
        ImageSettings(provider="openai", provider_model="dall-e-3")  # the public API
    with pytest.raises(ValidationError):
        ImageSettings(provider="midjourney")
    local = ImageSettings(
        provider="openai", provider_url="http://127.0.0.1:8080/v1", provider_model="sd"
    )
    assert local.base_provider_url == "http://127.0.0.1:8080/v1"  # a local server: no key
    public = ImageSettings(provider="stability", provider_api_key="sk-x")
    assert public.base_provider_url == "https://api.stability.ai"
    assert "sk-x" not in repr(public)


def test_provider_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("IMAGE_SERVICE_PROVIDER", "openai")
    monkeypatch.setenv("IMAGE_SERVICE_PROVIDER_API_KEY", "secret-key")
    monkeypatch.setenv("IMAGE_SERVICE_PROVIDER_MODEL", "gpt-image-1")
    monkeypatch.setenv("IMAGE_SERVICE_PROVIDER_CONCURRENCY", "3")
    settings = ImageSettings()
    assert settings.provider == "openai" and settings.provider_concurrency == 3
    assert "secret-key" not in repr(settings)


# --- the real APIs, when keys are given -----------------------------------------------


@pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY is not set")
async def test_real_openai(tmp_path):
    model = os.environ.get("OPENAI_IMAGE_MODEL", "dall-e-3")
    async with image_service(
        tmp_path,
        "openai",
        "",
        provider_api_key=os.environ["OPENAI_API_KEY"],
        provider_model=model,
        provider_timeout_s=120.0,
    ) as (served, _):
        status, answer = await post_json(
            served, "/generate", {"prompt": "A red apple on a table", "style": "flat_design"}
        )
        assert status == 200, answer
        assert (await picture(served, answer["url"])).size == (1920, 1080)


@pytest.mark.skipif(not os.environ.get("STABILITY_API_KEY"), reason="STABILITY_API_KEY is not set")
async def test_real_stability(tmp_path):
    async with image_service(
        tmp_path,
        "stability",
        "",
        provider_api_key=os.environ["STABILITY_API_KEY"],
        provider_timeout_s=120.0,
    ) as (served, _):
        status, answer = await post_json(
            served,
            "/generate",
            {"prompt": "A red apple on a table", "style": "watercolor", "aspect_ratio": "9:16"},
        )
        assert status == 200, answer
        assert (await picture(served, answer["url"])).size == (1080, 1920)
