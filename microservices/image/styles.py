"""The seven styles: each paints a Scene with its own palette, shapes and finish.

- realistic: natural colours, smooth gradients, atmospheric haze, reflections, film grain
  and a vignette.
- pixar: vivid saturated colours, everything rounded and glossy, a soft bloom.
- anime: posterized sky bands, cel shading with two tones, dark outlines, sparkles.
- flat_design: a small flat palette, geometric shapes (triangles, circles, rectangles),
  no gradient, no texture.
- watercolor: pastel washes with wobbly, darkened edges on textured paper.
- oil_painting: warm, deep colours laid as thousands of thick brush strokes with relief.
- sketch: graphite lines and hatching on paper, no colour at all.
"""

import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

from microservices.image.paint import (
    RGB,
    Size,
    adjust,
    blur,
    circle_box,
    clamp,
    densify,
    ellipse_points,
    ellipses_mask,
    fill,
    filled_below,
    glow,
    gray,
    hue_color,
    mask,
    mix,
    noise,
    polygon_mask,
    px,
    rgb_at,
    scaled,
    shade,
    solid,
    texture,
    vgradient,
    vignette,
    wobble,
)
from microservices.image.scene import Building, Ridge, Scene, Tree

# Each role's colour by time of day: (day, sunset, night).
_COLOURS: dict[str, tuple[RGB, RGB, RGB]] = {
    "sky_top": ((62, 120, 196), (58, 48, 112), (8, 12, 38)),
    "sky_mid": ((118, 170, 224), (196, 96, 118), (22, 34, 78)),
    "sky_bottom": ((196, 224, 242), (252, 170, 96), (48, 64, 112)),
    "sun": ((255, 244, 200), (255, 222, 150), (240, 238, 222)),
    "glow": ((255, 236, 170), (255, 170, 90), (150, 170, 220)),
    "cloud": ((250, 251, 253), (250, 178, 150), (84, 96, 132)),
    "cloud_shade": ((196, 208, 226), (170, 96, 120), (40, 48, 80)),
    "ridge_far": ((150, 170, 196), (150, 96, 126), (44, 56, 92)),
    "ridge_near": ((84, 122, 96), (78, 52, 78), (22, 32, 52)),
    "ground": ((104, 156, 74), (88, 70, 60), (22, 36, 40)),
    "ground_dark": ((58, 104, 50), (50, 38, 40), (10, 18, 22)),
    "water": ((40, 96, 150), (80, 60, 108), (16, 30, 64)),
    "water_light": ((120, 170, 210), (230, 140, 110), (70, 90, 150)),
    "tree": ((46, 110, 58), (48, 38, 50), (14, 34, 34)),
    "tree_dark": ((26, 70, 38), (28, 22, 32), (6, 16, 18)),
    "trunk": ((96, 66, 44), (40, 28, 30), (20, 18, 20)),
    "building": ((128, 134, 150), (74, 58, 84), (34, 40, 64)),
    "window": ((236, 240, 246), (255, 214, 130), (255, 220, 120)),
    "star": ((255, 255, 255), (255, 240, 220), (255, 255, 240)),
}
PALETTES: dict[str, dict[str, RGB]] = {
    time: {role: colours[i] for role, colours in _COLOURS.items()}
    for i, time in enumerate(("day", "sunset", "night"))
}


