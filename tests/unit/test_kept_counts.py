"""The rules by which the embedded store carries its remembered counts and pages through
a write (orchestrator/store/sqlite/kept.py), seen in the memos themselves: which entries
move to the write's revision, with what value, and which go."""

from pathlib import Path

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene, VideoSettings

from orchestrator.store.base import Condition, ProjectQuery, fold
from orchestrator.store.counts import count_key, page_key
from orchestrator.store.sqlite import SqliteStore, bookmarks, kept, listing
from tests.fakes.projects import at, project

FRENCH = (Condition("language", "eq", ("fr",)),)


@pytest.fixture(autouse=True)
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry tested, however loaded the machine (a write preempted past the 5 ms
    budget would drop them): the budget has its own test, which sets its own."""
    monkeypatch.setattr(kept, "TEST_BUDGET_S", 60.0)


BY_TITLE = ProjectQuery(conditions=FRENCH, sort=(("title", False),), limit=2)


async def french(store: SqliteStore, *titles: str) -> list[str]:
    return [
        (await store.create(project(t, created_ms=n, language=pb.LANGUAGE_FR))).id
        for n, t in enumerate(titles)
    ]


async def remembered(store: SqliteStore, query: ProjectQuery) -> tuple[int | None, bool]:
    """The count, and whether the page, the memos hold for the query at the revision a
    list would read now."""
    revision = await store.current_revision()
    counted = count_key(query)
    count = store.projects.counts.lookup(counted, revision)
    key = page_key(query, counted)
    page = None if key is None else store.projects.pages.lookup(key, revision)
    return (None if count is None else count.total), page is not None


async def test_a_project_entering_after_a_full_page_keeps_it(store: SqliteStore) -> None:
    await french(store, "Ant", "Bee", "Cat")
    assert (await store.list(BY_TITLE))[1] == 3
    await store.create(project("Zebra", created_ms=9, language=pb.LANGUAGE_FR))
    assert await remembered(store, BY_TITLE) == (4, True)  # sorts after "Bee": the page holds
    await store.create(project("Aardvark", created_ms=10, language=pb.LANGUAGE_FR))
    assert await remembered(store, BY_TITLE) == (5, False)  # sorts first: the page goes


async def test_a_page_not_full_goes_when_a_match_is_added(store: SqliteStore) -> None:
    await french(store, "Ant")
    await store.list(BY_TITLE)
    await store.create(project("Zebra", created_ms=9, language=pb.LANGUAGE_FR))
    assert await remembered(store, BY_TITLE) == (2, False)


async def test_a_project_leaving_or_moving_inside_a_page_drops_it(store: SqliteStore) -> None:
    ids = await french(store, "Ant", "Bee", "Cat", "Dog")
    await store.list(BY_TITLE)
    await store.update(ids[3], Project(title="Eel"), ["title"])  # after the page, both times
    assert await remembered(store, BY_TITLE) == (4, True)
    await store.update(ids[3], Project(title="Aa"), ["title"])  # moves into the page
    assert await remembered(store, BY_TITLE) == (4, False)
    await store.list(BY_TITLE)
    await store.update(ids[1], Project(language=pb.LANGUAGE_EN), ["language"])  # after it
    assert await remembered(store, BY_TITLE) == (3, True)
    await store.update(ids[0], Project(language=pb.LANGUAGE_EN), ["language"])  # leaves it
    assert await remembered(store, BY_TITLE) == (2, False)
    await store.list(BY_TITLE)
    dog = await store.create(project("Dog", created_ms=7, language=pb.LANGUAGE_FR))
    await store.list(BY_TITLE)  # Aa, Cat
    await store.delete(dog.id)  # was after the page
    assert await remembered(store, BY_TITLE) == (2, True)
    await store.delete(ids[3])  # was in it
    assert await remembered(store, BY_TITLE) == (1, False)


async def test_a_write_no_list_is_about_keeps_everything(store: SqliteStore) -> None:
    ids = await french(store, "Ant", "Bee", "Cat")
    other = (await store.create(project("Other", created_ms=5))).id
    none = ProjectQuery(conditions=(Condition("fps", "gte", (60,)),), limit=2)
    queries = [BY_TITLE, ProjectQuery(search="bee", limit=5), none, ProjectQuery(limit=2)]
    for query in queries:
        await store.list(query)
    await store.update(other, Project(audio_speed=1.5), ["audio_speed"])
    unchanged = [(3, True), (1, True), (0, True), (4, True)]
    assert [await remembered(store, q) for q in queries] == unchanged
    await store.update(ids[2], Project(title="Abee"), ["title"])  # first, and a match
    changed = [(3, False), (2, False), (0, True), (4, True)]
    assert [await remembered(store, q) for q in queries] == changed


async def test_another_store_on_the_file_leaves_the_entries_behind(
    store: SqliteStore, tmp_path: Path
) -> None:
    await french(store, "Ant")
    await store.list(BY_TITLE)
    other = SqliteStore(tmp_path)
    try:
        await other.create(project("Bee", created_ms=3, language=pb.LANGUAGE_FR))
        assert await remembered(store, BY_TITLE) == (None, False)
        await store.create(project("Cat", created_ms=4, language=pb.LANGUAGE_FR))  # from there
        assert await remembered(store, BY_TITLE) == (None, False)
        assert (await store.list(BY_TITLE))[1] == 3  # counted again
    finally:
        await other.close()


async def test_a_write_that_fails_moves_nothing(store: SqliteStore) -> None:
    (made_id,) = await french(store, "Ant")
    await store.list(BY_TITLE)
    with pytest.raises(IndexError):  # rolled back
        await store.update_scene(made_id, 3, Scene(prompt="x"), at(5))
    assert await remembered(store, BY_TITLE) == (1, True)


async def test_a_write_carries_the_last_used_entries_only(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept, "KEEP_AT_MOST", 1)
    await french(store, "Ant")
    older, newer = ProjectQuery(search="ant"), ProjectQuery(search="an")
    await store.list(older)
    await store.list(newer)
    await store.create(project("Another", created_ms=5))
    assert await remembered(store, older) == (None, False)
    assert await remembered(store, newer) == (2, False)


async def test_a_write_carries_what_it_can_test_within_its_budget(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its time budget a write stops testing entries: those it did not test go (and
    are counted again when asked), those it did are carried."""
    await french(store, "Ant", "Bee")
    queries = [ProjectQuery(search="ant"), BY_TITLE]
    for query in queries:
        await store.list(query)
    monkeypatch.setattr(kept, "TEST_BUDGET_S", -1.0)  # spent before the first test
    await store.create(project("Antelope", created_ms=5, language=pb.LANGUAGE_FR))
    assert [await remembered(store, q) for q in queries] == [(None, False)] * 2
    assert [(await store.list(q))[1] for q in queries] == [2, 3]  # counted again
    monkeypatch.setattr(kept, "TEST_BUDGET_S", 1.0)
    await store.create(project("Anteater", created_ms=6, language=pb.LANGUAGE_FR))
    assert [(await remembered(store, q))[0] for q in queries] == [3, 4]  # carried


