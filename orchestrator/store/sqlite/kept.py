"""Counts and pages kept current through the embedded store's writes, so that a list
right after a write does not count its matches again.

Every write runs in one `BEGIN IMMEDIATE` transaction (connection.py), which this module
watches: temporary triggers of the writer's connection note the seq of every project row
it inserts, updates or deletes (in `projects` or `project_docs`), whichever code path
made the change. Before the transaction commits, each remembered count and page exact at
the revision the write started from is tested against each changed project, as it was
(on a connection of its own, reading the last commit: the writer holds the file's write
lock, so that is the state the write started from) and as it is now (on the writer's
connection, inside the transaction):

- a count moves by +1, 0 or -1 per project: matched after, less matched before. The test
  is the list's own conditions (filters.where_clause, the same SQL) restricted to that
  seq (listing.membership), its texts tested on the folded columns the text indexes are
  made of, as the list does for a text no index finds (tests/unit/test_kept_counts.py
  checks both routes find the same projects);
- a page stays while the matches up to its end stay the same: the project, in the list's
  own order (listing.first_of_two), does not match or comes after a full page's last
  project, both times, or it matches and comes before the page's first project both
  times (PAGE_KEPT); else it goes.

A changed project whose columns a list reads (its row, its long texts) are as they were
(a render's progress: its job's view changed) changes no entry.

Once committed, the entries move to the write's revision (counts.RevisionMemo.carry).
An entry moves only from the revision the write started at: after another process's
write to the file, the memo's entries are of a revision this process never writes from,
and the next list counts again, as before. A write that changes a row without taking a
revision (none does) drops what it would have carried.

Bookmarks of deep pages (bookmarks.py) are carried too: a changed project that matches
and comes before a bookmark moves its index by one, a bookmark on a changed project goes.

What a write costs: per changed project and remembered entry (KEEP_AT_MOST of each kind,
the last used), two membership tests of ~3-5 µs (the texts tested on the folded columns:
a lookup in a text index costs 0.1-0.9 ms at 100,000 projects, see filters.Where), and,
for a page or bookmarks the project matches, one or two order tests (a binary search of
the bookmarks). Measured on the store alone at 100,000 projects (the bench's lists and
others a frontend asks, 64 counts and pages remembered): a PATCH of a project no list is
about takes ~3.5-4 ms p50 instead of ~1-2.6 ms with the memos empty; a PATCH moving a
project into or out of every list ~5-7.5 ms. Whatever the lists remembered (a list's
conditions may hold thousands of values), a write tests entries for TEST_BUDGET_S at
most and drops those it did not reach.
"""

import logging
import math
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.store.counts import CountKey, PageKey, RevisionMemo
from orchestrator.store.sqlite.bookmarks import MarkKey, Marks
from orchestrator.store.sqlite.changes import snapshot_revision
from orchestrator.store.sqlite.connection import connect, statements
from orchestrator.store.sqlite.listing import Membership

log = logging.getLogger(__name__)

# The entries of each memo (counts, pages, bookmarks) a write tests and carries, the last
# used first; the others go at the write. Each costs two small queries per changed project.
KEEP_AT_MOST = 64
# The time a write may spend testing the entries as they were (the state it started
# from; testing them as they are takes about as long again): the last used first, the
# others go, so that the write lock is held ~10 ms at most for this, whatever the lists
# remembered (64 lists of 16 KiB of values each cost ~28 ms a write without it).
# (A full memo of a frontend's lists takes ~1-1.5 ms; more on a loaded machine.)
TEST_BUDGET_S = 0.005

# The seqs a write changes, of either table a list reads (its rows, its long texts).
CHANGED_ROWS = {"INSERT": "(new.seq)", "UPDATE": "(old.seq), (new.seq)", "DELETE": "(old.seq)"}
TRACKING_SCHEMA = (
    "CREATE TEMP TABLE IF NOT EXISTS kept_changed (seq INTEGER PRIMARY KEY);\n"
    + "".join(
        f"CREATE TEMP TRIGGER IF NOT EXISTS kept_{table}_{event.lower()}"
        f" AFTER {event} ON main.{table} BEGIN\n"
        f"    INSERT OR IGNORE INTO kept_changed (seq) VALUES {rows};\nEND;\n"
        for table in ("projects", "project_docs")
        for event, rows in CHANGED_ROWS.items()
    )
)


@dataclass(frozen=True)
class Counted:
    """A remembered count, with how to test a project against its conditions."""

    total: int
    member: Membership


@dataclass(frozen=True)
class Paged:
    """A remembered page: its projects' seqs, in order, and whether it is full (a project
    sorting after a full page's last one cannot enter it)."""

    seqs: tuple[int, ...]
    full: bool
    member: Membership
    first_of_two: str  # listing.first_of_two of its query


