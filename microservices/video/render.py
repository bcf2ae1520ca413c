"""One render, start to end: download the inputs into a private work directory, decode
the narration (its exact duration), plan the scenes, run ffmpeg once for the MP4 and its
thumbnail, measure the result, publish both to the media store. The work directory
goes, whatever happens, once nothing of the render writes in it any more: a render that
fails (a picture refused, a download failing, ffmpeg failing or too slow, a cancellation)
first waits for its threads that write there (common/threads.settled): the pictures
being scaled at that moment (those the default executor has started, side by side), and
the subtitle files, the filter graphs, an input copied from the local media store; those
not started yet never run. None writes after the cleanup, nor races it (the others only read).

Everything ffmpeg's run needs is made while the pictures are being prepared (scaled and
cropped in threads, the longest part before ffmpeg starts): the narration decoded as
soon as it is downloaded, then the scenes planned and a motion template's commands
computed; the captions read and their subtitle files written as soon as they are. Made
one after the other, these added 0.15-0.25 s to a 30 s render (the motion commands,
~0.15 s, and the narration's decoding, ~0.08 s). ffmpeg starts as soon as those and the
first picture are ready, and the other pictures are written to its stdin, in scene
order, as each is prepared (filters.py): five 1920x1080 PNGs cover-fitted for a motion
template at 1:1 took ~0.5 s before ffmpeg could start, waiting for the last one. A
picture that cannot be used still answers its 422, ffmpeg killed."""

import asyncio
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from microservices.common.fetch import Fetcher
from microservices.common.media import MediaStore
from microservices.common.threads import settled
from microservices.video import ffmpeg, motion, progress, subtitles
from microservices.video.captions import CaptionsInvalid, Cue, parse
from microservices.video.config import VideoSettings
from microservices.video.errors import RenderError, unusable_input
from microservices.video.fetch import download, prepare_image
from microservices.video.filters import Encoding, RenderJob, render_args
from microservices.video.models import RenderRequest, RenderResult
from microservices.video.probe import mp4_duration, wav_duration
from microservices.video.subtitles import SubtitleFiles
from microservices.video.timeline import Timeline, plan

log = logging.getLogger("microservices.video.render")

WORK_DIR = ".work"
NARRATION_RATE = 48000


def _first_error(group: BaseExceptionGroup) -> BaseException:
    """The error to answer with out of a task group's: a RenderError if there is one."""
    flat: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        exc = stack.pop()
        if isinstance(exc, BaseExceptionGroup):
            stack.extend(reversed(exc.exceptions))
        else:
            flat.append(exc)
    return next((e for e in flat if isinstance(e, RenderError)), flat[0])


