"""Idempotency-Key: a retried render gets the finished result instead of a second render,
and a duplicate arriving while the first is still running waits for that one.

Finished results live in a JSON file in the media directory (so a restarted service still
knows them), the newest `capacity` keys kept. A key comes with the fingerprint of its
request: the same key with another body is refused (409). Failures are not remembered: a
retry after a failure renders again. A result whose files are gone renders again too.

A render runs as its own task, not as part of the request that asked for it: if that
client goes away, the render still finishes for the retry that will come."""

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from microservices.video.errors import RenderError
from microservices.video.models import RenderRequest, RenderResult

log = logging.getLogger("microservices.video.idempotency")

FILE_NAME = "idempotency.json"
MAX_KEY_LENGTH = 255


def fingerprint(request: RenderRequest) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    """The header's value, or None; a 400 if it is unusable."""
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise RenderError(
            400,
            "INVALID_IDEMPOTENCY_KEY",
            f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} printable ASCII characters",
        )
    return key


class ResultStore:
    """Key -> (fingerprint, result), persisted as one small JSON file, newest last."""

    def __init__(self, directory: Path, capacity: int) -> None:
        self.path = directory / FILE_NAME
        self.capacity = capacity
        self.entries: OrderedDict[str, dict] = OrderedDict()
        self._lock = asyncio.Lock()

    def load(self) -> None:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            entries = raw["entries"]
            assert isinstance(entries, list)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AssertionError):
            log.warning("%s is unreadable; starting with no remembered renders", self.path)
            return
        for entry in entries[-self.capacity :]:
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                self.entries[entry["key"]] = entry

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    async def put(self, key: str, print_: str, result: RenderResult) -> None:
        entry = {
            "key": key,
            "fingerprint": print_,
            "result": result.model_dump(),
            "finished_at": time.time(),
        }
        self.entries.pop(key, None)
        self.entries[key] = entry
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)
        snapshot = list(self.entries.values())
        async with self._lock:  # one writer at a time; the last snapshot wins
            await asyncio.to_thread(self._write, snapshot)

    def _write(self, entries: list[dict]) -> None:
        partial = self.path.with_name(f".{FILE_NAME}.part")
        partial.write_text(json.dumps({"entries": entries}), "utf-8")
        os.replace(partial, self.path)


class Renders:
    """Runs renders, each key once at a time and once for good."""

    def __init__(
        self,
        store: ResultStore,
        render: Callable[[RenderRequest], Awaitable[RenderResult]],
        exists: Callable[[RenderResult], bool],
    ) -> None:
        self.store = store
        self.render = render
        self.exists = exists
        self.running: dict[str, tuple[str, asyncio.Task[RenderResult]]] = {}
        self.tasks: set[asyncio.Task] = set()

    async def run(self, request: RenderRequest, key: str | None) -> RenderResult:
        if key is None:  # nobody can ask for it again: it lives and dies with the request
            return await self.render(request)
        print_ = fingerprint(request)
        done = self.store.get(key)
        if done is not None:
            self._same_request(done["fingerprint"], print_)
            result = RenderResult.model_validate(done["result"])
            if self.exists(result):
                log.info("render %s already done: answering its result", key)
                return result
            log.warning("render %s was done but its files are gone: rendering again", key)
        if key in self.running:
            running_print, task = self.running[key]
            self._same_request(running_print, print_)
            log.info("render %s is running: waiting for it", key)
            return await asyncio.shield(task)
        task = self._task(self._render_and_keep(request, key, print_))
        self.running[key] = (print_, task)
        task.add_done_callback(lambda _: self.running.pop(key, None))
        return await asyncio.shield(task)

    async def _render_and_keep(self, request: RenderRequest, key: str, print_: str):
        result = await self.render(request)
        await self.store.put(key, print_, result)
        return result

    def _task(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: waiters that left do not make it "never retrieved"

    @staticmethod
    def _same_request(known: str, given: str) -> None:
        if known != given:
            raise RenderError(
                409,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used for another render request",
            )

    async def close(self) -> None:
        """Cancel what still runs (its ffmpeg is killed) and wait for it to end."""
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