CountsMemo = RevisionMemo[CountKey, Counted]
PagesMemo = RevisionMemo[PageKey, Paged]
MarksMemo = RevisionMemo[MarkKey, Marks]


class _State:
    """The changed projects tested in one state of the store (before or after)."""

    def __init__(self, conn: sqlite3.Connection, changed: Iterable[int]) -> None:
        self.conn, self.changed = conn, tuple(changed)
        self._members: dict[tuple[Membership, int], bool] = {}

    def member(self, test: Membership, seq: int) -> bool:
        known = self._members.get((test, seq))
        if known is None:
            known = self._members[test, seq] = test.holds(self.conn, seq)
        return known

    def matched(self, test: Membership) -> int:
        return sum(self.member(test, seq) for seq in self.changed)

    def places(self, page: Paged) -> tuple[str, ...]:
        """Where each changed project is, for the page (see PAGE_KEPT)."""
        return tuple(self._place(page, seq) for seq in self.changed)

    def _place(self, page: Paged, seq: int) -> str:
        if not self.member(page.member, seq):
            return "none"
        if not page.seqs:
            return "empty"
        if seq in page.seqs:
            return "in"
        if self._first(page, seq, page.seqs[0]) == seq:
            return "before"
        if page.full and self._first(page, seq, page.seqs[-1]) != seq:
            return "after"
        return "in"  # among the page's matches, past the end of a page not full

    def _first(self, ordered: Paged | Marks, seq: int, other: int) -> int:
        (first,) = self.conn.execute(ordered.first_of_two, (seq, other)).fetchone()
        return int(first)

    def cuts(self, marks: Marks) -> tuple[int | None, ...]:
        """For each changed project, how many of the bookmarks (none of them a changed
        project) come before it; None when it does not match."""
        return tuple(self._cut(marks, seq) for seq in self.changed)

    def _cut(self, marks: Marks, seq: int) -> int | None:
        if not self.member(marks.member, seq):
            return None
        low, high = 0, len(marks.at)  # in the list's order: a binary search
        while low < high:
            middle = (low + high) // 2
            if self._first(marks, seq, marks.at[middle][1]) == seq:
                high = middle
            else:
                low = middle + 1
        return low


# Where a changed project may be, before the write and after it, for a page to stay: the
# matches up to the page's end are the same (a match before the page both times is as
# many before it; a full page ends before a match after it; an empty page, past the
# end, stays so while the count does).
PAGE_KEPT = {
    ("none", "none"), ("none", "after"), ("after", "none"), ("after", "after"),
    ("before", "before"), ("empty", "empty"),
}  # fmt: skip


@dataclass(frozen=True)
class _Entries:
    """The entries a write tests: those of its start, the last used first."""

    counts: list[tuple[CountKey, Counted]]
    pages: list[tuple[PageKey, Paged]]
    marks: list[tuple[MarkKey, Marks]]  # without the bookmarks on a changed project


@dataclass(frozen=True)
class _Tested:
    matched: dict[CountKey, int]  # how many of the changed projects match each count's
    places: dict[PageKey, tuple[str, ...]]  # where they are for each page (_State.places)
    cuts: dict[MarkKey, tuple[int | None, ...]]  # and among the bookmarks (_State.cuts)


def _tested_within(state: _State, entries: _Entries, budget_s: float) -> tuple[_Entries, _Tested]:
    """The entries tested within `budget_s` (counts first: the dearest to find again, then
    pages, then bookmarks; each kind the last used first), and what the tests found."""
    ends = time.perf_counter() + budget_s
    tested = _Tested({}, {}, {})
    kept_entries = _Entries([], [], [])
    for key, count in entries.counts:
        if time.perf_counter() > ends:
            return kept_entries, tested
        tested.matched[key] = state.matched(count.member)
        kept_entries.counts.append((key, count))
    for held, page in entries.pages:
        if time.perf_counter() > ends:
            return kept_entries, tested
        tested.places[held] = state.places(page)
        kept_entries.pages.append((held, page))
    for marked, marks in entries.marks:
        if time.perf_counter() > ends:
            return kept_entries, tested
        tested.cuts[marked] = state.cuts(marks)
        kept_entries.marks.append((marked, marks))
    return kept_entries, tested


def _moved(marks: Marks, before: tuple[int | None, ...], after: tuple[int | None, ...]) -> Marks:
    """The bookmarks' indexes once the changed projects left their places `before` and
    took those `after`: one less past each match that was before them, one more past
    each that is."""
    at = []
    for position, (index, seq) in enumerate(marks.at):
        index -= sum(1 for cut in before if cut is not None and cut <= position)
        index += sum(1 for cut in after if cut is not None and cut <= position)
        at.append((index, seq))
    return Marks(tuple(at), marks.member, marks.first_of_two)


