"""Bookmarks of a deep page: the project at every EVERY-th match of a list's conditions in
one order, so that a deep page is walked from the nearest bookmark before it (a keyset
seek: the matches after that project, listing.Seek) instead of from the first match.

A page of `language=fr&fps_gte=30` deep down walks the French projects' index testing
`fps` on each row up to its offset; with bookmarks it walks fewer than EVERY matches.
The first deep page of a list lays the bookmarks on its way (one small query every EVERY
matches: about the walk it replaces), deeper pages add theirs. They are remembered like
the pages (counts.RevisionMemo, at one revision) and carried through the store's writes
(kept.py): a changed project that matches and comes before a bookmark moves its index
by one; a bookmark on a changed project goes.

Only for an order a keyset continues (listing.SEEKABLE: the create or update time, the
title) and conditions no text index drives.
"""

import sqlite3
from dataclasses import dataclass

from orchestrator.store.counts import CountKey
from orchestrator.store.sqlite.listing import Membership, Plan, Seek

# A bookmark every this many matches: a deep page walks fewer than this many.
EVERY = 1000

MarkKey = tuple[CountKey, tuple[tuple[str, bool], ...]]


@dataclass(frozen=True)
class Marks:
    """The bookmarks of a list: (index among its matches, seq), in its order."""

    at: tuple[tuple[int, int], ...]
    member: Membership
    first_of_two: str  # listing.first_of_two of its query


def page(
    reader: sqlite3.Connection, plan: Plan, seek: Seek, known: Marks | None, offset: int, limit: int
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """The page's seqs, walked from the nearest bookmark before it, and the bookmarks
    then known (those laid on the way added)."""
    marks = dict(known.at if known is not None else ())
    start = max((index for index in marks if index < offset), default=-1)
    while start + EVERY < offset:
        laid = _after(reader, plan, seek, marks.get(start), EVERY - 1, 1)
        if not laid:
            break
        start += EVERY
        marks[start] = laid[0]
    seqs = _after(reader, plan, seek, marks.get(start), offset - start - 1, limit)
    return seqs, tuple(sorted(marks.items()))


def _after(
    reader: sqlite3.Connection, plan: Plan, seek: Seek, seq: int | None, skip: int, limit: int
) -> tuple[int, ...]:
    """`limit` matches, `skip` past the project `seq` (None: from the first match)."""
    if seq is None:
        sql, params = plan.page, list(plan.params)
    else:
        (key,) = reader.execute(seek.key, (seq,)).fetchone()
        sql, params = seek.page, [*seek.params, key, seq]
    rows = reader.execute(f"{sql} LIMIT ? OFFSET ?", (*params, limit, skip))
    return tuple(s for (s,) in rows)
