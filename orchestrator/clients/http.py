"""Calling one microservice: its own session and timeout, bounded retries, capped and
typed answers, and transport failures turned into Upstream* errors.

A 422 is the service refusing the client's own content (a safety filter, text a voice
cannot speak): with the common error body it becomes ContentRefused, the service's
reason and fields kept, so that the client hears what to change; never retried.

A call's time is the service's timeout, cut to what is left of the deadline of the RPC
that caused it. Only what cannot have been processed is retried: a refused connection
(nothing was sent) and a 503 that says when to come back (Retry-After). Redirects are
never followed: a service that answers one is misconfigured, and following it could
send our request anywhere.
"""

import logging
import time
from dataclasses import dataclass
from typing import Annotated, TypeVar

import aiohttp
import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from common.logs import request_id
from orchestrator.errors import (
    ContentRefused,
    UpstreamError,
    UpstreamFailure,
    UpstreamTimeout,
    UpstreamUnavailable,
    Violation,
)
from orchestrator.metrics import UPSTREAM_CALLS, UPSTREAM_SECONDS
from orchestrator.urls import is_media_url

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)


def _http_url(url: str) -> str:
    if not is_media_url(url):
        raise ValueError("must be an absolute http(s) URL, not at a link-local or metadata host")
    return url


# A URL a service hands back: stored as returned, once known to be http(s).
HttpUrlText = Annotated[str, AfterValidator(_http_url)]


class ServiceAnswer(BaseModel):
    """The base of every typed answer: strict types; fields we do not use are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


# A service's words as we pass them on: cut short (they travel in gRPC trailers).
ShortText = Annotated[str, AfterValidator(lambda text: text[:300])]


class _Refused(BaseModel):
    field: Annotated[str, AfterValidator(lambda text: text[:100])]
    message: ShortText = ""


class _Refusal(BaseModel):
    """The common error body of a 422: {detail, code, errors?}."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    detail: ShortText
    code: str = Field("CONTENT_REFUSED", max_length=64)
    errors: list[_Refused] = Field(default_factory=list, max_length=50)


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """What every service call shares: the answer size cap and the retry bounds."""

    max_answer_bytes: int = 1024 * 1024
    attempts: int = 3
    retry_budget_s: float = 5.0


class _Retryable(Exception):
    """A failure where the request cannot have been processed: worth another attempt."""

    def __init__(self, failure: UpstreamFailure, retry_after: float = 0.0) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; HTTP dates are not worth honouring for a short retry."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


_backoff = wait_exponential_jitter(multiplier=0.1, max=2.0, jitter=0.2)


class ServiceClient:
    name = "micro"

    def __init__(self, base_url: object, timeout_s: float, policy: CallPolicy) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.timeout_s = timeout_s
        self.policy = policy
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # One pooled session for the server's life; no default timeout, each call sets one.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None), raise_for_status=False
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(
        self,
        path: str,
        payload: dict,
        answer: type[Answer],
        *,
        deadline: float | None = None,
        idempotency_key: str | None = None,
    ) -> Answer:
        """POST `payload` as JSON and return the answer parsed as `answer`.

        `deadline` is a time.monotonic() instant the whole call, retries included, must
        finish by (the gRPC deadline of the RPC that caused it)."""
        ends = time.monotonic() + self.timeout_s
        if deadline is not None:
            ends = min(ends, deadline)
        headers = {"Content-Type": "application/json"}
        rid = request_id.get()
        if rid != "-":
            headers["X-Request-ID"] = rid
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        body = orjson.dumps(payload)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            asked = exc.retry_after if isinstance(exc, _Retryable) else 0.0
            return max(_backoff(state), asked)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts)
            | stop_before_delay(min(self.policy.retry_budget_s, max(0.0, ends - time.monotonic()))),
            wait=wait,
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        started = time.perf_counter()
        outcome = "ok"
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(path, body, headers, ends, answer)
        except _Retryable as exc:
            outcome = exc.failure.reason
            raise exc.failure from None
        except UpstreamFailure as exc:
            outcome = exc.reason
            raise
        finally:
            UPSTREAM_CALLS.labels(self.name, outcome).inc()
            UPSTREAM_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _once(
        self, path: str, body: bytes, headers: dict, ends: float, answer: type[Answer]
    ) -> Answer:
        left = ends - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(self.name, "was not called: no time was left")
        assert self._session is not None, "start() the client first"
        started = time.perf_counter()
        status = 0
        try:
            async with self._session.post(
                f"{self.base_url}{path}",
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=left),
                allow_redirects=False,
            ) as response:
                status = response.status
                raw = await self._read(response)
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except aiohttp.ClientConnectorError as exc:
            failure = UpstreamUnavailable(self.name, "could not be reached")
            log.warning("%s %s unreachable: %s", self.name, path, exc)
            raise _Retryable(failure) from None
        except TimeoutError:
            raise UpstreamTimeout(self.name, f"did not answer within {left:.1f} s") from None
        except aiohttp.ClientError as exc:
            # The connection dropped mid-call (a restart, a crash): the service may be back
            # in a moment, so this is "unavailable", which a render retries, and not an
            # error in what it answered.
            message = f"dropped the connection ({type(exc).__name__})"
            raise UpstreamUnavailable(self.name, message) from None
        finally:
            log.info("%s POST %s %s %.1fms", self.name, path, status or "-", _ms_since(started))
        return self._parse(status, raw, retry_after, answer)

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self.policy.max_answer_bytes
        if (response.content_length or 0) > cap:
            raise UpstreamError(self.name, f"answered more than {cap} bytes")
        raw = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            raw += chunk
            if len(raw) > cap:
                raise UpstreamError(self.name, f"answered more than {cap} bytes")
        return bytes(raw)

    def _parse(
        self, status: int, raw: bytes, retry_after: float | None, answer: type[Answer]
    ) -> Answer:
        if status == 503:
            failure = UpstreamUnavailable(self.name, "is unavailable (503)", status)
            if retry_after is not None:
                raise _Retryable(failure, retry_after)
            raise failure
        if 300 <= status < 400:
            raise UpstreamError(self.name, f"answered a redirect ({status}), not followed", status)
        if status == 422:
            raise self._refusal(raw)
        if not 200 <= status < 300:
            raise UpstreamError(self.name, f"answered {status}{_detail(raw)}", status)
        try:
            return answer.model_validate(orjson.loads(raw))
        except orjson.JSONDecodeError:
            raise UpstreamError(self.name, "answered a body that is not JSON") from None
        except ValidationError as exc:
            where = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors()[:3])
            raise UpstreamError(self.name, f"answered an unusable body (at {where})") from None

    def _refusal(self, raw: bytes) -> UpstreamFailure:
        """What a 422 stands for: the content refused, or, without the common error body
        to say which, an unusable answer."""
        try:
            refusal = _Refusal.model_validate(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValidationError):
            return UpstreamError(self.name, "answered 422 with an unusable body", 422)
        violations = [Violation(e.field, e.message or refusal.detail) for e in refusal.errors]
        return ContentRefused(self.name, refusal.detail, refusal.code, violations)


def _detail(raw: bytes) -> str:
    """A refusal's reason as the service gave it (`{"detail": ...}`), which names what
    to fix (e.g. a render input it will not fetch); "" if there is none."""
    try:
        detail = orjson.loads(raw).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        return ""
    return f": {detail[:300]}" if isinstance(detail, str) and detail.isprintable() else ""


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
