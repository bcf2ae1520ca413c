"""The plan of a list query on the embedded store: how many projects match, and the SQL
of its page's seqs, found on indexes alone (then only the page's documents are read).

- No text condition: the narrow rows, through the index SQLite picks (of the sort key,
  or of a filtered field, in the default order).
- A text condition: a text index drives (filters.py), each of its matches tested for the
  rest. In the default order, when it is insertion order (insertion_order.py), the index
  gives its matches in the page's order: the page stops at its LIMIT, sorting nothing.
  In another order, few matches are read and sorted; many are found along the sort's
  index instead, each row tested (the page fills at once): on its folded texts near the
  first pages (what the index finds, ~1.6 µs a row), by the set of the index's matches,
  read once, deeper down.

While insertion order is the default one, a sort on one field orders ties by create time
then seq, which is insertion order still: the field's index (its value, then the create
time) gives that order without sorting.
"""

import sqlite3
from dataclasses import dataclass
from typing import Any

from orchestrator.store.base import ProjectQuery
from orchestrator.store.sqlite import insertion_order
from orchestrator.store.sqlite.filters import FIELD_COLUMNS, TRIGRAMS, Where, column, where_clause

# Past this many matches of a text search, a page walks the sort's index (see above).
WALK_ABOVE = 2000
# What testing one row's folded texts costs walking the sort's index, in matches read into
# a set (~1 µs each): ~1.6 µs a row at 100,000 projects (a lookup of the row in a text
# index, 0.1-0.9 ms, never pays).
ROW_TEST_COST = 2
# The sorts an index gives in order (with seq last): create/update time and title, and,
# while insertion order is the default one, the fields indexed with the create time.
SORTED_BY_INDEX = ("create_time", "update_time", "title")
INDEXED_WITH_CREATE_TIME = ("status", *FIELD_COLUMNS)


# The sorts whose order a row-value comparison continues from a project: (key, seq) on a
# column never null, an index of which gives that order.
SEEKABLE = {"create_time": "create_ms", "update_time": "update_ms", "title": "title"}


@dataclass(frozen=True)
class Seek:
    """The matches after a given project, in the page's order (SELECT ... seq without
    LIMIT/OFFSET, its parameters then the project's sort key and seq), and how to read
    that key (SELECT key FROM projects WHERE seq = ?): a deep page walked from a bookmark
    (bookmarks.py) instead of from the first match."""

    page: str
    params: list[Any]
    key: str


@dataclass(frozen=True)
class Plan:
    total: int
    page: str  # SELECT ... seq, in the page's order, without LIMIT/OFFSET
    params: list[Any]
    seek: Seek | None = None  # when the order is one indexed key and no text index drives


def _order(query: ProjectQuery, in_seq_order: bool) -> str:
    direction = "DESC" if query.sort and query.sort[0][1] else "ASC"
    keys = [f"{column(f)} {'DESC' if d else 'ASC'}" for f, d in query.sort]
    one_field = [f for f, _ in query.sort]
    if in_seq_order and len(one_field) == 1 and one_field[0] in INDEXED_WITH_CREATE_TIME:
        keys.append(f"p.create_ms {direction}")  # the same order, as the index has it
    keys.append(f"p.seq {direction}")
    return f" ORDER BY {', '.join(keys)}"


def _matching(index: str, walk: bool = False) -> str:
    """The rows a text index matches, as a test of p, read as a set; walked: not to be
    read from the index first ("+" makes it no index's term)."""
    return f"{'+' if walk else ''}p.seq IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)"


def _seek(query: ProjectQuery, where: Where) -> Seek | None:
    """The page's matches after a given project, for an order SEEKABLE has (the list's
    own order: the key, then seq, both in the key's direction), `where` the query's
    conditions, none of them through a text index."""
    if len(query.sort) != 1 or query.sort[0][0] not in SEEKABLE:
        return None
    descending, key = query.sort[0][1], SEEKABLE[query.sort[0][0]]
    after = f"(p.{key}, p.seq) {'<' if descending else '>'} (?, ?)"
    tests = " AND ".join([*where.tests, after])
    page = f"SELECT p.seq FROM projects p WHERE {tests}{_order(query, False)}"
    return Seek(page, list(where.params), f"SELECT {key} FROM projects WHERE seq = ?")