class Painter:
    """Paints a scene back to front; each style overrides the parts it draws its way."""

    def __init__(self, scene: Scene, rng: random.Random, size: Size) -> None:
        self.scene = scene
        self.rng = rng
        self.size = size
        self.w, self.h = size
        base = dict(PALETTES[scene.time])
        base["accent"] = hue_color(scene.accent_hue, 0.6, 0.9)
        self.p = {role: self.tone(color) for role, color in base.items()}

    # -- colours and geometry -------------------------------------------------------

    def tone(self, color: RGB) -> RGB:
        return color

    def ridge_color(self, ridge: Ridge) -> RGB:
        return mix(self.p["ridge_far"], self.p["ridge_near"], ridge.depth)

    def horizon_y(self) -> float:
        return self.scene.horizon * self.h

    def below(self, canvas: Image.Image, top: float, paint: Image.Image) -> None:
        """Paint `paint` over the canvas from `top` down."""
        m, d = mask(self.size)
        d.rectangle((0, top, self.w, self.h), fill=255)
        fill(canvas, paint, m)

    def building_box(self, b: Building) -> tuple[float, float, float, float]:
        x0, x1 = b.x * self.w, (b.x + b.width) * self.w
        return x0, (self.scene.horizon - b.height) * self.h, x1, self.horizon_y() + 4

    def windows(self, b: Building) -> list[tuple[float, float, float, float]]:
        x0, y0, x1, y1 = self.building_box(b)
        rng = random.Random(b.windows)
        # Window size follows the height (as at 16:9) whatever the aspect.
        cell = max(10.0, max(self.w, self.h * 16 / 9) / 70)
        cols, rows = max(1, int((x1 - x0) / cell) - 1), max(1, int((y1 - y0) / cell) - 1)
        gap_x, gap_y = (x1 - x0) / (cols + 1), (y1 - y0) / (rows + 1)
        out = []
        for r in range(rows):
            for c in range(cols):
                if rng.random() < 0.55:
                    x, y = x0 + gap_x * (c + 0.7), y0 + gap_y * (r + 0.7)
                    out.append((x, y, x + gap_x * 0.55, y + gap_y * 0.55))
        return out

    def tree_parts(self, t: Tree) -> tuple[list, tuple[float, float, float, float]]:
        """The crown (a triangle's points, or an ellipse box) and the trunk's box."""
        x, base, height = t.x * self.w, t.base * self.h, t.height * self.h
        trunk_w = height * 0.07
        crown: list[tuple[float, ...]]
        if t.pine:
            crown = [
                (x, base - height),
                (x - height * 0.22, base - height * 0.18),
                (x + height * 0.22, base - height * 0.18),
            ]
            trunk = (x - trunk_w / 2, base - height * 0.2, x + trunk_w / 2, base)
        else:
            r = height * 0.3
            crown = [(x - r, base - height, x + r, base - height + 2 * r)]
            trunk = (x - trunk_w / 2, base - height + 1.6 * r, x + trunk_w / 2, base)
        return crown, trunk

    def crown_outline(self, t: Tree, crown: list, points: int = 36) -> list:
        """A crown from tree_parts as a closed outline: the pine's triangle, or `points`
        around the round crown's ellipse."""
        if t.pine:
            return crown
        cx0, cy0, cx1, cy1 = crown[0]
        e = (
            (cx0 + cx1) / 2 / self.w,
            (cy0 + cy1) / 2 / self.h,
            (cx1 - cx0) / 2 / self.w,
            (cy1 - cy0) / 2 / self.h,
        )
        return ellipse_points(e, self.size, points)

    # -- the painting ------------------------------------------------------------------

    def paint(self) -> Image.Image:
        canvas = self.sky()
        draw = ImageDraw.Draw(canvas)
        for star in self.scene.stars:
            self.star(draw, px(star, self.size))
        self.sun(canvas)
        for cloud in self.scene.clouds:
            self.cloud(canvas, ellipses_mask(self.size, cloud))
        for ridge in self.scene.ridges:
            self.ridge(canvas, ridge)
        for building in self.scene.buildings:
            self.building(canvas, building)
        if self.scene.water:
            self.water(canvas)
        self.ground(canvas)
        for tree in self.scene.trees:
            self.tree(canvas, tree)
        return self.finish(canvas)

    def sky_gradient(self, bands: int = 0) -> Image.Image:
        """Top to horizon through the palette's three sky colours, the last one below."""
        hz = self.scene.horizon
        return vgradient(
            self.size,
            [
                (0, self.p["sky_top"]),
                (hz * 0.6, self.p["sky_mid"]),
                (hz, self.p["sky_bottom"]),
                (1, self.p["sky_bottom"]),
            ],
            bands,
        )

    def sky(self) -> Image.Image:
        return self.sky_gradient()

    def star(self, draw: ImageDraw.ImageDraw, at: tuple[float, float]) -> None:
        r = self.rng.choice([1, 1, 1.5, 2]) * self.w / 1920
        draw.ellipse((at[0] - r, at[1] - r, at[0] + r, at[1] + r), fill=self.p["star"])

    def sun(self, canvas: Image.Image) -> None:
        ImageDraw.Draw(canvas).ellipse(circle_box(self.scene.sun, self.size), fill=self.p["sun"])

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        fill(canvas, self.p["cloud"], m)

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        fill(
            canvas,
            self.ridge_color(ridge),
            polygon_mask(self.size, filled_below(ridge.top, self.size)),
        )

    def building(self, canvas: Image.Image, b: Building) -> None:
        draw = ImageDraw.Draw(canvas)
        draw.rectangle(self.building_box(b), fill=self.p["building"])
        for w in self.windows(b):
            draw.rectangle(w, fill=self.p["window"])

    def water(self, canvas: Image.Image) -> None:
        ImageDraw.Draw(canvas).rectangle(
            (0, self.horizon_y(), self.w, self.h), fill=self.p["water"]
        )

    def ground(self, canvas: Image.Image) -> None:
        poly = filled_below(self.scene.ground, self.size)
        ImageDraw.Draw(canvas).polygon(poly, fill=self.p["ground"])

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        draw = ImageDraw.Draw(canvas)
        crown, trunk = self.tree_parts(t)
        draw.rectangle(trunk, fill=self.p["trunk"])
        if t.pine:
            draw.polygon(crown, fill=self.p["tree"])
        else:
            draw.ellipse(crown[0], fill=self.p["tree"])

    def finish(self, canvas: Image.Image) -> Image.Image:
        return canvas


