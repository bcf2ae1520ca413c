"""The video service over real HTTP, rendering from inputs served by a local aiohttp app
(a short real MP3 made with ffmpeg's sine source, small Pillow images): the MP4 and its
thumbnail inspected with ffmpeg itself; templates, resolutions, frame rates, music on and
off; Idempotency-Key; refused URLs, unusable inputs; the timeout that kills ffmpeg."""

import asyncio
import io
import itertools
import os
import re
import shutil
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PIL import Image

from microservices.common.fetch import Fetcher, parse_rewrites
from microservices.video import ffmpeg
from microservices.video import render as render_module
from microservices.video.app import create_app
from microservices.video.config import VideoSettings
from microservices.video.models import SIZES
from microservices.video.timeline import plan
from tests.microservices.helpers_fetch import Network, Recorder, Resolver, recording_app
from tests.microservices.helpers_media import (
    FFMPEG,
    Served,
    assert_error,
    count_frames,
    fetch_bytes,
    file_handler,
    frame_lumas,
    in_thread,
    make_image,
    make_silence,
    make_tone,
    max_volume,
    post_json,
    probe,
    run_ffmpeg,
    serve,
    top_level_boxes,
)

NARRATION_S = 4.0
PUBLIC = "93.184.216.34"  # a global address, which the tests' network leads to loopback
# How long a picture being prepared is held, at most, waiting for an answer that must not
# come while it is (a render waits for it).
HELD_S = 1.0
MEDIA_URL = re.compile(r"http://127\.0\.0\.1:\d+/media/(videos|thumbnails)/[0-9a-f]{32}\.(mp4|jpg)")


# -- the inputs, served by a local app -------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("inputs")
    make_tone(root / "narration.mp3", NARRATION_S)
    make_silence(root / "silence.mp3", 3.0)
    for k in range(3):
        make_image(root / f"scene{k}.png", k, (640, 360) if k != 1 else (500, 500))
    Image.new("RGB", (320, 240), (10, 120, 200)).save(root / "photo.jpg", quality=80)
    Image.new("RGBA", (300, 300), (200, 30, 30, 128)).save(root / "rgba.png")
    Image.new("L", (400, 200), 90).save(root / "gray.jpg")
    frames = [Image.new("P", (120, 90), c) for c in (1, 2)]
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    Image.new("RGB", (64, 36), (0, 0, 0)).save(root / "black.png")
    Image.new("RGB", (64, 36), (255, 255, 255)).save(root / "white.png")
    (root / "notes.txt").write_text("not an image")
    return root


@pytest.fixture
async def inputs(aiohttp_server, files):
    """The inputs' server: the files, redirects (good and bad), a slow answer."""
    app = web.Application()

    async def redirect_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    async def redirect_ok(request: web.Request) -> web.Response:
        raise web.HTTPFound("/files/scene0.png")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(body=b"late")

    app.router.add_get("/files/{name}", file_handler(files))
    app.router.add_get("/redirect-file", redirect_file)
    app.router.add_get("/redirect-ok", redirect_ok)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/slow", slow)
    server = await aiohttp_server(app)
    return server


def url_of(inputs, path: str) -> str:
    return str(inputs.make_url(path))


UNREACHABLE = "http://127.0.0.1:9"  # trusted, but nothing listens there


def origin_of(inputs) -> str:
    """The inputs server's origin, which the service must trust: it is on loopback."""
    return str(inputs.make_url("/").origin())


def payload(inputs, **changes) -> dict:
    body = {
        "audio_path": url_of(inputs, "/files/narration.mp3"),
        "images": [
            {"prompt": f"scene {k}", "url": url_of(inputs, f"/files/scene{k}.png")}
            for k in range(3)
        ],
        "resolution": "720p",
        "fps": 24,
        "template": "basic_fade",
        "background_music": "none",
    }
    return body | changes


# -- the service -------------------------------------------------------------------------