def _count(reader: sqlite3.Connection, sql: str, params: list[Any], known: int | None) -> int:
    if known is not None:
        return known
    (total,) = reader.execute(sql, params).fetchone()
    return int(total)


def plan(reader: sqlite3.Connection, query: ProjectQuery, known: int | None = None) -> Plan:
    """Count the matches (unless `known`: the count memo's, at this snapshot) and plan
    the page, inside the caller's read transaction."""
    where = where_clause(query)
    in_seq_order = insertion_order.in_seq_order(reader)
    order = _order(query, in_seq_order)
    # The trigram index drives when there are both: a longer text is in fewer projects.
    drivers = sorted(where.matches, key=lambda index: index != TRIGRAMS)
    tests, params = list(where.tests), list(where.params)
    for other in drivers[1:]:
        tests.append(_matching(other))
        params.append(where.query(other))
    if not drivers:
        clause = f" WHERE {' AND '.join(tests)}" if tests else ""
        total = _count(reader, f"SELECT COUNT(*) FROM projects p{clause}", params, known)
        page = f"SELECT p.seq FROM projects p{clause}{order}"
        return Plan(total, page, params, _seek(query, where))
    driver = drivers[0]
    matched = [where.query(driver), *params]
    rest = "".join(f" AND {test}" for test in tests)
    joined = f"{driver} CROSS JOIN projects p ON p.seq = {driver}.rowid" if tests else driver
    matches = f"FROM {joined} WHERE {driver} MATCH ?{rest}"
    total = _count(reader, f"SELECT COUNT(*) {matches}", matched, known)
    keys = [f for f, _ in query.sort]
    if keys in ([], ["create_time"]) and in_seq_order:
        direction = "DESC" if query.sort and query.sort[0][1] else "ASC"
        page = f"SELECT {driver}.rowid AS seq {matches} ORDER BY {driver}.rowid {direction}"
        return Plan(total, page, matched)
    test = _matching(driver)
    if total > WALK_ABOVE:
        test = _matching(driver, walk=True)
        sorted_by_index = len(keys) == 1 and (
            keys[0] in SORTED_BY_INDEX or (in_seq_order and keys[0] in INDEXED_WITH_CREATE_TIME)
        )
        if sorted_by_index and query.limit is not None:
            # The rows the walk tests before the page is full, by the matches' density.
            (rows,) = reader.execute("SELECT COUNT(*) FROM projects").fetchone()
            walked = (query.offset + query.limit) * rows / max(total, 1)
            if walked * ROW_TEST_COST < total:
                # Each row's texts tested on its folded columns (what the index finds).
                unindexed = where_clause(query, indexed=False)
                page = f"SELECT p.seq FROM projects p WHERE {' AND '.join(unindexed.tests)}"
                return Plan(total, page + order, unindexed.params)
    page = f"SELECT p.seq FROM projects p WHERE {' AND '.join([test, *tests])}{order}"
    return Plan(total, page, matched)


@dataclass(frozen=True)
class Membership:
    """Whether one project matches a query's conditions (membership())."""

    sql: str
    params: tuple[Any, ...]

    def holds(self, conn: sqlite3.Connection, seq: int) -> bool:
        return bool(conn.execute(self.sql, (seq, *self.params)).fetchone()[0])


def membership(query: ProjectQuery) -> Membership:
    """Whether one project (its seq, the first parameter) matches the query's conditions:
    the list's own conditions (filters.where_clause), its texts tested on the folded
    columns, where a text index would find them for a list. Answers 1 or 0, 0 for a seq no
    project has."""
    where = where_clause(query, indexed=False)
    conditions = "".join(f" AND {test}" for test in where.tests)
    sql = f"SELECT EXISTS (SELECT 1 FROM projects p WHERE p.seq = ?{conditions})"
    return Membership(sql, tuple(where.params))


def first_of_two(query: ProjectQuery) -> str:
    """Which of two projects (their seqs, the two parameters) comes first in the query's
    order: the order the list gives (ties by seq, in the first key's direction)."""
    return f"SELECT p.seq FROM projects p WHERE p.seq IN (?, ?){_order(query, False)} LIMIT 1"
