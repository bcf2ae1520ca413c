"""The store contract of list queries: conditions on every kind of field, with every
operator, several sort keys, search through the trigram index and without it, and paging
with filters; every adapter must answer the same (see conftest.py for which).

Text conditions take a value already folded (orchestrator/listing.py folds it), as here.
"""

import sqlite3
from typing import Any

import pytest
from ai_studio.v1 import project_pb2 as pb

from orchestrator.store.base import Condition, ProjectQuery, Store
from orchestrator.store.sqlite import SqliteStore
from orchestrator.store.sqlite import listing as sqlite_listing
from tests.fakes.projects import T0, project

T0_MS = int(T0.timestamp() * 1000)
# Created in this order, a millisecond apart.
ROWS: list[dict[str, Any]] = [
    dict(title="Alpha Bee", description="honey and bees", language=pb.LANGUAGE_EN,
         use_case=pb.USE_CASE_STORYTELLING, fps=24, audio_speed=0.8, duration=10),
    dict(title="beta", description="Über STRASSE", language=pb.LANGUAGE_FR,
         use_case=pb.USE_CASE_COMMERCIAL, fps=30, audio_speed=1.0, duration=20.5,
         audio_path="https://cdn.example/a.mp3"),
    dict(title="Gamma ray", description="the BEE gees", language=pb.LANGUAGE_DE,
         use_case=pb.USE_CASE_COMMERCIAL, fps=60, audio_speed=1.2, duration=0),
    dict(title="delta 50% off", description="a_b c [x]", language=pb.LANGUAGE_FR,
         use_case=pb.USE_CASE_TUTORIAL, fps=30, audio_speed=0.7, duration=5,
         audio_path="https://cdn.example/b.MP3"),
    dict(title="ÉTÉ", description="summer\nline two", language=pb.LANGUAGE_EN,
         use_case=pb.USE_CASE_STORYTELLING, fps=24, audio_speed=1.3, duration=30),
]  # fmt: skip


@pytest.fixture
async def ids(store: Store) -> list[str]:
    made = []
    for i, fields in enumerate(ROWS):
        created = await store.create(project(created_ms=i, **fields))
        made.append(created.id)
    return made


async def listed(store: Store, *conditions: Condition, **fields: Any) -> tuple[list[str], int]:
    page, total = await store.list(ProjectQuery(conditions=conditions, **fields))
    return [p.id for p in page], total


def when(field: str, operator: str, *values: Any) -> Condition:
    return Condition(field, operator, values)  # type: ignore[arg-type]