def settings_for(tmp_path: Path, inputs, **changes: Any) -> VideoSettings:
    """A service on a free loopback port, media under tmp_path, trusting the inputs'
    server; then `changes`."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "media_dir": tmp_path / "media",
        "fetch_trusted_origins": origin_of(inputs),
    }
    return VideoSettings(**(values | changes))


@pytest.fixture
def settings(tmp_path: Path, inputs) -> VideoSettings:
    return settings_for(
        tmp_path, inputs, fetch_trusted_origins=f"{origin_of(inputs)},{UNREACHABLE}"
    )


@pytest.fixture
async def video(settings):
    async with serve(create_app(settings), settings) as served:
        yield served


async def render(video: Served, body: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"Idempotency-Key": key} if key else None
    return await post_json(video, "/render", body, headers)


async def rendered(video: Served, body: dict, tmp_path: Path, key: str | None = None):
    """Render, fetch the MP4 and the thumbnail back over HTTP; the answer and the files."""
    status, answer = await render(video, body, key)
    assert status == 200, answer
    assert set(answer) == {"url", "thumbnail", "duration"}
    assert MEDIA_URL.fullmatch(answer["url"]) and answer["url"].endswith(".mp4")
    assert MEDIA_URL.fullmatch(answer["thumbnail"]) and answer["thumbnail"].endswith(".jpg")
    status, content_type, mp4 = await fetch_bytes(video.session, answer["url"])
    assert status == 200 and content_type == "video/mp4"
    status, content_type, jpg = await fetch_bytes(video.session, answer["thumbnail"])
    assert status == 200 and content_type == "image/jpeg"
    path = tmp_path / f"out-{answer['url'].rsplit('/', 1)[1]}"
    path.write_bytes(mp4)
    return answer, path, jpg


# -- rendering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "resolution", "fps", "music"),
    [
        ("basic_fade", "720p", 24, "none"),
        ("basic_fade", "1080p", 30, "soft"),
        ("ken_burns", "720p", 30, "cinematic"),
        ("ken_burns", "1080p", 24, "none"),
    ],
)
async def test_a_render_is_an_h264_aac_mp4_of_the_narrations_length(
    video, inputs, tmp_path, template, resolution, fps, music
):
    body = payload(
        inputs, template=template, resolution=resolution, fps=fps, background_music=music
    )
    answer, path, jpg = await rendered(video, body, tmp_path)
    info = await in_thread(probe, path)
    assert abs(info.duration - NARRATION_S) <= 0.05 * NARRATION_S, info
    assert abs(answer["duration"] - NARRATION_S) <= 0.05 * NARRATION_S, answer
    assert abs(answer["duration"] - info.duration) < 0.05
    assert len(info.of("Video")) == 1 and len(info.of("Audio")) == 1, info.streams
    assert info.video.codec == "h264" and info.pixel_format == "yuv420p"
    assert info.of("Audio")[0].codec == "aac"
    assert info.size == SIZES[resolution] and info.fps == fps
    assert await in_thread(count_frames, path) == round(NARRATION_S * fps)
    thumbnail = Image.open(io.BytesIO(jpg))
    thumbnail.load()
    assert thumbnail.format == "JPEG" and thumbnail.size == SIZES[resolution]
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart


@pytest.mark.parametrize("template", ["slide_left", "slide_right", "zoom_in", "zoom_out"])
async def test_the_other_templates_render_too(video, inputs, tmp_path, template):
    body = payload(inputs, template=template, audio_path=url_of(inputs, "/files/silence.mp3"))
    _, path, _ = await rendered(video, body, tmp_path)
    info = await in_thread(probe, path)
    assert abs(info.duration - 3.0) <= 0.15 and info.size == (1280, 720) and info.fps == 24


@pytest.mark.parametrize("template", ["basic_fade", "slide_left", "slide_right", "ken_burns"])
async def test_a_transition_goes_from_one_scene_to_the_next_frame_by_frame(
    video, inputs, tmp_path, template
):
    """Black then white: dark frames, then the transition's frames each lighter than the
    one before, then white frames; as many frames as the narration's duration asks."""
    body = payload(inputs, template=template, audio_path=url_of(inputs, "/files/silence.mp3"))
    body["images"] = [
        {"prompt": "night", "url": url_of(inputs, "/files/black.png")},
        {"prompt": "day", "url": url_of(inputs, "/files/white.png")},
    ]
    _, path, _ = await rendered(video, body, tmp_path)
    lumas = await in_thread(frame_lumas, path)
    timeline = plan(3.0, 24, 2, VideoSettings().transition_s)
    assert len(lumas) == timeline.total == 72
    dark, light = timeline.offsets[1], timeline.offsets[1] + timeline.transition
    assert all(v < 20 for v in lumas[:dark]), lumas
    assert all(v > 230 for v in lumas[light:]), lumas
    between = lumas[dark:light]
    assert len(between) == timeline.transition == 12
    assert all(20 < v < 230 for v in between), between
    assert all(b > a for a, b in itertools.pairwise(between)), between


