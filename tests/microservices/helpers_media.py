"""What the image and video service tests share: serving a service for real (the
scaffold's own start(), so its media URLs are absolute), making small media with ffmpeg
and Pillow, inspecting media with ffmpeg itself (there is no ffprobe), and checking
error answers."""

import asyncio
import contextlib
import re
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import imageio_ffmpeg
from aiohttp import web
from PIL import Image, ImageDraw

from microservices.common.app import MEDIA
from microservices.common.config import ServiceSettings
from microservices.video.app import create_app as create_video_app
from microservices.video.config import VideoSettings

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@dataclass
class Served:
    base_url: str
    session: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


async def start(app: web.Application, settings: ServiceSettings) -> web.AppRunner:
    """What microservices.common.run.start does, minus its deprecated TCPSite argument
    (aiohttp warns that shutdown_timeout belongs to the runner, and warnings are errors
    here): serve `app` and set its media base URL from the port it really got."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=settings.shutdown_grace_s)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    app[MEDIA].base_url = settings.base_url(runner.addresses[0][1])
    return runner


@contextlib.asynccontextmanager
async def serve(app: web.Application, settings: ServiceSettings) -> AsyncIterator[Served]:
    """The app listening on a loopback port, with a client session; all closed after."""
    runner = await start(app, settings)
    try:
        async with aiohttp.ClientSession() as session:
            yield Served(app[MEDIA].base_url, session)
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def video_service(media_dir: Path, inputs: str) -> AsyncIterator[Served]:
    """The video service on a loopback port, its media in `media_dir`, trusting the
    inputs' server (origin `inputs`): it is on loopback too."""
    settings = VideoSettings(
        host="127.0.0.1", port=0, media_dir=media_dir, fetch_trusted_origins=inputs
    )
    async with serve(create_video_app(settings), settings) as served:
        yield served


def file_handler(root: Path) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /files/{name}: the file of that name in `root`, or a 404. Read whole (not
    add_static): a download the service abandons midway must not leave the test server
    with an open file."""

    async def file(request: web.Request) -> web.Response:
        path = root / request.match_info["name"]
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type="application/octet-stream")

    return file


async def post_json(
    served: Served, path: str, body: object, headers: dict | None = None
) -> tuple[int, dict]:
    async with served.session.post(served.url(path), json=body, headers=headers) as response:
        return response.status, await response.json()


async def fetch_bytes(session: aiohttp.ClientSession, url: str) -> tuple[int, str, bytes]:
    async with session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


def assert_error(status: int, body: dict, expected: int, code: str | None = None) -> None:
    assert status == expected, body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str), body
    if code is not None:
        assert body["code"] == code, body
    assert "Traceback" not in body["detail"]


# -- making media --------------------------------------------------------------------


def run_ffmpeg(*args: str) -> str:
    """Run ffmpeg (blocking); its stderr."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-y", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr[-2000:])
    return done.stderr


def _mp3(path: Path, *source: str) -> Path:
    """An MP3 of an ffmpeg lavfi source (and its options)."""
    run_ffmpeg("-f", "lavfi", "-i", *source, "-c:a", "libmp3lame", "-b:a", "64k", str(path))
    return path


def make_tone(path: Path, seconds: float, frequency: int = 440) -> Path:
    """A short real MP3: a sine, as a stand-in for a narration."""
    return _mp3(path, f"sine=frequency={frequency}:duration={seconds}:sample_rate=24000")


def make_silence(path: Path, seconds: float) -> Path:
    return _mp3(path, "anullsrc=r=24000:cl=mono", "-t", str(seconds))


def stored_files(media_dir: Path) -> list[Path]:
    """Every file under the media directory, published or work file (work files live
    under .work/, which the store keeps even when empty)."""
    return [p for p in media_dir.rglob("*") if p.is_file()]


