"""The WebVTT reader (captions.py) and the subtitle events made from its cues
(subtitles.py): what is read, what is refused and where, how cues become at most two
lines on screen, each on the very frames where it is spoken."""

import itertools

import pytest

from microservices.video import subtitles
from microservices.video.captions import CaptionsInvalid, Cue, parse


def test_cues_are_read_with_their_times_and_plain_text():
    text = (
        "\ufeffWEBVTT - narration\r\nKind: captions\r\n\r\n"
        "NOTE made by the audio service\r\nover two lines\r\n\r\n"
        "STYLE\r\n::cue { color: red }\r\n\r\n"
        "intro\r\n00:00.000 --> 00:01.500 align:start line:0\r\n"
        "<v Ana>Bonjour &amp; <b>bienvenue</b></v>\r\nà tous\r\n\r\n\r\n"
        "01:00:02.250 --> 01:00:03.000\r\n<c.loud>Größe</c> &lt;3&nbsp;ok\r\n"
    )
    assert parse(text) == [
        Cue(0.0, 1.5, "Bonjour & bienvenue à tous"),
        Cue(3602.25, 3603.0, "Größe <3 ok"),
    ]


def test_cues_never_on_screen_are_left_out():
    text = "WEBVTT\n\n00:02.000 --> 00:01.000\nbackwards\n\n00:03.000 --> 00:04.000\n<b></b>\n"
    assert parse(text) == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("WEBVTTX\n\n00:00.000 --> 00:01.000\nhi\n", "line 1"),
        ("", "line 1"),
        ("WEBVTT\n00:00.000 --> 00:01.000\nhi\n", "line 2"),
        ("WEBVTT\n\n00:00.000 -> 00:01.000\nhi\n", "line 3"),
        ("WEBVTT\n\n0:00.000 --> 00:01.000\nhi\n", "line 3"),
        ("WEBVTT\n\n00:60.000 --> 00:61.000\nhi\n", "line 3"),
        ("WEBVTT\n\nid\n00:00.00 --> 00:01.000\nhi\n", "line 4"),
        ("WEBVTT\n\njust words\nand more\n", "line 3"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n00:01.000 --> 00:02.000\n", "line 5"),
    ],
)
def test_what_is_not_webvtt_is_refused_naming_the_line(text, where):
    with pytest.raises(CaptionsInvalid, match=where):
        parse(text)


FPS = 30
VERTICAL = subtitles.layout(1080, 1920)


def frames_of(events):
    return [(first, after) for first, after, _ in events]


def test_a_cue_is_on_the_frames_where_it_is_spoken():
    # 1.0 s is frame 30 exactly; 2.01 s falls inside frame 60 (2.0 s), so 61 is the first
    # frame at or after it; 3.0 s is frame 90.
    events = subtitles.events([Cue(1.0, 2.01, "Olá"), Cue(2.5, 3.0, "Adeus")], VERTICAL, FPS)
    assert frames_of(events) == [(30, 61), (75, 90)]


def test_ass_times_fall_between_the_frames_they_bound():
    """libass shows an event on the frames whose time in whole ms is >= Start and < End."""
    for fps in (24, 30, 60):
        for frame in range(1, 400):
            cs = subtitles._ass_time(frame, fps).split(":")
            ms = (int(cs[0]) * 3600 + int(cs[1]) * 60 + float(cs[2])) * 1000
            before, at = int((frame - 1) * 1000 / fps), int(frame * 1000 / fps - 1e-6)
            assert before < ms <= at, (fps, frame)


def test_overlapping_cues_end_where_the_next_begins():
    events = subtitles.events([Cue(0.0, 2.0, "one"), Cue(1.0, 3.0, "two")], VERTICAL, FPS)
    assert frames_of(events) == [(0, 30), (30, 90)]


def test_a_long_cue_is_shown_two_lines_at_a_time_over_its_whole_time():
    text = " ".join(["Informação sobre a viagem de amanhã à montanha"] * 4)
    cue = Cue(1.0, 9.0, text)
    events = subtitles.events([cue], VERTICAL, FPS)
    assert len(events) >= 2
    assert events[0][0] == 30 and events[-1][1] == 270
    assert all(a[1] == b[0] for a, b in itertools.pairwise(events))
    shown = []
    for _, _, lines in events:
        parts = lines.split("\\N")
        assert 1 <= len(parts) <= subtitles.MAX_LINES
        shown += parts
    assert " ".join(shown) == text
    face = subtitles._face(VERTICAL.font_size)
    assert all(face.getlength(line) <= VERTICAL.text_width for line in shown)


def test_text_that_looks_like_ass_markup_is_drawn_as_it_is():
    (event,) = subtitles.events([Cue(0, 1, r"{\b1}a\Nb")], VERTICAL, FPS)
    assert event[2] == "\\{\\\u2060b1\\}a\\\u2060Nb"


def test_the_subtitles_stay_inside_the_safe_area():
    for width, height in ((1080, 1920), (720, 1280), (1080, 1080), (1920, 1080)):
        spec = subtitles.layout(width, height)
        left, top, right, bottom = spec.area()
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
        if height > width:  # 9:16: clear of the bottom 20 % and of the sides
            assert bottom <= 0.8 * height
            assert left >= 0.05 * width and right <= 0.95 * width
        share = subtitles.FONT_SHARE[subtitles._orientation(width, height)]
        assert spec.font_size == round(height * share)


def test_libass_draws_only_where_what_is_shown_changes(tmp_path):
    """The band (subtitles.SubtitleFiles.band): libass draws at each event's first frame
    and the frame after its last, the overlay is on exactly the events' frames, over the
    subtitle area's rows; with nothing to show, nothing is laid on the frames."""
    cues = [Cue(1.0, 2.01, "Olá"), Cue(2.5, 3.0, "Adeus")]
    files = subtitles.write_files(tmp_path, cues, 1080, 1920, FPS)
    assert files.frames == ((30, 61), (75, 90))
    band = files.band((1080, 1920), FPS, "k")
    assert band is not None
    source, overlay = band
    assert "select='eq(n,0)+eq(n,30)+eq(n,61)+eq(n,75)+eq(n,90)'" in source
    assert "trim=end_frame=91," in source and ":alpha=1," in source
    left, top, right, bottom = files.area
    _, area_top, _, area_bottom = VERTICAL.area()
    assert (left, right) == (0, 1080) and top <= area_top and area_bottom <= bottom
    assert top % 2 == bottom % 2 == 0
    assert source.endswith(f"crop=1080:{bottom - top}:0:{top}[subs]")
    assert overlay == f"overlay=x=0:y={top}:enable='between(k,30,60)+between(k,75,89)'"
    silent = subtitles.write_files(tmp_path, [Cue(2.0, 1.0, "never")], 1080, 1920, FPS)
    assert silent.band((1080, 1920), FPS, "k") is None
