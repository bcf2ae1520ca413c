"""A narration from a speech provider: the script cut into the pieces the provider is
asked for (calls run concurrently, a bounded number at once, and are put back in
order), each piece's audio decoded and measured, joined into one WAV, the speed the
provider could not take and the pitch applied with ffmpeg, and every word timed for the
captions: by the provider's marks where it gives them, else over its sentence's audio.
A piece is decoded as soon as it arrives, to a work file of its own, so that no more
than one piece's audio is in memory at a time for each call under way."""

import asyncio
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from microservices.audio.captions import Word, marked_words, scaled, spread_words
from microservices.audio.encode import EncodeError, decode_pcm, retune
from microservices.audio.text import pieces

SAMPLE_RATE = 24000


@dataclass(frozen=True, slots=True)
class Spoken:
    """One provider call's audio (any format ffmpeg reads) and, when the provider says,
    (character index in the text it was given, seconds from the audio's start) marks."""

    audio: bytes
    marks: tuple[tuple[int, float], ...] | None


class SpeechProvider(Protocol):
    name: str
    model: str
    limit: int  # characters one call may take
    group: bool  # several sentences per call (it gives timings), or one each
    speeds: tuple[float, float]  # the speeds it takes

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def speak(
        self, text: str, voice_id: str, language: str, speed: float, before: str, after: str
    ) -> Spoken: ...


@dataclass(frozen=True, slots=True)
class Narration:
    duration: float  # seconds, from the WAV's sample count
    words: list[Word]
    calls: int


class ProviderAudioError(Exception):
    """The provider's audio could not be decoded, or held no sound."""


async def narrate(
    provider: SpeechProvider,
    *,
    text: str,
    voice_id: str,
    language: str,
    speed: float,
    pitch: float,
    wav: Path,
    ffmpeg: str,
    concurrency: int,
    timeout_s: float,
) -> Narration:
    """Speak `text` with the provider into the WAV file `wav`."""
    spans = pieces(text, provider.limit, group=provider.group)
    low, high = provider.speeds
    taken = min(high, max(low, speed))
    gate = asyncio.Semaphore(concurrency)
    joined = wav.with_name(wav.stem + "-joined.wav") if (taken != speed or pitch != 1.0) else wav
    work = [wav.with_name(f"{wav.stem}-{i}") for i in range(len(spans))]

    async def one(index: int) -> tuple[int, tuple[tuple[int, float], ...] | None]:
        """Speak piece `index` and decode it to PCM in its work file: its sample count."""
        span = spans[index]
        async with gate:
            spoken = await provider.speak(
                text[span.start : span.end],
                voice_id,
                language,
                taken,
                text[: span.start].strip(),
                text[span.end :].strip(),
            )
            work[index].write_bytes(spoken.audio)
            try:
                pcm = await decode_pcm(
                    ffmpeg, work[index], sample_rate=SAMPLE_RATE, timeout_s=timeout_s
                )
            except EncodeError:
                raise ProviderAudioError("its audio could not be decoded") from None
            if len(pcm) < 2:
                raise ProviderAudioError("its audio holds no sound")
            work[index].write_bytes(pcm)
            return len(pcm) // 2, spoken.marks

    tasks = [asyncio.create_task(one(i)) for i in range(len(spans))]
    try:
        try:
            said = await asyncio.gather(*tasks)
        except BaseException:  # one piece failed (or we were cancelled): stop the others
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        words: list[Word] = []
        offset = 0.0
        with wave.open(str(joined), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            for span, piece, (samples, marks) in zip(spans, work, said, strict=True):
                out.writeframesraw(piece.read_bytes())
                length = samples / SAMPLE_RATE
                if marks is None:
                    words += spread_words(text, span, offset, offset + length)
                else:
                    at = [(span.start + i, t) for i, t in marks]
                    words += marked_words(text, span, at, offset, offset + length)
                offset += length
        if joined != wav:
            await retune(ffmpeg, joined, wav, tempo=speed / taken, pitch=pitch, timeout_s=timeout_s)
            words = scaled(words, speed / taken)
    finally:
        for piece in work:
            piece.unlink(missing_ok=True)
        if joined != wav:
            joined.unlink(missing_ok=True)
    with wave.open(str(wav), "rb") as result:
        duration = result.getnframes() / result.getframerate()
    return Narration(duration, words, len(spans))