def make_image(path: Path, index: int, size: tuple[int, int] = (640, 360)) -> Path:
    """A small image, different for each index."""
    hue = [(200, 60, 60), (60, 160, 80), (50, 80, 200), (220, 180, 40), (140, 60, 160)]
    image = Image.new("RGB", size, hue[index % len(hue)])
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.8), fill=(255, 255, 255))
    draw.rectangle((0, h * 0.85, w, h), fill=(20, 20, 20))
    draw.text((10, 10), f"scene {index}", fill=(0, 0, 0))
    image.save(path)
    return path


# -- inspecting media ----------------------------------------------------------------


@dataclass
class Stream:
    kind: str  # Video or Audio
    codec: str
    line: str


@dataclass
class MediaInfo:
    duration: float
    streams: list[Stream] = field(default_factory=list)

    def of(self, kind: str) -> list[Stream]:
        return [s for s in self.streams if s.kind == kind]

    @property
    def video(self) -> Stream:
        (stream,) = self.of("Video")
        return stream

    @property
    def size(self) -> tuple[int, int]:
        match = re.search(r", (\d{2,5})x(\d{2,5})[ ,]", self.video.line)
        assert match, self.video.line
        return int(match[1]), int(match[2])

    @property
    def fps(self) -> float:
        match = re.search(r", ([\d.]+) fps", self.video.line)
        assert match, self.video.line
        return float(match[1])

    @property
    def pixel_format(self) -> str:
        match = re.search(r"Video: \w+[^,]*, (\w+)", self.video.line)
        assert match, self.video.line
        return match[1]


def probe(path: Path) -> MediaInfo:
    """What `ffmpeg -i` says of a file (it exits 1: no output file is given)."""
    text = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    match = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    assert match, text
    h, m, s = match.groups()
    info = MediaInfo(int(h) * 3600 + int(m) * 60 + float(s))
    for line in text.splitlines():
        stream = re.search(r"Stream #\d+:\d+.*?: (Video|Audio): (\w+)", line)
        if stream:
            info.streams.append(Stream(stream[1], stream[2], line.strip()))
    return info


def max_volume(path: Path) -> float:
    """The loudest sample of the file's audio, in dB (about -91 for digital silence)."""
    text = run_ffmpeg("-i", str(path), "-vn", "-af", "volumedetect", "-f", "null", "-")
    match = re.search(r"max_volume: (-?[\d.]+|-inf) dB", text)
    assert match, text
    return float(match[1]) if match[1] != "-inf" else -200.0


def count_frames(path: Path) -> int:
    text = run_ffmpeg("-i", str(path), "-map", "0:v:0", "-f", "null", "-")
    frames = re.findall(r"frame=\s*(\d+)", text)
    assert frames, text
    return int(frames[-1])


def frame_lumas(path: Path) -> list[float]:
    """The mean luma of every frame of the video, in order."""
    text = run_ffmpeg(
        "-i",
        str(path),
        "-map",
        "0:v:0",
        "-vf",
        "signalstats,metadata=print:key=lavfi.signalstats.YAVG",
        "-f",
        "null",
        "-",
    )
    return [float(v) for v in re.findall(r"lavfi\.signalstats\.YAVG=([\d.]+)", text)]


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types, in file order (faststart: moov before mdat)."""
    kinds = []
    with path.open("rb") as f:
        while header := f.read(8):
            if len(header) < 8:
                break
            size, kind = int.from_bytes(header[:4], "big"), header[4:].decode("latin-1")
            kinds.append(kind)
            if size == 1:
                size = int.from_bytes(f.read(8), "big") - 8
            f.seek(size - 8, 1)
    return kinds


async def in_thread(function, *args):
    return await asyncio.to_thread(function, *args)


def gray_frames(path: Path, size: tuple[int, int]) -> list[Image.Image]:
    """Every frame of the video, decoded by the bundled ffmpeg, as 8-bit luma images."""
    args = ["-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt"]
    raw = subprocess.run(
        [FFMPEG, *args, "gray", "-"],
        capture_output=True,
        check=True,
    ).stdout
    step = size[0] * size[1]
    assert len(raw) % step == 0
    return [Image.frombytes("L", size, raw[k : k + step]) for k in range(0, len(raw), step)]
