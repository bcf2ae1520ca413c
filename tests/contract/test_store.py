"""The store contract: every adapter must pass the same tests (see conftest.py for which).

The last section holds the few MongoDB-only checks: the document an operator reads, the
indexes, and how driver failures are translated.
"""

from datetime import datetime, timedelta

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene
from google.protobuf.timestamp_pb2 import Timestamp
from mongomock_motor import AsyncMongoMockClient
from pymongo import errors

from orchestrator.store.base import ProjectQuery, Store, StoreTimeout, StoreUnavailable
from orchestrator.store.mongo import MongoStore, codec
from orchestrator.store.mongo.projects import COLLECTION
from tests.fakes.projects import (
    T0,
    UNKNOWN_IDS,
    at,
    full_project,
    project,
    with_id,
)


def minimal_project() -> Project:
    """Nothing but a title: every other field unset or zero, every optional one absent."""
    return Project(title="Minimal")


def query(order_by: str = "create_time", descending: bool = False, **fields) -> ProjectQuery:
    """A query sorted by one key, `order_by`, unless `sort` is given."""
    return ProjectQuery(**{"sort": ((order_by, descending),), **fields})


async def create_all(store: Store, *projects: Project) -> list[str]:
    """Create the projects in order; their ids, in that order."""
    return [(await store.create(p)).id for p in projects]


async def listed(store: Store, **fields) -> tuple[list[str], int]:
    """The ids one list query returns, and its total."""
    page, total = await store.list(query(**fields))
    return [p.id for p in page], total


def picked(ids: list[str], indices: list[int]) -> list[str]:
    return [ids[i] for i in indices]


OPTIONAL_FIELDS = ["audio_path", "video_url", "thumbnail", "video_job"]  # video_job: never kept


def present(message: Project, names: list[str]) -> list[str]:
    """Which of the fields named are set on the message."""
    return [name for name in names if message.HasField(name)]


# -- create and get --------------------------------------------------------------------------


async def test_create_assigns_distinct_ids(store: Store) -> None:
    ids = await create_all(store, *(project(f"p{i}", id="client-id") for i in range(20)))

    assert len(set(ids)) == 20
    assert all(ids) and "client-id" not in ids


@pytest.mark.parametrize("build", [full_project, minimal_project])
async def test_create_round_trips_every_field(store: Store, build) -> None:
    created = await store.create(build())
    expected = with_id(build(), created.id, created.revision)

    assert created.id and not created.HasField("video_job") and created.revision > 0
    assert with_id(created, created.id, created.revision) == expected
    assert await store.get(created.id) == expected
    assert (await store.list(query()))[0] == [expected]


async def test_round_trip_keeps_presence_of_optional_fields(store: Store) -> None:
    created = await store.create(full_project())
    got = await store.get(created.id)

    assert got.HasField("audio_path") and not got.HasField("video_job")
    assert [scene.HasField("url") for scene in got.images] == [True, False, True]

    bare = await store.get((await store.create(minimal_project())).id)
    assert present(bare, [*OPTIONAL_FIELDS, "create_time", "update_time"]) == []


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_get_unknown_id_finds_nothing(store: Store, project_id: str) -> None:
    await create_all(store, project("one"), project("two"))

    assert await store.get(project_id) is None


async def test_get_needs_the_exact_id(store: Store) -> None:
    (real,) = await create_all(store, project())

    for near in (real.upper(), real[:-1], real + "0", f" {real}"):
        if near != real:
            assert await store.get(near) is None


# -- list: order -----------------------------------------------------------------------------

# title, status, created, updated (ms after T0): ties in every column, and no column sorted
# in insertion order.
ROWS = [
    ("beta", pb.PROJECT_STATUS_IMAGES_READY, 2000, 5000),
    ("alpha", pb.PROJECT_STATUS_DRAFT, 1000, 5000),
    ("beta", pb.PROJECT_STATUS_AUDIO_READY, 2000, 1000),
    ("Zulu", pb.PROJECT_STATUS_DRAFT, 0, 3000),
    ("alpha", pb.PROJECT_STATUS_VIDEO_READY, 1000, 1000),
    ("école", pb.PROJECT_STATUS_SCRIPT_GENERATED, 500, 3000),
]


