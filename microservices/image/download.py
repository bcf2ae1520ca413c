"""Fetching a picture a provider answers by URL (DALL-E's `url`): the one place the image
service downloads a URL it did not make, under the fetch policy every service shares
(microservices/common/fetch: http(s) only, every address the host resolves to public
unless its origin is trusted, the connection pinned to the checked addresses, each
redirect hop checked, a size and a time cap, the bytes checked to be a picture). No key
is sent: the URL is presigned."""

from microservices.common.fetch import FetchError
from microservices.image.calls import Caller, failed


async def download(caller: Caller, url: str) -> bytes:
    """The picture at `url`, or a 502 PROVIDER_FAILED saying why not."""
    try:
        return await caller.fetcher.fetch_image(
            url, caller.max_bytes, caller.max_pixels, "the picture's URL"
        )
    except FetchError as exc:
        raise failed(f"answered a picture URL that could not be used: {exc.detail}") from None