CASES = [
    # enums: any of the values, none of them
    ([when("language", "eq", "fr")], [1, 3]),
    ([when("language", "eq", "fr", "de")], [1, 2, 3]),
    ([when("language", "ne", "fr")], [0, 2, 4]),
    ([when("language", "ne", "fr", "en")], [2]),
    ([when("use_case", "eq", "commercial")], [1, 2]),
    # numbers, int and double
    ([when("fps", "eq", 24, 60)], [0, 2, 4]),
    ([when("fps", "lt", 30)], [0, 4]),
    ([when("fps", "lte", 30)], [0, 1, 3, 4]),
    ([when("fps", "gt", 30)], [2]),
    ([when("audio_speed", "gte", 1.0)], [1, 2, 4]),
    ([when("duration", "gt", 5)], [0, 1, 4]),
    ([when("duration", "eq", 20.5)], [1]),
    ([when("duration", "gte", 5), when("duration", "lte", 20.5)], [0, 1, 3]),
    # times, in milliseconds
    ([when("create_time", "gte", T0_MS + 2)], [2, 3, 4]),
    ([when("create_time", "lt", T0_MS + 1)], [0]),
    ([when("update_time", "eq", T0_MS + 4)], [4]),
    # texts: exact, ordered (by code point), and folded
    ([when("title", "eq", "beta")], [1]),
    ([when("title", "eq", "Beta")], []),
    ([when("title", "lt", "b")], [0, 2]),
    ([when("title", "ne", "beta")], [0, 2, 3, 4]),
    ([when("title", "contains", "bee")], [0]),
    ([when("title", "contains", "e")], [0, 1, 3]),  # "é" is not "e"
    ([when("title", "contains", "été")], [4]),
    ([when("title", "contains", "50% o")], [3]),
    ([when("title", "contains", "")], [0, 1, 2, 3, 4]),
    ([when("description", "contains", "bee")], [0, 2]),
    ([when("description", "contains", "strasse")], [1]),  # "STRASSE" folded
    ([when("description", "contains", "a_b")], [3]),
    ([when("description", "contains", "[x]")], [3]),
    ([when("description", "contains", "r\nl")], [4]),
    ([when("description", "contains", "a.b")], []),
    ([when("description", "contains", "bee\x00")], []),
    ([when("title", "starts_with", "gam")], [2]),
    ([when("title", "starts_with", "am")], []),
    ([when("title", "ends_with", "ray")], [2]),
    ([when("title", "ends_with", "ff")], [3]),
    ([when("title", "ends_with", "ra")], []),
    ([when("title", "folded_eq", "beta")], [1]),
    ([when("title", "folded_eq", "bet")], []),
    ([when("description", "ends_with", "two")], [4]),
    ([when("script_text", "contains", "x")], []),
    # 1 or 2 characters: the index of short texts on the embedded store
    ([when("title", "contains", "a")], [0, 1, 2, 3]),
    ([when("title", "contains", "é")], [4]),
    ([when("title", "contains", "50")], [3]),
    ([when("title", "contains", "y")], [2]),  # the last character
    ([when("title", "contains", "\x00")], []),
    ([when("description", "contains", "\n")], [4]),
    ([when("title", "starts_with", "be")], [1]),
    ([when("title", "ends_with", "ff")], [3]),
    ([when("title", "folded_eq", "é")], []),
    ([when("title", "contains", "a"), when("description", "contains", "be")], [0, 1, 2]),
    ([when("title", "contains", "ta"), when("title", "contains", "elt")], [3]),
    # nullable URLs: a null is unequal to every value
    ([when("audio_path", "eq", "https://cdn.example/a.mp3")], [1]),
    ([when("audio_path", "ne", "https://cdn.example/a.mp3")], [0, 2, 3, 4]),
    ([when("audio_path", "contains", ".mp3")], [1, 3]),
    ([when("audio_path", "starts_with", "https://cdn")], [1, 3]),
    ([when("audio_path", "ends_with", "b.mp3")], [3]),
    # all of them at once
    ([when("language", "eq", "fr"), when("fps", "eq", 30), when("title", "contains", "del")], [3]),
    ([when("language", "eq", "en"), when("description", "contains", "e")], [0, 4]),
    ([when("use_case", "eq", "commercial"), when("fps", "gt", 100)], []),
]


@pytest.mark.parametrize(("conditions", "expected"), CASES)
async def test_list_conditions(store: Store, ids: list[str], conditions, expected) -> None:
    assert await listed(store, *conditions) == ([ids[i] for i in expected], len(expected))


async def test_list_by_id(store: Store, ids: list[str]) -> None:
    assert await listed(store, when("id", "eq", ids[3], ids[1])) == ([ids[1], ids[3]], 2)
    assert await listed(store, when("id", "ne", ids[0])) == (ids[1:], 4)
    assert await listed(store, when("id", "eq", "nope")) == ([], 0)


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("bee", [0, 2]),  # through the trigram index
        ("BEE G", [2]),
        ("be", [0, 1, 2]),  # too short for it: the index of short texts
        ("é", [4]),
        ("e", [0, 1, 2, 3, 4]),
        ("E", [0, 1, 2, 3, 4]),
        (" ", [0, 1, 2, 3, 4]),
        ("%", [3]),
        ("ss", [1]),  # "ß" folded
        ("\x00", []),
        ("50%", [3]),
        ('a"b', []),
        ('"bee"', []),
        ("bee*", []),
        ("bee OR alpha", []),
        ("NEAR(bee", []),
        ("{title_fold} : bee", []),
        ("summer\nline", [4]),
        ("bee\x00", []),  # a NUL ends an FTS5 query: a scan finds it (nowhere)
    ],
)
async def test_list_search_by_index_and_by_scan(
    store: Store, ids: list[str], search: str, expected: list[int]
) -> None:
    assert await listed(store, search=search) == ([ids[i] for i in expected], len(expected))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ((("language", False), ("fps", True)), [2, 0, 4, 1, 3]),
        ((("fps", True), ("title", False)), [2, 1, 3, 0, 4]),
        ((("use_case", False),), [1, 2, 0, 4, 3]),
        ((("use_case", True),), [3, 4, 0, 2, 1]),
        ((("audio_path", False),), [0, 2, 4, 1, 3]),  # nulls first
        ((("duration", True),), [4, 1, 0, 3, 2]),
    ],
)
async def test_list_sorts_by_several_keys(store: Store, ids: list[str], sort, expected) -> None:
    assert await listed(store, sort=sort) == ([ids[i] for i in expected], 5)


