"""The CRUD of /projects over real HTTP to the real edge, real gRPC to the real
orchestrator and a real SQLite file: statuses, headers and the full bodies."""

from typing import Any

import pytest

from tests.integration.helpers import (
    CONTRACT_ENUMS,
    DEFAULTS,
    ENUM_OF_FIELD,
    EVERYTHING,
    FIELDS,
    START,
    TIMESTAMP,
    Api,
    FakeClock,
    assert_error,
    rfc3339,
)

# The contract's spelling of every value of each enum field (the resource table).
SPELLINGS = {field: CONTRACT_ENUMS[enum] for field, enum in ENUM_OF_FIELD.items()}

UPDATE_METHODS = pytest.mark.parametrize("method", ["PUT", "PATCH"])


def assert_project_shape(body: dict[str, Any]) -> None:
    """Every field of the table, nothing else, with the table's JSON types."""
    assert list(body) == list(FIELDS)
    assert isinstance(body["id"], str) and body["id"]
    for name in ("created_at", "updated_at"):
        assert TIMESTAMP.fullmatch(body[name]), body[name]
    for name in ("audio_speed", "audio_pitch", "duration", "fps"):
        assert isinstance(body[name], int | float) and not isinstance(body[name], bool)
    assert isinstance(body["fps"], int)


