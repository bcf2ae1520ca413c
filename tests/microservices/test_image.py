"""The image service over real HTTP: every style a 1920x1080 PNG fetched back from the
URL it answers, the styles told apart by their pixels, the same (prompt, style) always
the same image, batches in order, validation, media served safely, and drawings at each
aspect. The drawings as functions are test_image_drawing.py's, the providers
test_image_providers.py's."""

import asyncio
import hashlib
import io
import itertools
import re

import pytest
import pytest_asyncio
from PIL import Image, ImageFilter, ImageStat

from common.logs import ContextFilter
from microservices.image.app import Painters, create_app
from microservices.image.config import ImageSettings
from microservices.image.models import STYLES
from tests.microservices.helpers_media import Served, assert_error, fetch_bytes, post_json, serve

MEDIA_URL = re.compile(r"http://127\.0\.0\.1:\d+/media/images/[0-9a-f]{32}\.png")
PROMPT = "A lighthouse on a rocky coast at sunset, seagulls flying over the waves"
# One service (and its pool of drawing processes) for the module's tests, in the module's
# event loop: no test here changes what another sees.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> ImageSettings:
    # PNG level 1: the pixels are the point here, not the file's size.
    media_dir = tmp_path_factory.mktemp("image") / "media"
    return ImageSettings(
        host="127.0.0.1", port=0, media_dir=media_dir, workers=2, png_compress_level=1
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(settings: ImageSettings):
    async with serve(create_app(settings), settings) as served:
        yield served


async def generate(service: Served, prompt: str, style: str) -> tuple[str, Image.Image, bytes]:
    """The URL answered, and the PNG fetched back from it."""
    status, body = await post_json(service, "/generate", {"prompt": prompt, "style": style})
    assert status == 200, body
    assert set(body) == {"url"} and MEDIA_URL.fullmatch(body["url"]), body
    status, content_type, raw = await fetch_bytes(service.session, body["url"])
    assert status == 200 and content_type == "image/png"
    image = Image.open(io.BytesIO(raw))
    image.load()
    return body["url"], image, raw


def statistics(image: Image.Image) -> dict[str, float]:
    """Figures of the painting (the caption's band left out, it is alike in every style)."""
    painting = image.crop((0, 0, image.width, image.height * 55 // 100))
    small = painting.resize((192, 60))
    rgb = ImageStat.Stat(small)
    hsv = ImageStat.Stat(small.convert("HSV"))
    edges = ImageStat.Stat(small.convert("L").filter(ImageFilter.FIND_EDGES))
    full_colors = painting.getcolors(maxcolors=1 << 20)
    return {
        "red": rgb.mean[0],
        "green": rgb.mean[1],
        "blue": rgb.mean[2],
        "contrast": sum(rgb.stddev) / 3,
        "saturation": hsv.mean[1],
        "brightness": hsv.mean[2],
        "edges": edges.mean[0],
        "colors": len(full_colors) if full_colors else 1 << 20,
    }


def differ(a: dict[str, float], b: dict[str, float]) -> list[str]:
    """The statistics in which two images clearly differ."""
    out = [k for k in ("red", "green", "blue", "saturation", "brightness") if abs(a[k] - b[k]) > 12]
    out += [k for k in ("contrast", "edges") if max(a[k], b[k]) > 1.3 * min(a[k], b[k]) + 1]
    if max(a["colors"], b["colors"]) > 3 * min(a["colors"], b["colors"]):
        out.append("colors")
    return out


async def test_every_style_is_a_1920x1080_png_served_back_and_the_styles_differ(service):
    results = await asyncio.gather(*(generate(service, PROMPT, style) for style in STYLES))
    urls = [url for url, _, _ in results]
    assert len(set(urls)) == len(STYLES)
    stats = {}
    for style, (_, image, raw) in zip(STYLES, results, strict=True):
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        assert image.format == "PNG" and image.size == (1920, 1080), style
        assert image.mode == "RGB"
        stats[style] = statistics(image)
    for a, b in itertools.combinations(STYLES, 2):
        assert len(differ(stats[a], stats[b])) >= 2, (a, b, stats[a], stats[b])
    # Each style's own signature.
    assert stats["sketch"]["saturation"] == 0  # graphite: no colour at all
    assert stats["flat_design"]["colors"] < 64  # a few flat colours, no gradient
    assert stats["watercolor"]["brightness"] > 170 and stats["watercolor"]["saturation"] < 80
    assert stats["pixar"]["saturation"] > stats["realistic"]["saturation"] + 30
    assert stats["anime"]["edges"] > stats["realistic"]["edges"]  # outlines
    assert stats["oil_painting"]["colors"] > stats["anime"]["colors"]  # brush strokes


# Through the service in the quickest style: every style's drawing is the same for the
# same prompt (test_image_drawing.py).
async def test_the_same_prompt_and_style_give_the_same_image(service):
    (url1, first, _), (url2, second, _) = await asyncio.gather(
        generate(service, PROMPT, "flat_design"), generate(service, PROMPT, "flat_design")
    )
    assert url1 != url2  # two files...
    assert first.tobytes() == second.tobytes()  # ...of the same pixels
    _, other, _ = await generate(service, PROMPT + "!", "flat_design")
    assert other.tobytes() != first.tobytes()


async def test_a_batch_answers_the_prompts_in_order_with_distinct_urls(service):
    prompts = [
        f"Scene {i}: a {animal} in a forest"
        for i, animal in enumerate(["fox", "bear", "owl", "deer", "wolf", "hare"])
    ]
    body = {"images": [{"prompt": p} for p in prompts], "style": "flat_design"}
    status, answer = await post_json(service, "/generate-batch", body)
    assert status == 200, answer
    assert [i["prompt"] for i in answer["images"]] == prompts
    urls = [i["url"] for i in answer["images"]]
    assert len(set(urls)) == len(prompts) and all(MEDIA_URL.fullmatch(u) for u in urls)
    fetched = await asyncio.gather(*(fetch_bytes(service.session, u) for u in urls))
    pixels = set()
    for status, content_type, raw in fetched:
        assert status == 200 and content_type == "image/png"
        image = Image.open(io.BytesIO(raw))
        assert image.size == (1920, 1080)
        pixels.add(hashlib.sha256(image.tobytes()).hexdigest())
    assert len(pixels) == len(prompts)  # each prompt its own image


async def test_a_batch_accepts_scenes_with_their_current_url_and_trims_prompts(service):
    body = {"images": [{"prompt": "  A calm lake  ", "url": None}], "style": "flat_design"}
    status, answer = await post_json(service, "/generate-batch", body)
    assert status == 200, answer
    assert answer["images"][0]["prompt"] == "A calm lake"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/generate", {"style": "anime"}, "prompt"),
        ("/generate", {"prompt": "", "style": "anime"}, "prompt"),
        ("/generate", {"prompt": "   ", "style": "anime"}, "prompt"),
        ("/generate", {"prompt": "x" * 1001, "style": "anime"}, "prompt"),
        ("/generate", {"prompt": 42, "style": "anime"}, "prompt"),
        ("/generate", {"prompt": "a cat", "style": "cubism"}, "style"),
        ("/generate", {"prompt": "a cat", "style": None}, "style"),
        ("/generate", {"prompt": "a cat", "colour": "red"}, "colour"),
        ("/generate-batch", {"images": [], "style": "anime"}, "images"),
        ("/generate-batch", {"images": [{"prompt": "a"}] * 51, "style": "anime"}, "images"),
        ("/generate-batch", {"images": ["a cat"], "style": "anime"}, "images.0"),
        ("/generate-batch", {"images": [{"prompt": ""}], "style": "anime"}, "images.0.prompt"),
        ("/generate-batch", {"images": {"prompt": "a"}, "style": "anime"}, "images"),
        ("/generate-batch", {"prompts": ["a"]}, "images"),
    ],
)
async def test_invalid_input_is_a_400_naming_the_field(service, path, body, field):
    status, answer = await post_json(service, path, body)
    assert_error(status, answer, 400, "VALIDATION_ERROR")
    assert field in [e["field"] for e in answer["errors"]], answer


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"a cat"', b""])
async def test_a_body_that_is_not_a_json_object_is_a_400(service, raw):
    async with service.session.post(
        service.url("/generate"), data=raw, headers={"Content-Type": "application/json"}
    ) as response:
        assert_error(response.status, await response.json(), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../config.py",
        "/media/%2e%2e%2fconfig.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/%2fetc%2fpasswd",
        "/media//etc/passwd",
        "/media/..%5c..%5cwindows%5cwin.ini",
        "/media/%5c%5cserver%5cshare",
        "/media/0123456789abcdef0123456789abcdef.png",  # our shape, but not ours
        "/media/notours.png",
        "/media/0123456789ABCDEF0123456789ABCDEF.png",
        "/media/.0123456789abcdef0123456789abcdef.png.part",
        "/media/idempotency.json",
        "/media/images/0123456789abcdef0123456789abcdef.png",
        "/media/images/../notours.png",
        "/media/renders/0123/result.json",
        "/media/%00.png",
    ],
)
async def test_media_paths_other_than_our_files_are_404(service, settings, path):
    (settings.media_dir / "notours.png").write_bytes(b"\x89PNG")
    async with service.session.get(service.url(path)) as response:
        assert response.status == 404
        assert b"root:" not in await response.read()


