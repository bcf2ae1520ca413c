"""What every test shares: a hang fails loudly, with the stacks that show where.

pytest-timeout (pyproject's `timeout`) fails a test, its fixtures' setup and teardown
included, that runs past its limit, and prints every other thread's stack. A hang in
async code shows no more there than the event loop waiting in select(), so the awaits
each task of the running loop is stuck in are printed first."""

import asyncio
import os
import signal
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Generator[None, Any, Any]:
    installed = yield
    handler = signal.getsignal(signal.SIGALRM)
    if settings.method == "signal" and callable(handler):

        def tasks_first(signum: int, frame: FrameType | None) -> None:
            terminal = item.config.get_terminal_writer()
            for name, awaits in running_tasks():
                terminal.sep("~", title=f"Task {name}")
                terminal.write("".join(f"{line}\n" for line in awaits))
            handler(signum, frame)

        signal.signal(signal.SIGALRM, tasks_first)
    return installed


def running_tasks() -> list[tuple[str, list[str]]]:
    """Each task of the loop running in this thread, and the chain of awaits it is
    suspended in, outermost first."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return []
    return [(task.get_name(), awaits(task.get_coro())) for task in asyncio.all_tasks(loop)]


def awaits(coro: Any) -> list[str]:
    lines = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:
            lines.append(f"  awaiting {coro!r}"[:300])
            break
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return lines


# The suite's longest tests, which start the product's processes or run schemathesis.
LONG = ("tests/e2e/", "tests/fuzz/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests dealt out among pytest-xdist's workers, each at the front of its
    queue: worksteal hands each of n workers a contiguous n-th of the items and steals
    from the end of a queue, so every worker starts on its share of the long tests and
    the suite ends on short ones (rather than one worker running every long test in a
    row while the others run out of work). Only the order changes."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    long = [item for item in items if item.nodeid.startswith(LONG)]
    short = [item for item in items if not item.nodeid.startswith(LONG)]
    ordered: list[pytest.Item] = []
    left = len(items)
    for worker in range(workers):
        size = left // (workers - worker)  # as worksteal sizes its first shares
        share = long[worker::workers]
        ordered += share + short[: max(0, size - len(share))]
        del short[: max(0, size - len(share))]
        left -= size
    items[:] = ordered + short
