"""The count memo: how many projects match a list query's conditions, remembered for one
revision of the store, so that X-Total-Count (and the 1.x envelope's items and pages)
over a large match set is counted once per change of the store, not once per request.

A count depends on the conditions alone: the statuses, the folded search and the
filters, as sets (their order and repeats change nothing), never the sort or the page:
page 1, 2 and 3 of one filter count once (count_key). The embedded store also remembers
which projects a page holds (page_key: the conditions, the sort and the slice), so that
a page asked again is read without finding it again.

Each adapter gives the memo a revision that changes with every write to the projects, in
its own way (sqlite/changes.py and mongo/changes.py say how). Each entry holds the
revision it is exact at and is used only at that revision: on MongoDB an entry is made
at one revision and dies with it; the embedded store carries its entries through its
own writes (sqlite/kept.py: a write that starts at an entry's revision adjusts it and
moves it to the write's revision). The memo holds the last `size` entries used, whatever
their revision (an entry of a revision gone by is never used again and goes first).
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

from orchestrator.store.base import Condition, ProjectQuery, fold

# How many entries a memo keeps: a frontend's filters, each paged through.
MEMO_SIZE = 256
# The largest page whose projects are remembered (a page of a frontend, not an export).
PAGE_MEMO_LIMIT = 100
# The most text (characters of the filters' values and the search) a query remembered
# may hold: the REST edge's whole query string is at most 16 KiB, but a gRPC request may
# hold ~5 MB of values (50 filters of 100 values of 1,000 characters), and a memo of 256
# such keys would hold over a GB. A larger query is answered without the memos.
MEMO_MAX_TEXT = 16_384

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CountKey = tuple[frozenset[int], str, frozenset[tuple[str, str, Hashable]]]
PageKey = tuple[CountKey, tuple[tuple[str, bool], ...], int, int]


def _condition(condition: Condition) -> tuple[str, str, Hashable]:
    """eq and ne take their values as a set (any of them, none of them); the other
    operators take one value."""
    values = condition.values
    if condition.operator in ("eq", "ne"):
        return condition.field, condition.operator, frozenset(values)
    return condition.field, condition.operator, values


def rememberable(query: ProjectQuery) -> bool:
    """Whether the query is small enough to be remembered (MEMO_MAX_TEXT)."""
    text = len(query.search or "")
    for condition in query.conditions:
        text += sum(len(str(value)) for value in condition.values)
        if text > MEMO_MAX_TEXT:
            return False
    return text <= MEMO_MAX_TEXT


def count_key(query: ProjectQuery) -> CountKey:
    """What a query's count depends on, the same for queries that match the same."""
    return (
        frozenset(query.statuses),
        fold(query.search),
        frozenset(_condition(c) for c in query.conditions),
    )


def page_key(query: ProjectQuery, counted: CountKey) -> PageKey | None:
    """What a query's page depends on (`counted`: its count_key, made once a list);
    None for a page too large to remember."""
    if query.limit is None or query.limit > PAGE_MEMO_LIMIT:
        return None
    return counted, tuple(query.sort), query.offset, query.limit


class RevisionMemo(Generic[K, V]):
    """The values of the last keys used, each exact at the revision it holds. Read on the
    event loop, carried by the embedded store's writer thread: a lock keeps each step
    whole."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def lookup(self, key: K, revision: int) -> V | None:
        """The key's value at `revision`, if it is remembered at exactly that revision."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != revision:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def remember(self, key: K, revision: int, value: V) -> None:
        """Keep the key's value at `revision`, unless it is known at a later one."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= revision:
                self._entries[key] = (revision, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def made_at(self, revision: int) -> list[tuple[K, V]]:
        """The entries exact at `revision`, the last used first."""
        with self._lock:
            return [(k, v) for k, (r, v) in reversed(self._entries.items()) if r == revision]

    def carry(self, start: int, end: int, values: Mapping[K, V | None]) -> None:
        """A write took the store from `start` to `end`: each key of `values` still at
        `start` holds its new value at `end` (None: it goes). Another key at `start` stays
        there, never to be used again."""
        with self._lock:
            for key, value in values.items():
                entry = self._entries.get(key)
                if entry is None or entry[0] != start:
                    continue  # gone, or made again since: not what the write adjusted
                if value is None:
                    del self._entries[key]
                else:
                    self._entries[key] = (end, value)


CountMemo = RevisionMemo[CountKey, int]
