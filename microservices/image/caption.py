"""The prompt written on the image: wrapped to the width of its area, in Pillow's own
font at the largest size that fits (no system font needed), on a contrasting rounded
backing.

Pillow's built-in font has ASCII only, and the contract's languages need accents: an
accented letter is drawn as its base letter plus the accent drawn by hand (acute, grave,
circumflex, tilde, diaeresis, ring, cedilla, caron, macron), and a few letters are
spelled out (ß as ss, œ as oe...). Other scripts show as the font's missing-glyph box."""

import math
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZES = (64, 56, 50, 44, 40, 36, 32, 28)
ELLIPSIS = "…"

MARKS = {
    "\u0300": "grave",
    "\u0301": "acute",
    "\u0302": "circumflex",
    "\u0303": "tilde",
    "\u0304": "macron",
    "\u0308": "diaeresis",
    "\u030a": "ring",
    "\u030c": "caron",
    "\u0327": "cedilla",
}
SPELLED = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "\u0131": "i",  # dotless i
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2010": "-",  # hyphen
    "¿": "",
    "¡": "",
    "€": "EUR",
    "£": "GBP",
    "\u00a0": " ",
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
    "ª": "a",
    "º": "o",
}

Face = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=len(SIZES))
def font(size: int) -> Face:
    return ImageFont.load_default(size=size)


def spell(text: str) -> tuple[str, list[tuple[int, str]]]:
    """What the font can draw, and the accents to add: (index in it, accent)."""
    out: list[str] = []
    marks: list[tuple[int, str]] = []
    length = 0
    for ch in text:
        if ch in SPELLED:
            out.append(SPELLED[ch])
            length += len(SPELLED[ch])
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, extra = decomposed[0], decomposed[1:]
        if extra and base.isascii() and all(m in MARKS for m in extra):
            marks.extend((length, MARKS[m]) for m in extra)
            ch = base
        out.append(ch)
        length += len(ch)
    return "".join(out), marks


def measure(face: Face, text: str) -> float:
    return face.getlength(spell(text)[0])