async def create_rows(store: Store) -> list[str]:
    return await create_all(
        store,
        *(
            project(title, status=status, create_time=at(created), update_time=at(updated))
            for title, status, created, updated in ROWS
        ),
    )


async def test_list_defaults_to_insertion_order_when_create_time_ties(store) -> None:
    ids = await create_all(store, *(project(t, created_ms=7) for t in "cAebd"))

    assert await listed(store) == (ids, 5)


async def test_list_defaults_to_create_time_ascending(store: Store) -> None:
    ids = await create_rows(store)

    assert await listed(store) == (picked(ids, [3, 5, 1, 4, 0, 2]), 6)


# Expected row indices. Titles compare by code point (uppercase before lowercase, accented
# after ASCII); statuses by their labels, as the REST API spells them.
ORDERS = [
    ("create_time", False, [3, 5, 1, 4, 0, 2]),
    ("create_time", True, [2, 0, 4, 1, 5, 3]),
    ("update_time", False, [2, 4, 3, 5, 0, 1]),
    ("update_time", True, [1, 0, 5, 3, 4, 2]),
    ("title", False, [3, 1, 4, 0, 2, 5]),
    ("title", True, [5, 2, 0, 4, 1, 3]),
    ("status", False, [2, 1, 3, 0, 5, 4]),  # audio_ready, draft, images_ready, script_...
    ("status", True, [4, 5, 0, 3, 1, 2]),
]


@pytest.mark.parametrize(("order_by", "descending", "expected"), ORDERS)
async def test_list_orders_by_field_then_insertion(store, order_by, descending, expected) -> None:
    ids = await create_rows(store)

    got = await listed(store, order_by=order_by, descending=descending)

    assert got == (picked(ids, expected), 6)


# -- list: filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([pb.PROJECT_STATUS_DRAFT], [3, 1]),
        ([pb.PROJECT_STATUS_VIDEO_READY], [4]),
        ([pb.PROJECT_STATUS_DRAFT, pb.PROJECT_STATUS_VIDEO_READY], [3, 1, 4]),
        ([pb.PROJECT_STATUS_AUDIO_READY, pb.PROJECT_STATUS_IMAGES_READY], [0, 2]),
    ],
)
async def test_list_filters_by_status(store, statuses, expected) -> None:
    ids = await create_rows(store)

    assert await listed(store, statuses=statuses) == (picked(ids, expected), len(expected))


async def test_list_status_filter_matching_nothing(store: Store) -> None:
    await create_all(store, project("draft"))

    assert await listed(store, statuses=[pb.PROJECT_STATUS_VIDEO_READY]) == ([], 0)


# title, description; script_text holds a word that must not be searched.
TEXTS = [
    ("Paris à l'ÉCOLE", ""),
    ("Plain", "visit the école today"),
    ("Regex .* chars", "(a+)+$ and [ and \\ backslash"),
    ("Percent 100% done", "under_score"),
    ("Mongo $gt and $where", '{"$gt": ""}'),
    ("nothing", "aaaa a+ xyz"),
    ("Case", "MiXeD CaSe text"),
    ("Große Straße", ""),
]

SEARCHES = [
    ("école", [0, 1]),
    ("ÉCOLE", [0, 1]),
    ("Paris À", [0]),
    ("plain", [1]),
    ("mixed case", [6]),
    ("MIXED", [6]),
    ("STRASSE", [7]),  # Unicode case folding: ß folds to ss
    ("große", [7]),
    (".*", [2]),
    ("(a+)+$", [2]),
    ("[", [2]),
    ("\\", [2]),
    ("a+", [2, 5]),
    ("%", [3]),
    ("_", [3]),
    ("$", [2, 4]),
    ("$gt", [4]),
    ("$where", [4]),
    ('{"$gt": ""}', [4]),
    ("$title_fold", []),  # not a field path
    ("$description_fold", []),
    ("hidden", []),  # only in script_text
    ("no such text", []),
]