@pytest.mark.parametrize(
    ("template", "scenes"), [("basic_fade", 3), ("ken_burns", 3), ("basic_fade", 1)]
)
async def test_each_picture_fills_its_frames_to_the_last(video, inputs, tmp_path, template, scenes):
    """Pictures of distinct lumas (streamed to ffmpeg one by one): each one on exactly
    the frames of its slot outside the transitions, the last one up to the last frame."""
    body = payload(inputs, template=template, audio_path=url_of(inputs, "/files/silence.mp3"))
    names = ["black.png", "gray.jpg", "white.png"][:scenes]
    body["images"] = [{"prompt": n, "url": url_of(inputs, f"/files/{n}")} for n in names]
    _, path, jpg = await rendered(video, body, tmp_path)
    lumas = await in_thread(frame_lumas, path)
    timeline = plan(3.0, 24, scenes, VideoSettings().transition_s)
    assert len(lumas) == timeline.total == 72
    expected = [(0, 25), (80, 105), (225, 240)]  # black, gray 90 (video range), white
    for k in range(scenes):
        first = timeline.offsets[k] + (timeline.transition if k else 0)
        shown = lumas[first : timeline.offsets[k] + timeline.slots[k]]
        low, high = expected[k]
        assert shown and all(low <= v <= high for v in shown), (k, lumas)
    assert Image.open(io.BytesIO(jpg)).convert("L").getpixel((640, 360)) < 25  # scene 0


async def test_background_music_is_mixed_in_only_when_asked(video, inputs, tmp_path):
    silent = url_of(inputs, "/files/silence.mp3")
    _, plain, _ = await rendered(video, payload(inputs, audio_path=silent), tmp_path)
    _, scored, _ = await rendered(
        video, payload(inputs, audio_path=silent, background_music="upbeat"), tmp_path
    )
    assert await in_thread(max_volume, plain) < -80  # the silent narration alone
    assert await in_thread(max_volume, scored) > -40  # music under it


def test_each_mood_makes_its_own_music(tmp_path):
    from microservices.video.music import MOODS, lavfi_graph

    sounds = set()
    for mood in MOODS:
        out = tmp_path / f"{mood}.wav"
        run_ffmpeg("-f", "lavfi", "-i", lavfi_graph(mood, 3.0), "-ac", "1", str(out))
        assert max_volume(out) > -30, mood
        sounds.add(out.read_bytes()[1000:50000])
    assert len(sounds) == len(MOODS)


async def test_inputs_of_any_size_format_and_redirects_are_used(video, inputs, tmp_path):
    names = ["photo.jpg", "rgba.png", "gray.jpg", "anim.gif", "scene1.png"]
    body = payload(
        inputs,
        images=[
            *({"prompt": name, "url": url_of(inputs, f"/files/{name}")} for name in names),
            {"prompt": "redirected", "url": url_of(inputs, "/redirect-ok")},
        ],
    )
    _, path, jpg = await rendered(video, body, tmp_path)
    info = await in_thread(probe, path)
    assert info.size == (1280, 720) and abs(info.duration - NARRATION_S) < 0.1
    assert await in_thread(count_frames, path) == round(NARRATION_S * 24)
    assert Image.open(io.BytesIO(jpg)).size == (1280, 720)