def except_for(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """The body less the named fields and the revision (tests/integration/test_revisions.py)."""
    return {k: v for k, v in body.items() if k not in names and k != "revision"}


# -- create -----------------------------------------------------------------------------


async def test_create_answers_201_location_and_the_defaults(api: Api) -> None:
    resp = await api.client.post("/projects", json={"title": "Hello"})
    assert resp.status == 201
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert_project_shape(body)
    assert resp.headers["Location"] == f"/projects/{body['id']}"
    assert except_for(body, "id", "title", "created_at", "updated_at") == DEFAULTS
    assert body["title"] == "Hello"
    assert body["created_at"] == body["updated_at"] == "2025-11-29T10:00:00Z"
    assert await api.get(body["id"]) == body
    follow = await api.client.get(resp.headers["Location"])
    assert follow.status == 200 and await follow.json() == body


async def test_create_keeps_every_field_given(api: Api) -> None:
    body = await api.create(**EVERYTHING)
    assert_project_shape(body)
    assert except_for(body, "id", "video_job", "created_at", "updated_at") == EVERYTHING
    assert body["video_job"] is None
    assert await api.get(body["id"]) == body


async def test_timestamps_are_rfc3339_utc_to_the_millisecond(api: Api, clock: FakeClock) -> None:
    first = await api.create(title="first")
    second = await api.create(title="second")
    assert first["created_at"] == "2025-11-29T10:00:00Z"
    assert second["created_at"] == "2025-11-29T10:00:01.250Z" == rfc3339(START + clock.step)


async def test_create_ignores_the_server_fields(api: Api) -> None:
    body = await api.create(
        id="mine",
        created_at="2000-01-01T00:00:00Z",
        updated_at="2000-01-01T00:00:00Z",
        video_job={"state": "succeeded", "attempts": 9},
    )
    assert body["id"] != "mine"
    assert body["created_at"] == body["updated_at"] == "2025-11-29T10:00:00Z"
    assert body["video_job"] is None
    resp = await api.client.get("/projects/mine")
    await assert_error(resp, 404, "PROJECT_NOT_FOUND")


async def test_create_trims_the_title(api: Api) -> None:
    body = await api.create(title="   Padded title \n")
    assert body["title"] == "Padded title"


async def test_create_accepts_integral_floats_for_fps_and_integers_for_numbers(api: Api) -> None:
    body = await api.create(fps=24.0, audio_speed=1, duration=7)
    assert (body["fps"], body["audio_speed"], body["duration"]) == (24, 1.0, 7.0)


async def test_create_accepts_scenes_without_a_url(api: Api) -> None:
    body = await api.create(images=[{"prompt": "a"}, {"prompt": "b", "url": None}])
    assert body["images"] == [{"prompt": "a", "url": None}, {"prompt": "b", "url": None}]


@pytest.mark.parametrize("name", list(SPELLINGS))
async def test_every_enum_spelling_round_trips(api: Api, name: str) -> None:
    project = await api.create()
    for value in SPELLINGS[name]:
        resp = await api.client.patch(f"/projects/{project['id']}", json={name: value})
        assert resp.status == 200, await resp.text()
        assert (await resp.json())[name] == value
        assert (await api.get(project["id"]))[name] == value
    created = await api.create(**{name: SPELLINGS[name][-1]})
    assert created[name] == SPELLINGS[name][-1]


async def test_ids_are_distinct_strings(api: Api) -> None:
    ids = [(await api.create(title=f"p{i}"))["id"] for i in range(4)]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 4


# -- get --------------------------------------------------------------------------------


async def test_get_returns_the_project(api: Api) -> None:
    other = await api.create(title="other")
    wanted = await api.create(**EVERYTHING)
    resp = await api.client.get(f"/projects/{wanted['id']}")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    assert await resp.json() == wanted
    assert (await api.get(other["id"]))["title"] == "other"


# -- update -----------------------------------------------------------------------------


@UPDATE_METHODS
async def test_update_changes_only_the_fields_sent(api: Api, method: str) -> None:
    before = await api.create(**EVERYTHING)
    resp = await api.client.request(
        method, f"/projects/{before['id']}", json={"title": "New", "fps": 24, "voice_id": "nova"}
    )
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert_project_shape(after)
    assert after == {
        **before,
        "title": "New",
        "fps": 24,
        "voice_id": "nova",
        "updated_at": "2025-11-29T10:00:01.250Z",
        "revision": before["revision"] + 1,
    }
    assert await api.get(before["id"]) == after


@UPDATE_METHODS
async def test_updated_at_moves_and_created_at_does_not(
    api: Api, method: str, clock: FakeClock
) -> None:
    project = await api.create()
    seen = [project["updated_at"]]
    for i in range(1, 4):
        resp = await api.client.request(
            method, f"/projects/{project['id']}", json={"description": f"v{i}"}
        )
        body = await resp.json()
        assert body["created_at"] == project["created_at"]
        assert body["updated_at"] == rfc3339(START + i * clock.step)
        seen.append(body["updated_at"])
    assert len(set(seen)) == 4


@UPDATE_METHODS
@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"images": [{"prompt": "Only one"}]}, {"images": [{"prompt": "Only one", "url": None}]}),
        ({"images": []}, {"images": []}),
        ({"video_inspirations": ["new"]}, {"video_inspirations": ["new"]}),
        ({"video_inspirations": []}, {"video_inspirations": []}),
        (
            {"images": [{"prompt": "A cat", "url": None}, {"prompt": "A dog"}]},
            {"images": [{"prompt": "A cat", "url": None}, {"prompt": "A dog", "url": None}]},
        ),
    ],
)
async def test_update_replaces_arrays_whole(
    api: Api, method: str, patch: dict, expected: dict
) -> None:
    before = await api.create(**EVERYTHING)
    resp = await api.client.request(method, f"/projects/{before['id']}", json=patch)
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert except_for(after, "updated_at") == {**except_for(before, "updated_at"), **expected}


@UPDATE_METHODS
async def test_update_sets_nullable_fields_back_to_null(api: Api, method: str) -> None:
    before = await api.create(**EVERYTHING)
    nulls = {"audio_path": None, "captions_url": None, "video_url": None, "thumbnail": None}
    resp = await api.client.request(method, f"/projects/{before['id']}", json=nulls)
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert except_for(after, "updated_at") == {**except_for(before, "updated_at"), **nulls}
    assert await api.get(before["id"]) == after
    # And back to a URL again.
    resp = await api.client.request(
        method, f"/projects/{before['id']}", json={"audio_path": "https://cdn.example/b.mp3"}
    )
    assert (await resp.json())["audio_path"] == "https://cdn.example/b.mp3"


