"""Blocking work that writes files, in a thread, for a caller that cleans up after it.

asyncio.to_thread cannot stop a thread once it has started: cancelled (another task of
the request failed, a timeout, the client gone), it raises at once and the thread runs on,
so the files it writes come after the caller's cleanup (a request's work files, a
render's work directory) or race with it, and the thread works for nothing. `settled`
returns or raises only once its call is over: cancelled, a call that has started is
waited for, to its end (it cannot be cut short), and one that has not started yet (the
executor's threads busy with others) never runs, so that a cancelled batch waits for the
calls in progress, not for the whole batch."""

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class _Abandoned(Exception):
    """What a call whose caller was cancelled before it started raises instead of running."""


class _Call:
    """Whether the thread has started the call, or the cancelled caller given it up: one
    or the other, decided under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = False
        self.abandoned = False

    def start(self) -> None:
        """In the thread, before the call."""
        with self.lock:
            if self.abandoned:
                raise _Abandoned
            self.started = True

    def abandon(self) -> bool:
        """In the cancelled caller: True if the call will never run, False if it has
        started (and must be waited for)."""
        with self.lock:
            self.abandoned = not self.started
            return self.abandoned


def _retrieve(done: "asyncio.Future[Any]") -> None:
    """Mark what a finished future raised as retrieved (a done callback)."""
    if not done.cancelled():
        done.exception()


async def settled(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """func(*args, **kwargs) in a thread (asyncio.to_thread); cancelled, this raises only
    once the call is over, or certain never to run."""
    call = _Call()

    def run() -> T:
        call.start()
        return func(*args, **kwargs)

    running = asyncio.ensure_future(asyncio.to_thread(run))
    try:
        # Shielded: cancelling the caller leaves the thread's future alone.
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        # The caller's outcome is the cancellation now: what the thread raises after it
        # (its own error, or _Abandoned) is marked retrieved here, as the shield drops
        # its own callback on cancellation and asyncio would log it as never retrieved.
        running.add_done_callback(_retrieve)
        if not call.abandon():
            while not running.done():
                # Cancelled again meanwhile: still wait (the cancellation is raised after).
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait({running})
        raise