async def test_fetch_rewrites_apply_to_the_input_urls(tmp_path, inputs):
    port = inputs.port
    settings = VideoSettings(
        host="127.0.0.1",
        port=0,
        media_dir=tmp_path / "media",
        fetch_rewrites=f"http://media.invalid:9/=http://127.0.0.1:{port}/",
    )
    body = payload(inputs, audio_path="http://media.invalid:9/files/narration.mp3")
    body["images"] = [{"prompt": "p", "url": "http://media.invalid:9/files/scene2.png"}]
    async with serve(create_app(settings), settings) as video:
        status, answer = await render(video, body)
    assert status == 200, answer


def test_rewrites_are_parsed_and_checked():
    assert parse_rewrites(" http://a:1=http://b:2 , https://c=http://d ") == (
        ("http://a:1", "http://b:2"),
        ("https://c", "http://d"),
    )
    assert parse_rewrites("") == ()
    for bad in ("http://a", "ftp://a=http://b", "http://a=file:///x"):
        with pytest.raises(ValueError):
            parse_rewrites(bad)
    with pytest.raises(ValueError):
        VideoSettings(fetch_rewrites="nonsense")


# -- idempotency -------------------------------------------------------------------------


async def test_the_same_key_renders_once_and_answers_the_same(video, inputs, settings):
    body = payload(inputs)
    runs = ffmpeg.STATS.runs
    status, first = await render(video, body, "job-1:1")
    assert status == 200, first
    assert ffmpeg.STATS.runs == runs + 2  # the narration decoded, the video rendered
    status, again = await render(video, body, "job-1:1")
    assert status == 200 and again == first
    assert ffmpeg.STATS.runs == runs + 2  # nothing ran again
    assert len(list((settings.media_dir / "videos").glob("*.mp4"))) == 1
    status, other = await render(video, body, "job-1:2")  # another attempt: a new render
    assert status == 200 and other["url"] != first["url"]
    assert ffmpeg.STATS.runs == runs + 4


async def test_a_concurrent_duplicate_waits_for_the_running_render(video, inputs, settings):
    body = payload(inputs)
    runs = ffmpeg.STATS.runs
    results = await asyncio.gather(*(render(video, body, "job-2:1") for _ in range(3)))
    assert [status for status, _ in results] == [200, 200, 200]
    assert results[0][1] == results[1][1] == results[2][1]
    assert ffmpeg.STATS.runs == runs + 2
    assert len(list(settings.media_dir.rglob("*.mp4"))) == 1


async def test_finished_renders_are_remembered_across_a_restart(inputs, settings):
    body = payload(inputs)
    async with serve(create_app(settings), settings) as video:
        status, first = await render(video, body, "job-3:1")
        assert status == 200, first
    assert list((settings.media_dir / "renders").glob("*/result.json"))
    runs = ffmpeg.STATS.runs
    async with serve(create_app(settings), settings) as video:
        status, again = await render(video, body, "job-3:1")
    assert status == 200
    assert again["duration"] == first["duration"]
    assert again["url"].rsplit("/", 1)[1] == first["url"].rsplit("/", 1)[1]
    assert ffmpeg.STATS.runs == runs


async def test_a_key_reused_for_another_body_is_a_409(video, inputs):
    status, _ = await render(video, payload(inputs), "job-4:1")
    assert status == 200
    status, answer = await render(video, payload(inputs, fps=30), "job-4:1")
    assert_error(status, answer, 409, "IDEMPOTENCY_KEY_REUSED")


async def test_a_failed_render_is_not_remembered(video, inputs, files):
    body = payload(inputs, audio_path=url_of(inputs, "/files/later.mp3"))
    status, answer = await render(video, body, "job-5:1")
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    (files / "later.mp3").write_bytes((files / "silence.mp3").read_bytes())
    try:
        status, answer = await render(video, body, "job-5:1")
        assert status == 200, answer
    finally:
        (files / "later.mp3").unlink()