@UPDATE_METHODS
async def test_captions_are_reset_when_the_audio_changes(api: Api, method: str) -> None:
    before = await api.create(**EVERYTHING)
    url = f"/projects/{before['id']}"

    async def update(body: dict) -> dict:
        resp = await api.client.request(method, url, json=body)
        assert resp.status == 200, await resp.text()
        return await resp.json()

    # The same audio written back (a client PUTting what it read): the captions stay.
    same = await update({"audio_path": before["audio_path"], "title": "Renamed"})
    assert same["captions_url"] == EVERYTHING["captions_url"]
    # Other audio with its captions: both are kept.
    both = {"audio_path": "https://cdn.example/b.mp3", "captions_url": "https://cdn.example/b.vtt"}
    assert {k: (await update(both))[k] for k in both} == both
    # Other audio alone: the captions of the old one are out of sync, so they go.
    after = await update({"audio_path": "https://cdn.example/c.mp3"})
    assert (after["audio_path"], after["captions_url"]) == ("https://cdn.example/c.mp3", None)
    assert await api.get(before["id"]) == after
    # Captions alone change alone.
    assert (await update({"captions_url": "https://cdn.example/c.vtt"}))["audio_path"] == (
        "https://cdn.example/c.mp3"
    )


@UPDATE_METHODS
async def test_update_ignores_the_server_fields(api: Api, method: str) -> None:
    before = await api.create()
    resp = await api.client.request(
        method,
        f"/projects/{before['id']}",
        json={
            "id": "other",
            "created_at": "2000-01-01T00:00:00Z",
            "updated_at": "2000-01-01T00:00:00Z",
            "video_job": {"state": "queued"},
            "title": "Renamed",
        },
    )
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert after["id"] == before["id"]
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] == "2025-11-29T10:00:01.250Z"
    assert after["video_job"] is None
    assert after["title"] == "Renamed"
    assert [p["id"] for p in await api.all()] == [before["id"]]


@UPDATE_METHODS
@pytest.mark.parametrize("body", [{}, {"id": "x", "created_at": "2000-01-01T00:00:00Z"}])
async def test_update_with_nothing_to_change_returns_the_project_unchanged(
    api: Api, method: str, body: dict
) -> None:
    before = await api.create(**EVERYTHING)
    resp = await api.client.request(method, f"/projects/{before['id']}", json=body)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == before
    assert await api.get(before["id"]) == before


@UPDATE_METHODS
async def test_update_every_writable_field(api: Api, method: str) -> None:
    before = await api.create()
    resp = await api.client.request(method, f"/projects/{before['id']}", json=EVERYTHING)
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert except_for(after, "id", "video_job", "created_at", "updated_at") == EVERYTHING
    assert after["created_at"] == before["created_at"]


@UPDATE_METHODS
async def test_update_leaves_other_projects_alone(api: Api, method: str) -> None:
    first, second = await api.create(title="first"), await api.create(title="second")
    resp = await api.client.request(method, f"/projects/{first['id']}", json={"title": "changed"})
    assert resp.status == 200
    assert await api.get(second["id"]) == second


# -- delete -----------------------------------------------------------------------------


async def test_delete_answers_204_then_404(api: Api) -> None:
    kept = await api.create(title="kept")
    gone = await api.create(title="gone")
    resp = await api.client.delete(f"/projects/{gone['id']}")
    assert resp.status == 204
    assert await resp.read() == b""
    for method in ("GET", "DELETE", "PATCH", "PUT"):
        resp = await api.client.request(method, f"/projects/{gone['id']}", json={"title": "x"})
        await assert_error(resp, 404, "PROJECT_NOT_FOUND")
    assert await api.all() == [kept]
