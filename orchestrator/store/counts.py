"""The count memo: how many projects match a list query's conditions, remembered for one
revision of the store, so that X-Total-Count (and the 1.x envelope's items and pages)
over a large match set is counted once per change of the store, not once per request.

A count depends on the conditions alone: the statuses, the folded search and the
filters, as sets (their order and repeats change nothing), never the sort or the page:
page 1, 2 and 3 of one filter count once (count_key). The embedded store also remembers
which projects a page holds (page_key: the conditions, the sort and the slice), so that
a page asked again is read without finding it again.

Each adapter gives the memo a revision that changes with every write to the projects, in
its own way (sqlite/changes.py and mongo/changes.py say how); an entry is used only at
the revision it was made at, and a new revision empties the memo. It holds the last
`size` entries used.
"""

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from orchestrator.store.base import Condition, ProjectQuery, fold

# How many entries a memo keeps: a frontend's filters, each paged through.
MEMO_SIZE = 256
# The largest page whose projects are remembered (a page of a frontend, not an export).
PAGE_MEMO_LIMIT = 100

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
    """The values of the last keys used, all made at one revision of the store."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._revision: int | None = None
        self._values: OrderedDict[K, V] = OrderedDict()

    def lookup(self, key: K, revision: int) -> V | None:
        """The key's value at `revision`, if it was remembered there."""
        if revision != self._revision:
            return None
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def remember(self, key: K, revision: int, value: V) -> None:
        """Keep the key's value at `revision`; another revision's values go."""
        if revision != self._revision:
            self._revision = revision
            self._values.clear()
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)


CountMemo = RevisionMemo[CountKey, int]
PageMemo = RevisionMemo[PageKey, tuple[int, ...]]