@pytest.mark.parametrize(("text", "expected"), SEARCHES)
async def test_list_search_is_literal_and_case_insensitive(store, text, expected) -> None:
    texts = (project(t, description=d, script_text="hidden") for t, d in TEXTS)
    ids = await create_all(store, *texts)

    assert await listed(store, search=text) == (picked(ids, expected), len(expected))


async def test_list_search_and_status_combine(store: Store) -> None:
    ids = await create_all(
        store,
        project("red one", status=pb.PROJECT_STATUS_DRAFT),
        project("blue one", status=pb.PROJECT_STATUS_DRAFT),
        project("red two", status=pb.PROJECT_STATUS_VIDEO_READY),
        project("red three", status=pb.PROJECT_STATUS_AUDIO_READY),
    )

    got = await listed(
        store, search="RED", statuses=[pb.PROJECT_STATUS_DRAFT, pb.PROJECT_STATUS_VIDEO_READY]
    )

    assert got == (picked(ids, [0, 2]), 2)


# -- list: paging ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "limit", "descending", "expected"),
    [
        (0, None, False, [0, 1, 2, 3, 4, 5, 6]),
        (2, None, False, [2, 3, 4, 5, 6]),
        (0, 3, False, [0, 1, 2]),
        (2, 3, False, [2, 3, 4]),
        (6, 3, False, [6]),
        (7, 3, False, []),
        (100, 1, False, []),
        (1, 2, True, [5, 4]),
    ],
)
async def test_list_pages_and_counts_all_matches(store, offset, limit, descending, expected):
    ids = await create_all(store, *(project(f"p{i}", created_ms=i) for i in range(7)))

    got = await listed(store, offset=offset, limit=limit, descending=descending)

    assert got == (picked(ids, expected), 7)


async def test_list_total_counts_filtered_matches_before_paging(store: Store) -> None:
    statuses = [pb.PROJECT_STATUS_DRAFT, pb.PROJECT_STATUS_AUDIO_READY] * 5
    ids = await create_all(store, *(project(f"p{i}", status=s) for i, s in enumerate(statuses)))

    got = await listed(store, statuses=[pb.PROJECT_STATUS_AUDIO_READY], offset=1, limit=2)

    assert got == (picked(ids, [3, 5]), 5)


async def test_list_of_an_empty_store(store: Store) -> None:
    assert await listed(store) == ([], 0)
    assert await listed(store, search="x", limit=5) == ([], 0)


# -- update ----------------------------------------------------------------------------------


async def test_update_changes_only_the_given_paths(store: Store) -> None:
    (project_id,) = await create_all(store, full_project())
    untouched_id = (await store.create(project("bystander"))).id
    patch = Project(
        title="Renamed",
        audio_speed=0.9,
        fps=60,
        status=pb.PROJECT_STATUS_AUDIO_READY,
        update_time=at(200_000),
        # set on the patch but not in the paths: must not be copied
        description="ignored",
        voice_id=pb.VOICE_NOVA,
        audio_path="https://ignored",
        images=[Scene(prompt="ignored")],
    )

    updated = await store.update(
        project_id, patch, ["title", "audio_speed", "fps", "status", "update_time"]
    )

    expected = with_id(full_project(), project_id, updated.revision)
    expected.title = "Renamed"
    expected.audio_speed = 0.9
    expected.fps = 60
    expected.status = pb.PROJECT_STATUS_AUDIO_READY
    expected.update_time.CopyFrom(at(200_000))
    assert updated == expected
    assert await store.get(project_id) == expected
    assert (await store.get(untouched_id)).title == "bystander"