def wrap(text: str, face: Face, width: float) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if measure(face, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:  # a word longer than the line: cut it where it overflows
            if line and measure(face, line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line)
    return lines or [""]


def layout(text: str, width: float, height: float) -> tuple[Face, list[str], int]:
    """The largest font size at which the wrapped text fits; at the smallest, the lines
    that fit, the last one ending with an ellipsis."""
    for size in SIZES:
        face = font(size)
        lines = wrap(text, face, width)
        step = round(size * 1.3)
        if len(lines) * step <= height:
            return face, lines, step
    keep = max(1, int(height // step))
    if len(lines) > keep:
        lines = lines[:keep]
        last = lines[-1]
        while last and measure(face, last + ELLIPSIS) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return face, lines, step


def _accent(
    draw: ImageDraw.ImageDraw,
    kind: str,
    box: tuple[float, float, float, float],
    size: int,
    color: tuple,
    width: int,
) -> None:
    """One accent over (or, cedilla, under) the glyph whose ink is `box`."""
    left, top, right, bottom = box
    cx, s = (left + right) / 2, size
    up = top - 0.05 * s  # the accent's lowest point
    if kind == "acute":
        draw.line((cx - 0.06 * s, up, cx + 0.1 * s, up - 0.16 * s), fill=color, width=width)
    elif kind == "grave":
        draw.line((cx + 0.06 * s, up, cx - 0.1 * s, up - 0.16 * s), fill=color, width=width)
    elif kind in ("circumflex", "caron"):
        y0, y1 = (up, up - 0.15 * s) if kind == "circumflex" else (up - 0.15 * s, up)
        draw.line(
            (cx - 0.13 * s, y0, cx, y1, cx + 0.13 * s, y0), fill=color, width=width, joint="curve"
        )
    elif kind == "tilde":
        points = [
            (cx + (i / 8 - 0.5) * 0.34 * s, up - 0.08 * s - 0.045 * s * math.sin(i / 8 * math.tau))
            for i in range(9)
        ]
        draw.line(points, fill=color, width=width, joint="curve")
    elif kind == "macron":
        draw.line(
            (cx - 0.14 * s, up - 0.08 * s, cx + 0.14 * s, up - 0.08 * s), fill=color, width=width
        )
    elif kind == "diaeresis":
        r = max(1.5, 0.045 * s + (width - max(2, s // 14)) / 2)
        for dx in (-0.1 * s, 0.1 * s):
            draw.ellipse(
                (cx + dx - r, up - 0.08 * s - r, cx + dx + r, up - 0.08 * s + r), fill=color
            )
    elif kind == "ring":
        r = 0.07 * s
        draw.ellipse(
            (cx - r, up - 0.1 * s - r, cx + r, up - 0.1 * s + r),
            outline=color,
            width=max(1, width - 1),
        )
    elif kind == "cedilla":
        draw.line(
            (cx, bottom, cx + 0.06 * s, bottom + 0.1 * s, cx - 0.07 * s, bottom + 0.19 * s),
            fill=color,
            width=width,
            joint="curve",
        )


@lru_cache(maxsize=len(SIZES))
def _stem(size: int) -> tuple[int, int]:
    """The columns the ink of an i's stem spans, from its origin."""
    face = font(size)
    # The default font is a FreeType one: its boxes are whole pixels.
    left, _, right, bottom = (int(v) for v in face.getbbox("i"))
    probe = Image.new("L", (right + 4, bottom + 4), 0)
    ImageDraw.Draw(probe).text((0, 0), "i", font=face, fill=255)
    row = (int(face.getbbox("x")[1]) + bottom) // 2
    ink = probe.tobytes()  # mode L: one byte a pixel, row by row
    inked = [x for x in range(probe.width) if ink[row * probe.width + x] > 127]
    return (inked[0], inked[-1] + 1) if inked else (left, right)


def draw_line(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    face: Face,
    ink: tuple,
    edge: tuple,
    stroke: int,
) -> None:
    """One line: the text, then its accents. An accented i loses its dot: it is drawn as
    a stem alone (the font has no dotless i)."""
    plain, marks = spell(text)
    size = int(getattr(face, "size", 40))
    width = max(2, size // 14)
    dotless = sorted({i for i, _ in marks if plain[i] == "i"})
    x_top, x_bottom = face.getbbox("x")[1], face.getbbox("x")[3]
    start, x = 0, at[0]
    for index in [*dotless, len(plain)]:
        piece = plain[start:index]
        draw.text((x, at[1]), piece, font=face, fill=ink, stroke_width=stroke, stroke_fill=edge)
        x += face.getlength(piece)
        if index < len(plain):
            stem_left, stem_right = _stem(size)
            x0, y0, x1, y1 = x + stem_left, at[1] + x_top, x + stem_right, at[1] + x_bottom
            draw.rectangle((x0 - stroke, y0 - stroke, x1 + stroke - 1, y1 + stroke - 1), fill=edge)
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=ink)
            x += face.getlength("i")
        start = index + 1
    for index, kind in marks:
        x = at[0] + face.getlength(plain[:index])
        left, top, right, bottom = face.getbbox(plain[index])
        if index in dotless:
            top = x_top
        box = (x + left, at[1] + top, x + right, at[1] + bottom)
        _accent(draw, kind, box, size, edge, width + 2 * stroke)
        _accent(draw, kind, box, size, ink, width)


def caption(
    canvas: Image.Image, text: str, area: tuple[int, int, int, int], light: bool = False
) -> None:
    """Write `text` at the bottom of `area` (left, top, right, bottom) of `canvas`,
    centred, its backing inside it: white on a dark backing, or (`light`) dark on a
    light one."""
    w, h = canvas.size
    left, top, right, bottom = area
    right, bottom = right - 1, bottom - 1  # the last pixels in: Pillow's shapes include their ends
    scale = w / 1920
    pad = round(30 * scale)
    room = min(h * 0.4, bottom - top - 2 * pad)
    face, lines, step = layout(" ".join(text.split()), right - left - 2 * pad, room)
    size = int(getattr(face, "size", 40))
    text_w = max(measure(face, line) for line in lines)
    box_w, box_h = text_w + 2 * pad, (len(lines) - 1) * step + size * 1.1 + 2 * pad
    x0, y0 = (left + right - box_w) / 2, bottom - box_h
    backing = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(backing).rounded_rectangle(
        (x0, y0, x0 + box_w, y0 + box_h), radius=round(18 * scale), fill=205 if light else 180
    )
    canvas.paste((250, 248, 242) if light else (12, 14, 22), (0, 0), backing)
    ink, edge = ((20, 20, 24), (250, 248, 242)) if light else ((255, 255, 255), (0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    stroke = max(1, round(2 * scale))
    for i, line in enumerate(lines):
        draw_line(draw, (x0 + pad, y0 + pad + i * step), line, face, ink, edge, stroke)