# -- refused and unusable inputs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"audio_path": "file:///etc/passwd"}, "audio_path"),
        ({"audio_path": "ftp://127.0.0.1/a.mp3"}, "audio_path"),
        ({"audio_path": "/files/narration.mp3"}, "audio_path"),
        ({"images": [{"prompt": "p", "url": "gopher://127.0.0.1/x"}]}, "images.0.url"),
        ({"images": [{"prompt": "p", "url": "data:image/png;base64,AAAA"}]}, "images.0.url"),
        ({"images": []}, "images"),
        ({"images": [{"prompt": "p", "url": "http://127.0.0.1/a.png"}] * 51}, "images"),
        ({"images": [{"prompt": "", "url": "http://127.0.0.1/a.png"}]}, "images.0.prompt"),
        ({"images": [{"url": "http://127.0.0.1/a.png"}]}, "images.0.prompt"),
        ({"images": [{"prompt": "p"}]}, "images.0.url"),
        ({"resolution": "4k"}, "resolution"),
        ({"fps": 25}, "fps"),
        ({"fps": "30"}, "fps"),
        ({"fps": 30.5}, "fps"),
        ({"template": "spin"}, "template"),
        ({"background_music": "jazz"}, "background_music"),
        ({"subtitles": True}, "captions_url"),  # subtitles need the captions
        ({"subtitle": True}, "subtitle"),  # an unknown field
        ({"aspect_ratio": "4:3"}, "aspect_ratio"),
    ],
)
async def test_invalid_input_is_a_400(video, inputs, change, field):
    status, answer = await render(video, payload(inputs, **change))
    assert_error(status, answer, 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in answer["errors"]], answer


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("audio_path", "http://169.254.169.254/latest/meta-data"),
        ("audio_path", "http://0xa9fea9fe/latest/meta-data"),
        ("audio_path", "http://0.0.0.0:8104/x"),
        ("images[2].url", "http://127.0.0.1/metrics"),
        ("images[2].url", "http://[::ffff:10.0.0.1]/x.png"),
        ("images[1].url", "http://localhost:50051/"),
    ],
)
async def test_urls_of_hosts_never_fetched_are_a_400(video, inputs, field, url):
    await assert_refused(video, inputs, field, url)


async def assert_refused(video: Served, inputs, field: str, url: str) -> None:
    """A render whose `field` (audio_path or images[k].url) is `url` is a 400 naming it."""
    body = payload(inputs)
    if field == "audio_path":
        body["audio_path"] = url
    else:
        body["images"][int(field[7])]["url"] = url
    status, answer = await render(video, body)
    assert_error(status, answer, 400, "INVALID_URL")
    assert answer["detail"].startswith(field), answer


@pytest.fixture
async def guarded(tmp_path, inputs, aiohttp_server):
    """The service with a fake resolver and network, and a canary for the private
    network: internal names resolve to private addresses, public.test to a public one
    (which the network leads to the inputs' server), the inputs' origin is trusted."""
    canary = Recorder()
    canary_server = await aiohttp_server(recording_app(canary))
    routes = {("127.0.0.1", inputs.port): inputs.port, (PUBLIC, 80): inputs.port}
    network = Network(routes=routes, fallback=canary_server.port)
    resolver = Resolver(
        {"mongo": ["172.18.0.5"], "orchestrator": ["172.18.0.6"], "public.test": [PUBLIC]}
    )
    settings = settings_for(tmp_path, inputs)
    make = partial(Fetcher, resolve=resolver, connector=network.connector)
    async with serve(create_app(settings, make), settings) as video:
        yield video, network
    assert canary.seen == []
    assert set(network.opened) <= set(routes)  # the trusted inputs, and the public address


async def test_a_public_url_is_fetched_from_the_address_checked(guarded, inputs, tmp_path):
    video, network = guarded
    body = payload(inputs)
    body["images"][1]["url"] = "http://public.test/files/photo.jpg"
    await rendered(video, body, tmp_path)
    assert network.opened.count((PUBLIC, 80)) == 1


