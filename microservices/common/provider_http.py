"""What every call to a provider's HTTP API shares, in whichever service: the answer
read with a cap on its size, how long the provider asks us to wait before the next
attempt, the wait between attempts, and the retry loop that turns the last retryable
failure into its error; and the session. What a status means is each service's own (calls.py,
provider_call.py, llm.py)."""

import email.utils
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter

from common.pooled_session import PooledSession
from microservices.common.errors import ServiceError

T = TypeVar("T")

BACKOFF = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)


# One pooled aiohttp session to a provider, opened and closed with the app.
ProviderSession = PooledSession


class Retry(Exception):
    """An answer worth another attempt: `error` if none is left; `after`, the seconds the
    provider asked us to wait (None when it did not say)."""

    def __init__(self, error: ServiceError, after: float | None = None) -> None:
        super().__init__(error.detail)
        self.error, self.after = error, after


def asked_wait(state: RetryCallState) -> float | None:
    """The wait the last failed attempt's provider asked for, if it said."""
    exc = state.outcome.exception() if state.outcome else None
    return exc.after if isinstance(exc, Retry) else None


def wait(state: RetryCallState) -> float:
    """The backoff, or longer if the provider asked for it."""
    return max(BACKOFF(state), asked_wait(state) or 0.0)


async def retried(retrying: AsyncRetrying, once: Callable[[int], Awaitable[T]]) -> T:
    """`once(attempt number)` under `retrying` (which retries on Retry); the last
    Retry's error when the attempts run out."""
    try:
        async for attempt in retrying:
            with attempt:
                return await once(attempt.retry_state.attempt_number)
    except Retry as exc:
        raise exc.error from None
    raise AssertionError("unreachable: tenacity either returns or raises")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from retry-after-ms (OpenAI's) or Retry-After (seconds or a date)."""
    try:
        return max(0.0, float(headers.get("retry-after-ms", "")) / 1000)
    except ValueError:
        pass
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - time.time())


async def read_bounded(
    response: aiohttp.ClientResponse, max_bytes: int, too_big: Callable[[], ServiceError]
) -> bytes:
    """The answer's body, or `too_big()` raised as soon as it is known to pass max_bytes
    (from its Content-Length, or while reading)."""
    if (response.content_length or 0) > max_bytes:
        raise too_big()
    raw = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        raw += chunk
        if len(raw) > max_bytes:
            raise too_big()
    return bytes(raw)
