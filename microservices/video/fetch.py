"""Downloading a render's inputs: over http(s) only, URL prefixes rewritten first (the
service may reach the media under another name than the browser does), redirects
followed by hand and only to http(s), a timeout and a size cap on each file, a few at a
time. Any failure is the request's input being unusable: a 422 naming the field.

The downloaded images are then checked with Pillow (a known format, a sane size) and
made the PNGs of the output size ffmpeg reads, one after the other, with one decoder."""

import asyncio
import ipaddress
import logging
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
from PIL import Image, ImageOps

from common.logs import request_id
from microservices.common.media import MediaNotFound, MediaStore
from microservices.video.config import VideoSettings
from microservices.video.errors import RenderError, unusable_input

log = logging.getLogger("microservices.video.fetch")

REDIRECTS = {301, 302, 303, 307, 308}
FORBIDDEN_HOSTS = frozenset({"metadata.google.internal", "metadata"})
CHUNK = 256 * 1024
FLUSH = 2 * 1024 * 1024


def refuse_url(url: str, field: str) -> None:
    """A 400 for what is never fetched: another scheme, link-local or metadata hosts."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RenderError(400, "INVALID_URL", f"{field} must be an absolute http(s) URL")
    host = parts.hostname.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host in FORBIDDEN_HOSTS or (
        address is not None
        and (address.is_link_local or address.is_unspecified or address.is_multicast)
    ):
        raise RenderError(400, "INVALID_URL", f"{field} points at a host that is never fetched")


class Fetcher:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: VideoSettings,
        store: MediaStore | None = None,
    ) -> None:
        self.session = session
        self.store = store
        self.settings = settings
        self.rewrites = settings.rewrites
        self.slots = asyncio.Semaphore(settings.fetch_concurrency)

    def rewrite(self, url: str) -> str:
        for source, target in self.rewrites:
            if url.startswith(source):
                return target + url[len(source) :]
        return url

    async def download(self, url: str, dest: Path, max_bytes: int, field: str) -> None:
        """`url` into `dest`, or a RenderError saying why not."""
        async with self.slots:
            if await self._from_store(url, dest, max_bytes, field):
                return
            try:
                await self._download(url, dest, max_bytes, field)
            except RenderError:
                raise
            except TimeoutError:
                raise unusable_input(
                    f"{field} could not be downloaded: no complete answer within "
                    f"{self.settings.fetch_timeout_s:g} s"
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("downloading %s failed: %r", field, exc)
                raise unusable_input(f"{field} could not be downloaded: {_reason(exc)}") from None

    async def _from_store(self, url: str, dest: Path, max_bytes: int, field: str) -> bool:
        """A URL into the media store is read from it, not over HTTP: False otherwise
        (or if the store has no such object, so that HTTP decides)."""
        key = self.store.key_of(url) if self.store is not None else None
        if key is None or self.store is None:
            return False
        try:
            await self.store.download(key, dest, max_bytes)
        except MediaNotFound:
            return False
        except ValueError:
            raise unusable_input(f"{field} is larger than {max_bytes} bytes") from None
        return True

    async def _download(self, url: str, dest: Path, max_bytes: int, field: str) -> None:
        timeout = aiohttp.ClientTimeout(
            total=self.settings.fetch_timeout_s, sock_connect=self.settings.fetch_connect_timeout_s
        )
        headers = {"X-Request-ID": request_id.get()} if request_id.get() != "-" else {}
        target = self.rewrite(url)
        for hop in range(self.settings.fetch_max_redirects + 1):
            try:
                refuse_url(target, field)
            except RenderError:
                if hop == 0:
                    raise  # the URL given: a 400, like any invalid field
                raise unusable_input(f"{field} redirects to a host that is never fetched") from None
            async with self.session.get(
                target, allow_redirects=False, timeout=timeout, headers=headers
            ) as response:
                if response.status in REDIRECTS and "Location" in response.headers:
                    following = urljoin(target, response.headers["Location"])
                    if urlsplit(following).scheme.lower() not in ("http", "https"):
                        raise unusable_input(f"{field} redirects to a URL that is not http(s)")
                    target = self.rewrite(following)
                    continue
                if response.status != 200:
                    raise unusable_input(f"{field} could not be downloaded: HTTP {response.status}")
                if (response.content_length or 0) > max_bytes:
                    raise unusable_input(f"{field} is larger than {max_bytes} bytes")
                await self._save(response, dest, max_bytes, field)
                return
        raise unusable_input(
            f"{field} redirects more than {self.settings.fetch_max_redirects} times"
        )

    async def _save(
        self, response: aiohttp.ClientResponse, dest: Path, max_bytes: int, field: str
    ) -> None:
        """The body into `dest`, written in a thread a few MB at a time."""
        size = 0
        pending = bytearray()
        with dest.open("wb") as f:
            async for chunk in response.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise unusable_input(f"{field} is larger than {max_bytes} bytes")
                pending += chunk
                if len(pending) >= FLUSH:
                    await asyncio.to_thread(f.write, bytes(pending))
                    pending.clear()
            if pending:
                await asyncio.to_thread(f.write, bytes(pending))
        if size == 0:
            raise unusable_input(f"{field} is empty")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "the host could not be reached"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the answer broke off"
    if isinstance(exc, aiohttp.InvalidURL):
        return "the URL is not valid"
    return type(exc).__name__


ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"}


def _plain_rgb_png(path: Path) -> bool:
    """8-bit RGB, not interlaced (IHDR): what every scene must decode to, since the scenes
    go through one decoder and one filter graph, which must not see the format change."""
    with path.open("rb") as f:
        header = f.read(29)
    return len(header) == 29 and header[24] == 8 and header[25] == 2 and header[28] == 0


def prepare_image(path: Path, size: tuple[int, int], max_pixels: int, field: str) -> Path:
    """The downloaded image as ffmpeg will take it (blocking: run it in a thread): an RGB
    PNG of exactly `size`, covering it (scaled once, the overflow cropped). A PNG that
    already is one is used as it is. RenderError 422 if it is not a usable image."""
    target = path.with_suffix(".png")
    try:
        with Image.open(path) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise unusable_input(f"{field} is not an image in a known format")
            width, height = image.size
            if width * height > max_pixels or width < 2 or height < 2:
                raise unusable_input(f"{field} is {width}x{height}: too large or too small")
            if (
                image.format == "PNG"
                and image.size == size
                and _plain_rgb_png(path)
                and not getattr(image, "is_animated", False)
            ):
                image.verify()
                path.rename(target)
                return target
            if image.format == "JPEG":
                image.draft("RGB", size)  # decode a big JPEG at a fraction of its size
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                flat = Image.new("RGB", image.size)
                flat.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
                image = flat
            fitted = ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
            fitted.save(target, "PNG", compress_level=1)
    except RenderError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unusable_input(f"{field} is not an image that can be read") from None
    path.unlink(missing_ok=True)
    return target
