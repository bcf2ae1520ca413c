"""ffmpeg (imageio-ffmpeg's binary) run by the fakes and the tests to make and check media."""

import asyncio

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


async def ffmpeg(*args: str, given: bytes | None = None) -> tuple[bytes, str]:
    """ffmpeg run with `args` (`given` on its stdin), asserted to succeed: what it wrote
    on stdout, and on stderr."""
    process = await asyncio.create_subprocess_exec(
        FFMPEG,
        *args,
        stdin=asyncio.subprocess.DEVNULL if given is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(given)
    said = err.decode("utf-8", "replace")
    assert process.returncode == 0, said
    return out, said
