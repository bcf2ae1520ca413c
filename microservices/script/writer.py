"""The offline script writer: deterministic (the same request always gives the same
text), in the request's language, shaped by its use case and voiced by its style.

A script is a hook (the style's opening line and the use case's introduction, which
quotes the title), a body and a close (the use case's conclusion and the style's last
line). The body's points come from the description, one per sentence or bullet, each
led in the use case's way ("Step 2:", "Then something shifted:"); without a description,
from general points about the title. The use case sets the length in words (a
youtube_short is 30 to 60 seconds of speech at ~150 words a minute); the style sets how
often its asides interrupt and how many sentences make a paragraph. Every choice among
equivalent phrasings is drawn from a generator seeded by the request itself.
"""

import hashlib
import random
import re
from dataclasses import dataclass

from microservices.script.phrases import PHRASES, Frame, Phrases

# What counts as a spoken word: "don't", "l'idée" and "mal-entendidos" are one each.
WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")

# (fewest, most) words per use case.
BUDGETS: dict[str, tuple[int, int]] = {
    "youtube_short": (85, 140),
    "commercial": (90, 170),
    "inspirational": (130, 260),
    "storytelling": (170, 400),
    "educational": (190, 480),
    "tutorial": (190, 480),
    "explanation": (220, 600),
}
# After how many points the frame develops the last one; 0: only to reach the minimum.
DEVELOP_EVERY: dict[str, int] = {
    "youtube_short": 0,
    "commercial": 2,
    "inspirational": 1,
    "storytelling": 1,
    "educational": 1,
    "tutorial": 1,
    "explanation": 1,
}


@dataclass(frozen=True, slots=True)
class Rhythm:
    aside_every: int  # an aside after every this many points
    paragraph: int  # sentences per paragraph


RHYTHMS: dict[str, Rhythm] = {
    "educational": Rhythm(aside_every=2, paragraph=3),
    "inspirational": Rhythm(aside_every=2, paragraph=2),
    "comedic": Rhythm(aside_every=1, paragraph=2),
    "dramatic": Rhythm(aside_every=1, paragraph=1),
    "casual": Rhythm(aside_every=2, paragraph=2),
    "professional": Rhythm(aside_every=3, paragraph=4),
}

MAX_TEXT = 20000  # characters, the most a project's script_text holds
MAX_POINTS = 60
POINT_WORDS = 40  # a longer sentence of the description is cut to this many words
TITLE_WORDS = 40  # the introduction quotes at most this many words of the title
SHORT_TITLE_WORDS = 10  # past this, later mentions quote the title's start

