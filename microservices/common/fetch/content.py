"""What a downloaded file must be before it is used: an image that decodes as one, in a
known format and of a sane size. (Audio is decoded by ffmpeg before use: the video
service refuses what it cannot decode.)"""

import io

from PIL import Image

from microservices.common.fetch.errors import ContentRefused

IMAGE_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"})


def check_image(image: Image.Image, max_pixels: int, field: str) -> None:
    """An opened image's format and size, or ContentRefused."""
    if image.format not in IMAGE_FORMATS:
        raise ContentRefused(field, f"{field} is not an image in a known format")
    width, height = image.size
    if width * height > max_pixels or width < 2 or height < 2:
        raise ContentRefused(field, f"{field} is {width}x{height}: too large or too small")


def check_image_bytes(data: bytes, max_pixels: int, field: str) -> str:
    """`data` decoded whole as an image (blocking: run it in a thread); its format."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            check_image(image, max_pixels, field)
            image.load()
            return str(image.format)
    except ContentRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ContentRefused(field, f"{field} is not an image that can be read") from None
