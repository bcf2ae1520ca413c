"""The count memo (orchestrator/store/counts.py) over every adapter: a list's count and
page, remembered for one revision of the store, are right after every write that
changes the match set, by this store object or by another one on the same data (another
orchestrator process, another replica); paging through one result counts once."""

import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, VideoSettings

from orchestrator.store import counts
from orchestrator.store.base import Condition, ProjectQuery, Store
from orchestrator.store.mongo import MongoStore
from orchestrator.store.mongo import changes as mongo_changes
from orchestrator.store.mongo.codec import to_document
from orchestrator.store.sqlite import SqliteStore, bookmarks, kept
from tests.contract.conftest import Backend
from tests.fakes.projects import project

FRENCH = (Condition("language", "eq", ("fr",)),)
NOW = 1_764_410_400_000


async def listed(store: Store, **fields: Any) -> tuple[list[str], int]:
    return await answered(store, ProjectQuery(**fields))


async def answered(store: Store, query: ProjectQuery) -> tuple[list[str], int]:
    page, total = await store.list(query)
    return [p.id for p in page], total


async def made(store: Store, *languages: int) -> list[str]:
    return [
        (await store.create(project(f"Bee {n}", created_ms=n, language=language))).id
        for n, language in enumerate(languages)
    ]


async def test_count_and_pages_follow_every_write(store: Store) -> None:
    fr, en = pb.LANGUAGE_FR, pb.LANGUAGE_EN
    ids = await made(store, fr, en, fr, fr, en)
    french = [ids[0], ids[2], ids[3]]
    assert await listed(store, conditions=FRENCH, limit=2) == (french[:2], 3)
    assert await listed(store, conditions=FRENCH, offset=2, limit=2) == (french[2:], 3)

    (new,) = [(await store.create(project("Bee 5", created_ms=5, language=fr))).id]
    assert await listed(store, conditions=FRENCH, limit=2) == (french[:2], 4)
    assert await listed(store, conditions=FRENCH, offset=2, limit=2) == ([ids[3], new], 4)

    await store.update(ids[1], Project(language=fr), ["language"])  # joins the match set
    assert await listed(store, conditions=FRENCH, limit=2) == ([ids[0], ids[1]], 5)
    await store.update(ids[0], Project(language=pb.LANGUAGE_DE), ["language"])  # leaves it
    assert await listed(store, conditions=FRENCH, limit=2) == ([ids[1], ids[2]], 4)
    await store.delete(ids[2])
    assert await listed(store, conditions=FRENCH, limit=2) == ([ids[1], ids[3]], 3)
    assert await listed(store, conditions=FRENCH, offset=2, limit=2) == ([new], 3)

    await store.update(ids[4], Project(title="Wasp"), ["title"])  # search, by the text index
    assert await listed(store, search="bee", limit=1) == ([ids[0]], 4)
    assert await listed(store, search="wasp") == ([ids[4]], 1)


async def test_count_follows_a_job_that_changes_the_project(store: Store) -> None:
    """A finished render writes the project through the job store: its fields' counts
    follow too."""
    (made_id,) = await made(store, pb.LANGUAGE_EN)
    rendered = (Condition("video_url", "ne", ("",)),)
    url = (Condition("video_url", "eq", ("https://cdn.example/v.mp4",)),)
    assert (await listed(store, conditions=url))[1] == 0
    await store.queue_job(made_id, VideoSettings(fps=30), {}, NOW)
    claim = await store.claim_job("runner", NOW, 60_000)
    assert claim is not None
    patch = Project(video_url="https://cdn.example/v.mp4")
    assert await store.finish_job(claim, patch, ["video_url"], NOW + 1)
    assert await listed(store, conditions=url) == ([made_id], 1)
    assert (await listed(store, conditions=rendered))[1] == 1


