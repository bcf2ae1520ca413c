"""The writer's text tables, one TOML file per language (`en.toml`...): native sentences,
not translations flagged with a language code. They are data, read once at import.

A `Frame` is the shape of one use case (how it opens, leads into each point, develops
and closes); a `Tone` is the voice of one style (its opening line, the asides dropped
between points, its closing line). Templates take `{title}` (the quoted title) and leads
take `{n}` (the point's number). Nothing in a template agrees in gender or case with the
title, so any title fits."""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from microservices.script.models import Language, Style, UseCase

USE_CASES: tuple[str, ...] = get_args(UseCase)
STYLES: tuple[str, ...] = get_args(Style)
LANGUAGES: tuple[str, ...] = get_args(Language)


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


def _strings(table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in table.items()}


def _read(code: str) -> Phrases:
    with (Path(__file__).parent / f"{code}.toml").open("rb") as file:
        data = tomllib.load(file)
    opening, closing = data["quotes"]
    return Phrases(
        name=data["name"],
        quotes=(opening, closing),
        lower_after_colon=data["lower_after_colon"],
        function_words=frozenset(data["function_words"].split()),
        generic_points=tuple(data["generic_points"]),
        frames={kind: Frame(**_strings(frame)) for kind, frame in data["frames"].items()},
        tones={kind: Tone(**_strings(tone)) for kind, tone in data["tones"].items()},
    )


def _load() -> dict[str, Phrases]:
    tables = {code: _read(code) for code in LANGUAGES}
    for code, table in tables.items():
        assert set(table.frames) == set(USE_CASES), code
        assert set(table.tones) == set(STYLES), code
    return tables


PHRASES: dict[str, Phrases] = _load()
