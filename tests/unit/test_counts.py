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


def test_memo_holds_one_revision_and_its_last_entries() -> None:
    memo = CountMemo(size=2)
    a, b, c = (count_key(ProjectQuery(search=s)) for s in "abc")
    memo.remember(a, 7, 10)
    assert memo.lookup(a, 7) == 10
    assert memo.lookup(a, 8) is None  # another revision: not this count
    memo.remember(b, 7, 0)
    assert memo.lookup(b, 7) == 0  # a count of 0 is a count
    memo.lookup(a, 7)  # a was used last: c pushes b out
    memo.remember(c, 7, 3)
    assert (memo.lookup(a, 7), memo.lookup(b, 7), memo.lookup(c, 7)) == (10, None, 3)
    memo.remember(b, 8, 5)  # a new revision: the older counts go
    assert (memo.lookup(a, 8), memo.lookup(a, 7), memo.lookup(b, 8)) == (None, None, 5)