@pytest.mark.parametrize(
    ("where", "url"),
    [
        ("images[2].url", "http://mongo/"),
        ("audio_path", "http://orchestrator/metrics"),
        ("images[0].url", "/redirect-file"),
        ("images[1].url", "/redirect?to=http://127.0.0.1/metrics"),
        ("images[1].url", "/redirect?to=http://mongo/"),
    ],
)
async def test_a_refused_url_or_redirect_is_a_400_and_nothing_private_is_reached(
    guarded, inputs, where, url
):
    if url == "/redirect-file":
        url = url_of(inputs, url)
    elif url.startswith("/redirect?to="):
        url = str(inputs.make_url("/redirect").with_query(to=url.split("=", 1)[1]))
    await assert_refused(guarded[0], inputs, where, url)


async def test_a_bad_idempotency_key_is_a_400(video, inputs):
    status, answer = await render(video, payload(inputs), "x" * 300)
    assert_error(status, answer, 400, "INVALID_IDEMPOTENCY_KEY")


@pytest.mark.parametrize(
    ("where", "field", "why"),
    [
        ("audio", "audio_path", "could not be downloaded: the host could not be reached"),
        ("image", "images[2].url", "could not be downloaded: HTTP 404"),
        ("text", "images[1].url", "is not an image"),
        ("not-audio", "audio_path", "is not audio that can be decoded"),
    ],
)
async def test_an_input_that_cannot_be_used_is_a_422(video, inputs, where, field, why):
    body = payload(inputs)
    if where == "audio":
        body["audio_path"] = f"{UNREACHABLE}/narration.mp3"
    elif where == "image":
        body["images"][2]["url"] = url_of(inputs, "/files/missing.png")
    elif where == "text":
        body["images"][1]["url"] = url_of(inputs, "/files/notes.txt")
    else:
        body["audio_path"] = url_of(inputs, "/files/scene0.png")
    status, answer = await render(video, body)
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    assert answer["detail"].startswith(field) and why in answer["detail"], answer


@pytest.mark.parametrize(
    ("limit", "audio", "why"),
    [
        ({"max_image_bytes": 2048}, "/files/narration.mp3", "is larger than 2048 bytes"),
        ({"max_audio_bytes": 4096}, "/files/narration.mp3", "is larger than 4096 bytes"),
        ({"fetch_timeout_s": 0.5}, "/slow", "no complete answer within 0.5 s"),
    ],
)
async def test_inputs_too_large_or_too_slow_are_a_422(inputs, tmp_path, limit, audio, why):
    settings = settings_for(tmp_path, inputs, **limit)
    async with serve(create_app(settings), settings) as video:
        status, answer = await render(video, payload(inputs, audio_path=url_of(inputs, audio)))
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    assert why in answer["detail"], answer
    assert not list((settings.media_dir / ".work").iterdir())  # work directories removed


# -- ffmpeg's time limit -----------------------------------------------------------------


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_render_past_its_time_limit_is_a_504_and_ffmpeg_is_killed(inputs, tmp_path):
    settings = settings_for(tmp_path, inputs, render_timeout_s=1.5)
    body = payload(inputs, resolution="2160p", fps=60, template="ken_burns")
    killed = ffmpeg.STATS.killed
    async with serve(create_app(settings), settings) as video:
        status, answer = await render(video, body)
    # The 504 itself says the limit cut the render short (a finished one is a 200).
    assert_error(status, answer, 504, "RENDER_TIMEOUT")
    assert ffmpeg.STATS.killed == killed + 1
    assert _gone(ffmpeg.STATS.pids[-1])
    assert not list(settings.media_dir.rglob("*.mp4"))


async def test_ffmpeg_is_killed_on_timeout_and_on_cancellation():
    endless = ["-re", "-f", "lavfi", "-i", "sine=d=600", "-f", "null", "-"]
    with pytest.raises(ffmpeg.FfmpegTimeout):
        await ffmpeg.run(FFMPEG, endless, 0.5, "play")
    assert _gone(ffmpeg.STATS.pids[-1])
    task = asyncio.create_task(ffmpeg.run(FFMPEG, endless, 60, "play"))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(ffmpeg.STATS.pids[-1])
    with pytest.raises(ffmpeg.FfmpegFailed):
        await ffmpeg.run(FFMPEG, ["-i", "/nonexistent.mp3", "-f", "null", "-"], 10, "fail")


