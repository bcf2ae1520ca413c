"""WebVTT captions (the audio service's `captions_url`) read into timed cues.

A small strict reader of what the subtitles need (W3C WebVTT, "file parsing"): the
`WEBVTT` signature, the header, then blocks separated by blank lines. A cue is an
optional identifier, a timing line `[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]` and its
text; NOTE, STYLE and REGION blocks are skipped, and so are the cue settings (the
subtitles have their own place and style). In the text, tags (`<b>`, `<v Speaker>`,
`<c.class>`, inner timestamps...) are dropped and character references decoded; the lines
are joined (the subtitles wrap the text to the frame themselves).

Anything else, a timing line that does not parse above all, is a CaptionsInvalid naming
the line: a file half understood would put captions out of sync, the complaint that
users of the peer tools make most often. A cue that ends before it starts, or whose text
is empty, is never on screen: it is left out."""

import html
import re
from dataclasses import dataclass

SIGNATURE = re.compile(r"\AWEBVTT(?:[ \t].*)?\Z")
TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"\A{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t].*)?\Z")
TAG = re.compile(r"<[^>]*>")
SKIPPED_BLOCKS = re.compile(r"\A(?:NOTE|STYLE|REGION)(?:[ \t].*)?\Z")


class CaptionsInvalid(ValueError):
    """The text is not WebVTT this reader can time cues from; the message says where."""


@dataclass(frozen=True, slots=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # one paragraph: the cue's lines joined by spaces


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _text(lines: list[str]) -> str:
    """The cue's lines as plain text: tags dropped, references decoded, spaces folded."""
    plain = html.unescape(TAG.sub("", " ".join(lines)))
    return " ".join(plain.replace("\u00a0", " ").split())


def parse(text: str) -> list[Cue]:
    """The cues of a WebVTT file, in the file's order."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not SIGNATURE.match(lines[0]):
        raise CaptionsInvalid("line 1 is not the WEBVTT signature")
    if "\x00" in text:
        raise CaptionsInvalid("the text holds a NUL character")
    cues: list[Cue] = []
    k = 1
    while k < len(lines) and lines[k].strip():  # the header, up to the first blank line
        if "-->" in lines[k]:
            raise CaptionsInvalid(f"line {k + 1}: a cue before the blank line after WEBVTT")
        k += 1
    while k < len(lines):
        if not lines[k].strip():
            k += 1
            continue
        block_start = k
        block: list[str] = []
        while k < len(lines) and lines[k].strip():
            block.append(lines[k])
            k += 1
        if SKIPPED_BLOCKS.match(block[0]):
            if any("-->" in line for line in block):
                raise CaptionsInvalid(f"line {block_start + 1}: a cue inside a {block[0]} block")
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise CaptionsInvalid(f"line {block_start + 1}: a block that is not a cue")
        match = TIMING.match(block[timing_at].strip())
        if match is None:
            raise CaptionsInvalid(
                f"line {block_start + timing_at + 1}: not a timing line "
                "([hh:]mm:ss.ttt --> [hh:]mm:ss.ttt)"
            )
        start = _seconds(*match.group(1, 2, 3, 4))
        end = _seconds(*match.group(5, 6, 7, 8))
        payload = block[timing_at + 1 :]
        for j, line in enumerate(payload):
            if "-->" in line:
                at = block_start + timing_at + 2 + j
                raise CaptionsInvalid(f"line {at}: a cue's text holds '-->'")
        words = _text(payload)
        if end > start and words:
            cues.append(Cue(start, end, words))
    return cues
