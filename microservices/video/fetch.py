"""A render's inputs, through the one fetch policy (microservices/common/fetch): what
it refuses is a 400 naming the field (INVALID_URL), what cannot be downloaded or used a
422 (INPUT_UNUSABLE).

The downloaded images are then checked with Pillow (a known format, a sane size) and
made the pictures of one size ffmpeg reads, one after the other on its stdin, with one
decoder: PPMs (raw RGB: written and read at memory speed, where deflating a PNG took 0.3
to 0.45 s of CPU per 1080x1920 picture, a third of a basic_fade render's own work at
9:16). A PNG that already is one is decoded here rather than by ffmpeg: the same work,
in a thread that overlaps ffmpeg's (render.py), and one format for the one decoder."""

from pathlib import Path

from PIL import Image, ImageOps

from microservices.common.fetch import (
    ContentRefused,
    Fetcher,
    FetchError,
    FetchPolicy,
    URLRefused,
    check_image,
)
from microservices.common.media import MediaNotFound, MediaStore
from microservices.video.errors import RenderError, unusable_input


def render_error(exc: FetchError) -> RenderError:
    if isinstance(exc, URLRefused):
        return RenderError(400, "INVALID_URL", exc.detail)
    return unusable_input(exc.detail)


def refuse_url(policy: FetchPolicy, url: str, field: str) -> None:
    """A 400 at once for what is refused without resolving a name."""
    try:
        policy.precheck(url, field)
    except URLRefused as exc:
        raise render_error(exc) from None


ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"}


async def download(
    fetcher: Fetcher,
    url: str,
    dest: Path,
    max_bytes: int,
    field: str,
    store: MediaStore | None = None,
) -> None:
    """`url` into `dest`, or a RenderError saying why not. A URL into the media store is
    read from it, not over HTTP (the store holds only media of ours, by our keys)."""
    if store is not None and await _from_store(store, url, dest, max_bytes, field):
        return
    try:
        await fetcher.download(url, dest, max_bytes, field)
    except FetchError as exc:
        raise render_error(exc) from None


async def _from_store(store: MediaStore, url: str, dest: Path, max_bytes: int, field: str) -> bool:
    """True once read from the store; False when the URL is not one of its objects (or
    the object is gone), so that the fetch policy decides."""
    key = store.key_of(url)
    if key is None:
        return False
    try:
        await store.download(key, dest, max_bytes)
    except MediaNotFound:
        return False
    except ValueError:
        raise unusable_input(f"{field} is larger than {max_bytes} bytes") from None
    return True


def prepare_image(path: Path, size: tuple[int, int], max_pixels: int, field: str) -> Path:
    """The downloaded image as ffmpeg will take it (blocking: run it in a thread): an RGB
    picture of exactly `size`, covering it (scaled once, the overflow cropped: not at all
    when it is that size), as a PPM. RenderError 422 if it is not a usable image."""
    try:
        with Image.open(path) as image:
            check_image(image, max_pixels, field)
            if image.format == "JPEG":
                image.draft("RGB", size)  # decode a big JPEG at a fraction of its size
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                flat = Image.new("RGB", upright.size)
                flat.paste(upright.convert("RGBA"), mask=upright.convert("RGBA"))
                upright = flat
            fitted = ImageOps.fit(upright.convert("RGB"), size, Image.Resampling.LANCZOS)
            target = path.with_suffix(".ppm")
            fitted.save(target, "PPM")
    except ContentRefused as exc:
        raise unusable_input(exc.detail) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unusable_input(f"{field} is not an image that can be read") from None
    path.unlink(missing_ok=True)
    return target
