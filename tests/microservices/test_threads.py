"""common/threads.settled: cancelled, a call in progress is waited for to its end (even
when cancelled again meanwhile), and a call not started yet never runs and is not waited
for. Real threads, held by events the test sets."""

import asyncio
import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from microservices.common.threads import settled

# How long a held call is left to show that the cancelled caller does not end before it.
HELD_S = 0.2


@dataclass
class OneWorker:
    """The loop's default executor reduced to one thread, which a call can hold until
    `released`; `waiter`: another thread, to wait there for `started`."""

    started: threading.Event
    released: threading.Event
    waiter: ThreadPoolExecutor

    def hold(self) -> None:
        self.started.set()
        self.released.wait(30)


@pytest.fixture
async def one_worker():
    loop = asyncio.get_running_loop()
    executor, waiter = ThreadPoolExecutor(max_workers=1), ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(executor)
    worker = OneWorker(threading.Event(), threading.Event(), waiter)
    try:
        yield worker
    finally:
        worker.released.set()
        executor.shutdown(wait=True)
        waiter.shutdown(wait=True)


async def test_a_call_returns_its_result_or_raises_its_error():
    assert await settled(sum, [1, 2], start=3) == 6
    with pytest.raises(ZeroDivisionError):
        await settled(divmod, 1, 0)


async def test_a_cancelled_call_in_progress_is_waited_for_to_its_end():
    started, released = threading.Event(), threading.Event()
    ended: list[str] = []

    def work() -> str:
        started.set()
        released.wait(30)
        ended.append("written")
        return "done"

    caller = asyncio.create_task(settled(work))
    assert await asyncio.to_thread(started.wait, 30)
    caller.cancel()
    await asyncio.wait({caller}, timeout=HELD_S)
    caller.cancel()  # cancelled again: it still waits
    await asyncio.wait({caller}, timeout=HELD_S)
    assert not caller.done()
    released.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert ended == ["written"]  # over before its caller ended


async def test_a_call_not_started_when_cancelled_never_runs_nor_is_waited_for(one_worker):
    """One worker thread, busy with a held call: the queued call's caller, cancelled,
    ends at once, and the call never runs."""
    loop = asyncio.get_running_loop()
    ran: list[str] = []
    holding = asyncio.create_task(settled(one_worker.hold))
    assert await loop.run_in_executor(one_worker.waiter, one_worker.started.wait, 30)
    queued = asyncio.create_task(settled(ran.append, "queued"))
    for _ in range(3):  # its call queued behind the held one
        await asyncio.sleep(0)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(queued, 30)  # while the worker is still held
    assert not one_worker.released.is_set()
    one_worker.released.set()
    await holding
    await loop.run_in_executor(None, ran.append, "after")  # the queue is drained
    assert ran == ["after"]


async def test_what_a_call_raises_after_its_caller_was_cancelled_is_not_left_unretrieved(
    one_worker, caplog
):
    """A call in progress that then fails, and a queued call given up (it raises instead
    of running), are the cancellation's: asyncio has nothing to report as never
    retrieved (it logs that, with a traceback, at ERROR)."""
    loop = asyncio.get_running_loop()

    def failing() -> None:
        one_worker.hold()
        raise ValueError("too late")

    in_progress = asyncio.create_task(settled(failing))
    assert await loop.run_in_executor(one_worker.waiter, one_worker.started.wait, 30)
    queued = asyncio.create_task(settled(sum, [1]))
    for _ in range(3):
        await asyncio.sleep(0)
    in_progress.cancel()
    queued.cancel()
    await asyncio.wait({queued}, timeout=30)
    one_worker.released.set()
    await asyncio.wait({in_progress}, timeout=30)
    assert in_progress.cancelled() and queued.cancelled()
    await loop.run_in_executor(None, sum, [2])  # the queued call has been given up
    del in_progress, queued
    gc.collect()  # an unretrieved error is reported when its future is collected
    await asyncio.sleep(0)
    reported = [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
    assert reported == []
