"""Short-form output over real HTTP: 9:16 and 1:1 renders (and 16:9, the default), their
framing of pictures made for another aspect, and burned-in subtitles from WebVTT captions
served by the inputs' app. The MP4s are decoded with the bundled ffmpeg and compared
frame by frame."""

import os
import subprocess
from pathlib import Path

import pytest
from aiohttp import web
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw

from microservices.video import ffmpeg, subtitles
from microservices.video.captions import Cue
from microservices.video.models import frame_size
from tests.microservices.helpers_media import (
    FFMPEG,
    Served,
    assert_error,
    count_frames,
    file_handler,
    gray_frames,
    in_thread,
    make_image,
    make_tone,
    post_json,
    probe,
    video_service,
)

NARRATION_S = 4.0
FPS = 24
# Two cues: the first starts and ends on frames (12 and 36 at 24 fps), the second
# starts inside frame 55 (2.3 s = 55.2 frames) so its first frame is 56, and ends
# between frames (3.1 s = 74.4 frames: its last frame is 74).
CAPTIONS = (
    "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.500\nAção! Ça été déjà vu.\n\n"
    "2\n00:00:02.300 --> 00:00:03.100\nGrößer, più città, ¿señor?\n"
)
CUE_FRAMES = [(12, 36), (56, 75)]
BLOCK = 8
# One sentence per contract language, with the accents each uses.
LANGUAGES = {
    "en": "Naïve café owners\u2019 résumé — “quoted”, 100 % sure…",
    "fr": "Où êtes-vous ? À Noël, l\u2019œuvre naïve du garçon ÇA ÉTÉ Ÿ ÿ Œ Æ æ « déjà ».",
    "es": "¿Dónde está el niño? ¡Qué año! Ñandú, pingüino, acción, Ü ü Á É Í Ó Ú.",
    "de": "Größere Übungen für Äpfel und Öl: schön, Fuß, ẞ, Ä Ö Ü ä ö ü ß.",
    "it": "Perché è così? Più città, caffè, però: È À Ì Ò Ù à è é ì í î ò ó ù ú.",
    "pt": "Ação, coração e pão: não há informação, avó, você! Ã Õ Â Ê Ô Ç À ã õ ç.",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("short-inputs")
    make_tone(root / "narration.mp3", NARRATION_S)
    for k in range(3):
        make_image(root / f"scene{k}.png", k)  # 640x360: pictures made for 16:9
    # A 16:9 picture with a black disc in the middle of white: its framing at another
    # aspect must keep the disc round.
    disc = Image.new("RGB", (640, 360), (255, 255, 255))
    ImageDraw.Draw(disc).ellipse((290, 150, 350, 210), fill=(0, 0, 0))
    disc.save(root / "disc.png")
    (root / "captions.vtt").write_text(CAPTIONS, "utf-8")
    (root / "broken.vtt").write_text("WEBVTT\n\n00:00.5 --> 00:01.000\nhi\n", "utf-8")
    return root


@pytest.fixture
async def inputs(aiohttp_server, files):
    app = web.Application()
    app.router.add_get("/files/{name}", file_handler(files))
    return await aiohttp_server(app)


@pytest.fixture
async def video(tmp_path, inputs):
    async with video_service(tmp_path / "media", str(inputs.make_url("/").origin())) as served:
        yield served


def payload(inputs, **changes) -> dict:
    body = {
        "audio_path": str(inputs.make_url("/files/narration.mp3")),
        "images": [
            {"prompt": f"scene {k}", "url": str(inputs.make_url(f"/files/scene{k}.png"))}
            for k in range(3)
        ],
        "resolution": "720p",
        "fps": FPS,
        "template": "basic_fade",
    }
    return body | changes


async def rendered(video: Served, body: dict, tmp_path: Path) -> tuple[dict, Path, Path]:
    status, answer = await post_json(video, "/render", body)
    assert status == 200, answer
    paths = []
    for key in ("url", "thumbnail"):
        async with video.session.get(answer[key]) as response:
            assert response.status == 200
            path = tmp_path / answer[key].rsplit("/", 1)[1]
            path.write_bytes(await response.read())
            paths.append(path)
    return answer, paths[0], paths[1]


# -- aspects -----------------------------------------------------------------------------


@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
@pytest.mark.parametrize("template", ["basic_fade", "ken_burns"])
async def test_each_aspect_renders_at_its_size_duration_and_streams(
    video, inputs, tmp_path, aspect, template
):
    answer, path, thumbnail = await rendered(
        video, payload(inputs, aspect_ratio=aspect, template=template), tmp_path
    )
    expected = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (720, 720)}[aspect]
    assert frame_size("720p", aspect) == expected
    info = await in_thread(probe, path)
    assert info.size == expected and info.fps == FPS
    assert abs(info.duration - NARRATION_S) <= 0.05 * NARRATION_S
    assert abs(answer["duration"] - NARRATION_S) <= 0.05 * NARRATION_S
    assert [s.codec for s in info.of("Video")] == ["h264"] and info.pixel_format == "yuv420p"
    assert [s.codec for s in info.of("Audio")] == ["aac"]
    assert await in_thread(count_frames, path) == round(NARRATION_S * FPS)
    with Image.open(thumbnail) as image:
        assert image.size == expected