async def test_a_generated_file_is_served_and_nothing_beside_it(service, settings):
    url, _, _ = await generate(service, "A single tree", "flat_design")
    name = url.split("/media/", 1)[1]
    assert (settings.media_dir / name).is_file()
    assert not list(settings.media_dir.rglob(".*.part"))  # written atomically
    assert not list((settings.media_dir / ".work").iterdir())  # no work file left
    async with service.session.get(service.url(f"/media/{name}/..")) as response:
        assert response.status == 404


async def test_healthz_and_the_forwarded_request_id_in_the_logs(service, caplog):
    async with service.session.get(service.url("/healthz")) as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "engine": "drawing"}
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level("INFO"):
        status, _ = await post_json(
            service,
            "/generate",
            {"prompt": "A boat", "style": "flat_design"},
            {"X-Request-ID": "rq-7"},
        )
    assert status == 200
    drew = [r for r in caplog.records if r.name == "microservices.image"]
    assert drew and all(r.request_id == "rq-7" for r in drew)


# --- pictures at an aspect ------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspect", "size"), [("16:9", (1920, 1080)), ("9:16", (1080, 1920)), ("1:1", (1080, 1080))]
)
async def test_drawings_are_made_at_the_aspect_asked(service, aspect, size):
    body = {"images": [{"prompt": "A town by a lake"}], "style": "flat_design"}
    status, answer = await post_json(service, "/generate-batch", {**body, "aspect_ratio": aspect})
    assert status == 200, answer
    _, _, raw = await fetch_bytes(service.session, answer["images"][0]["url"])
    assert Image.open(io.BytesIO(raw)).size == size
    status, answer = await post_json(
        service, "/generate", {"prompt": "A boat", "style": "sketch", "aspect_ratio": aspect}
    )
    assert status == 200 and set(answer) == {"url"}, answer
    _, _, raw = await fetch_bytes(service.session, answer["url"])
    assert Image.open(io.BytesIO(raw)).size == size


@pytest.mark.parametrize("aspect", ["4:3", "16/9", 1.77, None, ""])
async def test_an_unknown_aspect_is_a_400(service, aspect):
    status, answer = await post_json(service, "/generate", {"prompt": "a", "aspect_ratio": aspect})
    assert_error(status, answer, 400, "VALIDATION_ERROR")
    assert [e["field"] for e in answer["errors"]] == ["aspect_ratio"]


async def test_a_drawing_that_outlives_its_request_leaves_no_work_file(tmp_path):
    """A timed-out request cancels its drawing, but one already running in a worker
    finishes later: its work file must not be left behind in the scratch directory."""
    painters = Painters(workers=1, compress_level=1)
    try:
        await painters.make(PROMPT, "flat_design", "16:9", "prompt", tmp_path / "warm.png")
        assert (tmp_path / "warm.png").stat().st_size > 0  # the worker is up
        late = tmp_path / "late.png"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(painters.make(PROMPT, "anime", "16:9", "prompt", late), 0.001)
    finally:
        await painters.close()  # waits for the running drawing
    assert not (tmp_path / "late.png").exists()