async def test_count_follows_writes_of_another_store_on_the_same_data(
    backend: Backend, store: Store
) -> None:
    """Another orchestrator (a process sharing the SQLite file, a replica on the same
    MongoDB) writes: this one's remembered counts and pages do not outlive the write."""
    other = await backend.open()
    ids = await made(store, pb.LANGUAGE_FR, pb.LANGUAGE_EN)
    assert await listed(store, conditions=FRENCH, limit=5) == ([ids[0]], 1)
    added = (await other.create(project("Bee 2", created_ms=2, language=pb.LANGUAGE_FR))).id
    assert await listed(store, conditions=FRENCH, limit=5) == ([ids[0], added], 2)
    await other.update(ids[1], Project(language=pb.LANGUAGE_FR), ["language"])
    assert await listed(store, conditions=FRENCH, limit=5) == ([ids[0], ids[1], added], 3)
    await other.delete(ids[0])
    assert await listed(store, conditions=FRENCH, limit=5) == ([ids[1], added], 2)


async def test_paging_through_a_result_counts_once(
    backend: Backend, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages 1, 2 and 3 of one filter, in any order of sort, the conditions repeated or
    reordered: one count until the next write (on the embedded store, this store's writes
    carry it: not counted again)."""
    ids = await made(store, *[pb.LANGUAGE_FR] * 7)
    counted: list[int] = []
    memo = store.projects.counts  # type: ignore[attr-defined]
    remember = memo.remember
    monkeypatch.setattr(
        memo, "remember", lambda *a: counted.append(getattr(a[2], "total", a[2])) or remember(*a)
    )
    both = (*FRENCH, Condition("fps", "gte", (30,)))
    again = (Condition("fps", "gte", (30,)), Condition("language", "eq", ("fr", "fr")))
    for offset in (0, 3, 6):
        assert await listed(store, conditions=both, offset=offset, limit=3) == (
            ids[offset : offset + 3],
            7,
        )
    assert await listed(store, conditions=again, sort=(("title", True),), limit=1) == (
        [ids[6]],
        7,
    )
    assert counted == [7]
    await store.delete(ids[0])
    assert (await listed(store, conditions=both, limit=3))[1] == 6
    assert counted == ([7] if backend.name == "sqlite" else [7, 6])


async def test_mongodb_count_taken_while_a_write_is_under_way_is_not_kept(
    backend: Backend, store: Store
) -> None:
    """On MongoDB a write takes its revision, writes, then logs it: a count made between
    is not remembered, or the write landing after it would be missed at that same
    revision."""
    if backend.name == "sqlite":
        pytest.skip("MongoDB's revisions: the embedded store's are in the write's transaction")
    assert isinstance(store, MongoStore)
    await made(store, pb.LANGUAGE_FR)
    assert (await listed(store, conditions=FRENCH))[1] == 1
    revision = await store.projects.changes.next_revision()  # a writer starts
    assert (await listed(store, conditions=FRENCH))[1] == 1  # before it writes
    late = project("Bee late", created_ms=9, language=pb.LANGUAGE_FR, id="late", revision=revision)
    await store.projects.collection.insert_one(to_document(late))
    assert (await listed(store, conditions=FRENCH))[1] == 2  # same counter, now written
    await store.projects.changes.log(revision, "late", late)
    assert (await listed(store, conditions=FRENCH))[1] == 2
    assert await store.projects.changes.settled_revision() == revision


async def test_mongodb_revision_never_logged_is_taken_as_a_dead_writer_after_a_grace(
    backend: Backend, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend.name == "sqlite":
        pytest.skip("MongoDB's revisions")
    assert isinstance(store, MongoStore)
    await made(store, pb.LANGUAGE_FR)
    changes = store.projects.changes
    revision = await changes.next_revision()  # a writer that dies here
    assert await changes.settled_revision() is None
    monkeypatch.setattr(mongo_changes, "SETTLE_GRACE_S", 0.0)
    assert await changes.settled_revision() == revision


async def test_sqlite_lists_more_projects_than_a_statement_takes_parameters(
    backend: Backend, store: Store
) -> None:
    """Listing every project (no page size) reads more rows than SQLite binds parameters
    to one statement (32,766): the page is read with one parameter, whatever its size."""
    if backend.name != "sqlite":
        pytest.skip("the embedded store's statements")
    assert isinstance(store, SqliteStore)
    ids = await made(store, *[pb.LANGUAGE_FR] * 12)
    store.db.reader.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 8)
    assert await listed(store) == (ids, 12)
    assert await listed(store, conditions=FRENCH, sort=(("create_time", True),)) == (
        ids[::-1],
        12,
    )


# -- counts and pages through a run of mixed writes ------------------------------------------

FPS30 = Condition("fps", "gte", (30,))
NOT_FRENCH = (Condition("language", "ne", ("fr",)),)
TITLE = ProjectQuery(conditions=FRENCH, sort=(("title", False),), limit=2)
WATCHED = [
    ProjectQuery(conditions=FRENCH, limit=2),
    ProjectQuery(conditions=FRENCH, offset=2, limit=2),
    TITLE,
    ProjectQuery(conditions=(*FRENCH, FPS30), limit=3),
    ProjectQuery(conditions=(*FRENCH, FPS30), offset=3, limit=3),
    ProjectQuery(search="bee", limit=3),
    ProjectQuery(search="bee", sort=(("title", True),), offset=1, limit=2),
    ProjectQuery(search="strasse", limit=5),  # "Straße" folds to it
    ProjectQuery(search="e", sort=(("fps", True), ("title", False)), limit=4),  # short texts
    ProjectQuery(conditions=(Condition("title", "contains", ("wa",)),), limit=2),
    ProjectQuery(conditions=(Condition("title", "starts_with", ("bee",)),), limit=2),
    ProjectQuery(conditions=(Condition("script_text", "contains", ("hive",)),), limit=5),
    ProjectQuery(conditions=(Condition("description", "contains", ("honey",)),), limit=2),
    ProjectQuery(conditions=NOT_FRENCH, sort=(("fps", True),), limit=2),
    ProjectQuery(conditions=(Condition("video_url", "ne", ("",)),), limit=5),
    ProjectQuery(statuses=(pb.PROJECT_STATUS_DRAFT,), offset=1, limit=3),
    ProjectQuery(offset=4, limit=3),
    ProjectQuery(search="bee", conditions=(FPS30,)),
    # deep pages, from bookmarks on the embedded store (one every 2 matches here)
    ProjectQuery(offset=5, limit=2),
    ProjectQuery(conditions=FRENCH, offset=3, limit=1),
    ProjectQuery(conditions=(*FRENCH, FPS30), offset=2, limit=2),
    ProjectQuery(conditions=NOT_FRENCH, sort=(("title", True),), offset=4, limit=2),
    ProjectQuery(sort=(("update_time", True),), offset=7, limit=3),
    ProjectQuery(sort=(("create_time", True),), offset=9, limit=3),
]
TITLES = ["Bee hive", "Wasp nest", "Straße", "Honey bee", "Ant hill", "bees", "Zebra", "Aa"]
LANGUAGES = [pb.LANGUAGE_FR, pb.LANGUAGE_EN, pb.LANGUAGE_DE]
STATUSES = [pb.PROJECT_STATUS_DRAFT, pb.PROJECT_STATUS_VIDEO_READY]


async def recounted(backend: Backend) -> list[tuple[list[str], int]]:
    """Every watched list as a store that remembers nothing finds it, its pages walked
    from the first match (no bookmark)."""
    fresh = await backend.open()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bookmarks, "EVERY", 10**9)
        return [await answered(fresh, query) for query in WATCHED]


async def test_counts_and_pages_match_a_recount_through_mixed_writes(
    backend: Backend, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creates, patches moving projects in and out of each watched list (filters, texts
    of every index, sorts), deletes, a finished render and another store's writes,
    interleaved: after each, every count and page is what a recount finds. On the embedded
    store this store's own writes carry the counts (none counted again): a wrong
    adjustment shows as a difference."""
    monkeypatch.setattr(bookmarks, "EVERY", 2)
    # Every entry tested, however loaded the machine (the budget has its own test).
    monkeypatch.setattr(kept, "TEST_BUDGET_S", 60.0)
    rng = random.Random(9)
    other = await backend.open()
    counted: list[int] = []
    memo = store.projects.counts  # type: ignore[attr-defined]
    remember = memo.remember
    monkeypatch.setattr(memo, "remember", lambda *a: counted.append(1) or remember(*a))
    ids = []
    for n in range(10):
        made_project = project(
            TITLES[n % len(TITLES)],
            created_ms=n,
            language=LANGUAGES[n % 3],
            fps=(24, 30, 60)[n % 4 % 3],
            description="honey" if n % 4 == 0 else "",
            script_text="A hive" if n % 3 == 0 else "",
        )
        ids.append((await store.create(made_project)).id)

    async def patch(writer: Store, **fields: Any) -> None:
        await writer.update(rng.choice(ids), Project(**fields), list(fields))

    async def render() -> None:
        chosen = rng.choice(ids)
        if await store.queue_job(chosen, VideoSettings(fps=30), {}, NOW) is None:
            return
        claim = await store.claim_job("runner", NOW, 60_000)
        assert claim is not None
        url = f"https://cdn.example/{claim.id}.mp4"
        done = Project(video_url=url, title=rng.choice(TITLES))
        assert await store.finish_job(claim, done, ["video_url", "title"], NOW + 1)

    async def create(writer: Store) -> None:
        fields = dict(language=rng.choice(LANGUAGES), fps=rng.choice((24, 30, 60)))
        made_project = project(rng.choice(TITLES), created_ms=len(ids), **fields)
        ids.append((await writer.create(made_project)).id)

    async def delete() -> None:
        await store.delete(ids.pop(rng.randrange(len(ids))))

    writes: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("create", lambda: create(store)),
        ("language", lambda: patch(store, language=rng.choice(LANGUAGES))),
        ("title", lambda: patch(store, title=rng.choice(TITLES))),
        ("fps", lambda: patch(store, fps=rng.choice((24, 30, 60)))),
        ("texts", lambda: patch(store, description="Honey", script_text="hive")),
        ("no texts", lambda: patch(store, description="", script_text="")),
        ("status", lambda: patch(store, status=rng.choice(STATUSES))),
        ("delete", delete),
        ("render", render),
        ("another store's create", lambda: create(other)),
        ("another store's patch", lambda: patch(other, language=rng.choice(LANGUAGES))),
    ]
    assert [await answered(store, q) for q in WATCHED] == await recounted(backend)
    for step in range(40):
        name, write = writes[step % len(writes)] if step < len(writes) else rng.choice(writes)
        await write()
        counted.clear()
        lists = [await answered(store, q) for q in WATCHED]
        assert lists == await recounted(backend), f"after step {step}: {name}"
        if backend.name == "sqlite" and not name.startswith("another"):
            assert counted == [], f"counted again after step {step}: {name}"


