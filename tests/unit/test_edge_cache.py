"""The edge cache's rules: an older revision never replaces a newer one, a deleted
project is not brought back by a fetch that raced its deletion, a fetch begun before the
stream restarted is dropped, and nothing is served while the stream is down or quiet."""

from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2 import ProjectChange

from edge.cache import ProjectCache


def project(revision: int, title: str = "t") -> Project:
    return Project(id="p", title=title, revision=revision)


def live_cache(**kw: float) -> ProjectCache:
    cache = ProjectCache(capacity=2, **kw)
    cache.started()
    return cache


def test_an_older_revision_never_replaces_a_newer_one() -> None:
    cache = live_cache()
    since = cache.generation
    cache.offer(project(5, "new"), since)
    cache.offer(project(4, "old"), since)
    cache.apply(ProjectChange(revision=3, project=project(3, "older")))
    assert cache.get("p") == project(5, "new")
    cache.apply(ProjectChange(revision=6, project=project(6, "newest")))
    assert cache.get("p") == project(6, "newest")


def test_a_fetch_racing_a_deletion_does_not_bring_the_project_back() -> None:
    cache = live_cache()
    since = cache.generation
    cache.apply(ProjectChange(revision=9, deleted_id="p"))
    cache.offer(project(8), since)
    assert cache.get("p") is None


def test_a_fetch_from_before_the_stream_restarted_is_dropped() -> None:
    cache = live_cache()
    since = cache.generation
    cache.stopped()
    cache.started()
    cache.offer(project(1), since)
    assert cache.get("p") is None


def test_nothing_is_served_while_the_stream_is_down_or_quiet() -> None:
    cache = live_cache()
    cache.offer(project(1), cache.generation)
    assert cache.get("p") == project(1)
    cache.stopped()
    assert cache.get("p") is None and not cache.entries
    quiet = live_cache(stale_after_s=0.0)
    quiet.offer(project(1), quiet.generation)
    assert quiet.get("p") is None


def test_the_cache_is_a_bounded_lru() -> None:
    cache = live_cache()
    for name in ("a", "b", "c"):
        cache.offer(Project(id=name, revision=1), cache.generation)
    assert list(cache.entries) == ["b", "c"]
