"""WAV to MP3 with ffmpeg (libmp3lame), as an asyncio subprocess under a timeout: the
event loop never waits on it, and a stuck or cancelled encoder is killed."""

import asyncio
import contextlib
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
    process = await asyncio.create_subprocess_exec(
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(wav),
        "-vn",
        "-ac",
        "1",
        "-codec:a",
        "libmp3lame",
        "-b:a",
        f"{bitrate_kbps}k",
        "-compression_level",
        str(quality),
        "-f",
        "mp3",
        str(mp3),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout_s):
            _, stderr = await process.communicate()
    except TimeoutError:
        await _kill(process)
        raise EncodeTimeout(f"ffmpeg did not finish within {timeout_s:g} s") from None
    except BaseException:  # cancelled: do not leave the encoder running
        await _kill(process)
        raise
    if process.returncode != 0:
        said = stderr.decode("utf-8", "replace").strip()[-500:]
        raise EncodeError(f"ffmpeg exited with {process.returncode}: {said}")


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await asyncio.shield(process.wait())
