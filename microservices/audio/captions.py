"""Timed captions of a narration, as WebVTT.

Timings come in two kinds: marks (a character of the script began at a time: eSpeak's
word events, ElevenLabs' character alignment), which time each word; or only a stretch
of time for a piece of the script (a sentence spoken by a provider that gives no
timings), over which its words are spread by their length. Words are then grouped into
cues that read well: at most two lines of at most LINE_CHARS characters, a cue never
spanning two sentences. A cue's text is the script's own words, punctuation kept."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microservices.audio.text import Span, Token, tokens

LINE_CHARS = 42
LINES = 2
MIN_CUE_S = 0.05
_SENTENCE_END = tuple(".!?…")
_CLOSING = "\"'\u201d\u2019\u00bb)]"  # closing quotes and brackets after a full stop


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


def marked_words(
    text: str, span: Span, marks: Iterable[tuple[int, float]], offset: float, end: float
) -> list[Word]:
    """The words of text[span], timed by marks: (character index in `text`, seconds
    from the start of this piece's audio). A word starts at the first mark inside it
    (a word without one starts with the word before it) and ends where the next word
    starts; the last ends at `end` (seconds, like `offset`, from the narration's start)."""
    found = tokens(text, span)
    if not found:
        return []
    ordered = sorted(marks)
    starts: list[float | None] = []
    at = 0
    for token in found:
        while at < len(ordered) and ordered[at][0] < token.start:
            at += 1
        inside = [t for i, t in ordered[at:] if i < token.end] if at < len(ordered) else []
        starts.append(offset + min(inside) if inside else None)
    return _timed(found, starts, offset, end)


def spread_words(text: str, span: Span, start: float, end: float) -> list[Word]:
    """The words of text[span] over [start, end], each for a time in proportion to its
    length (a sentence spoken by a provider that says nothing of its timing)."""
    found = tokens(text, span)
    weights = [len(t.text) + 1 for t in found]
    total = sum(weights) or 1
    starts: list[float | None] = []
    elapsed = 0
    for weight in weights:
        starts.append(start + (end - start) * elapsed / total)
        elapsed += weight
    return _timed(found, starts, start, end)


def _timed(
    found: Sequence[Token], starts: list[float | None], first: float, end: float
) -> list[Word]:
    words, previous = [], first
    for i, token in enumerate(found):
        given = starts[i]
        # never before the word before, never past the audio (a mark can overshoot it)
        begin = min(end, max(previous, given)) if given is not None else previous
        following = next((s for s in starts[i + 1 :] if s is not None), end)
        words.append(Word(token.text, begin, max(begin, min(end, following))))
        previous = begin
    return words


def scaled(words: Iterable[Word], factor: float) -> list[Word]:
    """Timings after the audio was sped up by `factor` (a tempo change applied after)."""
    return [Word(w.text, w.start / factor, w.end / factor) for w in words]


def cues(words: Sequence[Word], duration: float) -> list[Cue]:
    """Words grouped into cues, in order, inside [0, duration], none overlapping."""
    groups: list[list[list[Word]]] = []
    lines: list[list[Word]] = []
    for word in words:
        line = lines[-1] if lines else None
        if line is not None and _length(line) + 1 + len(word.text) <= LINE_CHARS:
            line.append(word)
        elif line is not None and len(lines) < LINES:
            lines.append([word])
        else:
            if lines:
                groups.append(lines)
            lines = [[word]]
        if word.text.rstrip(_CLOSING).endswith(_SENTENCE_END):
            groups.append(lines)
            lines = []
    if lines:
        groups.append(lines)
    out: list[Cue] = []
    for group in groups:
        first, last = group[0][0], group[-1][-1]
        start = min(max(first.start, out[-1].end if out else 0.0), duration)
        end = min(max(last.end, start + MIN_CUE_S), duration)
        if end <= start:
            continue  # past the end of the audio: nothing left to show it over
        text = tuple(" ".join(w.text for w in line) for line in group)
        out.append(Cue(start, end, text))
    return out


def _length(line: list[Word]) -> int:
    return sum(len(w.text) for w in line) + len(line) - 1


def webvtt(cues: Iterable[Cue]) -> str:
    """A WebVTT file of the cues."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues, 1):
        text = "\n".join(_escape(line) for line in cue.lines)
        blocks.append(f"{number}\n{_stamp(cue.start)} --> {_stamp(cue.end)}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _escape(line: str) -> str:
    # What WebVTT cue text reserves; its parsers (and ffmpeg's) turn these back.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
