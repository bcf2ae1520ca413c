"""The offline drawings' prompt label in a video made of them (microservices/image/
safe_area.py): inside what every frame of every template shows of the picture, at every
aspect and resolution, and on 9:16 above the band of burned-in subtitles.

Checked with the video service's own code, not with safe_area's figures: the label's
pixels (the drawing with it against the drawing without it) made the video's picture by
its preparation (fetch.prepare_image: the cover crop, and a motion template's larger
picture), then the window of every frame of the motion templates (motion.frame_cuts over
a timeline.plan whose scenes take every ken_burns path) and the subtitles' area
(subtitles.layout)."""

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from microservices.image import draw
from microservices.image.models import SIZES
from microservices.image.safe_area import label_area
from microservices.video import motion, subtitles
from microservices.video.fetch import prepare_image
from microservices.video.models import SIZES as RESOLUTIONS
from microservices.video.models import frame_size
from microservices.video.timeline import plan

PROMPTS = (
    "A boat",
    "Ça été Straße, piñata: un éléphant à São Paulo",  # accents over and under the lines
    " ".join(["A lighthouse on a rocky coast at sunset, seagulls over the waves."] * 15),
)
STYLE = "flat_design"
# Every ken_burns path (one scene each), at a low rate: each scene's first and last
# frames (its ends: the deepest zoom, the anchors) are among the frames cut.
TIMELINE = plan(8.0, 12, len(motion.KEN_BURNS), 0.5)
Box = tuple[int, int, int, int]


def label_pixels(
    prompt: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> Image.Image:
    """White where the label changed the drawing, black elsewhere."""
    drawn = draw.render(prompt, STYLE, size)
    with monkeypatch.context() as patch:
        patch.setattr(draw, "caption", lambda *args, **kwargs: None)
        bare = draw.render(prompt, STYLE, size)
    red, green, blue = ImageChops.difference(drawn, bare).split()
    changed = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return changed.point(lambda v: 255 if v else 0)


def as_prepared(mask: Image.Image, size: tuple[int, int], tmp_path: Path) -> Box:
    """The label's bounding box in the picture the video service makes of the drawing
    at `size` (its resampling spreads it a pixel or two: the box errs on the large side)."""
    source = tmp_path / f"label-{size[0]}x{size[1]}.png"
    mask.convert("RGB").save(source)
    with Image.open(prepare_image(source, size, 1 << 30, "images[0]")) as prepared:
        assert prepared.size == size
        box = prepared.getbbox()
    assert box is not None
    return box


def shown(cut: motion.Cut, frame: int) -> tuple[float, float]:
    """The picture's span (pixels) that a frame's cut shows along its axis."""
    ratio = cut.size / cut.scaled
    return cut.start + cut.offset * ratio, cut.start + (cut.offset + frame) * ratio


def on_frame(cut: motion.Cut, position: float) -> float:
    """Where the picture's `position` lands on the frame along the cut's axis."""
    return (position - cut.start) * cut.scaled / cut.size - cut.offset


@pytest.mark.parametrize("aspect", sorted(SIZES))
def test_the_label_is_in_every_frame_of_every_template_and_clear_of_the_subtitles(
    aspect: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    size = SIZES[aspect]
    for prompt in PROMPTS:
        mask = label_pixels(prompt, size, monkeypatch)
        box = mask.getbbox()
        assert box is not None, prompt
        left, top, right, bottom = label_area(size)
        assert left <= box[0] and top <= box[1] and box[2] <= right and box[3] <= bottom
        for resolution in RESOLUTIONS:
            width, height = frame_size(resolution, aspect)
            # The frames' rows the subtitles may cover: their area's, from an even row.
            band_top = subtitles.layout(width, height).area()[1]
            band_top -= band_top % 2
            where = (prompt[:12], resolution)
            # The still templates show the picture made at the frame's size, whole.
            still = as_prepared(mask, (width, height), tmp_path)
            if aspect == "9:16":
                assert still[3] <= band_top, where
            picture = as_prepared(mask, motion.picture_size(width, height), tmp_path)
            x_first, y_first, x_end, y_end = picture
            for template in sorted(motion.TEMPLATES):
                cuts = motion.frame_cuts(template, TIMELINE, width, height)
                for n, (x, y) in enumerate(cuts):
                    (x0, x1), (y0, y1) = shown(x, width), shown(y, height)
                    assert x0 <= x_first and x_end <= x1, (*where, template, n)
                    assert y0 <= y_first and y_end <= y1, (*where, template, n)
                    if aspect == "9:16":
                        assert on_frame(y, y_end) <= band_top, (*where, template, n)
