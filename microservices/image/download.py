"""Fetching a picture a provider answers by URL (DALL-E's `url`): the one place the image
service downloads a URL it did not make, so that the shared fetch policy
(microservices/common/fetch.py, when it lands) can take its place.

Until then, the video service's rules: http(s) only, never a link-local, unspecified,
multicast or metadata host, at each redirect hop too; redirects followed by hand, a few
at most; the provider's timeout and size cap. No key is sent: the URL is presigned."""

from urllib.parse import urljoin

import aiohttp

from microservices.image.calls import Caller, failed
from microservices.video.errors import RenderError
from microservices.video.fetch import REDIRECTS, refuse_url

MAX_REDIRECTS = 3


async def download(caller: Caller, url: str) -> bytes:
    """The bytes at `url`, or a 502 PROVIDER_FAILED saying why not."""
    target = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            refuse_url(target, "the picture's URL")
        except RenderError:
            raise failed("answered a picture URL that is never fetched") from None
        try:
            async with caller.session.get(target, allow_redirects=False) as response:
                if response.status in REDIRECTS and "Location" in response.headers:
                    target = urljoin(target, response.headers["Location"])
                    continue
                if response.status != 200:
                    raise failed(f"answered a picture URL that gave {response.status}")
                return await caller.read(response)
        except TimeoutError:
            raise failed("answered a picture URL that did not answer in time") from None
        except aiohttp.ClientError as exc:
            raise failed(f"answered a picture URL that failed ({type(exc).__name__})") from None
    raise failed(f"answered a picture URL that redirects more than {MAX_REDIRECTS} times")