class Realistic(Painter):
    def sun(self, canvas: Image.Image) -> None:
        cx, cy = px(self.scene.sun, self.size)
        r = self.scene.sun[2] * self.w
        glow(canvas, (cx, cy), r * 2.6, self.p["glow"], 0.55)
        glow(canvas, (cx, cy), r * 1.3, self.p["sun"], 0.8)
        ImageDraw.Draw(canvas).ellipse(circle_box(self.scene.sun, self.size), fill=self.p["sun"])

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        soft = blur(m, self.w / 160)
        fill(canvas, self.p["cloud_shade"], scaled(soft, 0.85))
        top = ImageChops.offset(soft, 0, -round(self.h / 60))
        fill(canvas, self.p["cloud"], scaled(ImageChops.multiply(top, soft), 0.9))

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        color = mix(self.ridge_color(ridge), self.p["sky_bottom"], 0.45 * (1 - ridge.depth))
        crest = min(y for _, y in ridge.top)
        grad = vgradient(
            self.size,
            [
                (0, shade(color, 1.12)),
                (crest, shade(color, 1.08)),
                (self.scene.horizon + 0.1, shade(color, 0.8)),
                (1, shade(color, 0.6)),
            ],
        )
        m = polygon_mask(self.size, filled_below(ridge.top, self.size))
        fill(canvas, grad, blur(m, 1.5 - ridge.depth))

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        draw = ImageDraw.Draw(canvas)
        base = mix(self.p["building"], self.p["sky_bottom"], 0.2)
        draw.rectangle((x0, y0, x1, y1), fill=base)
        draw.rectangle((x0 + (x1 - x0) * 0.62, y0, x1, y1), fill=shade(base, 0.82))
        lit = self.p["window"] if self.scene.time != "day" else shade(base, 1.25)
        for w in self.windows(b):
            draw.rectangle(w, fill=lit if self.rng.random() < 0.7 else shade(base, 0.7))

    def water(self, canvas: Image.Image) -> None:
        top = round(self.horizon_y())
        height = self.h - top
        above = canvas.crop((0, max(0, top - height), self.w, top)).resize((self.w, height))
        mirrored = above.transpose(Image.Transpose.FLIP_TOP_BOTTOM).filter(ImageFilter.BoxBlur(3))
        grad = vgradient((self.w, height), [(0, self.p["water_light"]), (1, self.p["water"])])
        sea = Image.blend(grad, mirrored, 0.4)
        draw = ImageDraw.Draw(sea)
        for _ in range(140):
            y = height * self.rng.random() ** 1.6
            x, length = self.rng.uniform(0, self.w), self.rng.uniform(20, 140) * (1 + y / height)
            draw.line((x, y, x + length, y), fill=shade(self.p["water_light"], 1.15), width=2)
        canvas.paste(sea, (0, top))

    def ground(self, canvas: Image.Image) -> None:
        crest = min(y for _, y in self.scene.ground)
        grad = vgradient(
            self.size,
            [(0, self.p["ground"]), (crest, self.p["ground"]), (1, self.p["ground_dark"])],
        )
        grass = texture(grad, noise(self.rng, self.size, 3), 0.35)
        fill(canvas, grass, polygon_mask(self.size, filled_below(self.scene.ground, self.size)))

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        draw = ImageDraw.Draw(canvas)
        crown, trunk = self.tree_parts(t)
        draw.rectangle(trunk, fill=self.p["trunk"])
        if t.pine:
            (tx, ty), (lx, ly), (rx, _) = crown
            for i in range(4):  # tiers, the lower ones wider
                f = 0.45 + 0.18 * i
                y = ty + (ly - ty) * (0.3 + 0.23 * i)
                draw.polygon(
                    [
                        (tx, ty + (ly - ty) * 0.22 * i),
                        (tx - (tx - lx) * f, y),
                        (tx + (rx - tx) * f, y),
                    ],
                    fill=self.p["tree"],
                )
                draw.polygon(
                    [(tx, ty + (ly - ty) * 0.22 * i), (tx, y), (tx + (rx - tx) * f, y)],
                    fill=self.p["tree_dark"],
                )
        else:
            x0, y0, x1, _ = crown[0]
            r = (x1 - x0) / 2
            for _ in range(7):
                dx, dy = self.rng.uniform(-0.5, 0.5) * r, self.rng.uniform(-0.4, 0.5) * r
                rr = r * self.rng.uniform(0.45, 0.7)
                cx, cy = x0 + r + dx, y0 + r + dy
                tone = mix(self.p["tree"], self.p["tree_dark"], 0.5 + dy / r / 2)
                draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=tone)

    def finish(self, canvas: Image.Image) -> Image.Image:
        canvas = blur(canvas, 0.8)
        canvas = texture(canvas, noise(self.rng, self.size, 1, smooth=False), 0.12)
        return vignette(canvas, 0.5)


