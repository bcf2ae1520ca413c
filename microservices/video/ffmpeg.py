"""Running ffmpeg: an asyncio subprocess (the event loop never blocks on it), its stderr
drained as it comes (the last lines kept for the log), a deadline after which it is
killed, and killed too if the awaiting task is cancelled. Never a leftover process."""

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

log = logging.getLogger("microservices.video.ffmpeg")

BASE_ARGS = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y")


@cache
def default_executable() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class FfmpegFailed(Exception):
    def __init__(self, returncode: int, tail: str) -> None:
        super().__init__(f"ffmpeg exited with {returncode}: {tail}")
        self.returncode = returncode
        self.tail = tail


class FfmpegTimeout(Exception):
    pass


@dataclass
class Stats:
    """Counters the tests and the logs read."""

    runs: int = 0
    killed: int = 0
    pids: list[int] = field(default_factory=list)  # of the last 100 runs


STATS = Stats()


async def _drain(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    while line := await stream.readline():
        tail.append(line.decode("utf-8", "replace").rstrip())


async def _follow(stream: asyncio.StreamReader, on_progress: Callable[[float], None]) -> None:
    """Read `-progress pipe:1` (key=value lines) and report the seconds encoded so far.
    out_time_us (out_time_ms, despite its name, is microseconds too) may be N/A."""
    while line := await stream.readline():
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if key in ("out_time_us", "out_time_ms") and value.isdigit():
            on_progress(int(value) / 1_000_000)


async def run(
    executable: str,
    args: list[str],
    timeout_s: float,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    on_progress: Callable[[float], None] | None = None,
    feed: Callable[[asyncio.StreamWriter], Awaitable[None]] | None = None,
) -> None:
    """Run `executable` with `args` (in directory `cwd`, with `env` added to this
    process's environment) to completion within `timeout_s` s; with `on_progress`, tell it
    the seconds of output written as ffmpeg reports them; with `feed`, ffmpeg's stdin is
    a pipe that `feed` writes to (it is closed after), as ffmpeg runs.

    Raises FfmpegTimeout (after killing it) or FfmpegFailed (non-zero exit, with the end
    of its stderr); on cancellation kills it and re-raises."""
    if timeout_s <= 0:
        raise FfmpegTimeout(f"no time was left to {what}")
    started = time.perf_counter()
    following = ("-progress", "pipe:1") if on_progress else ()
    process = await asyncio.create_subprocess_exec(
        executable,
        *BASE_ARGS,
        *following,
        *args,
        stdin=asyncio.subprocess.PIPE if feed else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if on_progress else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, **env} if env else None,
    )
    STATS.runs += 1
    STATS.pids = [*STATS.pids[-99:], process.pid]
    tail: deque[str] = deque(maxlen=20)
    assert process.stderr is not None
    drain = asyncio.create_task(_drain(process.stderr, tail))
    if on_progress is not None:
        assert process.stdout is not None
        follow = asyncio.create_task(_follow(process.stdout, on_progress))
        drain = asyncio.create_task(_both(drain, follow))
    feeding = None
    if feed is not None:
        assert process.stdin is not None
        feeding = asyncio.create_task(_feed(process.stdin, feed))
    try:
        async with asyncio.timeout(timeout_s):
            if feeding is not None:
                await _fed(process, feeding)
            await process.wait()
            await drain
    except BaseException as exc:  # the timeout, a cancellation: never leave it running
        await _kill(process)
        if feeding is not None:
            feeding.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feeding
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drain
        if isinstance(exc, TimeoutError):
            log.warning("ffmpeg killed after %.1f s (%s)", timeout_s, what)
            raise FfmpegTimeout(f"ffmpeg did not {what} within {timeout_s:.0f} s") from None
        raise
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        log.error("ffmpeg failed to %s (exit %s): %s", what, process.returncode, " | ".join(tail))
        raise FfmpegFailed(process.returncode or -1, " | ".join(tail))
    log.info("ffmpeg did %s in %.2f s", what, elapsed)


async def _feed(
    stdin: asyncio.StreamWriter, feed: Callable[[asyncio.StreamWriter], Awaitable[None]]
) -> None:
    """`feed` writing to ffmpeg's stdin, which is then closed (end of input)."""
    try:
        await feed(stdin)
        stdin.close()
        await stdin.wait_closed()
    except (BrokenPipeError, ConnectionResetError):
        stdin.close()  # ffmpeg stopped reading: its exit status tells why


async def _fed(process: asyncio.subprocess.Process, feeding: asyncio.Task[None]) -> None:
    """Until the feeder is done (its error raised) or ffmpeg exits (the feeder stopped)."""
    exited = asyncio.create_task(process.wait())
    try:
        await asyncio.wait({feeding, exited}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        exited.cancel()
    if feeding.done():
        feeding.result()
        return
    feeding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await feeding


async def _both(first: asyncio.Task[None], second: asyncio.Task[None]) -> None:
    """Both readers as one task: cancelled together, awaited together."""
    try:
        await asyncio.gather(first, second)
    finally:
        first.cancel()
        second.cancel()


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        STATS.killed += 1
    # Reap it even if we are being cancelled: no zombie is left behind.
    await asyncio.shield(process.wait())