@pytest.mark.parametrize("aspect", ["9:16", "1:1"])
@pytest.mark.parametrize("template", ["slide_left", "zoom_out"])
async def test_the_other_templates_render_at_every_aspect(
    video, inputs, tmp_path, aspect, template
):
    _, path, _ = await rendered(
        video, payload(inputs, aspect_ratio=aspect, template=template), tmp_path
    )
    info = await in_thread(probe, path)
    assert info.size == frame_size("720p", aspect)
    assert await in_thread(count_frames, path) == round(NARRATION_S * FPS)


@pytest.mark.parametrize("aspect", ["9:16", "1:1"])
async def test_a_picture_made_for_another_aspect_is_cropped_not_squeezed(
    video, inputs, tmp_path, aspect
):
    """Cover-crop: the 16:9 picture fills the frame's height, its sides cut; the disc
    in its middle stays round and in the middle."""
    disc = [{"prompt": "disc", "url": str(inputs.make_url("/files/disc.png"))}]
    _, _, thumbnail = await rendered(
        video, payload(inputs, images=disc, aspect_ratio=aspect), tmp_path
    )
    with Image.open(thumbnail) as image:
        width, height = image.size
        dark = image.convert("L").point(lambda v: 255 if v < 100 else 0)
    left, top, right, bottom = dark.getbbox()
    scale = height / 360  # the picture's height fills the frame's
    assert abs((right - left) - 60 * scale) <= 4 and abs((bottom - top) - 60 * scale) <= 4
    assert abs((left + right) / 2 - width / 2) <= 3 and abs((top + bottom) / 2 - height / 2) <= 3


async def test_a_request_without_the_new_fields_renders_todays_video(video, inputs, tmp_path):
    _, plain, _ = await rendered(video, payload(inputs), tmp_path)
    explicit = payload(inputs, aspect_ratio="16:9", subtitles=False, captions_url=None)
    _, same, _ = await rendered(video, explicit, tmp_path)
    assert (await in_thread(probe, plain)).size == (1280, 720)
    assert plain.read_bytes() == same.read_bytes()


# -- subtitles ---------------------------------------------------------------------------


async def test_subtitles_change_only_their_area_and_only_while_a_cue_is_spoken(
    video, inputs, tmp_path
):
    body = payload(inputs, aspect_ratio="9:16", template="ken_burns")
    _, without, _ = await rendered(video, body, tmp_path)
    captions = str(inputs.make_url("/files/captions.vtt"))
    _, with_subtitles, _ = await rendered(
        video, body | {"subtitles": True, "captions_url": captions}, tmp_path
    )
    size = (720, 1280)
    plain, subtitled = gray_frames(without, size), gray_frames(with_subtitles, size)
    assert len(plain) == len(subtitled) == round(NARRATION_S * FPS)
    left, top, right, bottom = subtitles.layout(*size).area()
    assert bottom <= 0.8 * size[1]  # clear of the bottom 20 %
    for k, (a, b) in enumerate(zip(plain, subtitled, strict=True)):
        # Two encodes differ by noise here and there (a pixel, rarely a few); drawn
        # text changes whole blocks: compared by 8x8 blocks' mean difference.
        blocks = ImageChops.difference(a, b).reduce(BLOCK)
        changed = blocks.point(lambda v: 255 if v > 12 else 0)
        spoken = any(first <= k < after for first, after in CUE_FRAMES)
        if not spoken:
            assert changed.getbbox() is None, (k, changed.getbbox())
            continue
        box = changed.getbbox()
        assert box is not None, k
        x0, y0, x1, y1 = (BLOCK * v for v in box)
        inside = left - BLOCK <= x0 and top - BLOCK <= y0 and x1 <= right + BLOCK
        assert inside and y1 <= bottom + BLOCK, (k, box)
        assert sum(changed.histogram()[255:]) > 20, k  # text: many blocks, not a few