class Pixar(Painter):
    def tone(self, color: RGB) -> RGB:
        return adjust(color, saturation=1.5, value=1.12)

    def rounded(self, m: Image.Image, radius: float) -> Image.Image:
        """Every corner of the mask rounded off: blurred, then cut at half."""
        return blur(m, radius).point(lambda v: 255 if v > 110 else 0)

    def glossy(self, canvas: Image.Image, m: Image.Image, color: RGB) -> None:
        """A rounded body: its colour, a lit rim on top, a soft shadow under it."""
        fill(canvas, shade(color, 0.72), m)
        body = ImageChops.multiply(m, ImageChops.offset(m, 0, round(self.h / 40)))
        fill(canvas, color, blur(body, self.h / 120))
        rim = ImageChops.subtract(m, ImageChops.offset(m, 0, round(self.h / 90)))
        fill(canvas, shade(color, 1.35), scaled(blur(rim, 3), 0.8))

    def sun(self, canvas: Image.Image) -> None:
        cx, cy = px(self.scene.sun, self.size)
        r = self.scene.sun[2] * self.w * 1.3
        glow(canvas, (cx, cy), r * 2.2, self.p["glow"], 0.7)
        draw = ImageDraw.Draw(canvas)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=self.p["sun"])
        draw.ellipse(
            (cx - r * 0.55, cy - r * 0.6, cx - r * 0.1, cy - r * 0.2),
            fill=shade(self.p["sun"], 1.6),
        )

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        m = self.rounded(m, 6)
        self.glossy(canvas, m, self.p["cloud"])

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        m = polygon_mask(self.size, filled_below(ridge.top, self.size))
        color = adjust(self.ridge_color(ridge), hue=0.04 * ridge.depth, saturation=1.1)
        self.glossy(canvas, self.rounded(m, self.w / 60), color)

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        color = hue_color(self.scene.accent_hue + b.windows % 7 * 0.13, 0.55, 0.95)
        if self.scene.time == "night":
            color = shade(color, 0.55)
        draw = ImageDraw.Draw(canvas)
        radius = (x1 - x0) * 0.25
        draw.rounded_rectangle((x0, y0, x1, y1), radius, fill=shade(color, 0.75))
        draw.rounded_rectangle((x0, y0, x1 - (x1 - x0) * 0.2, y1), radius, fill=color)
        for wx0, wy0, wx1, wy1 in self.windows(b):
            draw.ellipse((wx0, wy0, wx1, wy1), fill=self.p["window"])

    def water(self, canvas: Image.Image) -> None:
        top = self.horizon_y()
        water = adjust(self.p["water"], hue=-0.05, saturation=1.2, value=1.3)
        grad = vgradient(
            self.size, [(0, shade(water, 1.3)), (self.scene.horizon, shade(water, 1.3)), (1, water)]
        )
        self.below(canvas, top, grad)
        draw = ImageDraw.Draw(canvas)
        for _ in range(45):
            x, y = self.rng.uniform(0, self.w), self.rng.uniform(top + 10, self.h)
            s = self.rng.uniform(6, 22) * (y / self.h)
            draw.ellipse((x - 3 * s, y - s / 2, x + 3 * s, y + s / 2), fill=shade(water, 1.7))

    def ground(self, canvas: Image.Image) -> None:
        m = polygon_mask(self.size, filled_below(self.scene.ground, self.size))
        self.glossy(canvas, self.rounded(m, self.w / 80), adjust(self.p["ground"], value=1.1))

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        draw = ImageDraw.Draw(canvas)
        _, trunk = self.tree_parts(t)
        x0, y0, x1, y1 = trunk
        draw.rounded_rectangle((x0 - 2, y0, x1 + 2, y1), (x1 - x0) / 2, fill=self.p["trunk"])
        x, base, height = t.x * self.w, t.base * self.h, t.height * self.h
        balls = (
            [(0.0, 0.72, 0.28)] if not t.pine else [(0, 0.42, 0.2), (0, 0.62, 0.16), (0, 0.8, 0.11)]
        )
        for dx, up, r in balls:
            cx, cy, rr = x + dx, base - height * up, height * r
            draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=shade(self.p["tree"], 0.8))
            draw.ellipse(
                (cx - rr * 0.92, cy - rr, cx + rr * 0.8, cy + rr * 0.75), fill=self.p["tree"]
            )
            draw.ellipse(
                (cx - rr * 0.55, cy - rr * 0.7, cx - rr * 0.05, cy - rr * 0.3),
                fill=shade(self.p["tree"], 1.4),
            )

    def finish(self, canvas: Image.Image) -> Image.Image:
        canvas = blur(canvas, 1.2)
        bright = blur(canvas.point(lambda v: clamp((v - 170) * 2.2)), self.w / 90)
        canvas = ImageChops.screen(canvas, bright)
        return ImageEnhance.Color(canvas).enhance(1.15)


