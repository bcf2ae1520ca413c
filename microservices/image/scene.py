"""What a prompt shows, whatever the style: the time of day, a horizon, the sun or moon,
clouds, mountain ridges, ground or water, a skyline, trees. Words of the prompt choose
elements (in the six languages of the contract); its hash decides the rest, so a prompt
always gives the same scene and every style paints that same scene its own way.

Coordinates are fractions of the width and height (0..1), so a scene can be painted at
any size. A scene is composed for an aspect (width / height; 16:9 unless asked): on a
narrower frame, things keep their shape and their size relative to the height (the
frame shows a narrower slice of the same kind of landscape: wider in fractions of the
width, fewer of them across), so a 9:16 picture is not a 16:9 one squeezed."""

import hashlib
import math
import random
import re
from dataclasses import dataclass

Point = tuple[float, float]
Ellipse = tuple[float, float, float, float]  # centre x, centre y, radius x, radius y

NIGHT = frozenset(
    (
        "night moon star stars space midnight nuit lune noche luna notte nacht mond noite "
        "lua galaxy dark"
    ).split()
)
SUNSET = frozenset(
    (
        "sunset sunrise dusk dawn evening golden twilight coucher aube soir atardecer "
        "amanecer tramonto alba sera sonnenuntergang abend pôr entardecer autumn fall"
    ).split()
)
WATER = frozenset(
    (
        "sea ocean lake river beach water coast island boat mer océan lac plage mar lago "
        "playa río spiaggia fiume meer see strand fluss praia rio wave waves"
    ).split()
)
CITY = frozenset(
    (
        "city town street building buildings urban skyline office downtown ville rue "
        "ciudad calle città strada stadt straße cidade rua village house houses home "
        "pueblo casa villaggio dorf haus aldeia maison company business startup market "
        "shop"
    ).split()
)
TREES = frozenset(
    (
        "forest tree trees wood woods park garden jungle nature forêt arbre jardin bosque "
        "árbol jardín foresta albero wald baum garten floresta árvore jardim spring "
        "summer"
    ).split()
)
MOUNTAINS = frozenset(
    (
        "mountain mountains hill hills valley peak alps montagne colline montaña montagna "
        "berg berge montanha adventure"
    ).split()
)


def digest(*parts: str) -> int:
    """A stable 64-bit number of the parts (never Python's per-process hash())."""
    raw = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(raw[:8], "big")


@dataclass(frozen=True, slots=True)
class Ridge:
    top: tuple[Point, ...]  # the crest, left to right; filled down to the bottom
    depth: float  # 0: farthest, 1: nearest


@dataclass(frozen=True, slots=True)
class Tree:
    x: float
    base: float
    height: float
    pine: bool


@dataclass(frozen=True, slots=True)
class Building:
    x: float
    width: float
    height: float
    windows: int  # a seed for its window pattern


@dataclass(frozen=True, slots=True)
class Scene:
    time: str  # day, sunset or night
    horizon: float
    sun: Ellipse
    clouds: tuple[tuple[Ellipse, ...], ...]
    stars: tuple[Point, ...]
    ridges: tuple[Ridge, ...]
    ground: tuple[Point, ...]  # the near ground's top edge, filled down to the bottom
    water: bool
    buildings: tuple[Building, ...]
    trees: tuple[Tree, ...]
    accent_hue: float  # 0..1, the prompt's own colour


