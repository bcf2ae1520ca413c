"""Idempotency-Key: a retried render gets the finished result instead of a second render,
on whichever replica it lands, and a duplicate arriving while the first still runs (on
this replica or another sharing the media store) waits for that one.

Everything lives in the media store, under `renders/<sha256 of the key>/`:
- `result.json`: the key's fingerprint and result, written only if absent (S3
  `If-None-Match: *`, a hard link locally), so the first result is the only one;
- `claim-<n>.json`: who renders it, until when. A replica renders only after writing the
  next claim number itself (same guard), and renews it every third of the lease while it
  renders; a replica killed mid-render stops renewing, its claim expires, and a waiting
  or retried request takes the next number over.

A key comes with the fingerprint of its request: the same key with another body is
refused (409). Failures are not remembered: a retry after a failure renders again (the
failed claim is released at once). A result whose files are gone renders again too.

A render runs as its own task, not as part of the request that asked for it: if that
client goes away, the render still finishes for the retry that will come."""

import asyncio
import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from microservices.common.media import MediaStore
from microservices.video.errors import RenderError
from microservices.video.models import RenderRequest, RenderResult

log = logging.getLogger("microservices.video.idempotency")

MAX_KEY_LENGTH = 255
RESULT = "result.json"


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


def _same_request(known: str, given: str) -> None:
    if known != given:
        raise RenderError(
            409,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used for another render request",
        )


class Records:
    """One key's records in the store."""

    def __init__(self, store: MediaStore, key: str, print_: str) -> None:
        self.store = store
        self.key = key
        self.print_ = print_
        self.prefix = f"renders/{hashlib.sha256(key.encode()).hexdigest()}"

    async def result(self) -> RenderResult | None:
        raw = await self.store.get_record(f"{self.prefix}/{RESULT}")
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            known, result = entry["fingerprint"], RenderResult.model_validate(entry["result"])
        except (ValueError, KeyError, TypeError):
            log.warning("the result record of a render is unreadable: rendering again")
            await self.store.delete(f"{self.prefix}/{RESULT}")
            return None
        _same_request(known, self.print_)
        return result

    async def keep(self, result: RenderResult) -> bool:
        """Record the result if it is the first; False if another one was first."""
        entry = {
            "fingerprint": self.print_,
            "result": result.model_dump(),
            "finished_at": time.time(),
        }
        return await self.store.put_record(
            f"{self.prefix}/{RESULT}", json.dumps(entry).encode(), if_absent=True
        )

    async def forget_result(self) -> None:
        await self.store.delete(f"{self.prefix}/{RESULT}")

    def _claim_key(self, number: int) -> str:
        return f"{self.prefix}/claim-{number:06d}.json"

    async def claim(self, owner: str, lease_s: float) -> int | None:
        """The claim number this owner now holds, or None while another holds a live one."""
        claims = await self.store.list_records(self.prefix + "/claim-")
        number = 0
        if claims:
            number = int(claims[-1].rsplit("-", 1)[1].split(".")[0])
            raw = await self.store.get_record(claims[-1])
            if raw is not None:
                try:
                    held = json.loads(raw)
                    holder, until, print_ = held["owner"], float(held["until"]), held["fingerprint"]
                except (ValueError, KeyError, TypeError):
                    holder, until, print_ = "", 0.0, self.print_
                _same_request(print_, self.print_)
                if until > time.time() and holder != owner:
                    return None
        mine = number + 1
        if await self.store.put_record(
            self._claim_key(mine), self._claim_body(owner, lease_s), if_absent=True
        ):
            return mine
        return None  # another replica took that number first

    def _claim_body(self, owner: str, lease_s: float) -> bytes:
        until = time.time() + lease_s
        return json.dumps({"owner": owner, "until": until, "fingerprint": self.print_}).encode()

    async def renew(self, number: int, owner: str, lease_s: float) -> None:
        await self.store.put_record(
            self._claim_key(number), self._claim_body(owner, lease_s), if_absent=False
        )

    async def release(self, number: int, owner: str) -> None:
        await self.store.put_record(
            self._claim_key(number), self._claim_body(owner, -1.0), if_absent=False
        )

    async def clear_claims(self) -> None:
        for claim in await self.store.list_records(self.prefix + "/claim-"):
            await self.store.delete(claim)