class Anime(Painter):
    INK = (28, 30, 62)

    def tone(self, color: RGB) -> RGB:
        return adjust(color, saturation=1.35, value=1.06, hue=-0.015)

    def line_width(self) -> int:
        return max(2, round(self.w / 400))

    def outline(self, canvas: Image.Image, m: Image.Image) -> None:
        edges = m.filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 60 else 0)
        fill(canvas, self.INK, edges.filter(ImageFilter.MaxFilter(3)))

    def sky(self) -> Image.Image:
        return self.sky_gradient(bands=9)

    def star(self, draw: ImageDraw.ImageDraw, at: tuple[float, float]) -> None:
        if self.rng.random() < 0.8:
            super().star(draw, at)
            return
        x, y, s = at[0], at[1], self.rng.uniform(6, 14) * self.w / 1920
        draw.polygon([(x, y - s), (x + s / 4, y), (x, y + s), (x - s / 4, y)], fill="white")
        draw.polygon([(x - s, y), (x, y + s / 4), (x + s, y), (x, y - s / 4)], fill="white")

    def sun(self, canvas: Image.Image) -> None:
        cx, cy = px(self.scene.sun, self.size)
        r = self.scene.sun[2] * self.w
        rays = Image.new("L", self.size, 0)
        d = ImageDraw.Draw(rays)
        for i in range(14):
            a = math.tau * i / 14 + self.rng.uniform(-0.05, 0.05)
            d.line(
                (cx, cy, cx + math.cos(a) * r * 5, cy + math.sin(a) * r * 5),
                fill=70,
                width=round(r * 0.25),
            )
        fill(canvas, self.p["glow"], rays)
        draw = ImageDraw.Draw(canvas)
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r),
            fill=self.p["sun"],
            outline=self.INK,
            width=self.line_width(),
        )
        for k, f in enumerate((1.6, 2.5, 3.3)):  # a lens flare towards the centre
            fx, fy = cx + (self.w / 2 - cx) * f / 3, cy + (self.h / 2 - cy) * f / 3
            fr = r * (0.5 - 0.12 * k)
            flare, fd = mask(self.size)
            fd.ellipse((fx - fr, fy - fr, fx + fr, fy + fr), fill=60)
            fill(canvas, (255, 255, 255), flare)

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        fill(canvas, self.p["cloud"], m)
        shadow = ImageChops.subtract(
            m, ImageChops.offset(m, -round(self.w / 90), -round(self.h / 45))
        )
        fill(canvas, self.p["cloud_shade"], shadow)
        self.outline(canvas, m)

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        color = self.ridge_color(ridge)
        poly = filled_below(ridge.top, self.size)
        draw = ImageDraw.Draw(canvas)
        draw.polygon(poly, fill=color)
        lower = tuple((x, y + 0.05) for x, y in ridge.top)
        shadow = ImageChops.multiply(
            polygon_mask(self.size, poly), polygon_mask(self.size, filled_below(lower, self.size))
        )
        fill(canvas, shade(color, 0.78), shadow)
        draw.line([px(p, self.size) for p in ridge.top], fill=self.INK, width=self.line_width())

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((x0, y0, x1, y1), fill=self.p["building"])
        draw.rectangle((x0 + (x1 - x0) * 0.65, y0, x1, y1), fill=shade(self.p["building"], 0.75))
        for w in self.windows(b):
            draw.rectangle(w, fill=self.p["window"])
        draw.rectangle((x0, y0, x1, y1), outline=self.INK, width=self.line_width())

    def water(self, canvas: Image.Image) -> None:
        top = self.horizon_y()
        grad = vgradient(
            self.size,
            [
                (0, self.p["water_light"]),
                (self.scene.horizon, self.p["water_light"]),
                (1, self.p["water"]),
            ],
            bands=6,
        )
        self.below(canvas, top, grad)
        draw = ImageDraw.Draw(canvas)
        for _ in range(70):
            x, y = self.rng.uniform(0, self.w), self.rng.uniform(top + 8, self.h)
            length = self.rng.uniform(30, 120) * (0.5 + y / self.h)
            draw.line((x, y, x + length, y), fill=(255, 255, 255), width=self.line_width())
        draw.line((0, top, self.w, top), fill=self.INK, width=self.line_width())

    def ground(self, canvas: Image.Image) -> None:
        draw = ImageDraw.Draw(canvas)
        draw.polygon(filled_below(self.scene.ground, self.size), fill=self.p["ground"])
        lower = tuple((x, y + 0.07) for x, y in self.scene.ground)
        draw.polygon(filled_below(lower, self.size), fill=shade(self.p["ground"], 0.8))
        draw.line(
            [px(p, self.size) for p in self.scene.ground], fill=self.INK, width=self.line_width()
        )

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        draw = ImageDraw.Draw(canvas)
        crown, trunk = self.tree_parts(t)
        lw = self.line_width()
        draw.rectangle(trunk, fill=self.p["trunk"], outline=self.INK, width=lw)
        if t.pine:
            draw.polygon(crown, fill=self.p["tree"])
            draw.polygon([crown[0], (crown[0][0], crown[1][1]), crown[2]], fill=self.p["tree_dark"])
            draw.polygon(crown, outline=self.INK, width=lw)
        else:
            x0, y0, x1, y1 = crown[0]
            draw.ellipse(crown[0], fill=self.p["tree_dark"])
            draw.ellipse((x0, y0, x1 - (x1 - x0) * 0.2, y1 - (y1 - y0) * 0.2), fill=self.p["tree"])
            draw.ellipse(crown[0], outline=self.INK, width=lw)

    def finish(self, canvas: Image.Image) -> Image.Image:
        canvas = canvas.filter(ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2))
        return ImageEnhance.Contrast(canvas).enhance(1.08)


FLAT_PALETTE: tuple[RGB, ...] = (
    (38, 50, 72),
    (52, 73, 94),
    (41, 128, 185),
    (52, 152, 219),
    (133, 193, 233),
    (26, 188, 156),
    (22, 160, 133),
    (46, 204, 113),
    (39, 174, 96),
    (241, 196, 15),
    (243, 156, 18),
    (230, 126, 34),
    (231, 76, 60),
    (192, 57, 43),
    (155, 89, 182),
    (236, 240, 241),
    (189, 195, 199),
    (127, 140, 141),
    (250, 215, 160),
    (245, 183, 177),
)


