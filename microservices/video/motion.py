"""The motion templates (zoom_in, zoom_out, ken_burns) without jitter and without zoompan.

zoompan crops its window at whole pixels (even ones, in yuv420p) and at a truncated
size, then scales that window to the frame: every frame is off its ideal place by up to
a pixel or two, back and forth, which shows as jitter on a slow zoom (measured: 0.6 px
rms, 1.5 px at worst, on a tracked dot). It also builds a new scaler for every frame.

Here each picture is made once at MOTION_SCALE times the frame (fetch.prepare_image),
and each frame is cut from it by three cheap steps, their whole-pixel values chosen per
frame (`solve`) so that the frame lands within a fraction of a pixel of where the motion
puts it:

    crop@motion_in (a window at x0, y0, even-sized: pointers, no copy)
      -> scale@motion (the window to Dw x Dh, a little larger than the frame: bilinear,
         one thread: a scaler is set up for every frame, and a threaded one costs its
         threads' setup each time, 4.5 ms a 1080x1920 frame instead of 2.8)
      -> crop@motion_out (the frame at c, d: pointers again).

Output pixel u then shows picture position x0 + (u + c + 0.5) * Sw / Dw; the ideal is
X + (u + 0.5) * w / W (X the window's left edge, w its width, W the frame's): the ratio
Sw / Dw is the zoom, and x0 + c * Sw / Dw is the offset, both with a fraction of a
pixel's error, where zoompan's offset was a whole pixel. Every value is even, so the
half-size chroma planes of yuv420p are cut at the same places as the luma.

The values go to the three filters as `sendcmd` commands, one line per frame of the
clips laid end to end (timeline.py), written to a file in the work directory (sendcmd
looks through every line at every frame: negligible for the few thousand frames a
render can encode within its time limit)."""

import math
from dataclasses import dataclass

from microservices.video.timeline import Timeline

ZOOM = 0.15  # zoom_in / zoom_out: from 1 to 1.15, or back
KEN_BURNS_ZOOM = 0.2
# ken_burns: per scene (in turn) zoom in or out, and where the frame drifts from and to
# (0: left/top edge, 0.5: centre, 1: right/bottom edge).
KEN_BURNS = (
    (True, (0.0, 0.2), (0.5, 0.5)),
    (False, (1.0, 0.5), (0.3, 0.5)),
    (True, (0.5, 1.0), (0.5, 0.2)),
    (False, (0.2, 0.0), (0.8, 1.0)),
)
TEMPLATES = frozenset({"zoom_in", "zoom_out", "ken_burns"})
# The picture is made this size of the frame (and a border more): every frame is then
# an upscale by 1.05 to 1.26 (ken_burns; zoom_in and zoom_out 1.05 to 1.21), never near
# a ratio of 1 or 1.5, where Sw / Dw could not also place the frame to a fraction of a
# pixel (measured over every frame of every motion template from 720p to 2160p at each
# aspect: the frame's edge pixels 0.06 px off on average, 0.32 px at worst; the middle
# of the frame closer still). Made larger (1.3: every frame a downscale), the frames
# were a little sharper but x264 took 9 % more time over them, and the scaler more.
MOTION_SCALE = 0.95
# A border around the picture the motion never shows (picture pixels): room for the
# window that is scaled to be a little larger than the frame, at the picture's edges.
BORDER = 24
EXTRA = 64  # at most this many pixels more than the frame in Dw or Dh
GOOD_ENOUGH = 0.05  # of a pixel: stop searching
SCRIPT = "motion.cmd"  # the commands' file, in ffmpeg's working directory


def _even(value: float) -> int:
    return 2 * round(value / 2)


def picture_size(width: int, height: int) -> tuple[int, int]:
    """The size the pictures of a motion template are made at, for frames of
    `width` x `height`: MOTION_SCALE times, and the BORDER around."""
    return _even(width * MOTION_SCALE) + 2 * BORDER, _even(height * MOTION_SCALE) + 2 * BORDER


@dataclass(frozen=True, slots=True)
class Cut:
    """One axis of one frame: crop `size` at `start` of the picture, scale it to
    `scaled`, crop the frame at `offset` of that; `error`: how far (output pixels, at
    worst, over the row) that lands from the ideal."""

    start: int
    size: int
    scaled: int
    offset: int
    error: float


