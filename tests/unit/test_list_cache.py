"""The edge cache's lists: one key for the spellings of one query and never for two
queries that can be answered differently; a bounded LRU (entries and bytes); emptied
by every change, write, restart or change shown ahead of the stream; a fetch that raced
any of those not kept; nothing served while the stream is down or quiet."""

import pytest
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2 import ProjectChange
from multidict import MultiDict

from edge.cache import ProjectCache
from edge.list_cache import ENTRY_OVERHEAD, ListCache
from edge.listing import list_key, list_request
from edge.rendered import RenderedList


def key(query: str) -> bytes:
    pairs = [tuple(part.split("=", 1)) for part in query.split("&") if part]
    return list_key(*list_request(MultiDict(pairs)))


@pytest.mark.parametrize(
    "one, other",
    [
        ("language=fr&fps_gte=30&_limit=20", "_limit=20&fps_gte=30&language=fr"),
        ("language=fr&language=de", "language=de&language=fr"),
        ("status=draft&status=video_ready", "status=video_ready&status=draft"),
        ("q=bee", "search=bee"),
        ("_sort=-title", "_sort=title&_order=desc"),
        ("language:in=fr,de", "language:in=de,fr"),
        ("_page=2&_limit=10", "_limit=10&_page=2"),
        ("_page=2&_limit=10", "_start=10&_limit=10"),  # the same projects; Link is per request
        ("_page=3&_per_page=5&title:contains=a", "title:contains=a&_per_page=5&_page=3"),
    ],
)
def test_one_query_spelled_differently_is_one_key(one: str, other: str) -> None:
    assert key(one) == key(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("language=fr&language=de", "language=fr&language:eq=de"),  # either vs both
        ("fps_gte=30", "fps_gte=30&fps_gte=30"),  # the second is refused (one value)
        ("language=fr", "language=fr&language=fr"),
        ("_page=2&_per_page=10", "_page=2&_limit=10"),  # the envelope vs an array
        ("_page=2&_per_page=10", "_start=10&_limit=10"),
        ("_page=2&_per_page=10", "_page=3&_per_page=10"),
        ("_sort=title,fps", "_sort=fps,title"),
        ("_sort=title", "_sort=-title"),
        ("q=Bee", "q=bee"),
        ("title:contains=a", "title_like=a"),
        ("", "_limit=1000"),
    ],
)
def test_queries_that_can_answer_differently_never_share_a_key(one: str, other: str) -> None:
    assert key(one) != key(other)


def answer(body: bytes = b"[]", total: int = 0) -> RenderedList:
    return RenderedList(body, total)


def test_lists_are_a_bounded_lru_of_entries_and_bytes() -> None:
    lists = ListCache(capacity=2, budget_bytes=10_000)
    for name in (b"a", b"b", b"c"):
        lists.offer(name, answer(), lists.ticket())
    assert list(lists.entries) == [b"b", b"c"]
    lists.get(b"b")
    lists.offer(b"d", answer(), lists.ticket())
    assert list(lists.entries) == [b"b", b"d"], "the least recently used goes first"

    budget = 2 * (1 + 100 + ENTRY_OVERHEAD)  # two answers of 100 bytes
    lists = ListCache(capacity=10, budget_bytes=budget)
    for name in (b"a", b"b", b"c"):
        lists.offer(name, answer(b"x" * 100), lists.ticket())
    assert list(lists.entries) == [b"b", b"c"] and lists.size == budget
    lists.offer(b"big", answer(b"x" * budget), lists.ticket())
    assert b"big" not in lists.entries, "an answer over the whole budget is not kept"
    assert list(lists.entries) == [b"b", b"c"]
    lists.offer(b"b", answer(b"y"), lists.ticket())  # replaced: its bytes counted once
    assert lists.size == budget - 99

    off = ListCache(capacity=0, budget_bytes=budget)
    off.offer(b"a", answer(), off.ticket())
    assert not off.entries


def live_cache(**kw: float) -> ProjectCache:
    cache = ProjectCache(capacity=2, lists=ListCache(10, 1 << 20), **kw)
    cache.started()
    return cache


def test_any_change_the_stream_brings_empties_the_lists_a_bookmark_does_not() -> None:
    cache = live_cache()
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.apply(ProjectChange(revision=4))  # a bookmark
    assert cache.listed(b"k") == answer()
    cache.apply(ProjectChange(revision=5, project=Project(id="other", revision=5)))
    assert cache.listed(b"k") is None
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.apply(ProjectChange(revision=6, deleted_id="gone"))
    assert cache.listed(b"k") is None


def test_a_list_fetched_while_anything_changed_is_not_kept() -> None:
    cache = live_cache()
    for change in (
        lambda: cache.apply(ProjectChange(revision=5, project=Project(id="p", revision=5))),
        cache.wrote,  # a write through this edge answered meanwhile
        lambda: (cache.stopped(), cache.started()),  # the stream restarted meanwhile
    ):
        since = cache.lists.ticket()  # ListProjects sent
        change()
        cache.offer_list(b"k", answer(), since)  # its answer, from before the change
        assert cache.listed(b"k") is None
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    assert cache.listed(b"k") == answer()


def test_a_write_through_this_edge_empties_the_lists() -> None:
    cache = live_cache()
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.wrote()
    assert cache.listed(b"k") is None


def test_a_change_an_event_stream_showed_first_empties_the_lists() -> None:
    cache = live_cache()
    cache.apply(ProjectChange(revision=7))  # the stream is at 7
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.shown(Project(id="p", revision=6))  # the stream brought it already
    assert cache.listed(b"k") == answer()
    cache.shown(Project(id="p", revision=8))  # ahead of the cache's stream
    assert cache.listed(b"k") is None
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.shown_deleted("p", 9)
    assert cache.listed(b"k") is None


def test_no_list_is_served_or_kept_while_the_stream_is_down_or_quiet() -> None:
    cache = live_cache()
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    cache.stopped()
    assert cache.listed(b"k") is None and not cache.lists.entries
    cache.offer_list(b"k", answer(), cache.lists.ticket())
    assert not cache.lists.entries, "nothing is kept while the stream is down"
    quiet = live_cache(stale_after_s=0.0)
    quiet.offer_list(b"k", answer(), quiet.lists.ticket())
    assert quiet.listed(b"k") is None
