"""One image: the prompt's scene painted in a style, its prompt written on it (where a
video made of it shows it in every frame), saved as a PNG. Deterministic: the same
(prompt, style, size) always gives the same pixels. Runs in the service's worker
processes (see app.py), never on the event loop."""

import random
from pathlib import Path

from PIL import Image

from microservices.image.caption import caption
from microservices.image.safe_area import label_area
from microservices.image.scene import compose, digest
from microservices.image.styles import PAINTERS

WIDTH, HEIGHT = 1920, 1080


def render(prompt: str, style: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> Image.Image:
    scene = compose(prompt, size[0] / size[1])
    rng = random.Random(digest("style", style, prompt))
    image = PAINTERS[style](scene, rng, size).paint()
    # The label where every frame of a video shows it (safe_area.py), wrapped to fit.
    caption(image, prompt, label_area(size), light=style in ("sketch", "watercolor"))
    return image


def save_png(image: Image.Image, path: Path, compress_level: int = 3) -> None:
    """A work file: published (moved where it is served) only once complete."""
    image.save(path, "PNG", compress_level=compress_level)


def render_to_file(
    prompt: str,
    style: str,
    path: str,
    compress_level: int = 3,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> None:
    save_png(render(prompt, style, size), Path(path), compress_level)
