"""The motion templates move smoothly: every frame is cut to a fraction of a pixel of
where the motion puts it (motion.py's arithmetic, for every frame of every template at
every size), and a render over real HTTP shows it: dots drawn on the picture are
tracked frame by frame (intensity centroids) and follow the ideal zoom and drift without
the back-and-forth of whole-pixel cuts (zoompan's were off by up to 1.5 px)."""

import math

import pytest
from aiohttp import web
from PIL import Image, ImageDraw, ImageFilter

from microservices.video import motion
from microservices.video.config import VideoSettings
from microservices.video.models import frame_size
from microservices.video.timeline import plan
from tests.microservices.helpers_media import (
    fetch_bytes,
    file_handler,
    gray_frames,
    in_thread,
    make_tone,
    post_json,
    video_service,
)

NARRATION_S = 4.0
FPS = 24
SCENES = 4  # every ken_burns path once
DOTS = ((0.5, 0.5), (0.3, 0.35), (0.7, 0.65), (0.25, 0.8))
# How far from the ideal place a frame may be cut (output pixels, at the row's worst
# pixel) and how far a tracked dot may stray from a smooth path (encoding noise
# included); zoompan's whole-pixel cuts strayed 1.4 px.
CUT_ERROR = 0.35
SMOOTH = 0.5


@pytest.mark.parametrize("template", sorted(motion.TEMPLATES))
@pytest.mark.parametrize(
    ("resolution", "aspect"),
    [("720p", "16:9"), ("720p", "9:16"), ("1080p", "1:1"), ("1080p", "9:16"), ("2160p", "16:9")],
)
def test_every_frame_is_cut_within_a_fraction_of_a_pixel(template, resolution, aspect):
    width, height = frame_size(resolution, aspect)
    picture = motion.picture_size(width, height)
    timeline = plan(13.0, 30, 5, 0.5)
    cuts = motion.frame_cuts(template, timeline, width, height)
    assert len(cuts) == timeline.clips_total
    for cut_x, cut_y in cuts:
        for cut, frame, side in ((cut_x, width, picture[0]), (cut_y, height, picture[1])):
            assert cut.error < CUT_ERROR, cut
            assert 0 <= cut.start and cut.start + cut.size <= side, cut
            assert 0 <= cut.offset and cut.offset + frame <= cut.scaled, cut
            values = (cut.start, cut.size, cut.scaled, cut.offset)
            assert all(v % 2 == 0 for v in values), cut  # yuv420p's chroma cut alike


def dots_picture(size: tuple[int, int]) -> Image.Image:
    """Soft bright dots on a dark picture: their centroids are measurable to a tenth of
    a pixel."""
    picture = Image.new("L", size, 30)
    draw = ImageDraw.Draw(picture)
    radius = size[1] / 200
    for fx, fy in DOTS:
        x, y = fx * size[0], fy * size[1]
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=230)
    return picture.filter(ImageFilter.GaussianBlur(radius / 2)).convert("RGB")


