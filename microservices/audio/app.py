"""The audio service's app: the common scaffold plus POST /generate.

A request is spoken by eSpeak into a WAV file (off the event loop), encoded to MP3 by
ffmpeg (a subprocess), and the MP3 is published to the media store under a key of ours
only once complete, so a URL never serves a partial file. `duration` is the WAV's
sample count over its rate."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from microservices.audio.config import AudioSettings
from microservices.audio.encode import EncodeError, EncodeTimeout, ffmpeg_executable, wav_to_mp3
from microservices.audio.models import AudioRequest
from microservices.audio.speech import SpeechError, SynthesisTimeout
from microservices.audio.synthesizer import Synthesizer
from microservices.audio.voices import voice_for
from microservices.common.app import MEDIA, create_service_app, json_response, parse
from microservices.common.errors import ServiceError

log = logging.getLogger("microservices.audio")

AUDIO_SETTINGS = web.AppKey("audio_settings", AudioSettings)
SYNTHESIZER = web.AppKey("synthesizer", Synthesizer)
ENCODERS = web.AppKey("encoders", asyncio.Semaphore)
FFMPEG = web.AppKey("ffmpeg", str)


def create_app(settings: AudioSettings) -> web.Application:
    app = create_service_app(settings)
    app[AUDIO_SETTINGS] = settings
    app[FFMPEG] = ffmpeg_executable(settings.ffmpeg_path)
    app.cleanup_ctx.append(_engines)
    app.router.add_post("/generate", generate)
    return app


async def _engines(app: web.Application) -> AsyncIterator[None]:
    settings = app[AUDIO_SETTINGS]
    synthesizer = Synthesizer(settings.synth_processes, settings.synth_timeout_s)
    app[SYNTHESIZER] = synthesizer
    app[ENCODERS] = asyncio.Semaphore(settings.encode_concurrency)
    try:
        await synthesizer.warm_up()
        yield
    finally:
        await synthesizer.close()


async def generate(request: web.Request) -> web.Response:
    app = request.app
    settings = app[AUDIO_SETTINGS]
    body = await parse(request, AudioRequest)
    voice = voice_for(body.voice_id, body.language, body.audio_speed, body.audio_pitch)
    media = app[MEDIA]
    if not media.base_url and request.transport is not None:
        # Served by something other than microservices.common.run.start (a test server,
        # another runner): the URL base from the port this request came in on.
        media.base_url = settings.base_url(request.transport.get_extra_info("sockname")[1])
    mp3_work = media.work_path("mp3")
    wav_work = mp3_work.with_suffix(".wav")
    started = time.perf_counter()
    try:
        try:
            speech = await app[SYNTHESIZER].synthesize(body.script_text, voice, wav_work)
        except SynthesisTimeout:
            raise ServiceError(504, "SYNTHESIS_TIMEOUT", "speech synthesis took too long") from None
        except SpeechError as exc:
            log.error("speech synthesis failed: %s", exc)
            raise ServiceError(500, "SYNTHESIS_FAILED", "speech synthesis failed") from None
        synthesized = time.perf_counter()
        try:
            async with app[ENCODERS]:
                await wav_to_mp3(
                    app[FFMPEG],
                    wav_work,
                    mp3_work,
                    bitrate_kbps=settings.mp3_bitrate_kbps,
                    quality=settings.mp3_quality,
                    timeout_s=settings.encode_timeout_s,
                )
        except EncodeTimeout:
            raise ServiceError(504, "ENCODE_TIMEOUT", "MP3 encoding took too long") from None
        except (EncodeError, OSError) as exc:
            log.error("MP3 encoding failed: %s", exc)
            raise ServiceError(500, "ENCODE_FAILED", "MP3 encoding failed") from None
        url = await media.publish(mp3_work, "audio", "mp3")
    finally:
        wav_work.unlink(missing_ok=True)
        mp3_work.unlink(missing_ok=True)
    done = time.perf_counter()
    log.info(
        "spoke %d chars as %s (%.2f s of audio): synthesis %.0f ms, encoding %.0f ms",
        len(body.script_text),
        voice.name,
        speech.duration,
        (synthesized - started) * 1000,
        (done - synthesized) * 1000,
    )
    return json_response({"url": url, "duration": round(speech.duration, 3)})