async def test_list_pages_with_filters_and_sort(store: Store, ids: list[str]) -> None:
    fr_or_en = when("language", "eq", "en", "fr")
    assert await listed(store, fr_or_en, offset=1, limit=2) == ([ids[1], ids[3]], 4)
    by_speed = (("audio_speed", True),)
    assert await listed(store, fr_or_en, sort=by_speed, offset=0, limit=3) == (
        [ids[4], ids[1], ids[0]],
        4,
    )
    assert await listed(store, fr_or_en, search="bee", offset=1, limit=5) == ([], 1)


async def test_updates_and_deletes_keep_the_text_index_in_step(store: Store, ids: list[str]):
    renamed = project("Zebra crossing")
    await store.update(ids[0], renamed, ["title"])
    assert await listed(store, search="zebra") == ([ids[0]], 1)
    assert await listed(store, search="alpha") == ([], 0)
    assert await listed(store, when("title", "contains", "cross")) == ([ids[0]], 1)
    await store.delete(ids[0])
    assert await listed(store, search="zebra") == ([], 0)
    assert await listed(store, search="bee") == ([ids[2]], 1)


async def test_sqlite_store_of_schema_2_is_upgraded_with_its_data(tmp_path) -> None:
    """A file of the layout before this one (documents in the projects rows) opens with
    every project, searchable and filterable, under its old insertion order."""
    conn = sqlite3.connect(tmp_path / "ai_studio.sqlite3")
    conn.executescript(
        "CREATE TABLE projects (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " status TEXT NOT NULL, title TEXT NOT NULL, title_fold TEXT NOT NULL,"
        " description_fold TEXT NOT NULL, create_ms INTEGER NOT NULL,"
        " update_ms INTEGER NOT NULL, doc BLOB NOT NULL);"
        "CREATE INDEX projects_create ON projects (create_ms, seq); PRAGMA user_version = 2;"
    )
    old = [project(f"Old {title}", id=title, language=lang) for title, lang in OLD_ROWS]
    for seq, made in zip((9, 4), old, strict=True):
        conn.execute(
            "INSERT INTO projects VALUES (?, ?, 'draft', ?, ?, '', 0, 0, ?)",
            (seq, made.id, made.title, made.title.lower(), made.SerializeToString()),
        )
    conn.commit()
    conn.close()
    store = SqliteStore(tmp_path)
    try:
        assert await store.get("one") == old[0]
        assert await listed(store) == (["two", "one"], 2)  # by seq when create times tie
        assert await listed(store, search="old o") == (["one"], 1)
        assert await listed(store, when("language", "eq", "fr")) == (["two"], 1)
    finally:
        await store.close()


OLD_ROWS = [("one", pb.LANGUAGE_EN), ("two", pb.LANGUAGE_FR)]


