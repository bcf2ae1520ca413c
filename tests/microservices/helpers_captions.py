"""Checking the captions the audio service answers with: a WebVTT file, served as
text/vtt, whose cues cover the narration in order, inside its duration, and read as the
script's own words."""

import re
from dataclasses import dataclass

import aiohttp

STAMP = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
TIMING = re.compile(rf"{STAMP} --> {STAMP}")
MARKUP = "*_`#~"


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_webvtt(text: str) -> list[Cue]:
    assert text.startswith("WEBVTT\n"), text[:50]
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        at = next(i for i, line in enumerate(lines) if "-->" in line)
        match = TIMING.fullmatch(lines[at])
        assert match, lines[at]
        g = match.groups()
        body = [
            line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            for line in lines[at + 1 :]
        ]
        cues.append(Cue(_seconds(*g[:4]), _seconds(*g[4:]), body))
    return cues


def script_words(script: str) -> list[str]:
    """The script's words as a caption shows them: no markup, no control characters."""
    shown = ("".join(ch for ch in w if ch.isprintable()).strip(MARKUP) for w in script.split())
    return [w for w in shown if w]


def assert_captions(cues: list[Cue], script: str, duration: float) -> None:
    """In order, not overlapping, inside [0, duration], each readable, and together
    exactly the script's words."""
    assert cues, "no cues"
    previous_end = 0.0
    for cue in cues:
        assert 0 <= cue.start < cue.end <= duration + 0.0005, (cue, duration)
        assert cue.start >= previous_end - 0.0005, (cue, previous_end)
        assert 1 <= len(cue.lines) <= 2, cue
        for line in cue.lines:
            assert len(line) <= 42 or " " not in line, cue
        previous_end = cue.end
    spoken = [w for cue in cues for w in cue.text.split()]
    assert spoken == script_words(script)
    # they cover the narration: from its start to near its end
    assert cues[0].start < 0.25 * duration + 0.5
    assert cues[-1].end > 0.6 * duration


async def fetch_captions(session: aiohttp.ClientSession, url: str) -> list[Cue]:
    async with session.get(url) as response:
        assert response.status == 200
        assert response.content_type == "text/vtt"
        return parse_webvtt(await response.text())
