"""The writer's text tables, one module per language: native sentences, not translations
flagged with a language code.

A `Frame` is the shape of one use case (how it opens, leads into each point, develops
and closes); a `Tone` is the voice of one style (its opening line, the asides dropped
between points, its closing line). Templates take `{title}` (the quoted title) and leads
take `{n}` (the point's number). Nothing in a template agrees in gender or case with the
title, so any title fits."""

from dataclasses import dataclass
from typing import get_args

from microservices.script.models import Style, UseCase

USE_CASES: tuple[str, ...] = get_args(UseCase)
STYLES: tuple[str, ...] = get_args(Style)


@dataclass(frozen=True, slots=True)
class Frame:
    intro: tuple[str, ...]
    lead: tuple[str, ...]  # the first for the first point, then the others in turn
    develop: tuple[str, ...]
    outro: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tone:
    opener: tuple[str, ...]
    aside: tuple[str, ...]
    closer: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phrases:
    name: str  # the language's English name
    quotes: tuple[str, str]
    # Lowercase a point's first letter after a lead's colon when its first word is one of
    # `function_words` (articles, pronouns...: never a name). Off where a full sentence
    # after a colon keeps its capital (English, German).
    lower_after_colon: bool
    function_words: frozenset[str]
    generic_points: tuple[str, ...]  # the points when the description gives none
    frames: dict[str, Frame]
    tones: dict[str, Tone]

    def quote(self, text: str) -> str:
        return f"{self.quotes[0]}{text}{self.quotes[1]}"


def _load() -> dict[str, Phrases]:
    from microservices.script.phrases import de, en, es, fr, it, pt

    tables = {"en": en.PHRASES, "fr": fr.PHRASES, "es": es.PHRASES, "de": de.PHRASES}
    tables |= {"it": it.PHRASES, "pt": pt.PHRASES}
    for code, table in tables.items():
        assert set(table.frames) == set(USE_CASES), code
        assert set(table.tones) == set(STYLES), code
    return tables


PHRASES: dict[str, Phrases] = _load()