async def test_update_clears_fields_unset_on_the_patch(store: Store) -> None:
    (project_id,) = await create_all(store, full_project())
    paths = ["audio_path", "video_url", "thumbnail", "description", "duration"]

    updated = await store.update(project_id, Project(), paths)

    stored = await store.get(project_id)
    assert updated == stored
    assert present(stored, ["audio_path", "video_url", "thumbnail"]) == []
    assert (stored.description, stored.duration) == ("", 0.0)
    assert stored.title == full_project().title


async def test_update_replaces_repeated_fields_whole(store: Store) -> None:
    (project_id,) = await create_all(store, full_project())
    patch = Project(images=[Scene(prompt="only scene", url="https://cdn.example/only.png")])

    updated = await store.update(project_id, patch, ["images", "video_inspirations"])

    assert list(updated.images) == [Scene(prompt="only scene", url="https://cdn.example/only.png")]
    assert list(updated.video_inspirations) == []
    assert await store.get(project_id) == updated


async def test_update_with_no_paths_changes_nothing(store: Store) -> None:
    (project_id,) = await create_all(store, full_project())

    before = await store.get(project_id)

    assert await store.update(project_id, Project(title="x"), []) == before
    assert before == with_id(full_project(), project_id, before.revision)


async def test_update_keeps_search_and_order_in_step(store: Store) -> None:
    ids = await create_all(store, project("apple"), project("banana", description="fruit"))

    await store.update(ids[0], Project(title="Zebra", description="Animal"), ["title"])
    await store.update(ids[1], Project(description="VEGETABLE"), ["description"])

    assert await listed(store, search="apple") == ([], 0)
    assert await listed(store, search="zebra") == ([ids[0]], 1)
    assert await listed(store, search="fruit") == ([], 0)
    assert await listed(store, search="vegetable") == ([ids[1]], 1)
    assert await listed(store, order_by="title") == ([ids[0], ids[1]], 2)


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_update_of_an_unknown_id_changes_nothing(store, project_id: str) -> None:
    await create_all(store, project("one"), project("two"))
    before = await store.list(query())

    assert await store.update(project_id, Project(title="hijacked"), ["title"]) is None
    assert await store.list(query()) == before


# -- update_scene ----------------------------------------------------------------------------

SCENES = [Scene(prompt=f"scene {i}") for i in range(3)]


async def test_update_scene_replaces_that_scene_alone(store: Store) -> None:
    (project_id,) = await create_all(store, project("scenes", images=SCENES))
    new = Scene(prompt="redrawn", url="https://cdn.example/1.png")

    updated = await store.update_scene(project_id, 1, new, at(5000))

    assert list(updated.images) == [SCENES[0], new, SCENES[2]]
    assert updated.update_time == at(5000)
    assert await store.get(project_id) == updated


@pytest.mark.parametrize("index", [-1, 3, 100])
async def test_update_scene_out_of_range_raises_and_changes_nothing(store, index: int) -> None:
    (project_id,) = await create_all(store, project("scenes", images=SCENES))
    before = await store.get(project_id)

    with pytest.raises(IndexError):
        await store.update_scene(project_id, index, Scene(prompt="x"), at(5000))
    assert await store.get(project_id) == before


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_update_scene_of_an_unknown_project_finds_nothing(store, project_id: str) -> None:
    assert await store.update_scene(project_id, 0, Scene(prompt="x"), at(1)) is None


# -- delete ----------------------------------------------------------------------------------


async def test_delete_removes_once(store: Store) -> None:
    doomed, kept = await create_all(store, project("doomed"), project("kept"))

    assert await store.delete(doomed) is True
    assert await store.delete(doomed) is False
    assert await store.get(doomed) is None
    assert await listed(store) == ([kept], 1)


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_delete_of_an_unknown_id_removes_nothing(store, project_id: str) -> None:
    ids = await create_all(store, project("one"), project("two"))

    assert await store.delete(project_id) is False
    assert await listed(store) == (ids, 2)


