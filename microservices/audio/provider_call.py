"""One HTTP call to a speech provider, with what every provider call needs: a timeout,
retries with backoff for 429 and 5xx (and a connection that could not be made) honouring
Retry-After within a bounded budget, X-Request-ID, a capped answer, and the provider's
failures turned into our errors in the common shape:

- 401/403: 502 PROVIDER_AUTH_FAILED (our configuration, not the client's fault)
- the account's quota spent (OpenAI's 429 insufficient_quota, ElevenLabs'
  quota_exceeded): 502 PROVIDER_QUOTA_EXCEEDED, not retried
- a refusal of the text (a safety filter): 422 CONTENT_REFUSED naming `script_text`
- 429 past the budget: 503 PROVIDER_RATE_LIMITED; 5xx past it: 502 PROVIDER_FAILED
- any other error status: 502 PROVIDER_REJECTED; no answer in time: 504 PROVIDER_TIMEOUT;
  unreachable: 502 PROVIDER_UNREACHABLE; an answer not as documented: 502 PROVIDER_BAD_ANSWER

The key goes in a header and nowhere else: not in a log line, an error body or a metric.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import orjson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
    stop_before_delay,
)
from tenacity.stop import stop_base

from common.logs import request_id
from microservices.audio.config import AudioSettings
from microservices.common.errors import ServiceError
from microservices.common.provider_http import (
    ProviderSession,
    Retry,
    asked_wait,
    read_bounded,
    retried,
    retry_after,
    wait,
)

log = logging.getLogger("microservices.audio.provider")

# What OpenAI's and ElevenLabs' error bodies say when the account's credit is spent.
QUOTA_CODES = (b'"insufficient_quota"', b'"quota_exceeded"')
# (status, body) -> the provider's reason when it refused the text itself, else None.
Refusal = Callable[[int, bytes], str | None]


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    content_type: str


def bad_answer(provider: str, why: str) -> ServiceError:
    return ServiceError(502, "PROVIDER_BAD_ANSWER", f"the speech provider ({provider}) {why}")


class _past_budget(stop_base):
    """Stop rather than sleep past the budget when asked to wait that long (Retry-After)."""

    def __init__(self, started: float, budget_s: float) -> None:
        self.started, self.budget_s = started, budget_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = asked_wait(retry_state)
        return asked is not None and time.monotonic() - self.started + asked > self.budget_s


class HttpProvider:
    """What a provider spoken to over HTTP shares: its settings read the same way, and its
    call, opened and closed with the app."""

    name: str
    speeds: tuple[float, float]

    def __init__(
        self, settings: AudioSettings, default_url: str, default_model: str, refusal: Refusal
    ) -> None:
        self.base = (settings.provider_url or default_url).rstrip("/")
        self.model = settings.provider_model or default_model
        if not settings.provider_takes_speed:
            self.speeds = (1.0, 1.0)
        self.key = settings.provider_api_key
        self.call = ProviderCall(settings, self.name, refusal)

    async def start(self) -> None:
        await self.call.start()

    async def close(self) -> None:
        await self.call.close()


class ProviderCall(ProviderSession):
    def __init__(self, settings: AudioSettings, provider: str, refusal: Refusal) -> None:
        super().__init__(aiohttp.ClientTimeout(total=settings.provider_timeout_s))
        self.provider = provider
        self.refusal = refusal
        self.attempts = settings.provider_attempts
        self.budget_s = settings.provider_retry_budget_s
        self.max_answer_bytes = settings.provider_max_answer_bytes

    async def post(
        self, url: str, payload: dict, headers: dict[str, str], params: dict[str, str] | None = None
    ) -> Answer:
        """POST `payload` as JSON; the successful answer, or a ServiceError."""
        headers = {**headers, "Content-Type": "application/json"}
        rid = request_id.get()
        if rid != "-":
            headers["X-Request-ID"] = rid
        body = orjson.dumps(payload)
        started = time.monotonic()
        retrying = AsyncRetrying(
            stop=stop_any(
                stop_after_attempt(self.attempts),
                stop_before_delay(self.budget_s),
                _past_budget(started, self.budget_s),
            ),
            wait=wait,
            retry=retry_if_exception_type(Retry),
            reraise=True,
        )
        return await retried(
            retrying, lambda number: self._once(url, body, headers, params, number)
        )

    async def _once(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        params: dict[str, str] | None,
        attempt: int,
    ) -> Answer:
        started = time.perf_counter()
        status = 0
        try:
            async with self.session.post(
                url, data=body, headers=headers, params=params, allow_redirects=False
            ) as response:
                status = response.status
                raw = await read_bounded(response, self.max_answer_bytes, self._too_big)
                waited = retry_after(response.headers)
                content_type = response.content_type
        except TimeoutError:
            raise self._error(504, "PROVIDER_TIMEOUT", "did not answer in time") from None
        except aiohttp.ClientConnectorError as exc:
            error = self._error(502, "PROVIDER_UNREACHABLE", "could not be reached")
            raise Retry(error) from exc
        except aiohttp.ClientError as exc:
            why = f"failed mid-answer ({type(exc).__name__})"
            raise self._error(502, "PROVIDER_FAILED", why) from None
        finally:
            log.info(
                "%s call: %s in %.0f ms (attempt %d)",
                self.provider,
                status or "-",
                (time.perf_counter() - started) * 1000,
                attempt,
            )
        if 200 <= status < 300:
            return Answer(raw, content_type)
        if status in (401, 403, 429) and any(code in raw for code in QUOTA_CODES):
            raise self._error(502, "PROVIDER_QUOTA_EXCEEDED", f"says our quota is spent ({status})")
        if status in (401, 403):
            raise self._error(
                502,
                "PROVIDER_AUTH_FAILED",
                f"refused our credentials ({status}): check AUDIO_SERVICE_PROVIDER_API_KEY",
            )
        if status == 429:
            error = self._error(503, "PROVIDER_RATE_LIMITED", "is rate limiting us (429)")
            raise Retry(error, waited)
        if status >= 500:
            raise Retry(self._error(502, "PROVIDER_FAILED", f"answered {status}"), waited)
        reason = self.refusal(status, raw)
        if reason is not None:
            message = " ".join(reason.split())[:300] or "refused by the provider"
            raise ServiceError(
                422,
                "CONTENT_REFUSED",
                f"the speech provider ({self.provider}) refused to speak the text: {message}",
                [{"field": "script_text", "message": message}],
            )
        raise self._error(502, "PROVIDER_REJECTED", f"rejected our request ({status})")

    def _error(self, status: int, code: str, why: str) -> ServiceError:
        return ServiceError(status, code, f"the speech provider ({self.provider}) {why}")

    def _too_big(self) -> ServiceError:
        return bad_answer(self.provider, f"answered more than {self.max_answer_bytes} bytes")
