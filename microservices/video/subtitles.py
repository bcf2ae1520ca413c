"""Burned-in subtitles: the captions' cues written as an ASS script that ffmpeg's `ass`
filter (libass, with HarfBuzz, FriBidi and FreeType) draws on the finished frames.

The font is Noto Sans Bold, shipped in fonts/ with its licence (SIL OFL 1.1): Latin with
every accent of the contract's six languages (and Greek, Cyrillic, Vietnamese). ffmpeg
gets it through `fontsdir` (a copy in the work directory, alone in its folder, since
libass loads every file there) and runs with FONTCONFIG_FILE pointing at an empty
fontconfig configuration: no system font can stand in for it, silently or not.

The style, in frame pixels (PlayRes is the frame size):
- size relative to the frame's height (FONT_SHARE: a smaller share of a 9:16 frame's
  height, whose width is what limits a line), white, bold, with a black outline of a
  tenth of the size: legible on any picture. No shadow: libass's layers are blended on
  every frame a cue is on, and a shadow layer cost about a third of that (~1 s of CPU
  on 30 s of 1080x1920) for little more contrast than the outline gives;
- bottom-centred inside the platforms' safe area: on 9:16 clear of the bottom 22 %
  (Shorts, TikTok and Reels put their captions, buttons and progress bar there) and of
  the side margins; higher than usual on 1:1, and 8 % up on 16:9;
- the cue's text wrapped here, measured with the font itself (Pillow, same face), to the
  width between the margins; at most two lines on screen: a longer cue is shown as
  consecutive two-line parts, each for its share (by characters) of the cue's time, and
  a cue that overlaps the next ends where the next begins;
- timed to the frame: a cue is on the frames whose time t satisfies start <= t < end
  (libass shows an event at `Start <= t < End`, t the frame's time in whole ms; the
  times written are the centisecond just before each boundary frame's time, so
  rounding can neither add nor drop a frame).

Drawn once per event, not once per frame: libass draws on a transparent frame (yuva420p)
only at the frames where what is shown changes (each event's first frame and the frame
after its last), the subtitle area is cut out of it, and `overlay` lays that band on the
video's frames while an event is on (and only then: the other frames are untouched).
Drawn by libass on every frame instead, the blending of its glyph bitmaps (plain C, per
pixel, for each layer) took 1.2-3 s of CPU on 30 s of 1080x1920 with a cue every 3 s (the
bench's: the filter graph of a ken_burns render 5.1-6.0 s with them, 2.8-3.0 s without;
of a basic_fade one 2.1-2.4 s with them); drawn once per event and overlaid (SIMD, the
band only), 2.8-3.8 s and 0.9-1.2 s: within the noise of none. The text is the same,
blended against the transparent frame's black where it is partly covered: its outline
is black, so the outer edge's antialiasing comes out the same as drawn on the frame.
"""

import math
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from microservices.video.captions import Cue

FONT_FILE = Path(__file__).with_name("fonts") / "NotoSans-Bold.ttf"
FONT_FAMILY = "Noto Sans"
# An empty fontconfig configuration: fontconfig (which libass asks for fonts it lacks)
# knows no font at all, so the only font ffmpeg can use is the one in `fontsdir`.
EMPTY_FONTCONFIG = (
    '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n'
)
MAX_LINES = 2
# Font size as a share of the frame's height, by orientation.
FONT_SHARE = {"landscape": 0.058, "square": 0.05, "portrait": 0.036}
# Distance of the text's baseline block from the bottom, as a share of the height.
BOTTOM_SHARE = {"landscape": 0.08, "square": 0.12, "portrait": 0.22}
# Left and right margins, as a share of the width.
SIDE_SHARE = {"landscape": 0.08, "square": 0.07, "portrait": 0.09}
OUTLINE_SHARE = 0.1  # of the font size


