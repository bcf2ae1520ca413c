"""The provider engine: a scene's picture asked of the configured provider (openai or
stability), then made our own PNG at the size the video needs for the aspect asked:
decoded with Pillow (a known format, a sane size), turned upright, flattened to RGB, and
cover-fitted (scaled once, the overflow cropped evenly), since the provider's nearest
size is seldom exactly the video's."""

import io
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps

from microservices.common.threads import settled
from microservices.image.calls import Caller, failed
from microservices.image.config import ImageSettings
from microservices.image.draw import save_png
from microservices.image.models import SIZES
from microservices.image.openai_images import OpenAIImages
from microservices.image.stability import StabilityImages


class Provider(Protocol):
    name: str
    model: str

    async def picture(self, prompt: str, style: str, aspect: str, field: str) -> bytes: ...


def fit_png(
    raw: bytes, size: tuple[int, int], path: Path, max_pixels: int, compress_level: int
) -> None:
    """The provider's picture as our PNG of exactly `size` at `path` (blocking: run it in
    a thread); a 502 if it is not a picture that can be read."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            width, height = image.size
            if width * height > max_pixels or width < 16 or height < 16:
                raise failed(f"answered a {width}x{height} picture: too large or too small")
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size)
                flat.paste(rgba, mask=rgba)
                upright = flat
            fitted = ImageOps.fit(upright.convert("RGB"), size, Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise failed("answered a picture that cannot be read") from None
    save_png(fitted, path, compress_level)


class ProviderEngine:
    def __init__(self, settings: ImageSettings) -> None:
        self.caller = Caller(settings)
        kind = OpenAIImages if settings.provider == "openai" else StabilityImages
        self.provider: Provider = kind(settings, self.caller)
        self.max_pixels = settings.provider_max_pixels
        self.compress_level = settings.png_compress_level

    def describe(self) -> dict[str, str]:
        return {"engine": self.provider.name, "model": self.provider.model}

    async def start(self) -> None:
        await self.caller.start()

    async def close(self) -> None:
        await self.caller.close()

    async def make(self, prompt: str, style: str, aspect: str, field: str, work: Path) -> None:
        raw = await self.provider.picture(prompt, style, aspect, field)
        # Settled: the thread writes `work` when it ends; cancelled (another scene failed,
        # or a timeout), this waits for it (a fraction of a second), so that the request's
        # cleanup, which runs once every scene's task is over, finds the file, instead of
        # the file appearing after it.
        await settled(fit_png, raw, SIZES[aspect], work, self.max_pixels, self.compress_level)