async def test_a_query_holding_more_text_than_a_memo_takes_is_answered_unremembered(
    store: Store,
) -> None:
    """A gRPC list may hold ~5 MB of values: past MEMO_MAX_TEXT it is counted and paged
    afresh each time, and no memo keeps it."""
    fr, en = pb.LANGUAGE_FR, pb.LANGUAGE_EN
    ids = await made(store, fr, en, fr)
    others = tuple(f"{n:04d}" + "x" * 996 for n in range(counts.MEMO_MAX_TEXT // 1000 + 1))
    heavy = (*FRENCH, Condition("title", "ne", others))
    query = ProjectQuery(conditions=heavy, limit=1)
    assert not counts.rememberable(query)
    assert await answered(store, query) == ([ids[0]], 2)
    assert len(store.projects.counts) == 0  # type: ignore[attr-defined]
    await store.update(ids[1], Project(language=fr), ["language"])
    assert await answered(store, query) == ([ids[0]], 3)
    assert await answered(store, ProjectQuery(conditions=heavy, offset=5, limit=1)) == ([], 3)
    assert len(store.projects.counts) == 0  # type: ignore[attr-defined]
    assert await listed(store, conditions=FRENCH, limit=1) == ([ids[0]], 3)
    assert len(store.projects.counts) == 1  # type: ignore[attr-defined]