class Renders:
    """Runs renders, each key once at a time and once for good, across replicas."""

    def __init__(
        self,
        store: MediaStore,
        render: Callable[[RenderRequest], Awaitable[RenderResult]],
        exists: Callable[[RenderResult], Awaitable[bool]],
        discard: Callable[[RenderResult], Awaitable[None]],
        lease_s: float,
    ) -> None:
        self.store = store
        self.render = render
        self.exists = exists
        self.discard = discard
        self.lease_s = lease_s
        # How often a request waiting for another replica's render looks for its result.
        self.poll_s = min(1.0, lease_s / 10)
        self.owner = uuid.uuid4().hex  # this process, in its claims
        self.running: dict[str, tuple[str, asyncio.Task[RenderResult]]] = {}
        self.tasks: set[asyncio.Task] = set()

    async def run(self, request: RenderRequest, key: str | None) -> RenderResult:
        if key is None:  # nobody can ask for it again: it lives and dies with the request
            return await self.render(request)
        print_ = fingerprint(request)
        if key in self.running:
            running_print, task = self.running[key]
            _same_request(running_print, print_)
            log.info("render %s is running here: waiting for it", key)
            return await asyncio.shield(task)
        task = self._task(self._settle(request, Records(self.store, key, print_)))
        self.running[key] = (print_, task)
        task.add_done_callback(lambda _: self.running.pop(key, None))
        return await asyncio.shield(task)

    async def _settle(self, request: RenderRequest, records: Records) -> RenderResult:
        """The key's first result: found, waited for, or rendered here."""
        waiting = False
        while True:
            done = await records.result()
            if done is not None:
                if await self.exists(done):
                    log.info("render %s already done: answering its result", records.key)
                    return done
                log.warning(
                    "render %s was done but its files are gone: rendering again", records.key
                )
                await records.forget_result()
            number = await records.claim(self.owner, self.lease_s)
            if number is not None:
                # A result kept just before its claims were cleared: looked for again now
                # that this claim stops anyone else from starting.
                done = await records.result()
                if done is not None and await self.exists(done):
                    await records.release(number, self.owner)
                    return done
                return await self._render_claimed(request, records, number)
            if not waiting:
                log.info("render %s is running on another replica: waiting for it", records.key)
                waiting = True
            await asyncio.sleep(self.poll_s)

    async def _render_claimed(
        self, request: RenderRequest, records: Records, number: int
    ) -> RenderResult:
        renewing = asyncio.create_task(self._renew(records, number))
        try:
            result = await self.render(request)
        except BaseException:
            renewing.cancel()
            # Released at once, so that a retry (here or elsewhere) need not wait.
            with contextlib.suppress(Exception):
                await asyncio.shield(records.release(number, self.owner))
            raise
        renewing.cancel()
        if not await records.keep(result):
            # Another replica finished first (it took over a claim this one failed to
            # renew in time): its result is the key's; this one's files go.
            log.warning("render %s was finished elsewhere first: keeping that result", records.key)
            await self.discard(result)
            first = await records.result()
            if first is None:
                raise RenderError(503, "UNAVAILABLE", "the render's result could not be read")
            result = first
        await records.clear_claims()
        return result

    async def _renew(self, records: Records, number: int) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await records.renew(number, self.owner, self.lease_s)
            except Exception:
                log.warning("renewing the claim of render %s failed", records.key, exc_info=True)

    def _task(self, coro: Coroutine[Any, Any, RenderResult]) -> asyncio.Task[RenderResult]:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: waiters that left do not make it "never retrieved"

    async def close(self) -> None:
        """Cancel what still runs (its ffmpeg is killed, its claim released) and wait."""
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
