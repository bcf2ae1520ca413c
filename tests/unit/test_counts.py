"""The memo of list counts and pages (orchestrator/store/counts.py): which queries share
a count, and what one revision keeps."""

from dataclasses import replace

from orchestrator.store.base import Condition, ProjectQuery
from orchestrator.store.counts import CountMemo, count_key, page_key

FR = Condition("language", "eq", ("fr", "de"))
FPS = Condition("fps", "gte", (30,))


def test_queries_that_match_the_same_share_a_count() -> None:
    first = ProjectQuery(statuses=(1, 2), search="Bee", conditions=(FR, FPS))
    same = ProjectQuery(
        statuses=(2, 1, 2),
        search="BEE",
        conditions=(FPS, Condition("language", "eq", ("de", "fr", "fr")), FPS),
        sort=(("title", True),),
        offset=40,
        limit=20,
    )
    assert count_key(first) == count_key(same)
    assert page_key(first, count_key(first)) is None  # no limit: every match, not a page kept
    later = replace(same, offset=60)
    assert page_key(same, count_key(same)) != page_key(later, count_key(later))


def test_queries_that_match_otherwise_do_not() -> None:
    base = count_key(ProjectQuery(conditions=(FR,)))
    others = [
        ProjectQuery(conditions=(Condition("language", "ne", ("fr", "de")),)),
        ProjectQuery(conditions=(Condition("language", "eq", ("fr",)),)),
        ProjectQuery(conditions=(FR,), statuses=(1,)),
        ProjectQuery(conditions=(FR,), search="b"),
        ProjectQuery(conditions=(FR, FPS)),
    ]
    assert all(count_key(q) != base for q in others)
    # Comparisons keep their one value; lt and gte are not the same test.
    assert count_key(ProjectQuery(conditions=(Condition("fps", "lt", (30,)),))) != count_key(
        ProjectQuery(conditions=(FPS,))
    )


def test_memo_answers_at_an_entry_own_revision_and_keeps_the_last_used() -> None:
    memo = CountMemo(size=2)
    a, b, c = (count_key(ProjectQuery(search=s)) for s in "abc")
    memo.remember(a, 7, 10)
    assert memo.lookup(a, 7) == 10
    assert memo.lookup(a, 8) is None  # another revision: not this count
    memo.remember(b, 8, 0)
    assert memo.lookup(b, 8) == 0  # a count of 0 is a count
    assert memo.lookup(a, 7) == 10  # each entry has its own revision
    memo.remember(c, 8, 3)  # a was used last: c pushes b out
    assert (memo.lookup(a, 7), memo.lookup(b, 8), memo.lookup(c, 8)) == (10, None, 3)


def test_memo_keeps_a_later_value_over_an_earlier_one() -> None:
    """A list that read an older snapshot remembers after a write carried the entry on:
    the carried one stays."""
    memo = CountMemo()
    a = count_key(ProjectQuery(search="a"))
    memo.remember(a, 8, 5)
    memo.remember(a, 7, 4)
    assert (memo.lookup(a, 8), memo.lookup(a, 7)) == (5, None)
    memo.remember(a, 9, 6)
    assert memo.lookup(a, 9) == 6


def test_a_write_carries_only_the_entries_of_its_start() -> None:
    memo = CountMemo()
    a, b, c, d = (count_key(ProjectQuery(search=s)) for s in "abcd")
    memo.remember(a, 7, 1)
    memo.remember(b, 7, 2)
    memo.remember(c, 6, 3)  # of an older revision: not carried
    memo.remember(d, 7, 4)
    assert memo.made_at(7) == [(d, 4), (b, 2), (a, 1)]  # the last used first
    memo.remember(a, 8, 9)  # made again since the write's test: not overwritten
    memo.carry(7, 8, {a: 2, b: 3, c: 4, d: None})
    assert [memo.lookup(k, 8) for k in (a, b, c, d)] == [9, 3, None, None]
    assert [memo.lookup(k, 7) for k in (a, b, c, d)] == [None, None, None, None]
    assert memo.lookup(c, 6) == 3
