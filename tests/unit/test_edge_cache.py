"""The edge cache's rules: an older revision never replaces a newer one, a fetch that
raced a change or a deletion is not kept, a fetch begun before the stream restarted is
dropped, and nothing is served while the stream is down or quiet."""

from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2 import ProjectChange

from edge import cache as cache_module
from edge.cache import ProjectCache
from edge.rendered import Rendered, render


def project(revision: int, title: str = "t", project_id: str = "p") -> Project:
    return Project(id=project_id, title=title, revision=revision)


def answer(revision: int, title: str = "t", project_id: str = "p") -> Rendered:
    return render(project(revision, title, project_id))


def live_cache(**kw: float) -> ProjectCache:
    cache = ProjectCache(capacity=2, **kw)
    cache.started()
    return cache


def test_an_older_revision_never_replaces_a_newer_one() -> None:
    cache = live_cache()
    since = cache.ticket()
    cache.offer(answer(5, "new"), since)
    cache.offer(answer(4, "old"), since)
    cache.apply(ProjectChange(revision=3, project=project(3, "older")))
    assert cache.get("p") == answer(5, "new")
    cache.apply(ProjectChange(revision=6, project=project(6, "newest")))
    assert cache.get("p") == answer(6, "newest")


def test_a_hit_is_the_serialized_answer() -> None:
    cache = live_cache()
    cache.offer(answer(5, "new"), cache.ticket())
    hit = cache.get("p")
    assert hit is not None and hit.etag == '"5"' and b'"title":"new"' in hit.body


def test_a_fetch_racing_a_deletion_does_not_bring_the_project_back() -> None:
    cache = live_cache()
    since = cache.ticket()
    cache.apply(ProjectChange(revision=9, deleted_id="p"))
    cache.offer(answer(8), since)
    assert cache.get("p") is None


def test_a_fetch_racing_a_change_of_an_uncached_project_is_not_kept() -> None:
    cache = live_cache()
    since = cache.ticket()  # GetProject sent; it reads revision 5
    cache.apply(ProjectChange(revision=6, project=project(6, "changed")))  # not cached: skipped
    cache.offer(answer(5), since)  # the fetch's answer comes after the change
    assert cache.get("p") is None
    cache.offer(answer(6, "changed"), cache.ticket())  # the next fetch's is kept
    assert cache.get("p") == answer(6, "changed")


def test_a_fetch_older_than_what_the_cache_remembers_is_not_kept(monkeypatch) -> None:
    monkeypatch.setattr(cache_module, "RECENT", 2)
    cache = live_cache()
    since = cache.ticket()
    for revision, name in enumerate(("a", "b", "c"), start=1):  # "a" is forgotten
        cache.apply(ProjectChange(revision=revision, project=project(revision, "x", name)))
    cache.offer(answer(0, "x", "a"), since)
    assert cache.get("a") is None
    cache.offer(answer(1, "x", "a"), cache.ticket())
    assert cache.get("a") == answer(1, "x", "a")


def test_a_refused_write_answer_takes_an_older_entry_away(monkeypatch) -> None:
    monkeypatch.setattr(cache_module, "RECENT", 1)
    cache = live_cache()
    cache.offer(answer(3, "before"), cache.ticket())
    since = cache.ticket()  # a PATCH through this edge is sent: it writes revision 4
    for revision, name in ((5, "a"), (6, "b")):  # "a" is forgotten: the ticket is too old
        cache.apply(ProjectChange(revision=revision, project=project(revision, "x", name)))
    cache.offer(answer(4, "written here"), since)
    assert cache.get("p") is None, "never the version from before this edge's own write"


def test_a_fetch_from_before_the_stream_restarted_is_dropped() -> None:
    cache = live_cache()
    since = cache.ticket()
    cache.stopped()
    cache.started()
    cache.offer(answer(1), since)
    assert cache.get("p") is None


def test_nothing_is_served_while_the_stream_is_down_or_quiet() -> None:
    cache = live_cache()
    cache.offer(answer(1), cache.ticket())
    assert cache.get("p") == answer(1)
    cache.stopped()
    assert cache.get("p") is None and not cache.entries
    quiet = live_cache(stale_after_s=0.0)
    quiet.offer(answer(1), quiet.ticket())
    assert quiet.get("p") is None


def test_the_cache_is_a_bounded_lru() -> None:
    cache = live_cache()
    for name in ("a", "b", "c"):
        cache.offer(answer(1, "t", name), cache.ticket())
    assert list(cache.entries) == ["b", "c"]


def test_what_an_event_stream_showed_brings_an_older_entry_forward() -> None:
    """A client shown revision 7 by its event stream never reads an older one after,
    though the cache's own stream has not brought it yet."""
    cache = live_cache()
    cache.offer(answer(5, "cached"), cache.ticket())
    cache.shown(project(7, "shown"))
    assert cache.get("p") == answer(7, "shown")
    cache.shown(project(6, "late"))  # an older snapshot changes nothing
    cache.apply(ProjectChange(revision=6, project=project(6, "stream")))
    assert cache.get("p") == answer(7, "shown")
    cache.shown(project(3, "other", project_id="q"))  # only what is cached is kept
    assert cache.get("q") is None
    cache.stopped()
    cache.started()
    cache.shown(project(8, "after a restart"))  # the restart emptied the cache
    assert cache.get("p") is None