async def test_a_match_before_the_page_that_stays_before_it_keeps_it(store: SqliteStore) -> None:
    ids = await french(store, "Ant", "Bee", "Cat", "Dog", "Eel")
    second = ProjectQuery(conditions=FRENCH, sort=(("title", False),), offset=2, limit=2)
    last = ProjectQuery(conditions=FRENCH, offset=4, limit=2)  # not full: Eel
    past = ProjectQuery(conditions=FRENCH, offset=9, limit=2)  # empty
    for query in (second, last, past):
        await store.list(query)
    await store.update(ids[0], Project(audio_speed=1.5), ["audio_speed"])
    assert [await remembered(store, q) for q in (second, last, past)] == [(5, True)] * 3
    await store.update(ids[0], Project(title="Ants"), ["title"])  # still before "Cat"
    assert await remembered(store, second) == (5, True)
    await store.update(ids[0], Project(title="Zebra"), ["title"])  # past the page
    assert await remembered(store, second) == (5, False)
    await store.update(ids[1], Project(language=pb.LANGUAGE_EN), ["language"])  # leaves
    assert [await remembered(store, q) for q in (last, past)] == [(4, False), (4, False)]


TEXTS = [
    "Straße",
    "STRASSE",
    "İstanbul",
    "e\u0301té",
    "été",
    "🐝 bee",
    'say "hi" AND *x*',
    "ab",
    "a",
]
NEEDLES = [
    "ss",
    "strasse",
    "straße",
    "i̇st",
    "été",
    "é",
    "🐝",
    "bee",
    '"hi" and',
    "*x*",
    "b",
    "ab",
    "wasp",
]