async def test_sqlite_pages_the_same_when_it_walks_the_sort_index(
    store: Store, ids: list[str], backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past WALK_ABOVE matches the embedded store tests each row along the sort's index
    instead of sorting the matches: the same answers."""
    if backend.name != "sqlite":
        pytest.skip("the embedded store's plan")
    monkeypatch.setattr(sqlite_listing, "WALK_ABOVE", 0)
    assert await listed(store, search="bee") == ([ids[0], ids[2]], 2)
    by_title = (("title", True),)
    assert await listed(store, search="bee", sort=by_title, limit=1) == ([ids[2]], 2)
    got = await listed(store, when("description", "contains", "bee"), offset=1, limit=1)
    assert got == ([ids[2]], 2)


async def test_sqlite_store_gains_columns_for_fields_added_since(tmp_path) -> None:
    """A field added to common/fields.py after a file was made gets its column, filled
    from the documents, when the file is opened."""
    store = SqliteStore(tmp_path)
    made = await store.create(project("Kept", language=pb.LANGUAGE_DE))
    await store.close()
    conn = sqlite3.connect(tmp_path / "ai_studio.sqlite3")
    conn.execute("DROP INDEX projects_by_language")  # the file had neither
    conn.execute("ALTER TABLE projects DROP COLUMN language")
    conn.commit()
    conn.close()
    store = SqliteStore(tmp_path)
    try:
        assert await listed(store, when("language", "eq", "de")) == ([made.id], 1)
    finally:
        await store.close()


# Titles and descriptions for paging searches: every 3rd holds "sun", every 4th "ab".
SEARCHED = [
    (f"Item {n} {'sun' if n % 3 == 0 else 'moon'}", f"{'ab' if n % 4 == 0 else 'cd'} no. {n}")
    for n in range(30)
]


def found(needle: str, order: list[int]) -> list[int]:
    """The SEARCHED projects (by index) holding `needle`, in that order: what search is."""
    return [n for n in order if any(needle in text.casefold() for text in SEARCHED[n])]


@pytest.mark.parametrize("needle", ["sun", "ab", "n", "item", "8"])
@pytest.mark.parametrize("descending", [False, True])
async def test_list_search_pages_in_the_default_order(
    store: Store, needle: str, descending: bool
) -> None:
    """A search through either text index, page by page, in the default order either way:
    the matches in creation order, and how many there are."""
    ids = [
        (await store.create(project(title, description=text, created_ms=n))).id
        for n, (title, text) in enumerate(SEARCHED)
    ]
    order = list(range(30))[::-1] if descending else list(range(30))
    expected = found(needle, order)
    sort = (("create_time", descending),)
    for offset in range(0, len(expected) + 4, 4):
        got = await listed(store, search=needle, sort=sort, offset=offset, limit=4)
        assert got == ([ids[n] for n in expected[offset : offset + 4]], len(expected))


async def test_list_search_when_creation_order_is_not_insertion_order(store: Store) -> None:
    """Projects stored in another order than their create times (two orchestrators on one
    file, a clock set back) are still listed by create time, searched or not."""
    created = [7, 3, 9, 1, 5, 2, 8, 0, 6, 4]
    ids = {}
    for n in created:
        title, text = SEARCHED[n]
        ids[n] = (await store.create(project(title, description=text, created_ms=n))).id
    for needle in ("sun", "ab", "o"):
        expected = found(needle, sorted(created))
        for descending in (False, True):
            want = expected[::-1] if descending else expected
            sort = (("create_time", descending),)
            got = await listed(store, search=needle, sort=sort, offset=1, limit=3)
            assert got == ([ids[n] for n in want[1:4]], len(want))
    # Ties of another key are in insertion order, whatever the create times.
    tied = await listed(store, sort=(("use_case", False),), limit=4)
    assert tied == ([ids[n] for n in created[:4]], len(created))


# The embedded store's plans of a search in another order: sort a few matches; walk the
# sort's index testing each row's folded texts, or against the text index's matches.
WALKS = [
    {"WALK_ABOVE": 2000},
    {"WALK_ABOVE": 0, "ROW_TEST_COST": 0},
    {"WALK_ABOVE": 0, "ROW_TEST_COST": 10**9},
]


@pytest.mark.parametrize("walk", WALKS)
@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ((("title", True),), lambda n: (SEARCHED[n][0], n)),
        ((("use_case", False),), lambda n: (n % 2 == 0, n)),  # ties: by create time
    ],
)
async def test_list_search_sorted_by_another_key_walks_or_sorts_alike(
    store: Store, backend, monkeypatch: pytest.MonkeyPatch, walk, sort, key
) -> None:
    """A search sorted by another key than the create time, page after page: every plan
    of the embedded store answers as the MongoDB adapter."""
    ids = []
    for n, (title, text) in enumerate(SEARCHED):
        use_case = pb.USE_CASE_COMMERCIAL if n % 2 else pb.USE_CASE_TUTORIAL
        made = project(title, description=text, created_ms=n, use_case=use_case)
        ids.append((await store.create(made)).id)
    if backend.name == "sqlite":
        for name, value in walk.items():
            monkeypatch.setattr(sqlite_listing, name, value)
    ordered = sorted(range(30), key=key, reverse=sort[0][1])
    for needle in ("sun", "ab", "o"):
        expected = found(needle, ordered)
        for offset in (0, 3):
            got = await listed(store, search=needle, sort=sort, offset=offset, limit=4)
            assert got == ([ids[n] for n in expected[offset : offset + 4]], len(expected))


async def test_updates_and_deletes_keep_the_short_text_index_in_step(
    store: Store, ids: list[str]
) -> None:
    await store.update(ids[0], project("Zebra crossing"), ["title"])
    assert await listed(store, search="zb") == ([], 0)
    assert await listed(store, search="ze") == ([ids[0]], 1)
    assert await listed(store, when("title", "contains", "al")) == ([], 0)  # was "Alpha"
    await store.update(ids[0], project("Zebra crossing"), ["title"])  # the same texts
    assert await listed(store, search="ze") == ([ids[0]], 1)
    await store.delete(ids[0])
    assert await listed(store, search="ze") == ([], 0)
    assert await listed(store, search="ee") == ([ids[2]], 1)


async def test_sqlite_store_of_schema_3_gains_the_short_text_index(tmp_path) -> None:
    """A file of version 3 (no index of short texts, no order flag, no field indexes)
    opens with its projects found by short texts, listed in create-time order."""
    store = SqliteStore(tmp_path)
    made = [await store.create(project(title, created_ms=ms)) for title, ms in V3_ROWS]
    await store.close()
    conn = sqlite3.connect(tmp_path / "ai_studio.sqlite3")
    conn.execute("INSERT INTO projects_grams (projects_grams) VALUES ('delete-all')")
    conn.execute("DROP TABLE projects_order")
    conn.execute("DROP INDEX projects_by_language")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    store = SqliteStore(tmp_path)
    try:
        assert await listed(store, search="ok") == ([made[1].id, made[0].id], 2)
        assert await listed(store, search="ok", sort=(("create_time", True),), limit=1) == (
            [made[0].id],
            2,
        )
        indexes = store.db.reader.execute("PRAGMA index_list(projects)").fetchall()
        assert "projects_by_language" in {row[1] for row in indexes}
    finally:
        await store.close()


V3_ROWS = [("Ok later", 5), ("Ok sooner", 1)]  # stored in this order, created the other


async def test_list_search_finds_any_character_of_any_script(store: Store) -> None:
    """Texts of 1, 2 and 3 characters out of the Basic Multilingual Plane, accents and
    CJK, found by either text index (a token per code point on the embedded store)."""
    made = [
        (await store.create(project(title, created_ms=n))).id
        for n, title in enumerate(["Bees 🐝 at work", "蜂蜜 honey", "cafe\u0301 ok", "x🐝"])
    ]
    assert await listed(store, search="🐝") == ([made[0], made[3]], 2)
    assert await listed(store, search="x🐝") == ([made[3]], 1)
    assert await listed(store, search="🐝 a") == ([made[0]], 1)
    assert await listed(store, search="蜂") == ([made[1]], 1)
    assert await listed(store, search="蜂蜜") == ([made[1]], 1)
    assert await listed(store, search="é") == ([made[2]], 1)  # composed, as stored
