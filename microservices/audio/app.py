"""The audio service's app: the common scaffold plus POST /generate.

A request is spoken into a WAV work file, by eSpeak (off the event loop) or by the
configured speech provider (see narration.py), encoded to MP3 by ffmpeg (a subprocess),
and captioned: the words' timings become WebVTT cues. Both files are published to the
media store under keys of ours only once complete, so a URL never serves a partial
file. `duration` is the WAV's sample count over its rate, never a header's word."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from microservices.audio.captions import Word, cues, marked_words, webvtt
from microservices.audio.config import AudioSettings
from microservices.audio.elevenlabs_speech import ElevenLabsSpeech
from microservices.audio.encode import EncodeError, EncodeTimeout, ffmpeg_executable, wav_to_mp3
from microservices.audio.models import AudioRequest
from microservices.audio.narration import ProviderAudioError, SpeechProvider, narrate
from microservices.audio.openai_speech import OpenAISpeech
from microservices.audio.provider_call import bad_answer
from microservices.audio.speech import SpeechError, SynthesisTimeout
from microservices.audio.synthesizer import Synthesizer
from microservices.audio.text import Span
from microservices.audio.voices import voice_for
from microservices.common.app import HEALTH, MEDIA, create_service_app, json_response, parse
from microservices.common.errors import ServiceError

log = logging.getLogger("microservices.audio")

AUDIO_SETTINGS = web.AppKey("audio_settings", AudioSettings)
SYNTHESIZER = web.AppKey("synthesizer", Synthesizer)
PROVIDER = web.AppKey("provider", SpeechProvider)
ENCODERS = web.AppKey("encoders", asyncio.Semaphore)
FFMPEG = web.AppKey("ffmpeg", str)


def create_app(settings: AudioSettings) -> web.Application:
    app = create_service_app(settings)
    app[AUDIO_SETTINGS] = settings
    app[FFMPEG] = ffmpeg_executable(settings.ffmpeg_path)
    provider = provider_for(settings)
    if provider is None:
        app[HEALTH] = {"engine": "espeak"}
    else:
        app[PROVIDER] = provider
        app[HEALTH] = {"engine": provider.name, "model": provider.model}
    app.cleanup_ctx.append(_engines)
    app.router.add_post("/generate", generate)
    return app


def provider_for(settings: AudioSettings) -> SpeechProvider | None:
    """The configured speech provider; None for eSpeak."""
    if settings.provider == "openai":
        return OpenAISpeech(settings)
    if settings.provider == "elevenlabs":
        if not settings.provider_api_key.get_secret_value():
            raise ValueError(
                "AUDIO_SERVICE_PROVIDER=elevenlabs needs AUDIO_SERVICE_PROVIDER_API_KEY"
            )
        return ElevenLabsSpeech(settings)
    return None


async def _engines(app: web.Application) -> AsyncIterator[None]:
    settings = app[AUDIO_SETTINGS]
    app[ENCODERS] = asyncio.Semaphore(settings.encode_concurrency)
    provider = app.get(PROVIDER)
    if provider is not None:
        await provider.start()
        try:
            yield
        finally:
            await provider.close()
        return
    synthesizer = Synthesizer(settings.synth_processes, settings.synth_timeout_s)
    app[SYNTHESIZER] = synthesizer
    try:
        await synthesizer.warm_up()
        yield
    finally:
        await synthesizer.close()


async def generate(request: web.Request) -> web.Response:
    app = request.app
    settings = app[AUDIO_SETTINGS]
    body = await parse(request, AudioRequest)
    media = app[MEDIA]
    if not media.base_url and request.transport is not None:
        # Served by something other than microservices.common.run.start (a test server,
        # another runner): the URL base from the port this request came in on.
        media.base_url = settings.base_url(request.transport.get_extra_info("sockname")[1])
    mp3_work = media.work_path("mp3")
    wav_work, vtt_work = mp3_work.with_suffix(".wav"), mp3_work.with_suffix(".vtt")
    started = time.perf_counter()
    try:
        provider = app.get(PROVIDER)
        if provider is None:
            duration, words, engine = await _espeak(app, body, wav_work)
        else:
            duration, words, engine = await _provider(app, provider, body, wav_work)
        spoken = time.perf_counter()
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
        captions = cues(words, duration)
        vtt_work.write_text(webvtt(captions), encoding="utf-8")
        url = await media.publish(mp3_work, "audio", "mp3")
        captions_url = await media.publish(vtt_work, "captions", "vtt")
    finally:
        for path in (wav_work, mp3_work, vtt_work):
            path.unlink(missing_ok=True)
    done = time.perf_counter()
    log.info(
        "spoke %d chars with %s (%.2f s of audio, %d cues): speech %.0f ms, encoding %.0f ms",
        len(body.script_text),
        engine,
        duration,
        len(captions),
        (spoken - started) * 1000,
        (done - spoken) * 1000,
    )
    return json_response({"url": url, "duration": round(duration, 3), "captions_url": captions_url})


async def _espeak(
    app: web.Application, body: AudioRequest, wav: Path
) -> tuple[float, list[Word], str]:
    voice = voice_for(body.voice_id, body.language, body.audio_speed, body.audio_pitch)
    try:
        speech = await app[SYNTHESIZER].synthesize(body.script_text, voice, wav)
    except SynthesisTimeout:
        raise ServiceError(504, "SYNTHESIS_TIMEOUT", "speech synthesis took too long") from None
    except SpeechError as exc:
        log.error("speech synthesis failed: %s", exc)
        raise ServiceError(500, "SYNTHESIS_FAILED", "speech synthesis failed") from None
    text = body.script_text
    marks = [(w.start, w.at_s) for w in speech.words]
    words = marked_words(text, Span(0, len(text)), marks, 0.0, speech.duration)
    return speech.duration, words, f"espeak {voice.name}"


async def _provider(
    app: web.Application, provider: SpeechProvider, body: AudioRequest, wav: Path
) -> tuple[float, list[Word], str]:
    settings = app[AUDIO_SETTINGS]
    try:
        narration = await narrate(
            provider,
            text=body.script_text,
            voice_id=body.voice_id,
            language=body.language,
            speed=body.audio_speed,
            pitch=body.audio_pitch,
            wav=wav,
            ffmpeg=app[FFMPEG],
            concurrency=settings.provider_concurrency,
            timeout_s=settings.encode_timeout_s,
        )
    except ProviderAudioError as exc:
        raise bad_answer(provider.name, f"answered audio that is not usable: {exc}") from None
    except EncodeTimeout:
        raise ServiceError(504, "ENCODE_TIMEOUT", "audio processing took too long") from None
    except (EncodeError, OSError) as exc:
        log.error("audio processing failed: %s", exc)
        raise ServiceError(500, "ENCODE_FAILED", "audio processing failed") from None
    engine = f"{provider.name} {provider.model} ({narration.calls} calls)"
    return narration.duration, narration.words, engine
