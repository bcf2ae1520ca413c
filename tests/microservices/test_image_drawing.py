"""The offline drawings as functions, without the service (test_image.py serves them):
each style the same picture for the same prompt, captions that fit and spell accents,
and a scene composed for a narrow frame."""

import hashlib

import pytest

from microservices.image import caption
from microservices.image.draw import render
from microservices.image.models import STYLES
from microservices.image.scene import WIDE, compose


def test_drawing_is_deterministic_for_every_style():
    def digest(style: str) -> str:
        return hashlib.sha256(
            render("A red bicycle in Paris", style, (480, 270)).tobytes()
        ).hexdigest()

    for style in STYLES:
        assert digest(style) == digest(style), style


def test_captions_fit_and_spell_accents():
    face, lines, step = caption.layout("x" * 1000, 1700, 430)
    assert len(lines) * step <= 430 and "".join(lines) == "x" * 1000  # fits, all of it
    face, lines, step = caption.layout("W" * 1000, 1700, 200)
    assert len(lines) * step <= 200 and lines[-1].endswith(caption.ELLIPSIS)
    face, lines, _ = caption.layout("A short prompt", 1700, 430)
    assert lines == ["A short prompt"] and face.size == caption.SIZES[0]
    plain, marks = caption.spell("Ça été Straße, piñata")
    assert plain == "Ca ete Strasse, pinata"
    assert [kind for _, kind in marks] == ["cedilla", "acute", "acute", "tilde"]


def test_a_narrow_frame_keeps_the_shapes_and_shows_fewer_things_across():
    """At 9:16 a cloud, the sun and a building keep their 16:9 proportions on screen
    (not squeezed), and the 16:9 scene is exactly what it always was."""
    prompt = "A city with trees under the clouds"
    wide, tall = compose(prompt), compose(prompt, 9 / 16)
    assert compose(prompt, WIDE) == wide

    def on_screen(e, size):  # a shape's width / height in pixels
        return e[2] * size[0] / (e[3] * size[1])

    for a, b in zip(wide.clouds[0], tall.clouds[0], strict=True):
        assert on_screen(a, (1920, 1080)) == pytest.approx(on_screen(b, (1080, 1920)))
    assert wide.sun[2] * 1920 / 1080 == pytest.approx(tall.sun[2] * 1080 / 1920)
    assert len(tall.buildings) < len(wide.buildings)
    assert tall.buildings[0].width * 1080 / 1920 == pytest.approx(
        wide.buildings[0].width * 1920 / 1080
    )
