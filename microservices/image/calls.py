"""Calling a picture provider: one pooled session, a bound on the calls in flight over
every request, a timeout per call, and bounded retries with backoff for what is worth
another try (429 and 5xx answers, a refused connection), honouring Retry-After.

What goes wrong is a ServiceError in the common shape:
- PROVIDER_AUTH_FAILED (502): the provider refused our key (401/403): configuration.
- PROVIDER_RATE_LIMITED (503): still 429 when the retries ran out.
- PROVIDER_UNAVAILABLE (503): the provider could not be reached.
- PROVIDER_TIMEOUT (504): no answer within IMAGE_SERVICE_PROVIDER_TIMEOUT_S.
- PROVIDER_FAILED (502): 5xx after the retries, another error, or a body the provider
  does not document.
- CONTENT_REFUSED (422): the provider's safety system refused the scene, naming it so
  the user can change it (made by the providers, which know what a refusal looks like).

The key goes in a request header only: never in a log line or an error body (a
provider's own error message is scrubbed of it before it is quoted)."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDictProxy
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, stop_before_delay

from common.logs import request_id
from microservices.common.errors import ServiceError
from microservices.common.fetch import Fetcher
from microservices.common.provider_http import (
    ProviderSession,
    Retry,
    read_bounded,
    retried,
    retry_after,
    wait,
)
from microservices.image.config import ImageSettings

log = logging.getLogger("microservices.image.provider")


def failed(why: str) -> ServiceError:
    return ServiceError(502, "PROVIDER_FAILED", f"the image provider {why}")


def auth_failed(status: int) -> ServiceError:
    return ServiceError(
        502,
        "PROVIDER_AUTH_FAILED",
        f"the image provider refused our credentials ({status}): check "
        "IMAGE_SERVICE_PROVIDER_API_KEY and the account's access to the model",
    )


def refused(field: str, why: str) -> ServiceError:
    detail = f"the image provider refused {field}: {why}"
    return ServiceError(422, "CONTENT_REFUSED", detail, [{"field": field, "message": why}])


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None if it is not."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None


class Caller(ProviderSession):
    def __init__(self, settings: ImageSettings) -> None:
        super().__init__(
            aiohttp.ClientTimeout(
                total=settings.provider_timeout_s, sock_connect=settings.provider_connect_timeout_s
            )
        )
        self.slots = asyncio.Semaphore(settings.provider_concurrency)
        self.attempts = settings.provider_attempts
        self.budget_s = settings.provider_retry_budget_s
        self.max_bytes = settings.provider_max_answer_bytes
        self.timeout_s = settings.provider_timeout_s
        self.max_pixels = settings.provider_max_pixels
        self._key = settings.provider_api_key.get_secret_value()
        self._policy = settings.fetch_policy()
        self._fetcher: Fetcher | None = None

    async def start(self) -> None:
        await super().start()
        self._fetcher = Fetcher(self._policy)

    async def close(self) -> None:
        await super().close()
        if self._fetcher is not None:
            await self._fetcher.close()

    @property
    def fetcher(self) -> Fetcher:
        """Downloads of URLs a provider answered, under the shared fetch policy."""
        assert self._fetcher is not None, "start() the caller first"
        return self._fetcher

    def scrub(self, text: str, limit: int = 300) -> str:
        """A provider's message, fit to quote: the key cut out, the length capped."""
        if self._key:
            text = text.replace(self._key, "[key]")
        return " ".join(text.split())[:limit]

    async def post(
        self, url: str, body: Callable[[], Any], headers: dict[str, str], what: str
    ) -> Answer:
        """POST to the provider (a fresh `body()` on each attempt: a multipart form is
        used up once sent) and return its answer, retried while it is 429 or 5xx.
        `what` names the call in the log (never the key)."""
        headers = dict(headers)
        if (rid := request_id.get()) != "-":
            headers["X-Request-ID"] = rid
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts) | stop_before_delay(self.budget_s),
            wait=wait,
            retry=retry_if_exception_type(Retry),
            reraise=True,
        )
        return await retried(
            retrying, lambda number: self._once(url, body(), headers, what, number)
        )

    async def _once(
        self, url: str, body: Any, headers: dict[str, str], what: str, attempt: int
    ) -> Answer:
        async with self.slots:
            started = time.perf_counter()
            status = 0
            try:
                async with self.session.post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status
                    raw = await read_bounded(response, self.max_bytes, self._too_big)
                    answer = Answer(status, response.headers, raw)
            except TimeoutError:
                raise ServiceError(
                    504,
                    "PROVIDER_TIMEOUT",
                    f"the image provider did not answer within {self.timeout_s:g} s",
                ) from None
            except aiohttp.ClientConnectorError:
                raise Retry(
                    ServiceError(503, "PROVIDER_UNAVAILABLE", "the image provider is unreachable")
                ) from None
            except aiohttp.ClientError as exc:
                raise failed(f"broke the connection ({type(exc).__name__})") from None
            finally:
                elapsed = (time.perf_counter() - started) * 1000
                log.info("%s: %s in %.0f ms (attempt %d)", what, status or "-", elapsed, attempt)
        if status == 429:
            raise Retry(
                ServiceError(
                    503, "PROVIDER_RATE_LIMITED", "the image provider is rate limiting us; retry"
                ),
                retry_after(answer.headers),
            )
        if status >= 500:
            raise Retry(failed(f"answered {status}"), retry_after(answer.headers))
        return answer

    def _too_big(self) -> ServiceError:
        return failed(f"answered more than {self.max_bytes} bytes")