async def test_subtitles_without_captions_are_refused_naming_the_field(video, inputs):
    status, body = await post_json(video, "/render", payload(inputs, subtitles=True))
    assert_error(status, body, 400, "VALIDATION_ERROR")
    assert "captions_url" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["captions_url"]


@pytest.mark.parametrize(
    "changes",
    [
        {"aspect_ratio": "4:3"},
        {"aspect_ratio": 1.77},
        {"subtitles": "yes"},
        {"subtitles": True, "captions_url": "ftp://example.com/c.vtt"},
    ],
)
async def test_bad_short_form_fields_are_a_400(video, inputs, changes):
    status, body = await post_json(video, "/render", payload(inputs, **changes))
    assert_error(status, body, 400, "VALIDATION_ERROR")


async def test_captions_that_are_not_webvtt_are_a_422_naming_them(video, inputs):
    body = payload(inputs, subtitles=True, captions_url=str(inputs.make_url("/files/broken.vtt")))
    status, answer = await post_json(video, "/render", body)
    assert_error(status, answer, 422, "INPUT_UNUSABLE")
    assert "captions_url" in answer["detail"] and "line 3" in answer["detail"]


# -- the font ----------------------------------------------------------------------------


def test_the_shipped_font_has_every_character_of_the_six_languages():
    """No character falls to .notdef (glyph 0): every one is in the font's cmap."""
    cmap = TTFont(subtitles.FONT_FILE).getBestCmap()
    for language, text in LANGUAGES.items():
        missing = {c for c in text if ord(c) not in cmap}
        assert not missing, (language, missing)
    assert (subtitles.FONT_FILE.parent / "OFL.txt").is_file()


def libass_log(tmp_path: Path, text: str, size: tuple[int, int]) -> tuple[str, Image.Image]:
    """The text drawn by the bundled ffmpeg the way a render draws it (the same files,
    filter and environment) on a black frame: libass's log, and the frame."""
    files = subtitles.write_files(tmp_path, [Cue(0.0, 1.0, text)], *size, 10)
    source = f"color=c=black:s={size[0]}x{size[1]}:r=10:d=1"
    done = subprocess.run(
        [
            *(FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "debug", "-f", "lavfi"),
            *("-i", source, "-vf", files.filter(), "-frames:v", "1", "-pix_fmt", "gray"),
            *("-f", "rawvideo", "frame.raw"),
        ],
        cwd=tmp_path,
        env={**os.environ, **files.environment()},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frame = Image.frombytes("L", size, (tmp_path / "frame.raw").read_bytes())
    return done.stderr, frame


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_libass_draws_every_accent_with_the_shipped_font(tmp_path, language):
    size = (1920, 1080)
    log, frame = libass_log(tmp_path, LANGUAGES[language], size)
    selected = [line for line in log.splitlines() if "fontselect:" in line]
    assert selected and all("-> NotoSans-Bold" in line for line in selected), selected
    assert "not found" not in log  # no glyph looked for in another font
    assert "Failed to load fontconfig fonts" in log  # no system font could stand in
    # The drawn line is as wide as the same text set by Pillow with the shipped font:
    # the glyphs drawn are the font's (a missing-glyph box is another width), and the
    # wrapping's measure is libass's.
    spec = subtitles.layout(*size)
    lines = subtitles.wrap(LANGUAGES[language], spec)
    assert len(lines) <= subtitles.MAX_LINES
    left, _, right, _ = frame.point(lambda v: 255 if v > 128 else 0).getbbox()
    face = subtitles._face(spec.font_size)
    widest = max(face.getbbox(line)[2] - face.getbbox(line)[0] for line in lines)
    assert abs((right - left) - widest) <= 0.01 * widest + 4, (right - left, widest)


def test_a_character_the_font_lacks_is_seen(tmp_path):
    """The check above can fail: a CJK character is not in the font, libass says so."""
    log, _ = libass_log(tmp_path, "中文", (640, 360))
    assert "Glyph 0x4E2D not found" in log


async def test_the_renders_ffmpeg_sees_no_system_font(tmp_path):
    files = subtitles.write_files(tmp_path, [Cue(0.0, 1.0, "x")], 64, 64, 10)
    await ffmpeg.run(
        FFMPEG,
        ["-f", "lavfi", "-i", "color=s=64x64:d=0.1", "-vf", files.filter(), "-f", "null", "-"],
        60,
        "draw",
        cwd=tmp_path,
        env=files.environment(),
    )
    assert list(files.fonts.iterdir()) == [files.fonts / subtitles.FONT_FILE.name]
    assert "<dir>" not in files.fontconfig.read_text()