def _orientation(width: int, height: int) -> str:
    if width > height:
        return "landscape"
    return "square" if width == height else "portrait"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where and how large the subtitles of a frame size are (pixels)."""

    width: int
    height: int
    font_size: int  # libass's: the font's ascent + descent, not its em
    outline: int
    margin_side: int
    margin_bottom: int

    @property
    def text_width(self) -> int:
        """The widest a line may be, its outline included."""
        return self.width - 2 * self.margin_side

    def area(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom): the box that two lines of text and their outline
        stay inside (what the tests compare frames outside of)."""
        pad = self.outline + 2
        top = self.height - self.margin_bottom - MAX_LINES * self.font_size - pad
        return (
            max(0, self.margin_side - pad),
            max(0, top),
            min(self.width, self.width - self.margin_side + pad),
            min(self.height, self.height - self.margin_bottom + pad),
        )


def layout(width: int, height: int) -> Layout:
    side = _orientation(width, height)
    size = max(8, round(height * FONT_SHARE[side]))
    return Layout(
        width=width,
        height=height,
        font_size=size,
        outline=max(1, round(size * OUTLINE_SHARE)),
        margin_side=round(width * SIDE_SHARE[side]),
        margin_bottom=round(height * BOTTOM_SHARE[side]),
    )


@cache
def _face(font_size: int) -> ImageFont.FreeTypeFont:
    """The shipped font at the em size libass gives it for `font_size`: libass (like
    VSFilter) makes ascent + descent equal the size."""
    unit = ImageFont.truetype(str(FONT_FILE), 1000)
    ascent, descent = unit.getmetrics()
    return ImageFont.truetype(str(FONT_FILE), max(1, round(font_size * 1000 / (ascent + descent))))


def wrap(text: str, spec: Layout) -> list[str]:
    """The text in lines no wider than the layout's (a word wider alone keeps its line)."""
    face = _face(spec.font_size)
    room = spec.text_width - 2 * spec.outline
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and face.getlength(candidate) <= room:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _escape(line: str) -> str:
    """Text that libass draws as it is: braces escaped, a backslash never the start of
    an escape (a word joiner after it: zero width, and in the font)."""
    return line.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


def _frame(seconds: float, fps: int) -> int:
    """The first frame whose time is at or after `seconds`."""
    return max(0, math.ceil(seconds * fps - 1e-6))


def _ass_time(frame: int, fps: int) -> str:
    """A centisecond time that libass puts between frame-1 and `frame` (see the module's
    docstring): just before the frame's time, more than a frame's ms after the last."""
    cs = max(0, math.floor((frame * 1000 / fps - 1.5) / 10)) if frame else 0
    hours, rest = divmod(cs, 360000)
    minutes, rest = divmod(rest, 6000)
    seconds, centis = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{centis:02d}"


def events(cues: list[Cue], spec: Layout, fps: int) -> list[tuple[int, int, str]]:
    """(first frame, frame after the last, text with \\N line breaks) of every event: cues
    cut where the next begins, split into parts of at most two lines."""
    ordered = sorted(cues, key=lambda cue: cue.start)
    out: list[tuple[int, int, str]] = []
    for k, cue in enumerate(ordered):
        first, after = _frame(cue.start, fps), _frame(cue.end, fps)
        if k + 1 < len(ordered):
            after = min(after, _frame(ordered[k + 1].start, fps))
        lines = wrap(cue.text, spec)
        if after <= first or not lines:
            continue
        parts = [lines[j : j + MAX_LINES] for j in range(0, len(lines), MAX_LINES)]
        weights = [sum(len(line) for line in part) for part in parts]
        total, done, start = sum(weights), 0, first
        for part, weight in zip(parts, weights, strict=True):
            done += weight
            end = first + round((after - first) * done / total)
            if end > start:
                out.append((start, end, "\\N".join(_escape(line) for line in part)))
                start = end
    return out