def _read_captions(path: Path) -> list[Cue]:
    """The downloaded captions' cues (blocking), or a 422 saying what is wrong with them."""
    try:
        return parse(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise unusable_input("captions_url is not UTF-8 text (WebVTT is UTF-8)") from None
    except CaptionsInvalid as exc:
        raise unusable_input(f"captions_url is not WebVTT: {exc}") from None


@dataclass(frozen=True, slots=True)
class Narration:
    """The narration decoded, and what follows from its duration."""

    wav: Path
    timeline: Timeline
    motion_commands: str | None  # a motion template's (motion.commands), else None
    decode_s: float  # how long its decoding took (out of the render's time limit)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What ffmpeg's run takes, all in the work directory: the pictures as they are
    prepared (the first one is)."""

    narration: Narration
    pictures: list[asyncio.Task[Path]]
    subtitles: SubtitleFiles | None

    async def feed(self, stdin: asyncio.StreamWriter) -> None:
        """Each picture, in scene order, as soon as it is prepared (its error if not), and
        the last one again: the end of its clip (filters.scene_times)."""
        data = b""
        for picture in self.pictures:
            data = await asyncio.to_thread((await picture).read_bytes)
            stdin.write(data)
            await stdin.drain()
        stdin.write(data)
        await stdin.drain()


class Renderer:
    def __init__(self, settings: VideoSettings, media: MediaStore, fetcher: Fetcher) -> None:
        self.settings = settings
        self.media = media
        self.fetcher = fetcher
        self.executable = settings.ffmpeg_path or ffmpeg.default_executable()
        self.slots = asyncio.Semaphore(settings.max_concurrent_renders)
        self.work_root = media.directory / WORK_DIR
        self.encoding = Encoding(settings.x264_preset, settings.x264_crf, settings.audio_bitrate)

    def clean_work(self) -> None:
        """Remove what renders interrupted by a crash left behind (blocking; at start).
        Only directories older than any render can last: another process sharing the
        media directory may be rendering in the others."""
        self.work_root.mkdir(parents=True, exist_ok=True)
        stale = time.time() - max(3600.0, 2 * self.settings.render_timeout_s)
        for entry in self.work_root.iterdir():
            try:
                if entry.stat().st_mtime < stale:
                    shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                continue

    async def exists(self, result: RenderResult) -> bool:
        return await self.media.exists(result.video) and await self.media.exists(result.thumbnail)

    async def discard(self, result: RenderResult) -> None:
        await self.media.delete(result.video)
        await self.media.delete(result.thumbnail)

    async def render(self, request: RenderRequest) -> RenderResult:
        started = time.perf_counter()
        workdir = Path(await asyncio.to_thread(self._new_workdir))
        try:
            progress.stage("fetching")
            # One group for the preparation and the ffmpeg run that it overlaps: the
            # first error (a picture that cannot be used) cancels the rest and kills
            # ffmpeg (ffmpeg.run).
            async with asyncio.TaskGroup() as group:
                inputs = await self.prepare(request, workdir, group)
                async with self.slots:
                    result = await self.render_files(request, inputs, workdir)
        except BaseExceptionGroup as errors:
            raise _first_error(errors) from None
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        log.info(
            "rendered %d scene(s), %s %s %s fps %s, music %s, subtitles %s: "
            "%.2f s of video in %.2f s",
            len(request.images),
            request.resolution,
            request.aspect_ratio,
            request.fps,
            request.template,
            request.background_music,
            "on" if inputs.subtitles is not None else "off",
            result.duration,
            time.perf_counter() - started,
        )
        return result

    def _new_workdir(self) -> str:
        self.work_root.mkdir(parents=True, exist_ok=True)
        return tempfile.mkdtemp(dir=self.work_root)

    async def prepare(
        self, request: RenderRequest, workdir: Path, group: asyncio.TaskGroup
    ) -> Inputs:
        """Download the narration, the images and the captions if the subtitles are asked
        for, all at once (a few at a time) in tasks of `group`, and make of each what
        ffmpeg takes as soon as it is there (see the module's docstring). Returns once
        all but the pictures after the first are ready."""
        settings = self.settings
        narration_in = workdir / "narration.input"
        captions = workdir / "captions.vtt"
        # A motion template cuts its frames out of larger pictures (motion.py).
        size = request.size
        if request.template in motion.TEMPLATES:
            size = motion.picture_size(*size)

        async def narration() -> Narration:
            await download(
                self.fetcher,
                request.audio_path,
                narration_in,
                settings.max_audio_bytes,
                "audio_path",
                self.media,
            )
            return await self._narration(request, narration_in, workdir)

        async def image(k: int) -> Path:
            # Framing at any aspect: cover-crop (prepare_image scales the picture to cover
            # the frame, no distortion, and cuts the overflow evenly), then the template
            # moves over a full frame. Not a blurred fill behind: the image service draws
            # pictures at the render's aspect, so a mismatch is rare, a filled frame reads
            # better on a phone than a band over a blur, and the crop is done once where a
            # fill would cost a blur and an overlay on every frame of a moving template.
            field = f"images[{k}].url"
            source = workdir / f"scene{k:02d}.input"
            await download(
                self.fetcher,
                request.images[k].url,
                source,
                settings.max_image_bytes,
                field,
                self.media,
            )
            return await settled(prepare_image, source, size, settings.max_image_pixels, field)

        async def subtitled(url: str) -> SubtitleFiles:
            await download(
                self.fetcher, url, captions, settings.max_captions_bytes, "captions_url", self.media
            )
            cues = await asyncio.to_thread(_read_captions, captions)
            width, height = request.size
            return await settled(subtitles.write_files, workdir, cues, width, height, request.fps)

        decoded = group.create_task(narration())
        pictures = [group.create_task(image(k)) for k in range(len(request.images))]
        burned = None
        if request.subtitles and request.captions_url is not None:
            burned = group.create_task(subtitled(request.captions_url))
        await pictures[0]
        return Inputs(
            await decoded,
            pictures,
            await burned if burned is not None else None,
        )

    async def _narration(self, request: RenderRequest, source: Path, workdir: Path) -> Narration:
        """The narration decoded to PCM (its exact duration), the scenes planned on it and,
        for a motion template, its commands (motion.commands)."""
        started = time.perf_counter()
        wav = workdir / "narration.wav"
        try:
            await ffmpeg.run(
                self.executable,
                [
                    "-i",
                    str(source),
                    "-map",
                    "0:a:0",
                    "-vn",
                    "-ac",
                    "1",
                    "-ar",
                    str(NARRATION_RATE),
                    "-c:a",
                    "pcm_s16le",
                    "-f",
                    "wav",
                    str(wav),
                ],
                self.settings.render_timeout_s,
                "decode the narration",
            )
        except ffmpeg.FfmpegFailed:
            raise unusable_input("audio_path is not audio that can be decoded") from None
        except ffmpeg.FfmpegTimeout:
            raise self._timeout() from None
        decode_s = time.perf_counter() - started
        duration = await asyncio.to_thread(wav_duration, wav)
        if duration * request.fps < 1:
            raise unusable_input("audio_path holds no sound (its duration is 0)")
        if duration > self.settings.max_audio_s:
            raise unusable_input(
                f"audio_path lasts {duration:.0f} s, more than {self.settings.max_audio_s:g} s"
            )
        timeline = plan(duration, request.fps, len(request.images), self.settings.transition_s)
        commands = None
        if request.template in motion.TEMPLATES:
            commands = await asyncio.to_thread(
                motion.commands, request.template, timeline, *request.size
            )
        return Narration(wav, timeline, commands, decode_s)

    async def render_files(
        self, request: RenderRequest, inputs: Inputs, workdir: Path
    ) -> RenderResult:
        """The ffmpeg run, from the prepared inputs, and its result published. Its time
        limit is the render's, less the narration's decoding."""
        width, height = request.size
        narration = inputs.narration
        job = RenderJob(
            workdir=workdir,
            narration=narration.wav,
            timeline=narration.timeline,
            width=width,
            height=height,
            template=request.template,
            music=request.background_music,
            music_volume=self.settings.music_volume,
            encoding=self.encoding,
            video_out=workdir / "video.mp4",
            thumbnail_out=workdir / "thumbnail.jpg",
            subtitles=inputs.subtitles,
            motion_commands=narration.motion_commands,
        )
        args = await settled(render_args, job)
        try:
            await ffmpeg.run(
                self.executable,
                args,
                self.settings.render_timeout_s - narration.decode_s,
                "render",
                cwd=workdir,
                env=inputs.subtitles.environment() if inputs.subtitles else None,
                on_progress=progress.encoding(narration.timeline.duration),
                feed=inputs.feed,
            )
        except ffmpeg.FfmpegFailed:
            raise RenderError(500, "RENDER_FAILED", "ffmpeg could not render the video") from None
        except ffmpeg.FfmpegTimeout:
            raise self._timeout() from None
        duration = await asyncio.to_thread(self._measure, job)
        thumbnail = await self.media.put(job.thumbnail_out, "thumbnails", "jpg")
        try:
            video = await self.media.put(job.video_out, "videos", "mp4")
        except BaseException:
            await asyncio.shield(self.media.delete(thumbnail))
            raise
        return RenderResult(video=video, thumbnail=thumbnail, duration=duration)

    def _timeout(self) -> RenderError:
        return RenderError(
            504,
            "RENDER_TIMEOUT",
            f"the render did not finish within {self.settings.render_timeout_s:g} s",
        )

    def _measure(self, job: RenderJob) -> float:
        """The video's duration, once both files are known to be there."""
        try:
            measured = mp4_duration(job.video_out)
        except (OSError, ValueError):
            raise RenderError(500, "RENDER_FAILED", "ffmpeg wrote no usable video") from None
        if not job.thumbnail_out.is_file():
            raise RenderError(500, "RENDER_FAILED", "ffmpeg wrote no thumbnail")
        return round(measured, 3)