def _words(prompt: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", prompt.lower()))


WIDE = 16 / 9  # the aspect the scenes were designed at


def _crest(
    rng: random.Random, base: float, amplitude: float, steps: int, span: float = 1.0
) -> tuple[Point, ...]:
    """A ridge line: a sum of three sines with random phases, sampled across the width
    (`span`: the part of a 16:9 crest the frame shows)."""
    waves = [(rng.uniform(0.6, 1.6) * k, rng.uniform(0, math.tau), 1 / k) for k in (1, 2.3, 5.1)]
    points = []
    for i in range(steps + 1):
        x = i / steps * span
        y = sum(w * math.sin(f * math.tau * x + p) for f, p, w in waves) / 1.8
        points.append((i / steps, base - amplitude * (0.5 + 0.5 * y)))
    return tuple(points)


def compose(prompt: str, aspect: float = WIDE) -> Scene:
    # How much wider, in fractions of the width, a thing is than at 16:9 (1 at 16:9,
    # where every number below is as it always was).
    wide = WIDE / aspect
    words = _words(prompt)
    rng = random.Random(digest("scene", prompt))
    if words & NIGHT:
        time = "night"
    elif words & SUNSET:
        time = "sunset"
    else:
        time = rng.choices(["day", "sunset", "night"], weights=[6, 2.5, 1.5])[0]
    horizon = rng.uniform(0.56, 0.66)
    water = bool(words & WATER) or (not words & (CITY | TREES) and rng.random() < 0.3)
    city = bool(words & CITY) or rng.random() < 0.2
    wooded = bool(words & TREES) or (not city and rng.random() < 0.55)
    tall = bool(words & MOUNTAINS) or rng.random() < 0.4

    if time == "sunset":
        sun = (rng.uniform(0.25, 0.75), horizon - rng.uniform(0.08, 0.16), 0.075 * wide, 0.075)
    else:
        sun = (
            rng.choice([rng.uniform(0.12, 0.35), rng.uniform(0.65, 0.88)]),
            rng.uniform(0.12, 0.26),
            0.05 * wide,
            0.05,
        )

    clouds = []
    for _ in range(rng.randint(1, 3) if time == "night" else rng.randint(2, 5)):
        cx, cy, size = (
            rng.uniform(0.05, 0.95),
            rng.uniform(0.08, horizon - 0.22),
            rng.uniform(0.05, 0.11),
        )
        puffs = [(cx, cy, size * 1.4 * wide, size * 0.55)]
        for _ in range(rng.randint(3, 5)):
            puffs.append(
                (
                    cx + rng.uniform(-1.1, 1.1) * size * wide,
                    cy - rng.uniform(0, 0.5) * size,
                    size * rng.uniform(0.45, 0.75) * wide,
                    size * rng.uniform(0.6, 0.95),
                )
            )
        clouds.append(tuple(puffs))

    stars: tuple[Point, ...] = ()
    if time == "night":
        stars = tuple((rng.random(), rng.uniform(0, horizon - 0.1)) for _ in range(90))

    ridges = []
    layers = 3 if tall else 2
    for i in range(layers):
        depth = i / max(1, layers - 1)
        height = (0.34 if tall else 0.16) * (1 - 0.45 * depth)
        ridges.append(Ridge(_crest(rng, horizon + 0.02 * i, height, 48, 1 / wide), depth))

    ground = _crest(rng, 1.0 if water else horizon + 0.16, 0.06 if water else 0.1, 24, 1 / wide)
    if water:  # a shore in one lower corner
        left = rng.random() < 0.5
        ground = tuple(
            (x, 1.02 - 0.22 * max(0.0, (0.45 - x) if left else (x - 0.55)) / 0.45)
            for x, _ in ground
        )

    buildings = []
    if city:
        x = rng.uniform(-0.02, 0.1)
        while x < 0.98:
            width = rng.uniform(0.035, 0.075) * wide
            buildings.append(Building(x, width, rng.uniform(0.1, 0.34), rng.randrange(1 << 30)))
            x += width + rng.uniform(0.0, 0.02) * wide

    trees = []
    if wooded:
        for _ in range(rng.randint(6, 13)):
            x = rng.uniform(0.02, 0.98)
            ground_y = min(y for gx, y in ground if abs(gx - x) < 0.05)
            if water and ground_y > 0.95:
                continue  # no trees in the water
            base = min(0.99, ground_y + rng.uniform(0.02, 0.08))
            trees.append(Tree(x, base, rng.uniform(0.14, 0.3), rng.random() < 0.5))
        # Fewer across a narrower frame (the same ones: the draws above are unchanged).
        trees = trees[: max(2, math.ceil(len(trees) / wide))]
        trees.sort(key=lambda t: t.base)

    return Scene(
        time=time,
        horizon=horizon,
        sun=sun,
        clouds=tuple(clouds),
        stars=stars,
        ridges=tuple(ridges),
        ground=ground,
        water=water,
        buildings=tuple(buildings),
        trees=tuple(trees),
        accent_hue=rng.random(),
    )