def script(cues: list[Cue], width: int, height: int, fps: int) -> str:
    """The ASS script of the cues for frames of `width` x `height` at `fps`."""
    spec = layout(width, height)
    style = ",".join(
        str(v)
        for v in (
            "Default",
            FONT_FAMILY,
            spec.font_size,
            "&H00FFFFFF",  # text: white
            "&H00FFFFFF",
            "&H00000000",  # outline: black
            "&H80000000",
            -1,  # bold (the shipped face is the bold one: nothing synthesized)
            0,
            0,
            0,
            100,
            100,
            0,
            0,
            1,  # outline and shadow (3 would be a box)
            spec.outline,
            0,  # no shadow (see the module's docstring)
            2,  # bottom centre
            spec.margin_side,
            spec.margin_side,
            spec.margin_bottom,
            1,
        )
    )
    lines = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 2",  # no wrapping by libass: the lines are wrapped here
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: {style}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for first, after, text in events(cues, spec, fps):
        start, end = _ass_time(first, fps), _ass_time(after, fps)
        lines.append(f"Dialogue: 0,{start},{end},Default,,0,0,0,,{text}")
    return "\n".join(lines) + "\n"


def _band(box: tuple[int, int, int, int], width: int, height: int) -> tuple[int, ...]:
    """The rows of the box, the frame's whole width (a word wider than the margins keeps
    its line, and shows past them), at even edges (yuv420p's chroma is cut at the same
    places)."""
    _, top, _, bottom = box
    return (0, top - top % 2, width, min(height, bottom + bottom % 2))


@dataclass(frozen=True, slots=True)
class SubtitleFiles:
    """What ffmpeg needs in the work directory: the script, the font folder, the
    fontconfig file (for FONTCONFIG_FILE); and where and when the script draws (the
    subtitle area, each event's first frame and the frame after its last)."""

    script: Path
    fonts: Path
    fontconfig: Path
    area: tuple[int, ...] = (0, 0, 0, 0)  # left, top, right, bottom: the band (_band)
    frames: tuple[tuple[int, int], ...] = ()

    def filter(self, alpha: bool = False) -> str:
        """The `ass` filter (names relative to the work directory, where ffmpeg runs);
        `alpha`: on a transparent frame, the text's coverage written to its alpha."""
        options = ":alpha=1" if alpha else ""
        return (
            f"ass=filename={self.script.name}:fontsdir={self.fonts.name}:shaping=complex{options}"
        )

    def band(self, size: tuple[int, int], fps: int, var: str) -> tuple[str, str] | None:
        """(a source chain ending in [subs]: the subtitle area as libass draws it, one
        frame where what is shown changes; the `overlay` that lays it on the frames
        while an event is on, `var` the frame's index in its expressions), or None when
        no event draws anything. See the module's docstring."""
        if not self.frames:
            return None
        left, top, right, bottom = self.area
        changes = sorted(
            {0} | {first for first, _ in self.frames} | {after for _, after in self.frames}
        )
        drawn = "+".join(f"eq(n,{n})" for n in changes)
        shown = "+".join(f"between({var},{first},{after - 1})" for first, after in self.frames)
        source = (
            f"color=c=black@0:s={size[0]}x{size[1]}:r={fps},format=yuva420p,"
            f"trim=end_frame={changes[-1] + 1},select='{drawn}',{self.filter(alpha=True)},"
            f"crop={right - left}:{bottom - top}:{left}:{top}[subs]"
        )
        return source, f"overlay=x={left}:y={top}:enable='{shown}'"

    def environment(self) -> dict[str, str]:
        return {"FONTCONFIG_FILE": str(self.fontconfig)}


def write_files(workdir: Path, cues: list[Cue], width: int, height: int, fps: int) -> SubtitleFiles:
    """The script, a copy of the font alone in a folder, the empty fontconfig file, all
    in `workdir` (blocking: run it in a thread)."""
    spec = layout(width, height)
    files = SubtitleFiles(
        workdir / "subtitles.ass",
        workdir / "fonts",
        workdir / "fonts.conf",
        _band(spec.area(), width, height),
        tuple((first, after) for first, after, _ in events(cues, spec, fps)),
    )
    files.script.write_text(script(cues, width, height, fps), "utf-8")
    files.fonts.mkdir(exist_ok=True)
    shutil.copyfile(FONT_FILE, files.fonts / FONT_FILE.name)
    files.fontconfig.write_text(EMPTY_FONTCONFIG, "utf-8")
    return files