_BULLET = re.compile(r"^(?:[-*\u2022\u00b7\u2013\u2014>]+|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_ENDS = (".", "!", "?", "\u2026")


@dataclass(frozen=True, slots=True)
class Brief:
    title: str
    description: str
    use_case: str
    language: str
    style: str


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def write(brief: Brief) -> str:
    table = PHRASES[brief.language]
    frame = table.frames[brief.use_case]
    tone = table.tones[brief.style]
    rhythm = RHYTHMS[brief.style]
    rng = random.Random(_seed(brief))
    fewest, most = BUDGETS[brief.use_case]

    title = " ".join(brief.title.split())
    full = table.quote(_start(title, TITLE_WORDS))
    short = table.quote(_start(title, SHORT_TITLE_WORDS))

    def mention(template: str) -> str:
        return template.format(title=short)

    hook = [rng.choice(tone.opener), rng.choice(frame.intro).format(title=full)]
    close = [mention(rng.choice(frame.outro)), rng.choice(tone.closer)]
    given = points_of(brief.description)
    general = [mention(p) for p in _shuffled(rng, table.generic_points)]
    developments = [mention(d) for d in _shuffled(rng, frame.develop)]
    asides = _shuffled(rng, tone.aside)

    body: list[str] = []
    used = count_words(" ".join(hook + close))
    placed = 0

    def add(sentence: str) -> bool:
        nonlocal used
        words = count_words(sentence)
        if used + words > most:
            return False
        body.append(sentence)
        used += words
        return True

    def add_point(point: str) -> bool:
        nonlocal placed
        if add(f"{_lead(frame, placed)} {_soften(point, table)}"):
            placed += 1
            return True
        return False

    develop_every = DEVELOP_EVERY[brief.use_case]
    # The description's points, then general ones while the script is short of its length.
    for point in [*given, *general]:
        if placed >= len(given) and used >= fewest:
            break
        if not add_point(point):
            continue  # too long for what is left; a shorter one may fit
        if develop_every and placed % develop_every == 0 and developments:
            add(developments.pop(0))
        if placed % rhythm.aside_every == 0 and asides:
            add(asides.pop(0))
    # Still short: what is left of the developments and asides.
    for extra in [*developments, *asides]:
        if used >= fewest:
            break
        add(extra)

    paragraphs = [" ".join(hook)]
    size = rhythm.paragraph
    paragraphs += [" ".join(body[i : i + size]) for i in range(0, len(body), size)]
    paragraphs.append(" ".join(close))
    return cap("\n\n".join(paragraphs), MAX_TEXT)


def points_of(description: str) -> list[str]:
    """The description's sentences and bullets, each a complete, bounded sentence."""
    points: list[str] = []
    seen: set[str] = set()
    for line in description.splitlines():
        line = _BULLET.sub("", line.strip())
        for piece in _SENTENCE_END.split(line):
            piece = " ".join(piece.split())
            if not any(ch.isalnum() for ch in piece):
                continue
            if len(piece.split()) > POINT_WORDS:
                piece = _clip(piece, POINT_WORDS)
            if not piece.endswith(_ENDS):
                piece = piece.rstrip(",;:-\u2013\u2014 ") + "."
            key = piece.casefold()
            if key not in seen:
                seen.add(key)
                points.append(piece)
            if len(points) == MAX_POINTS:
                return points
    return points


def _seed(brief: Brief) -> int:
    fields = (brief.title, brief.description, brief.use_case, brief.language, brief.style)
    return int.from_bytes(hashlib.sha256("\x1f".join(fields).encode()).digest()[:8], "big")


def _shuffled(rng: random.Random, items: tuple[str, ...]) -> list[str]:
    out = list(items)
    rng.shuffle(out)
    return out


def _lead(frame: Frame, index: int) -> str:
    """The lead of the point at `index`: the first lead first, then the others in turn."""
    leads = frame.lead
    if index == 0 or len(leads) == 1:
        template = leads[0]
    else:
        template = leads[1 + (index - 1) % (len(leads) - 1)]
    return template.format(n=index + 1)


def _soften(point: str, table: Phrases) -> str:
    """A point after a lead's colon: its first letter lowercased where the language
    wants it and the first word is a common one (never a name)."""
    if not table.lower_after_colon:
        return point
    match = _FIRST_WORD.match(point)
    if match is None:
        return point
    word = match.group(0)
    if word.casefold() not in table.function_words or (len(word) > 1 and word.isupper()):
        return point
    return point[0].lower() + point[1:]


def _clip(text: str, words: int) -> str:
    """The first `words` words of `text`, cut at a clause boundary when one is near."""
    tokens = text.split()
    if len(tokens) <= words:
        return text
    cut = " ".join(tokens[:words])
    clause = max(cut.rfind(", "), cut.rfind("; "), cut.rfind(": "))
    if clause > len(cut) // 2:
        cut = cut[:clause]
    return cut.rstrip(",;:-\u2013\u2014 ") + "."


def _start(title: str, words: int) -> str:
    """The title, or its first words and an ellipsis when it has more than `words`."""
    tokens = title.split()
    if len(tokens) <= words:
        return title
    return " ".join(tokens[: words - 2]).rstrip(",;:.") + "\u2026"


def cap(text: str, limit: int = MAX_TEXT) -> str:
    """`text` within `limit` characters, cut after a sentence where it must be cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(e) for e in _ENDS)
    return cut[: end + 1] if end > 0 else cut