async def test_a_picture_failing_while_ffmpeg_runs_is_a_422_and_ffmpeg_is_killed(
    aiohttp_server, inputs, files, tmp_path
):
    """The last picture is answered once the render's ffmpeg has started on the first
    ones, and is not an image: ffmpeg is killed, the answer is the picture's 422."""
    runs = ffmpeg.STATS.runs

    async def after_ffmpeg_starts(request: web.Request) -> web.Response:
        for _ in range(400):  # the narration's decoding, then the render's run
            if ffmpeg.STATS.runs >= runs + 2:
                break
            await asyncio.sleep(0.05)
        return web.Response(body=(files / "notes.txt").read_bytes())

    late_app = web.Application()
    late_app.router.add_get("/late.png", after_ffmpeg_starts)
    late = await aiohttp_server(late_app)
    trusted = f"{origin_of(inputs)},{origin_of(late)}"
    settings = settings_for(tmp_path, inputs, fetch_trusted_origins=trusted)
    body = payload(inputs, resolution="1080p", template="ken_burns")
    body["images"][2]["url"] = str(late.make_url("/late.png"))
    killed = ffmpeg.STATS.killed
    async with serve(create_app(settings), settings) as video:
        status, answer = await render(video, body)
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    assert answer["detail"].startswith("images[2].url is not an image"), answer
    assert ffmpeg.STATS.runs == runs + 2  # the render's ffmpeg had started
    assert ffmpeg.STATS.killed == killed + 1
    assert _gone(ffmpeg.STATS.pids[-1])
    assert not list(settings.media_dir.rglob("*.mp4"))
    assert not list((settings.media_dir / ".work").iterdir())


