"""One image: the prompt's scene painted in a style, its prompt written on it, saved as a
PNG. Deterministic: the same (prompt, style) always gives the same pixels. Runs in the
service's worker processes (see app.py), never on the event loop."""

import os
import random
from pathlib import Path

from PIL import Image

from microservices.image.caption import caption
from microservices.image.scene import compose, digest
from microservices.image.styles import PAINTERS

WIDTH, HEIGHT = 1920, 1080


def render(prompt: str, style: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    scene = compose(prompt)
    rng = random.Random(digest("style", style, prompt))
    image = PAINTERS[style](scene, rng, size).paint()
    caption(image, prompt, light=style in ("sketch", "watercolor"))
    return image


def render_to_file(prompt: str, style: str, path: str, compress_level: int = 3) -> None:
    """Draw and save to `path` atomically: a reader never sees half a file."""
    image = render(prompt, style)
    target = Path(path)
    partial = target.with_name(f".{target.name}.part")
    try:
        image.save(partial, "PNG", compress_level=compress_level)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
