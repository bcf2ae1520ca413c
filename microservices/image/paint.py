"""Pillow building blocks the styles share: colour arithmetic, gradients, masks of the
scene's shapes, and textures made from a seeded generator (never Pillow's effect_noise,
which draws from the C library's unseeded rand() and would break determinism)."""

import colorsys
import itertools
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from microservices.image.scene import Ellipse, Point

RGB = tuple[int, int, int]
Size = tuple[int, int]


def clamp(v: float) -> int:
    return max(0, min(255, round(v)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        clamp(a[0] + (b[0] - a[0]) * t),
        clamp(a[1] + (b[1] - a[1]) * t),
        clamp(a[2] + (b[2] - a[2]) * t),
    )


def shade(color: RGB, factor: float) -> RGB:
    """Lighter (factor > 1, towards white) or darker (factor < 1, towards black)."""
    if factor >= 1:
        return mix(color, (255, 255, 255), min(1.0, factor - 1))
    return mix(color, (0, 0, 0), 1 - factor)


def adjust(color: RGB, saturation: float = 1.0, value: float = 1.0, hue: float = 0.0) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in color))
    r, g, b = colorsys.hsv_to_rgb((h + hue) % 1.0, min(1.0, s * saturation), min(1.0, v * value))
    return clamp(r * 255), clamp(g * 255), clamp(b * 255)


def hue_color(hue: float, saturation: float, value: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return clamp(r * 255), clamp(g * 255), clamp(b * 255)


def gray(color: RGB) -> int:
    return clamp(0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2])


def vgradient(size: Size, stops: list[tuple[float, RGB]], bands: int = 0) -> Image.Image:
    """A vertical gradient through (position 0..1, colour) stops; `bands` > 0 posterizes it."""
    height = size[1]
    column = []
    for y in range(height):
        t = y / max(1, height - 1)
        if bands:
            t = min(bands - 1, int(t * bands)) / max(1, bands - 1)
        for (p0, c0), (p1, c1) in itertools.pairwise(stops):
            if t <= p1:
                column.append(mix(c0, c1, (t - p0) / max(1e-6, p1 - p0)))
                break
        else:
            column.append(stops[-1][1])
    strip = Image.new("RGB", (1, height))
    strip.putdata(column)
    return strip.resize(size, Image.Resampling.NEAREST)


def solid(size: Size, color: RGB) -> Image.Image:
    return Image.new("RGB", size, color)


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> RGB:
    """The colour of an RGB image's pixel."""
    value = image.getpixel(xy)
    if not isinstance(value, tuple):
        raise ValueError(f"not an RGB image: {image.mode}")
    r, g, b = value
    return r, g, b


def px(point: Point | Ellipse, size: Size) -> tuple[float, float]:
    """A point (or an ellipse's centre) in pixels."""
    return point[0] * size[0], point[1] * size[1]


def box(e: Ellipse, size: Size) -> tuple[float, float, float, float]:
    cx, cy = px((e[0], e[1]), size)
    rx, ry = e[2] * size[0], e[3] * size[1]
    return cx - rx, cy - ry, cx + rx, cy + ry


def circle_box(e: Ellipse, size: Size) -> tuple[float, float, float, float]:
    """A round disc of radius e[2] * width, whatever the aspect ratio."""
    cx, cy = px((e[0], e[1]), size)
    r = e[2] * size[0]
    return cx - r, cy - r, cx + r, cy + r


def filled_below(top: tuple[Point, ...], size: Size) -> list[tuple[float, float]]:
    """The polygon under a crest line, down past the bottom edge."""
    points = [px(p, size) for p in top]
    return [(-10, size[1] + 10), *points, (size[0] + 10, size[1] + 10)]


def mask(size: Size) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    m = Image.new("L", size, 0)
    return m, ImageDraw.Draw(m)


def polygon_mask(size: Size, polygon: list[tuple[float, float]]) -> Image.Image:
    m, d = mask(size)
    d.polygon(polygon, fill=255)
    return m


def ellipses_mask(size: Size, ellipses: tuple[Ellipse, ...]) -> Image.Image:
    m, d = mask(size)
    for e in ellipses:
        d.ellipse(box(e, size), fill=255)
    return m


def scaled(m: Image.Image, factor: float) -> Image.Image:
    return m.point(lambda v: round(v * factor))


def fill(canvas: Image.Image, paint: RGB | Image.Image, m: Image.Image) -> None:
    """Paint `paint` (a colour or an image) onto `canvas` through mask `m`."""
    if isinstance(paint, tuple):
        paint = Image.new("RGB", canvas.size, paint)
    canvas.paste(paint, (0, 0), m)


def noise(rng: random.Random, size: Size, cell: int, smooth: bool = True) -> Image.Image:
    """Grey noise around 128: one random value per `cell` pixels, scaled up."""
    w, h = max(1, size[0] // cell), max(1, size[1] // cell)
    small = Image.frombytes("L", (w, h), rng.randbytes(w * h))
    method = Image.Resampling.BICUBIC if smooth else Image.Resampling.NEAREST
    return small.resize(size, method)


def texture(canvas: Image.Image, tex: Image.Image, strength: float) -> Image.Image:
    """Soft-light a grey texture onto the canvas; `strength` 0..1."""
    tex = tex.point(lambda v: clamp(128 + (v - 128) * strength)).convert("RGB")
    return ImageChops.soft_light(canvas, tex)


def vignette(canvas: Image.Image, strength: float, color: RGB = (0, 0, 0)) -> Image.Image:
    radial = Image.radial_gradient("L").resize(canvas.size, Image.Resampling.BILINEAR)
    m = radial.point(lambda v: clamp(max(0, v - 90) * strength * 255 / 165))
    return Image.composite(Image.new("RGB", canvas.size, color), canvas, m)


def wobble(
    points: list[tuple[float, float]], rng: random.Random, amount: float
) -> list[tuple[float, float]]:
    """The outline with every point nudged, for hand-made edges."""
    return [(x + rng.uniform(-amount, amount), y + rng.uniform(-amount, amount)) for x, y in points]


def ellipse_points(e: Ellipse, size: Size, n: int = 36) -> list[tuple[float, float]]:
    cx, cy = px((e[0], e[1]), size)
    rx, ry = e[2] * size[0], e[3] * size[1]
    return [
        (cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in (math.tau * i / n for i in range(n))
    ]


def densify(points: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """More points along a closed outline, no two further apart than `step`."""
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / step))
        out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n))
    return out


def blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def glow(
    canvas: Image.Image, centre: tuple[float, float], radius: float, color: RGB, strength: float
) -> None:
    """A soft halo: a blurred disc painted through itself, computed on a small patch."""
    r = int(radius * 3)
    patch, d = mask((2 * r, 2 * r))
    d.ellipse((r - radius, r - radius, r + radius, r + radius), fill=round(255 * strength))
    patch = blur(patch, radius * 0.8)
    canvas.paste(
        Image.new("RGB", patch.size, color), (int(centre[0] - r), int(centre[1] - r)), patch
    )