@pytest.mark.parametrize("held", ["preparation", "copy"])
async def test_a_picture_still_being_prepared_when_another_fails_ends_before_the_cleanup(
    video, inputs, files, settings, monkeypatch, held
):
    """images[0] is being prepared, or copied from the media store (in a thread, held
    until the answer comes, or for HELD_S at most) when images[1] turns out not to be an
    image: the render waits for that thread before removing its work directory, so that
    the answer, the 422 of images[1], comes once nothing of the render writes in it any
    more. (Without the wait, the answer came while the thread was held, and the thread
    then wrote into a removed directory.)"""
    prepare, copy = render_module.prepare_image, shutil.copyfile
    holding, refused, released, finished = (threading.Event() for _ in range(4))
    outcome: list[Any] = []
    begun, ended = [], threading.Semaphore(0)  # the calls of the steps below

    def tracked(step: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            begun.append(step)
            try:
                return step(*args)
            finally:
                ended.release()

        return call

    def hold(step: Callable[..., Any], *args: Any) -> Any:
        holding.set()
        released.wait(30)
        try:
            outcome.append(written := step(*args))
            return written
        except Exception as exc:
            outcome.append(exc)
            raise
        finally:
            finished.set()

    def prepare_image(path: Path, size: tuple[int, int], max_pixels: int, field: str) -> Path:
        if field == "images[0].url" and held == "preparation":
            return hold(prepare, path, size, max_pixels, field)
        holding.wait(30)  # images[0] is held before the others are prepared
        try:
            return prepare(path, size, max_pixels, field)
        except Exception:
            refused.set()
            raise

    def copyfile(source: Path, dest: Path) -> Path:
        if Path(dest).name == "scene00.input":
            return hold(copy, source, dest)
        return copy(source, dest)

    body = payload(inputs)
    body["images"][1]["url"] = url_of(inputs, "/files/notes.txt")
    if held == "copy":
        key = f"images/{'0' * 32}.png"
        (settings.media_dir / "images").mkdir(parents=True)
        copy(files / "scene0.png", settings.media_dir / key)
        body["images"][0]["url"] = video.url(f"/media/{key}")
        monkeypatch.setattr(shutil, "copyfile", tracked(copyfile))
    monkeypatch.setattr(render_module, "prepare_image", tracked(prepare_image))
    answer_task = asyncio.create_task(render(video, body))
    assert await in_thread(refused.wait, 30)
    await asyncio.wait({answer_task}, timeout=HELD_S)
    answered_while_held = answer_task.done()
    released.set()
    status, answer = await answer_task
    ended_before_the_answer = finished.is_set()
    for _ in begun:  # every one over (without the wait, some were not, after the answer)
        assert await in_thread(ended.acquire, True, 30)
    monkeypatch.undo()  # shutil.copyfile is everyone's
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    assert answer["detail"].startswith("images[1].url is not an image"), answer
    assert not answered_while_held
    assert ended_before_the_answer
    # Its file was written while the work directory was there, and went with it.
    [written] = outcome
    expected = "scene00.ppm" if held == "preparation" else "scene00.input"
    assert isinstance(written, str | Path) and Path(written).name == expected, written
    assert not await in_thread(Path(written).exists)
    assert not list((settings.media_dir / ".work").iterdir())


async def test_a_feeder_error_kills_ffmpeg_and_ffmpeg_exiting_stops_the_feeder(tmp_path):
    picture = tmp_path / "p.ppm"
    Image.new("RGB", (64, 36), (9, 9, 9)).save(picture)
    frame = picture.read_bytes()
    reads = ["-f", "image2pipe", "-c:v", "ppm", "-i", "pipe:0"]

    async def broken(stdin: asyncio.StreamWriter) -> None:
        stdin.write(frame)
        await stdin.drain()
        raise ValueError("no second picture")

    with pytest.raises(ValueError, match="no second picture"):
        await ffmpeg.run(FFMPEG, [*reads, "-f", "null", "-"], 30, "read", feed=broken)
    assert _gone(ffmpeg.STATS.pids[-1])

    async def endless(stdin: asyncio.StreamWriter) -> None:
        while True:
            stdin.write(frame)
            await stdin.drain()

    # ffmpeg stops after one frame and closes its stdin: the feeder's writes fail
    # (a broken pipe), which is not an error; ffmpeg's exit status is the answer.
    await ffmpeg.run(FFMPEG, [*reads, "-frames:v", "1", "-f", "null", "-"], 30, "one", feed=endless)
    assert _gone(ffmpeg.STATS.pids[-1])


async def test_shutdown_cancels_a_running_render_and_kills_its_ffmpeg(inputs, tmp_path):
    settings = settings_for(tmp_path, inputs, shutdown_grace_s=0.2)
    body = payload(inputs, resolution="2160p", fps=60, template="ken_burns")
    async with serve(create_app(settings), settings) as video:
        runs = ffmpeg.STATS.runs
        pending = asyncio.create_task(render(video, body, "job-7:1"))
        for _ in range(400):  # until the render itself has started
            if ffmpeg.STATS.runs >= runs + 2:
                break
            await asyncio.sleep(0.05)
        pid = ffmpeg.STATS.pids[-1]
    pending.cancel()
    await asyncio.gather(pending, return_exceptions=True)
    assert _gone(pid)
    assert not (settings.media_dir / ".work").exists() or not list(
        (settings.media_dir / ".work").iterdir()
    )


# -- the timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "fps", "scenes"),
    [(30, 30, 5), (4, 24, 3), (7.3, 60, 7), (1, 24, 50), (0.5, 30, 1)],
)
def test_scene_lengths_sum_to_the_narration(duration, fps, scenes):
    timeline = plan(duration, fps, scenes, 0.5)
    assert sum(timeline.slots) == timeline.total == max(scenes, round(duration * fps))
    assert max(timeline.slots) - min(timeline.slots) <= 1
    assert timeline.transition <= min(timeline.slots) // 3
    assert timeline.transition <= round(0.5 * fps)
    assert len(timeline.offsets) == scenes and timeline.offsets[0] == 0
    assert all(c >= s for c, s in zip(timeline.clips, timeline.slots, strict=True))
    if scenes > 1:
        assert timeline.offsets[-1] + timeline.clips[-1] == timeline.total
        assert timeline.starts[-1] + timeline.clips[-1] == timeline.clips_total