def centroid(frame: Image.Image, x: float, y: float, reach: int = 12) -> tuple[float, float]:
    """The brightness centroid of the dot near (x, y), followed for a few rounds."""
    for _ in range(3):
        left, top = round(x) - reach, round(y) - reach
        window = frame.crop((left, top, left + 2 * reach + 1, top + 2 * reach + 1))
        total = sx = sy = 0.0
        for k, value in enumerate(window.tobytes()):
            weight = max(0, value - 60)
            total += weight
            sx += weight * (k % (2 * reach + 1))
            sy += weight * (k // (2 * reach + 1))
        assert total > 0, (x, y)
        x, y = left + sx / total, top + sy / total
    return x, y


def off_a_smooth_path(values: list[float]) -> float:
    """How far the values stray from the parabola that fits them best (least squares):
    the ideal zoom and drift are quadratic in the frame's index."""
    n = len(values)
    ts = [k / (n - 1) for k in range(n)]
    sums = [[sum(t ** (i + j) for t in ts) for j in range(3)] for i in range(3)]
    rhs = [sum(v * t**i for t, v in zip(ts, values, strict=True)) for i in range(3)]
    for i in range(3):  # Gauss-Jordan on the 3x3 normal equations
        for r in range(3):
            if r != i:
                f = sums[r][i] / sums[i][i]
                sums[r] = [a - f * b for a, b in zip(sums[r], sums[i], strict=True)]
                rhs[r] -= f * rhs[i]
    a, b, c = (rhs[i] / sums[i][i] for i in range(3))
    return max(abs(v - (a + b * t + c * t * t)) for t, v in zip(ts, values, strict=True))


@pytest.fixture
async def video(tmp_path, aiohttp_server):
    size = motion.picture_size(*frame_size("720p", "9:16"))
    make_tone(tmp_path / "narration.mp3", NARRATION_S)
    dots_picture(size).save(tmp_path / "dots.png")
    app = web.Application()
    app.router.add_get("/files/{name}", file_handler(tmp_path))
    inputs = await aiohttp_server(app)
    async with video_service(tmp_path / "media", str(inputs.make_url("/").origin())) as served:
        yield served, inputs


async def test_ken_burns_moves_the_picture_smoothly_along_its_path(video, tmp_path):
    served, inputs = video
    picture = motion.picture_size(*frame_size("720p", "9:16"))
    scene = {"prompt": "dots", "url": str(inputs.make_url("/files/dots.png"))}
    body = {
        "audio_path": str(inputs.make_url("/files/narration.mp3")),
        "images": [scene] * SCENES,
        "resolution": "720p",
        "fps": FPS,
        "template": "ken_burns",
        "aspect_ratio": "9:16",
    }
    status, answer = await post_json(served, "/render", body)
    assert status == 200, answer
    status, _, mp4 = await fetch_bytes(served.session, answer["url"])
    assert status == 200
    path = tmp_path / "ken_burns.mp4"
    path.write_bytes(mp4)
    width, height = frame_size("720p", "9:16")
    frames = await in_thread(gray_frames, path, (width, height))
    timeline = plan(NARRATION_S, FPS, SCENES, VideoSettings().transition_s)
    assert len(frames) == timeline.total
    inner_w, inner_h = (side - 2 * motion.BORDER for side in picture)
    for scene_index in range(SCENES):
        z0, z1, (ax0, ay0), (ax1, ay1) = motion.path("ken_burns", scene_index)
        clip = timeline.clips[scene_index]
        # the frames this scene has to itself (no transition over it)
        first = timeline.offsets[scene_index] + (timeline.transition if scene_index else 0)
        last = timeline.offsets[scene_index] + timeline.slots[scene_index] - 1
        for fx, fy in DOTS:
            track = []
            for f in range(first, last + 1):
                p = (f - timeline.offsets[scene_index]) / (clip - 1)
                zoom = z0 + (z1 - z0) * p
                window_w, window_h = inner_w / zoom, inner_h / zoom
                left = motion.BORDER + (inner_w - window_w) * (ax0 + (ax1 - ax0) * p)
                top = motion.BORDER + (inner_h - window_h) * (ay0 + (ay1 - ay0) * p)
                ideal = (
                    (fx * picture[0] - left) / window_w * width,
                    (fy * picture[1] - top) / window_h * height,
                )
                if not (20 < ideal[0] < width - 20 and 20 < ideal[1] < height - 20):
                    break  # this dot leaves the frame in this scene
                # the drawn dot's centre, in pixel-index coordinates
                seen = centroid(frames[f], ideal[0] - 0.5, ideal[1] - 0.5)
                assert math.dist(seen, (ideal[0] - 0.5, ideal[1] - 0.5)) < 1.5, (f, seen, ideal)
                track.append(seen)
            if len(track) < 10:
                continue
            for axis in (0, 1):
                stray = off_a_smooth_path([point[axis] for point in track])
                assert stray < SMOOTH, (scene_index, (fx, fy), axis, stray)
