"""The one way a service downloads a URL it did not make.

Each hop (the URL, then every redirect, up to the policy's cap) is checked by the policy
and fetched over a connection pinned to the addresses checked; redirects are followed
here, never by aiohttp. No proxy from the environment, no cookies kept between
downloads, a few downloads at a time, a size cap, and one time cap for the whole download
(redirects and name resolution included)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from yarl import URL

from common.logs import request_id
from microservices.common.fetch.content import check_image_bytes
from microservices.common.fetch.errors import FetchError, FetchFailed
from microservices.common.fetch.pinning import PinnedResolver, pinned
from microservices.common.fetch.policy import FetchPolicy, Resolve, system_resolve

log = logging.getLogger("microservices.fetch")

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 256 * 1024
FLUSH = 2 * 1024 * 1024

# Receives the body a chunk at a time.
Sink = Callable[[bytes], Awaitable[None]]


class Fetcher:
    """Make it inside the event loop (an app's cleanup_ctx) and close it after."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolve: Resolve = system_resolve,
        connector: Callable[..., aiohttp.TCPConnector] = aiohttp.TCPConnector,
    ) -> None:
        self.policy = policy
        self.resolve = resolve
        self.slots = asyncio.Semaphore(policy.concurrency)
        self.session = aiohttp.ClientSession(
            connector=connector(
                resolver=PinnedResolver(), use_dns_cache=False, limit=policy.concurrency * 2
            ),
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
        )

    async def close(self) -> None:
        await self.session.close()

    async def download(self, url: str, dest: Path, max_bytes: int, field: str) -> None:
        """`url` into the file `dest`, or a FetchError saying why not."""
        with dest.open("wb") as f:
            pending = bytearray()

            async def write(chunk: bytes) -> None:
                pending.extend(chunk)
                if len(pending) >= FLUSH:
                    await asyncio.to_thread(f.write, bytes(pending))
                    pending.clear()

            await self._fetch(url, max_bytes, field, write)
            if pending:
                await asyncio.to_thread(f.write, bytes(pending))

    async def fetch(self, url: str, max_bytes: int, field: str) -> bytes:
        """`url`'s body in memory, or a FetchError saying why not."""
        body = bytearray()

        async def keep(chunk: bytes) -> None:
            body.extend(chunk)

        await self._fetch(url, max_bytes, field, keep)
        return bytes(body)

    async def fetch_image(self, url: str, max_bytes: int, max_pixels: int, field: str) -> bytes:
        """`url`'s body, checked to decode as an image (ContentRefused if not)."""
        data = await self.fetch(url, max_bytes, field)
        await asyncio.to_thread(check_image_bytes, data, max_pixels, field)
        return data

    async def _fetch(self, url: str, max_bytes: int, field: str, sink: Sink) -> None:
        timeout_s = self.policy.timeout_s
        async with self.slots:
            try:
                async with asyncio.timeout(timeout_s):
                    async with self._open(url, field) as response:
                        await self._read(response, max_bytes, field, sink)
            except FetchError:
                raise
            except TimeoutError:
                raise FetchFailed(
                    field,
                    f"{field} could not be downloaded: no complete answer within {timeout_s:g} s",
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("downloading %s failed: %r", field, exc)
                raise FetchFailed(
                    field, f"{field} could not be downloaded: {_reason(exc)}"
                ) from None

    @asynccontextmanager
    async def _open(self, url: str, field: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """The final answer to `url`, after the redirects, each hop checked."""
        headers = {"X-Request-ID": request_id.get()} if request_id.get() != "-" else {}
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.policy.connect_timeout_s)
        target, verb = url, "points at"
        for _ in range(self.policy.max_redirects + 1):
            destination = await self.policy.check(target, field, self.resolve, verb)
            with pinned(destination):
                response = await self.session.get(
                    destination.url, allow_redirects=False, timeout=timeout, headers=headers
                )
            async with response:
                location = response.headers.get("Location")
                if response.status in REDIRECTS and location is not None:
                    try:
                        target = str(destination.url.join(URL(location)))
                    except ValueError:
                        raise FetchFailed(field, f"{field} redirects to an invalid URL") from None
                    verb = "redirects to"
                    continue
                if response.status != 200:
                    raise FetchFailed(
                        field, f"{field} could not be downloaded: HTTP {response.status}"
                    )
                yield response
                return
        raise FetchFailed(field, f"{field} redirects more than {self.policy.max_redirects} times")

    @staticmethod
    async def _read(
        response: aiohttp.ClientResponse, max_bytes: int, field: str, sink: Sink
    ) -> None:
        too_large = FetchFailed(field, f"{field} is larger than {max_bytes} bytes")
        if (response.content_length or 0) > max_bytes:
            raise too_large
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            await sink(chunk)
        if size == 0:
            raise FetchFailed(field, f"{field} is empty")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "its TLS certificate is not valid for its host"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "the host could not be reached"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the answer broke off"
    if isinstance(exc, aiohttp.InvalidURL):
        return "the URL is not valid"
    return type(exc).__name__