class FlatDesign(Painter):
    def tone(self, color: RGB) -> RGB:
        vivid = adjust(color, saturation=1.6)
        return min(
            FLAT_PALETTE, key=lambda c: sum((a - b) ** 2 for a, b in zip(c, vivid, strict=True))
        )

    def sky(self) -> Image.Image:
        canvas = solid(self.size, self.p["sky_mid"])
        draw = ImageDraw.Draw(canvas)
        hz = self.horizon_y()
        draw.rectangle((0, 0, self.w, hz * 0.25), fill=self.p["sky_top"])
        draw.rectangle((0, hz * 0.72, self.w, self.h), fill=self.p["sky_bottom"])
        return canvas

    def star(self, draw: ImageDraw.ImageDraw, at: tuple[float, float]) -> None:
        r = 3 * self.w / 1920
        draw.rectangle((at[0] - r, at[1] - r, at[0] + r, at[1] + r), fill=self.p["star"])

    def sun(self, canvas: Image.Image) -> None:
        cx, cy = px(self.scene.sun, self.size)
        r = self.scene.sun[2] * self.w
        draw = ImageDraw.Draw(canvas)
        for f, color in (
            (2.0, self.tone(mix(self.p["sun"], self.p["sky_mid"], 0.6))),
            (1.5, self.tone(mix(self.p["sun"], self.p["sky_mid"], 0.3))),
            (1.0, self.p["sun"]),
        ):
            draw.ellipse((cx - r * f, cy - r * f, cx + r * f, cy + r * f), fill=color)

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        x0, y0, x1, y1 = m.getbbox() or (0, 0, 0, 0)
        draw = ImageDraw.Draw(canvas)
        h = (y1 - y0) * 0.45
        draw.rounded_rectangle((x0, y1 - h, x1, y1), h / 2, fill=self.p["cloud"])
        draw.ellipse(
            (x0 + (x1 - x0) * 0.2, y1 - h * 1.9, x0 + (x1 - x0) * 0.5, y1 - h * 0.1),
            fill=self.p["cloud"],
        )
        draw.ellipse(
            (x0 + (x1 - x0) * 0.42, y1 - h * 2.3, x0 + (x1 - x0) * 0.82, y1 - h * 0.1),
            fill=self.p["cloud"],
        )

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        """Mountains as triangles: the crest's highest points as peaks, two flat faces each."""
        draw = ImageDraw.Draw(canvas)
        color = self.ridge_color(ridge)
        light, dark = self.tone(shade(color, 1.15)), self.tone(shade(color, 0.8))
        if light == dark:
            dark = self.tone(shade(color, 0.6))
        top = ridge.top
        base = self.horizon_y() + self.h * 0.05 * (1 + ridge.depth)
        peaks = [
            top[i]
            for i in range(1, len(top) - 1)
            if top[i][1] <= top[i - 1][1] and top[i][1] <= top[i + 1][1]
        ]
        for x, y in peaks or [min(top, key=lambda p: p[1])]:
            px_, py = x * self.w, y * self.h
            half = (base - py) * 1.1
            draw.polygon([(px_, py), (px_ - half, base), (px_, base)], fill=light)
            draw.polygon([(px_, py), (px_ + half, base), (px_, base)], fill=dark)
        draw.rectangle((0, base, self.w, self.h), fill=dark)

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        draw = ImageDraw.Draw(canvas)
        color = FLAT_PALETTE[b.windows % len(FLAT_PALETTE)]
        if gray(color) > 200:
            color = FLAT_PALETTE[1]
        draw.rectangle((x0, y0, x1, y1), fill=color)
        for w in self.windows(b):
            draw.rectangle(w, fill=self.p["window"])

    def water(self, canvas: Image.Image) -> None:
        top = self.horizon_y()
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((0, top, self.w, self.h), fill=self.p["water"])
        for i in range(14):
            y = top + (self.h - top) * (i + 0.5) / 14
            x = self.rng.uniform(0, self.w * 0.8)
            draw.rounded_rectangle((x, y, x + self.w * 0.12, y + 6), 3, fill=self.p["water_light"])

    def ground(self, canvas: Image.Image) -> None:
        coarse = (*self.scene.ground[::6], self.scene.ground[-1])
        ImageDraw.Draw(canvas).polygon(filled_below(coarse, self.size), fill=self.p["ground"])

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        super().tree(canvas, t)  # then its shaded half
        draw = ImageDraw.Draw(canvas)
        crown, _ = self.tree_parts(t)
        if t.pine:
            draw.polygon([crown[0], (crown[0][0], crown[1][1]), crown[2]], fill=self.p["tree_dark"])
        else:
            draw.pieslice(crown[0], -90, 90, fill=self.p["tree_dark"])


PAPER: RGB = (246, 241, 228)


