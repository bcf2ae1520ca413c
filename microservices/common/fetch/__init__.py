"""One policy for every download of a URL a service did not make (the video service's
inputs, the image service's provider answers given as URLs): see policy.py for what is
fetched, pinning.py for how the connection is held to it, client.py for the downloads,
errors.py for the exceptions.

    fetcher = Fetcher(settings.fetch_policy())      # in the app's cleanup_ctx
    data = await fetcher.fetch_image(url, max_bytes, max_pixels, field="...")
    await fetcher.close()
"""

from microservices.common.fetch.client import Fetcher
from microservices.common.fetch.config import FetchSettings, parse_rewrites
from microservices.common.fetch.content import IMAGE_FORMATS, check_image, check_image_bytes
from microservices.common.fetch.errors import ContentRefused, FetchError, FetchFailed, URLRefused
from microservices.common.fetch.policy import Destination, FetchPolicy, Resolve, system_resolve

__all__ = [
    "IMAGE_FORMATS",
    "ContentRefused",
    "Destination",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchSettings",
    "Fetcher",
    "Resolve",
    "URLRefused",
    "check_image",
    "check_image_bytes",
    "parse_rewrites",
    "system_resolve",
]
