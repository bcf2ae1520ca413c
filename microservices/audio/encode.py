"""ffmpeg at work on speech: WAV to MP3 (libmp3lame), a provider's audio decoded to PCM,
tempo and pitch changed. Each runs as an asyncio subprocess under a timeout: the event
loop never waits on it, and a stuck or cancelled ffmpeg is killed."""

import asyncio
import contextlib
import wave
from pathlib import Path

import imageio_ffmpeg


class EncodeError(Exception):
    """ffmpeg failed; the message carries the end of what it said."""


class EncodeTimeout(Exception):
    """ffmpeg ran past its time and was killed."""


def ffmpeg_executable(configured: str = "") -> str:
    """The ffmpeg to run: the configured one, else the binary imageio-ffmpeg ships."""
    return configured or imageio_ffmpeg.get_ffmpeg_exe()


async def wav_to_mp3(
    ffmpeg: str, wav: Path, mp3: Path, *, bitrate_kbps: int, quality: int, timeout_s: float
) -> None:
    """Encode `wav` into a mono constant-bitrate MP3 at `mp3` (with a Xing/LAME header,
    so players and ffmpeg know its exact duration)."""
    await _run(
        ffmpeg,
        [
            *("-i", str(wav), "-vn", "-ac", "1", "-codec:a", "libmp3lame"),
            *("-b:a", f"{bitrate_kbps}k", "-compression_level", str(quality)),
            *("-f", "mp3", str(mp3)),
        ],
        timeout_s,
    )


async def decode_pcm(ffmpeg: str, source: Path, *, sample_rate: int, timeout_s: float) -> bytes:
    """Decode any audio file ffmpeg reads into 16-bit little-endian mono PCM at
    `sample_rate`: what it really holds, whatever its header claims."""
    return await _run(
        ffmpeg,
        ["-i", str(source), "-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-"],
        timeout_s,
    )


def tempo_pitch_filter(sample_rate: int, tempo: float, pitch: float) -> str:
    """The audio filter that speeds speech up by `tempo` and raises its pitch by `pitch`:
    asetrate raises both pitch and tempo, aresample keeps the rate, atempo sets the
    tempo back to what is asked."""
    parts = []
    if pitch != 1.0:
        parts += [f"asetrate={sample_rate * pitch:.3f}", f"aresample={sample_rate}"]
    if tempo / pitch != 1.0:
        parts.append(f"atempo={tempo / pitch:.6f}")
    return ",".join(parts)


async def retune(
    ffmpeg: str, wav: Path, out: Path, *, tempo: float, pitch: float, timeout_s: float
) -> None:
    """`wav` at `tempo` and `pitch` (factors) into the WAV `out`, same rate, mono 16-bit."""
    with wave.open(str(wav), "rb") as source:
        rate = source.getframerate()
    graph = tempo_pitch_filter(rate, tempo, pitch) or "anull"
    await _run(
        ffmpeg,
        [
            *("-i", str(wav), "-af", graph, "-ac", "1", "-ar", str(rate)),
            *("-c:a", "pcm_s16le", "-f", "wav", str(out)),
        ],
        timeout_s,
    )


async def _run(ffmpeg: str, args: list[str], timeout_s: float) -> bytes:
    """Run ffmpeg with `args`; what it wrote on stdout."""
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout_s):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        await _kill(process)
        raise EncodeTimeout(f"ffmpeg did not finish within {timeout_s:g} s") from None
    except BaseException:  # cancelled: do not leave the encoder running
        await _kill(process)
        raise
    if process.returncode != 0:
        said = stderr.decode("utf-8", "replace").strip()[-500:]
        raise EncodeError(f"ffmpeg exited with {process.returncode}: {said}")
    return stdout


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await asyncio.shield(process.wait())