class Watercolor(Painter):
    """Painted at half size (washes are soft anyway), on full-size paper."""

    def __init__(self, scene: Scene, rng: random.Random, size: Size) -> None:
        self.full = size
        super().__init__(scene, rng, (size[0] // 2, size[1] // 2))

    def tone(self, color: RGB) -> RGB:
        return mix(adjust(color, saturation=0.85, value=1.08), PAPER, 0.3)

    def wash(
        self,
        canvas: Image.Image,
        outline: list[tuple[float, float]],
        color: RGB,
        alpha: float = 0.75,
    ) -> None:
        """A translucent wash: wobbly edge, pigment pooled at the rim, granulated."""
        edge = wobble(densify(outline, self.w / 40), self.rng, self.w / 260)
        m = blur(polygon_mask(self.size, edge), 2.5)
        grain = noise(self.rng, self.size, 6)
        body = ImageChops.multiply(scaled(m, alpha), grain.point(lambda v: 150 + v * 105 // 255))
        fill(canvas, color, body)
        rim = ImageChops.subtract(m, m.filter(ImageFilter.MinFilter(5)))
        fill(canvas, shade(color, 0.7), scaled(blur(rim, 1), 0.6))

    def sky(self) -> Image.Image:
        canvas = solid(self.size, PAPER)
        grad = self.sky_gradient()
        blotches = noise(self.rng, self.size, 90).point(lambda v: clamp((v - 70) * 2.4))
        fill(canvas, grad, blur(blotches, 8))
        return canvas

    def star(self, draw: ImageDraw.ImageDraw, at: tuple[float, float]) -> None:
        r = self.rng.uniform(1, 2.5)
        draw.ellipse((at[0] - r, at[1] - r, at[0] + r, at[1] + r), fill=PAPER)

    def sun(self, canvas: Image.Image) -> None:
        self.wash(
            canvas,
            ellipse_points(
                (*self.scene.sun[:2], self.scene.sun[2], self.scene.sun[2] * self.w / self.h),
                self.size,
            ),
            self.p["sun"],
            0.9,
        )

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        fill(canvas, PAPER, scaled(blur(m, 5), 0.85))
        fill(
            canvas,
            self.p["cloud_shade"],
            scaled(blur(ImageChops.subtract(m, ImageChops.offset(m, 0, -8)), 3), 0.35),
        )

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        self.wash(canvas, filled_below(ridge.top, self.size), self.ridge_color(ridge), 0.7)

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        self.wash(canvas, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], self.p["building"], 0.6)

    def water(self, canvas: Image.Image) -> None:
        top = self.horizon_y()
        self.wash(
            canvas,
            [(-5, top), (self.w + 5, top), (self.w + 5, self.h + 5), (-5, self.h + 5)],
            self.p["water"],
            0.6,
        )
        draw = ImageDraw.Draw(canvas)
        for _ in range(40):
            x, y = self.rng.uniform(0, self.w), self.rng.uniform(top + 5, self.h)
            draw.line((x, y, x + self.rng.uniform(15, 60), y), fill=PAPER, width=2)

    def ground(self, canvas: Image.Image) -> None:
        self.wash(canvas, filled_below(self.scene.ground, self.size), self.p["ground"], 0.7)

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        crown, trunk = self.tree_parts(t)
        x0, y0, x1, y1 = trunk
        self.wash(canvas, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], self.p["trunk"], 0.8)
        outline = self.crown_outline(t, crown)
        self.wash(canvas, outline, self.p["tree"], 0.75)

    def finish(self, canvas: Image.Image) -> Image.Image:
        canvas = canvas.resize(self.full, Image.Resampling.BICUBIC)
        canvas = texture(canvas, noise(self.rng, self.full, 2), 0.45)
        canvas = texture(canvas, noise(self.rng, self.full, 40), 0.3)
        return vignette(canvas, 0.75, PAPER)


class OilPainting(Realistic):
    """A realistic underpainting at quarter size, covered in thick strokes of its colours."""

    UMBER: RGB = (74, 46, 24)

    def __init__(self, scene: Scene, rng: random.Random, size: Size) -> None:
        self.full = size
        super().__init__(scene, rng, (size[0] // 4, size[1] // 4))

    def tone(self, color: RGB) -> RGB:
        return adjust(mix(color, self.UMBER, 0.22), saturation=1.25, value=0.95)

    def finish(self, under: Image.Image) -> Image.Image:
        under = under.filter(ImageFilter.ModeFilter(3))
        w, h = self.full
        canvas = under.resize(self.full, Image.Resampling.BICUBIC)
        relief = Image.new("L", self.full, 128)
        draw, bump = ImageDraw.Draw(canvas), ImageDraw.Draw(relief)
        scale = w / 1920
        horizon = self.scene.horizon * h
        for _ in range(9000):
            x, y = self.rng.uniform(0, w), self.rng.uniform(0, h)
            r, g, b = rgb_at(under, (min(self.w - 1, int(x / 4)), min(self.h - 1, int(y / 4))))
            j = self.rng.randint(-14, 14)
            color = (clamp(r + j), clamp(g + j), clamp(b + j + self.rng.randint(-6, 6)))
            angle = self.rng.gauss(0, 0.18 if y < horizon else 0.55)
            length = self.rng.uniform(14, 38) * scale
            dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
            width = max(2, round(self.rng.uniform(6, 13) * scale))
            draw.line((x - dx, y - dy, x + dx, y + dy), fill=color, width=width)
            bump.line((x - dx, y - dy, x + dx, y + dy), fill=self.rng.randint(70, 200), width=width)
        canvas = texture(canvas, relief.filter(ImageFilter.EMBOSS), 0.8)
        canvas = texture(canvas, noise(self.rng, self.full, 2, smooth=False), 0.15)
        canvas = ImageEnhance.Contrast(canvas).enhance(1.1)
        return vignette(canvas, 0.55, (30, 18, 8))


class Sketch(Painter):
    """Graphite on paper: pencil outlines, hatching for the shadows, no colour."""

    PAPER: RGB = (243, 241, 236)

    def __init__(self, scene: Scene, rng: random.Random, size: Size) -> None:
        super().__init__(scene, rng, size)
        self.hatches: dict[tuple[int, int], Image.Image] = {}

    def tone(self, color: RGB) -> RGB:
        v = gray(color)
        return (v, v, v)

    def hatch(self, spacing: int, angle: int) -> Image.Image:
        """A full-size pattern of parallel pencil lines (45 or 135 degrees)."""
        key = (spacing, angle)
        if key not in self.hatches:
            m, d = mask(self.size)
            for c in range(-self.h, self.w + self.h, spacing):
                jitter = self.rng.uniform(-1.2, 1.2)
                if angle == 45:
                    d.line((c + jitter, self.h, c + self.h + jitter, 0), fill=200, width=1)
                else:
                    d.line((c + jitter, 0, c + self.h + jitter, self.h), fill=200, width=1)
            self.hatches[key] = m
        return self.hatches[key]

    def shade_area(self, canvas: Image.Image, m: Image.Image, darkness: float) -> None:
        """Hatching through mask `m`: more and crossed lines the darker it is."""
        spacing = max(5, round(22 - 16 * darkness))
        lines = self.hatch(spacing, 45)
        if darkness > 0.55:
            lines = ImageChops.lighter(lines, self.hatch(spacing + 3, 135))
        fill(canvas, (70, 70, 72), ImageChops.multiply(lines, m))

    def pencil(
        self,
        canvas: Image.Image,
        points: list[tuple[float, float]],
        closed: bool = True,
        tone: int = 60,
    ) -> None:
        draw = ImageDraw.Draw(canvas)
        path = points + points[:1] if closed else points
        for k in range(2):
            draw.line(wobble(path, self.rng, 1.6), fill=(tone + 30 * k,) * 3, width=2 - k)

    def darkness(self, color: RGB) -> float:
        return 1 - gray(color) / 255

    def sky(self) -> Image.Image:
        canvas = solid(self.size, self.PAPER)
        draw = ImageDraw.Draw(canvas)
        hz = self.horizon_y()
        for _ in range(30):
            y = self.rng.uniform(hz * 0.5, hz)
            x = self.rng.uniform(0, self.w)
            draw.line(
                (x, y, x + self.rng.uniform(40, 160), y + self.rng.uniform(-2, 2)),
                fill=(185, 185, 185),
                width=1,
            )
        return canvas

    def star(self, draw: ImageDraw.ImageDraw, at: tuple[float, float]) -> None:
        x, y = at
        draw.line((x - 4, y, x + 4, y), fill=(120, 120, 120))
        draw.line((x, y - 4, x, y + 4), fill=(120, 120, 120))

    def sun(self, canvas: Image.Image) -> None:
        e = self.scene.sun
        self.pencil(canvas, ellipse_points((e[0], e[1], e[2], e[2] * self.w / self.h), self.size))
        cx, cy = px(e, self.size)
        r = e[2] * self.w
        draw = ImageDraw.Draw(canvas)
        for i in range(12):
            a = math.tau * i / 12
            draw.line(
                (
                    cx + math.cos(a) * r * 1.3,
                    cy + math.sin(a) * r * 1.3,
                    cx + math.cos(a) * r * 1.7,
                    cy + math.sin(a) * r * 1.7,
                ),
                fill=(110, 110, 110),
                width=2,
            )

    def cloud(self, canvas: Image.Image, m: Image.Image) -> None:
        edges = m.filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v > 60 else 0)
        fill(canvas, (95, 95, 95), edges)
        under = ImageChops.subtract(m, ImageChops.offset(m, 0, -round(self.h / 70)))
        self.shade_area(canvas, under, 0.2)

    def ridge(self, canvas: Image.Image, ridge: Ridge) -> None:
        poly = filled_below(ridge.top, self.size)
        m = polygon_mask(self.size, poly)
        fill(canvas, self.PAPER, m)
        self.shade_area(canvas, m, 0.15 + 0.45 * ridge.depth)
        self.pencil(canvas, [px(p, self.size) for p in ridge.top], closed=False, tone=50)

    def building(self, canvas: Image.Image, b: Building) -> None:
        x0, y0, x1, y1 = self.building_box(b)
        ImageDraw.Draw(canvas).rectangle((x0, y0, x1, y1), fill=self.PAPER)
        side, d = mask(self.size)
        d.rectangle((x0 + (x1 - x0) * 0.6, y0, x1, y1), fill=255)
        self.shade_area(canvas, side, 0.6)
        self.pencil(canvas, [(x0, y1), (x0, y0), (x1, y0), (x1, y1)], closed=False)
        draw = ImageDraw.Draw(canvas)
        for w in self.windows(b):
            draw.rectangle(w, outline=(100, 100, 100), width=1)

    def water(self, canvas: Image.Image) -> None:
        top = self.horizon_y()
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((0, top, self.w, self.h), fill=self.PAPER)
        for _ in range(260):
            y = self.rng.uniform(top + 4, self.h)
            x = self.rng.uniform(0, self.w)
            length = self.rng.uniform(20, 90) * (0.4 + (y - top) / (self.h - top))
            draw.line((x, y, x + length, y + self.rng.uniform(-1, 1)), fill=(90, 90, 92), width=1)
        self.pencil(canvas, [(0, top), (self.w, top)], closed=False)

    def ground(self, canvas: Image.Image) -> None:
        m = polygon_mask(self.size, filled_below(self.scene.ground, self.size))
        fill(canvas, self.PAPER, m)
        self.shade_area(canvas, m, 0.35)
        self.pencil(canvas, [px(p, self.size) for p in self.scene.ground], closed=False, tone=40)

    def tree(self, canvas: Image.Image, t: Tree) -> None:
        crown, trunk = self.tree_parts(t)
        x0, y0, x1, y1 = trunk
        self.pencil(canvas, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        outline = self.crown_outline(t, crown, 28)
        m = polygon_mask(self.size, outline)
        fill(canvas, self.PAPER, m)
        self.shade_area(canvas, m, 0.7)
        self.pencil(canvas, outline, tone=35)

    def finish(self, canvas: Image.Image) -> Image.Image:
        graphite = blur(canvas.convert("L"), 0.5)
        grain = noise(self.rng, self.size, 1, smooth=False)
        out = texture(graphite.convert("RGB"), grain, 0.18)
        return out.convert("L").convert("RGB")


PAINTERS: dict[str, Callable[[Scene, random.Random, Size], Painter]] = {
    "realistic": Realistic,
    "pixar": Pixar,
    "anime": Anime,
    "flat_design": FlatDesign,
    "watercolor": Watercolor,
    "oil_painting": OilPainting,
    "sketch": Sketch,
}