# -- lifetime --------------------------------------------------------------------------------


async def test_a_new_store_object_sees_the_data(backend, store: Store) -> None:
    (project_id,) = await create_all(store, full_project())

    revision = (await store.get(project_id)).revision
    reopened = await backend.open()

    assert await reopened.get(project_id) == with_id(full_project(), project_id, revision)
    assert await listed(reopened) == ([project_id], 1)


async def test_sqlite_data_outlives_a_closed_store(backend, store: Store) -> None:
    if backend.name != "sqlite":
        pytest.skip("only the embedded store keeps data across a close of its own")
    (project_id,) = await create_all(store, full_project())
    revision = (await store.get(project_id)).revision
    await store.close()
    backend.opened.remove(store)

    reopened = await backend.open()

    assert await reopened.get(project_id) == with_id(full_project(), project_id, revision)


async def test_ping_succeeds_on_a_working_store(store: Store) -> None:
    await store.ping()


# -- MongoDB only ----------------------------------------------------------------------------


@pytest.fixture
async def mock_store():
    store = MongoStore(AsyncMongoMockClient(), "documents")
    await store.setup()
    yield store
    await store.close()


async def raw_document(store: MongoStore, project_id: str) -> dict:
    return await store.database[COLLECTION].find_one({"_id": project_id})


def utc(ms: int) -> datetime:
    # mongomock, like motor without tz_aware, hands back naive UTC datetimes.
    return (T0 + timedelta(milliseconds=ms)).replace(tzinfo=None)


async def test_mongo_document_is_readable_by_an_operator(mock_store) -> None:
    created = await mock_store.create(full_project())

    assert await raw_document(mock_store, created.id) == {
        "_id": created.id,
        "title": "Full — ÉCOLE",
        "description": "Every field set.\nWith a second line.",
        "language": "fr",
        "use_case": "tutorial",
        "status": "video_ready",
        "script_text": "Once upon a time…",
        "script_style": "dramatic",
        "voice_id": "shimmer",
        "audio_speed": 1.25,
        "audio_pitch": 0.75,
        "audio_path": "https://cdn.example/audio/1.mp3",
        "captions_url": "https://cdn.example/audio/1.vtt",
        "image_style": "oil_painting",
        "images": [
            {"prompt": "a lighthouse at dawn", "url": "https://cdn.example/img/1.png"},
            {"prompt": "a storm, not drawn yet", "url": None},
            {"prompt": "an empty url", "url": ""},
        ],
        "resolution": "1440p",
        "fps": 24,
        "video_template_id": "zoom_out",
        "background_music": "ambient",
        "aspect_ratio": "1:1",
        "subtitles": True,
        "video_url": "https://cdn.example/video/1.mp4",
        "thumbnail": "https://cdn.example/video/1.jpg",
        "duration": 42.125,
        "video_inspirations": ["https://example.org/one", "a note, not a link"],
        "create_time": utc(1_234),
        "update_time": utc(98_765),
        "revision": created.revision,
        "title_fold": "full — école",
        "description_fold": "every field set.\nwith a second line.",
    }


async def test_mongo_document_nulls_what_is_unset(mock_store) -> None:
    created = await mock_store.create(minimal_project())

    document = await raw_document(mock_store, created.id)

    nulls = [
        "language", "status", "audio_path", "captions_url", "create_time", "video_url", "fps",
        "aspect_ratio",
    ]  # fmt: skip
    assert {name: document[name] for name in nulls} == dict.fromkeys(nulls)
    assert "video_job" not in document
    assert (document["images"], document["duration"], document["description"]) == ([], 0, "")


async def test_mongo_ids_are_time_ordered_object_ids(mock_store) -> None:
    ids = [(await mock_store.create(project(str(i)))).id for i in range(5)]

    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids)
    assert ids == sorted(ids)