def solve(picture: int, frame: int, window: float, left: float) -> Cut:
    """The even whole-pixel cut that shows the picture's [left, left + window] on a
    frame of `frame` pixels most closely (see the module's docstring).

    Run for each axis of each frame before ffmpeg starts (the render waits for it), so
    its inner loop is spelled out (no helper calls, no min/max/abs): 0.2-0.45 s for the
    frames of a 30 s ken_burns at 1080p, any aspect, instead of 0.7-0.9 s; the same cuts
    (every frame's commands compared, five sizes, three templates)."""
    ratio = window / frame
    half = 0.5 * ratio
    best: Cut | None = None
    best_error = math.inf
    for scaled in range(frame, frame + EXTRA + 1, 2):
        for size in {2 * math.floor(scaled * ratio / 2), 2 * math.ceil(scaled * ratio / 2)}:
            if not 0 < size <= picture:
                continue
            actual = size / scaled
            slope = frame * (actual - ratio)  # the error's growth across the row
            if abs(slope) / ratio >= best_error:
                continue
            highest = picture - size
            for offset in range(0, scaled - frame + 1, 2):
                shift = (offset + 0.5) * actual
                start = 2 * round((left - shift + half) / 2)  # even
                if start < 0:
                    start = 0
                elif start > highest:
                    start = highest
                at_left = start + shift - left - half
                at_right = at_left + slope
                at_left = at_left if at_left >= 0 else -at_left
                at_right = at_right if at_right >= 0 else -at_right
                error = (at_left if at_left > at_right else at_right) / ratio
                if error < best_error:
                    best, best_error = Cut(start, size, scaled, offset, error), error
                    if error < GOOD_ENOUGH:
                        return best
    if best is None:
        raise ValueError("no cut fits the picture")
    return best


def path(
    template: str, scene: int
) -> tuple[float, float, tuple[float, float], tuple[float, float]]:
    """(zoom at the start, zoom at the end, anchor at the start, at the end) of a scene."""
    if template == "ken_burns":
        zoom_in, start, end = KEN_BURNS[scene % len(KEN_BURNS)]
        amount = KEN_BURNS_ZOOM
    else:
        zoom_in, start, end = template == "zoom_in", (0.5, 0.5), (0.5, 0.5)
        amount = ZOOM
    low, high = 1.0, 1.0 + amount
    return (low, high, start, end) if zoom_in else (high, low, start, end)


def frame_cuts(template: str, timeline: Timeline, width: int, height: int) -> list[tuple[Cut, Cut]]:
    """(horizontal, vertical) cut of every frame of the clips laid end to end."""
    picture_w, picture_h = picture_size(width, height)
    inner_w, inner_h = picture_w - 2 * BORDER, picture_h - 2 * BORDER
    cuts = []
    for scene, clip in enumerate(timeline.clips):
        z0, z1, (ax0, ay0), (ax1, ay1) = path(template, scene)
        for k in range(clip):
            p = k / max(1, clip - 1)
            zoom = z0 + (z1 - z0) * p
            window_w, window_h = inner_w / zoom, inner_h / zoom
            left = BORDER + (inner_w - window_w) * (ax0 + (ax1 - ax0) * p)
            top = BORDER + (inner_h - window_h) * (ay0 + (ay1 - ay0) * p)
            cuts.append(
                (solve(picture_w, width, window_w, left), solve(picture_h, height, window_h, top))
            )
    return cuts


def commands(template: str, timeline: Timeline, width: int, height: int) -> str:
    """The sendcmd script: before each frame (its time, to half a frame either side),
    the three filters' values for it."""
    lines = []
    fps = timeline.fps
    for n, (x, y) in enumerate(frame_cuts(template, timeline, width, height)):
        start, end = (n - 0.5) / fps, (n + 0.5) / fps
        lines.append(
            f"{max(0.0, start):.6f}-{end:.6f} [enter] "
            f"crop@motion_in w {x.size}, crop@motion_in h {y.size}, "
            f"crop@motion_in x {x.start}, crop@motion_in y {y.start}, "
            f"scale@motion w {x.scaled}, scale@motion h {y.scaled}, "
            f"crop@motion_out x {x.offset}, crop@motion_out y {y.offset};"
        )
    return "\n".join(lines) + "\n"


def chain(width: int, height: int) -> str:
    """The filters that move the clips laid end to end, driven by the `commands` in
    SCRIPT (in ffmpeg's working directory)."""
    picture_w, picture_h = picture_size(width, height)
    return (
        f"sendcmd=f={SCRIPT},"
        f"crop@motion_in={picture_w}:{picture_h}:0:0,"
        f"scale@motion={width}:{height}:flags=bilinear:threads=1,"
        f"crop@motion_out={width}:{height}:0:0"
    )


def thumbnail(width: int, height: int) -> str:
    """The filters that make a picture of the motion's size into the frame it shows
    unzoomed (the thumbnail): the border off, scaled to the frame."""
    return f"crop=iw-{2 * BORDER}:ih-{2 * BORDER},scale={width}:{height}"
