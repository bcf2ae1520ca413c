"""Captions and the script's pieces, without audio: sentences and provider pieces under
a limit, words with their caption text, word timings from marks or spread over a
sentence, readable cues, and the WebVTT they make."""

from hypothesis import given, settings
from hypothesis import strategies as st

from microservices.audio.captions import (
    LINE_CHARS,
    Word,
    cues,
    marked_words,
    scaled,
    spread_words,
    webvtt,
)
from microservices.audio.text import Span, pieces, sentences, tokens
from tests.microservices.helpers_captions import assert_captions, parse_webvtt

SCRIPT = 'Bees dance. "Where?" she asked! Near the river… it is far?\nYes **really** far.'


def texts(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def test_sentences_end_at_stops_and_line_breaks():
    assert texts(SCRIPT, sentences(SCRIPT)) == [
        "Bees dance.",
        '"Where?"',
        "she asked!",
        "Near the river…",
        "it is far?",
        "Yes **really** far.",
    ]
    assert texts("3.5 is a number. e.g. this", sentences("3.5 is a number. e.g. this")) == [
        "3.5 is a number.",
        "e.g.",
        "this",
    ]


def test_pieces_group_whole_sentences_under_the_limit():
    text = " ".join(f"Sentence number {i}." for i in range(100))
    grouped = pieces(text, 200, group=True)
    assert all(s.end - s.start <= 200 for s in grouped)
    assert all(text[s.end - 1] == "." for s in grouped)  # never mid-sentence
    assert " ".join(texts(text, grouped)) == text
    single = pieces(text, 200, group=False)
    assert len(single) == 100


def test_a_sentence_past_the_limit_is_cut_between_words():
    text = "word " * 300 + "end."
    cut = pieces(text.strip(), 100, group=True)
    assert all(s.end - s.start <= 100 for s in cut)
    assert " ".join(texts(text, cut)) == text.strip()
    # no word is cut in two
    assert all(len(w) <= 4 for t in texts(text, cut) for w in t.split())


def test_tokens_keep_punctuation_and_drop_markup_and_control_characters():
    shown = [t.text for t in tokens("**Bold** # Title\x07 _it_ \x00 `code`, ok.")]
    assert shown == ["Bold", "Title", "it", "code`,", "ok."]


def test_marked_words_start_at_their_first_mark():
    text = "Hello big world"
    marks = [(0, 0.0), (6, 0.5), (7, 0.55), (10, 1.0)]
    words = marked_words(text, Span(0, len(text)), marks, 2.0, 4.0)
    assert words == [
        Word("Hello", 2.0, 2.5),
        Word("big", 2.5, 3.0),
        Word("world", 3.0, 4.0),
    ]


def test_a_word_without_a_mark_starts_with_the_one_before():
    text = "One — two"
    words = marked_words(text, Span(0, len(text)), [(0, 0.0), (6, 1.0)], 0.0, 2.0)
    assert [(w.text, w.start) for w in words] == [("One", 0.0), ("—", 0.0), ("two", 1.0)]


def test_spread_words_share_the_sentence_time_by_length():
    text = "a bbbbbbb"
    words = spread_words(text, Span(0, len(text)), 1.0, 2.0)
    assert words[0] == Word("a", 1.0, 1.2)
    assert words[1] == Word("bbbbbbb", 1.2, 2.0)


def test_scaled_timings_follow_a_tempo_change():
    assert scaled([Word("a", 1.0, 2.0)], 2.0) == [Word("a", 0.5, 1.0)]


def test_cues_are_readable_and_never_cross_a_sentence():
    text = (
        "This is a rather long first sentence that will need more than one line to show. "
        "Short. And a last one."
    )
    words = spread_words(text, Span(0, len(text)), 0.0, 10.0)
    made = cues(words, 10.0)
    for cue in made:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= LINE_CHARS for line in cue.lines)
    assert ("Short.",) in [c.lines for c in made]
    assert made[-1].lines == ("And a last one.",)
    assert_captions(parse_webvtt(webvtt(made)), text, 10.0)


def test_cues_stay_inside_the_duration():
    words = [Word("late", 9.9, 12.0), Word("later.", 12.0, 13.0), Word("gone", 13.0, 14.0)]
    made = cues(words, 10.0)
    assert made[0].start == 9.9 and made[-1].end <= 10.0
    assert all(c.start < 10.0 for c in made)


def test_webvtt_escapes_what_cue_text_reserves():
    text = "Fish & chips <b>now</b> --> ok."
    vtt = webvtt(cues(spread_words(text, Span(0, len(text)), 0.0, 3.0), 3.0))
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert "&amp;" in vtt and "&lt;b&gt;now&lt;/b&gt;" in vtt and "--&gt;" in vtt
    assert parse_webvtt(vtt)[0].text == text
    assert webvtt([]) == "WEBVTT\n"


@settings(deadline=None)  # no timed assertions: a busy machine is no failure
@given(
    st.lists(
        st.text(alphabet="abcdefghij .,!?\n*", min_size=1, max_size=40).filter(
            lambda s: any(c.isalnum() for c in s)
        ),
        min_size=1,
        max_size=8,
    ),
    st.floats(min_value=0.5, max_value=100),
)
def test_any_script_gives_cues_of_its_words_in_order(parts, duration):
    text = " ".join(parts)
    # The limit is past the longest part (40 characters), so that no word is longer than
    # one call may take: such a word is cut where the limit falls, by design (pieces()).
    spans = pieces(text, 45, group=True)
    step = duration / len(spans)
    words = []
    for i, span in enumerate(spans):
        words += spread_words(text, span, i * step, (i + 1) * step)
    assert_captions(parse_webvtt(webvtt(cues(words, duration))), text, duration)


def test_marks_past_the_audio_are_held_at_its_end():
    text = "one two three"
    words = marked_words(text, Span(0, len(text)), [(0, 0.0), (4, 0.5), (8, 9.0)], 0.0, 1.0)
    assert words[-1] == Word("three", 1.0, 1.0)
    assert cues(words, 1.0)[-1].end <= 1.0
