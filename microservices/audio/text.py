"""A script as a speech provider and a caption see it: sentences (what one provider call
speaks, under the provider's input limit) and words (what a caption shows), each as a
span of the script, so that timings found for characters land on words."""

import re
from dataclasses import dataclass

# A sentence ends after . ! ? … (and closing quotes or brackets) before whitespace, or at
# a line break.
_SENTENCE_END = re.compile("[.!?\u2026]+[\"'\u201d\u2019\u00bb)\\]]*(?=\\s)|\n")
_WORD = re.compile(r"\S+")
# Markdown an author may leave in a script: shown nowhere, spoken by no one.
_MARKUP = "*_`#~"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the script as a caption shows it (punctuation kept, markup dropped)."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """The script's sentences, in order, without their surrounding whitespace."""
    spans, at = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append(Span(at, match.end()))
        at = match.end()
    spans.append(Span(at, len(text)))
    return [s for s in (_trimmed(text, span) for span in spans) if s is not None]


def pieces(text: str, limit: int, *, group: bool) -> list[Span]:
    """What the provider is asked to speak, call by call: each sentence (`group` False) or
    as many whole sentences as fit (`group` True), never longer than `limit` characters; a
    sentence longer than that is cut at the last whitespace before it."""
    out: list[Span] = []
    for sentence in sentences(text):
        for part in _cut(text, sentence, limit):
            last = out[-1] if out else None
            if group and last is not None and part.end - last.start <= limit:
                out[-1] = Span(last.start, part.end)
            else:
                out.append(part)
    return out


def tokens(text: str, within: Span | None = None) -> list[Token]:
    """The words of `text` (or of the span of it), each with its caption text (no control
    characters); a word that is only markup is left out."""
    start, end = (within.start, within.end) if within else (0, len(text))
    found = []
    for match in _WORD.finditer(text, start, end):
        shown = "".join(ch for ch in match.group() if ch.isprintable()).strip(_MARKUP)
        if shown:
            found.append(Token(match.start(), match.end(), shown))
    return found


def _trimmed(text: str, span: Span) -> Span | None:
    chunk = text[span.start : span.end]
    stripped = chunk.strip()
    if not stripped:
        return None
    lead = len(chunk) - len(chunk.lstrip())
    return Span(span.start + lead, span.start + lead + len(stripped))


def _cut(text: str, span: Span, limit: int) -> list[Span]:
    parts, at = [], span.start
    while span.end - at > limit:
        cut = text.rfind(" ", at + 1, at + limit)
        cut = cut if cut > at else at + limit
        part = _trimmed(text, Span(at, cut))
        if part is not None:
            parts.append(part)
        at = cut
    last = _trimmed(text, Span(at, span.end))
    if last is not None:
        parts.append(last)
    return parts