async def test_a_write_tests_texts_as_the_text_indexes_find_them(store: SqliteStore) -> None:
    """kept.py tests a changed project's texts on its folded columns; a list finds them
    through the trigram index or the index of short texts: the same projects."""
    for n, text in enumerate(TEXTS):
        await store.create(project(text, created_ms=n, description=TEXTS[-1 - n]))
    reader = store.db.reader
    seqs = [seq for (seq,) in reader.execute("SELECT seq FROM projects")]
    totals: list[int] = []
    for needle in NEEDLES:
        for query in (
            ProjectQuery(search=needle),
            ProjectQuery(conditions=(Condition("title", "contains", (fold(needle),)),)),
        ):
            page, total = await store.list(query)
            test = listing.membership(query)
            found = [seq for seq in seqs if test.holds(reader, seq)]
            assert len(found) == total, needle
            assert len(page) == total
            totals.append(total)
    assert 0 in totals and sum(totals) > 2 * len(NEEDLES)  # some found, some not


async def test_bookmarks_are_laid_on_the_way_and_moved_by_a_write(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bookmarks, "EVERY", 2)
    ids = await french(store, *"ABCDEFGH")
    deep = ProjectQuery(conditions=FRENCH, offset=5, limit=2)
    page, _ = await store.list(deep)
    assert [p.title for p in page] == ["F", "G"]
    seqs = dict(store.db.reader.execute("SELECT id, seq FROM projects").fetchall())
    key = (count_key(deep), tuple(deep.sort))
    marks = store.projects.marks.lookup(key, await store.current_revision())
    assert marks is not None and marks.at == ((1, seqs[ids[1]]), (3, seqs[ids[3]]))
    await store.update(ids[0], Project(language=pb.LANGUAGE_EN), ["language"])  # before both
    await store.update(ids[2], Project(title="C2"), ["title"])  # between, stays a match
    await store.update(ids[3], Project(title="D2"), ["title"])  # the bookmark goes
    marks = store.projects.marks.lookup(key, await store.current_revision())
    assert marks is not None and marks.at == ((0, seqs[ids[1]]),)
    page, total = await store.list(deep)
    assert ([p.title for p in page], total) == (["G", "H"], 7)


async def test_a_job_that_changes_no_listed_column_keeps_the_pages_holding_it(
    store: SqliteStore,
) -> None:
    """A render queued, claimed, reporting progress: each gives the project a revision
    (its job's view) but no list reads what changed."""
    ids = await french(store, "Ant", "Bee")
    await store.list(BY_TITLE)
    await store.queue_job(ids[0], VideoSettings(fps=30), {}, 1)
    claim = await store.claim_job("runner", 1, 60_000)
    assert claim is not None
    assert await store.report_progress(claim, 0.5, "encoding", 2)
    assert await remembered(store, BY_TITLE) == (2, True)
    assert await store.finish_job(claim, Project(title="Zebra"), ["title"], 3)  # now it moves
    assert await remembered(store, BY_TITLE) == (2, False)


async def test_a_page_past_the_last_match_walks_nothing(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slice ending before it starts asks for the largest offset: the answer is empty at
    once, no walk through every match laying bookmarks on the way."""
    monkeypatch.setattr(bookmarks, "EVERY", 2)
    await french(store, "Ant", "Bee", "Cat", "Dog", "Eel")
    by_title = (("title", False),)
    past = ProjectQuery(conditions=FRENCH, sort=by_title, offset=2**31 - 1, limit=2)
    assert await store.list(past) == ([], 5)
    assert store.projects.marks.made_at(await store.current_revision()) == []
    deep = ProjectQuery(conditions=FRENCH, sort=by_title, offset=4, limit=2)
    assert [p.title for p in (await store.list(deep))[0]] == ["Eel"]
    assert store.projects.marks.made_at(await store.current_revision()) != []  # walked