async def test_mongo_timestamps_keep_milliseconds_only(mock_store) -> None:
    precise = Timestamp(seconds=at(0).seconds, nanos=123_456_789)
    created = await mock_store.create(project(create_time=precise))

    assert created.create_time.nanos == 123_000_000
    assert (await mock_store.get(created.id)).create_time == created.create_time


async def test_mongo_setup_creates_the_list_indexes(mock_store) -> None:
    indexes = await mock_store.database[COLLECTION].index_information()

    assert {name: list(spec["key"]) for name, spec in indexes.items() if name != "_id_"} == {
        "status_create_time": [("status", 1), ("create_time", 1), ("_id", 1)],
        "create_time": [("create_time", 1), ("_id", 1)],
        "update_time": [("update_time", 1), ("_id", 1)],
        "title": [("title", 1), ("_id", 1)],
        "title_fold": [("title_fold", 1)],
        "description_fold": [("description_fold", 1)],
        **{
            f"{name}_create_time": [(name, 1), ("create_time", 1), ("_id", 1)]
            for name in FIELDS_WITH_AN_INDEX
        },
    }


# Every other scalar field a list filters on, in the default order (README, "Listing").
FIELDS_WITH_AN_INDEX = (
    "language", "use_case", "script_style", "voice_id", "audio_speed", "audio_pitch",
    "audio_path", "captions_url", "image_style", "resolution", "fps", "video_template_id",
    "background_music", "aspect_ratio", "subtitles", "video_url", "thumbnail", "duration",
)  # fmt: skip


async def test_mongo_update_rejects_paths_it_cannot_merge(mock_store) -> None:
    created = await mock_store.create(project())

    for paths in (["id"], ["nope"], ["video_job.state"]):
        with pytest.raises(ValueError):
            await mock_store.update(created.id, Project(), paths)
    assert await mock_store.get(created.id) == created


async def test_mongo_unknown_labels_read_as_unspecified(mock_store) -> None:
    created = await mock_store.create(project())
    await mock_store.database[COLLECTION].update_one(
        {"_id": created.id}, {"$set": {"voice_id": "robot", "fps": 25.0}}
    )

    got = await mock_store.get(created.id)

    assert (got.voice_id, got.fps) == (pb.VOICE_UNSPECIFIED, 25)


async def test_mongo_unreachable_server_is_unavailable() -> None:
    # Nothing listens on loopback port 1: the connection is refused at once.
    store = MongoStore.from_url("mongodb://127.0.0.1:1/unreachable", timeout_ms=200)
    try:
        assert store.database.name == "unreachable"
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.get("x")
    finally:
        await store.close()


async def test_mongo_from_url_defaults_the_database_name() -> None:
    store = MongoStore.from_url("mongodb://127.0.0.1:1/?appname=x", timeout_ms=200)
    try:
        assert store.database.name == "ai_studio"
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("error", "translated"),
    [
        (errors.ServerSelectionTimeoutError("no server"), StoreUnavailable),
        (errors.ConnectionFailure("refused"), StoreUnavailable),
        (errors.AutoReconnect("lost"), StoreUnavailable),
        (errors.NetworkTimeout("slow socket"), StoreTimeout),
        (errors.ExecutionTimeout("maxTimeMS", 50), StoreTimeout),
        (errors.WTimeoutError("write concern", 64), StoreTimeout),
        (errors.WaitQueueTimeoutError("pool"), StoreTimeout),
        (errors.OperationFailure("bad", 2), StoreUnavailable),
        (errors.DuplicateKeyError("dup", 11000), StoreUnavailable),
    ],
)
def test_mongo_errors_are_translated(error, translated) -> None:
    with pytest.raises(translated) as raised, codec.translated_errors():
        raise error
    assert raised.value.__cause__ is error


def test_mongo_bugs_stay_bugs() -> None:
    with pytest.raises(KeyError), codec.translated_errors():
        raise KeyError("a bug")