def _row(conn: sqlite3.Connection, seq: int) -> tuple[Any, ...] | None:
    """What a list reads of a project: its row's columns and its long texts."""
    return conn.execute(
        "SELECT p.*, d.description, d.script_text FROM projects p"
        " LEFT JOIN project_docs d ON d.seq = p.seq WHERE p.seq = ?",
        (seq,),
    ).fetchone()


def _without(marks: Marks, changed: list[int]) -> Marks:
    """The bookmarks on projects the write did not change (a changed one's key may move)."""
    at = tuple((index, seq) for index, seq in marks.at if seq not in changed)
    return Marks(at, marks.member, marks.first_of_two)


class KeptMemos:
    """The count and page memos of one store file, and the watch on its writes (the
    Connection's write observer, on the writer thread)."""

    def __init__(self, path: Path, busy_timeout_ms: int, fold: Callable[[str | None], Any]) -> None:
        self.counts: CountsMemo = RevisionMemo()
        self.pages: PagesMemo = RevisionMemo()
        self.marks: MarksMemo = RevisionMemo()
        # The last commit, read on the writer thread while it holds the write lock.
        self.past = connect(path, busy_timeout_ms, 8)
        self.past.create_function("fold", 1, fold, deterministic=True)
        self._start: int | None = None

    def watch(self, writer: sqlite3.Connection) -> None:
        """Note the writer's changed rows (its temporary triggers)."""
        for statement in statements(TRACKING_SCHEMA):
            writer.execute(statement)

    def begun(self, conn: sqlite3.Connection) -> None:
        self._start = snapshot_revision(conn)

    def ending(self, conn: sqlite3.Connection) -> Callable[[], None] | None:
        """Before the commit: what to do to the memos once it is made, if anything."""
        start, self._start = self._start, None
        counts = [] if start is None else self.counts.made_at(start)
        pages = [] if start is None else self.pages.made_at(start)
        marks = [] if start is None else self.marks.made_at(start)
        changed = []
        if counts or pages or marks:
            changed = [seq for (seq,) in conn.execute("SELECT seq FROM kept_changed")]
        conn.execute("DELETE FROM kept_changed")
        if start is None or not changed:
            return None
        end = snapshot_revision(conn)
        # Every entry at `start` goes, but those tested and still right, which move to `end`.
        new_counts: dict[CountKey, Counted | None] = {key: None for key, _ in counts}
        new_pages: dict[PageKey, Paged | None] = {key: None for key, _ in pages}
        new_marks: dict[MarkKey, Marks | None] = {key: None for key, _ in marks}
        try:
            tested = self._test(start, end, conn, changed, _Entries(counts, pages, marks))
        except sqlite3.Error:
            # The write stands; what the memos hold at `start` goes, counted again if asked.
            log.warning("could not carry the list memos through a write", exc_info=True)
            tested = None
        if tested is not None:
            # (None: a change without a revision, which none makes, or not from `start`)
            entries, before, after = tested
            for key, count in entries.counts:
                moved = after.matched[key] - before.matched[key]
                new_counts[key] = Counted(count.total + moved, count.member)
            for held, page in entries.pages:
                places = zip(before.places[held], after.places[held], strict=True)
                if all(both in PAGE_KEPT for both in places):
                    new_pages[held] = page
            for marked, kept_marks in entries.marks:
                new_marks[marked] = _moved(kept_marks, before.cuts[marked], after.cuts[marked])

        def carry() -> None:
            self.counts.carry(start, end, new_counts)
            self.pages.carry(start, end, new_pages)
            self.marks.carry(start, end, new_marks)

        return carry

    def _test(
        self, start: int, end: int, conn: sqlite3.Connection, changed: list[int], at: _Entries
    ) -> tuple[_Entries, _Tested, _Tested] | None:
        """The entries tested (the last used of `at`), in the state the write started from
        (the last commit, read while the write holds the lock) and in the write's; None
        when the last commit is not `start` (not this write's start) or the write took no
        revision. A project whose columns a list reads are as they were (a job's view
        changed, a render's progress) is no list's change."""
        if end == start:
            return None
        past = self.past
        past.execute("BEGIN")
        try:
            if snapshot_revision(past) != start:
                return None
            really = [seq for seq in changed if _row(past, seq) != _row(conn, seq)]
            entries = _Entries(
                at.counts[:KEEP_AT_MOST],
                at.pages[:KEEP_AT_MOST],
                [(key, _without(marks, really)) for key, marks in at.marks[:KEEP_AT_MOST]],
            )
            entries, before = _tested_within(_State(past, really), entries, TEST_BUDGET_S)
            _, after = _tested_within(_State(conn, really), entries, math.inf)
            return entries, before, after
        finally:
            past.execute("COMMIT")

    def close(self) -> None:
        self.past.close()
