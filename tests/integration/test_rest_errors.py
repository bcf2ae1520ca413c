"""Every error row of the contract that the CRUD endpoints can meet, over the real stack:
each answer's status and `{detail, code, errors[{field, message}]}` body, and the store
left exactly as it was (the project re-read, the list re-counted).

Refused input changes nothing, so these tests share one stack per module (the conftest's
`shared`, on the module's event loop), and the module's teardown checks that all of them
together left the store as it was. The test whose body is accepted gets a stack of its own
(`api`, `OWN_STACK`)."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.integration.helpers import EVERYTHING, JSON_HEADERS, Api, assert_error

MIB = 1024 * 1024

WRITES = pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])


# Tests on the module's one stack run on the module's event loop, where its fixtures live.
pytestmark = pytest.mark.asyncio(loop_scope="module")
OWN_STACK = pytest.mark.asyncio(loop_scope="function")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def existing(shared: Api) -> AsyncIterator[dict[str, Any]]:
    """A project every write test aims at (PUT/PATCH) or sits beside (POST); still the
    only one, unchanged, once every test of the module has run."""
    project = await shared.create(**EVERYTHING)
    yield project
    await assert_store_unchanged(shared, project)


async def send_json(api: Api, method: str, target: dict[str, Any], raw: bytes | str):
    path = "/projects" if method == "POST" else f"/projects/{target['id']}"
    return await api.send(method, path, raw)


async def assert_store_unchanged(api: Api, existing: dict[str, Any]) -> None:
    assert await api.all() == [existing]


# -- bodies the edge rejects without a gRPC call --------------------------------------------

MALFORMED = [
    pytest.param(b'{"title": "x"', id="unterminated"),
    pytest.param(b'{title: "x"}', id="unquoted-key"),
    pytest.param(b'{"title": "x",}', id="trailing-comma"),
    pytest.param(b"{'title': 'x'}", id="single-quotes"),
    pytest.param(b'{"title": NaN}', id="nan"),
    pytest.param(b'{"duration": 1e400}', id="infinite-number"),
    pytest.param(b'{"title": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b'{"title": "\xff"}', id="not-utf8"),
    pytest.param(b"", id="empty"),
    pytest.param(b"   \n", id="whitespace"),
    pytest.param(b'{"title": "a"} {"title": "b"}', id="two-documents"),
    pytest.param(b"[" * 2000 + b"]" * 2000, id="too-deep"),
]


@WRITES
@pytest.mark.parametrize("raw", MALFORMED)
async def test_malformed_json(shared: Api, existing: dict, method: str, raw: bytes) -> None:
    resp = await send_json(shared, method, existing, raw)
    await assert_error(resp, 400, "MALFORMED_JSON")
    await assert_store_unchanged(shared, existing)


@WRITES
@pytest.mark.parametrize("raw", ["[]", '"x"', "1", "null", "true", '[{"title": "x"}]', "1.5"])
async def test_body_not_an_object(shared: Api, existing: dict, method: str, raw: str) -> None:
    resp = await send_json(shared, method, existing, raw)
    await assert_error(resp, 400, "INVALID_BODY")
    await assert_store_unchanged(shared, existing)


# One body per kind of rejection, each with every violation at once; every other value
# is a unit test of the rule that rejects it (tests/unit/test_codec.py for the edge's,
# tests/unit/test_validation.py for the orchestrator's).
INVALID_BODIES = [
    pytest.param(
        {"title": 5, "fps": "30", "nope": 1, "images": [{"prompt": 2}], "language": "xx"},
        ["title", "fps", "nope", "images[0].prompt", "language"],
        id="the-edge-refuses",
    ),
    pytest.param(
        {"title": "", "fps": 25, "audio_speed": 2, "images": [{"prompt": "p", "url": "ftp://x"}]},
        ["title", "fps", "audio_speed", "images[0].url"],
        id="the-orchestrator-refuses",
    ),
]


@WRITES
@pytest.mark.parametrize(("body", "fields"), INVALID_BODIES)
async def test_invalid_body(
    shared: Api, existing: dict, method: str, body: dict, fields: list[str]
) -> None:
    # A valid title beside the bad fields (unless the title is what is tested), so that
    # create fails only for them.
    if method == "POST" and "title" not in body:
        body = {"title": "Fine", **body}
    resp = await send_json(shared, method, existing, json.dumps(body))
    answer = await assert_error(resp, 400, "VALIDATION_ERROR", fields)
    for name in fields:
        assert name in answer["detail"]
    await assert_store_unchanged(shared, existing)


@pytest.mark.parametrize(
    "body",
    [{}, {"description": "no title"}, {"id": "x", "created_at": "2000-01-01T00:00:00Z"}],
)
async def test_create_requires_a_title(shared: Api, existing: dict, body: dict) -> None:
    resp = await shared.client.post("/projects", json=body)
    await assert_error(resp, 400, "VALIDATION_ERROR", ["title"])
    await assert_store_unchanged(shared, existing)


@pytest.mark.parametrize("name", ["fps", "audio_speed", "audio_pitch"])
async def test_create_rejects_zero_where_zero_is_out_of_range(
    shared: Api, existing: dict, name: str
) -> None:
    resp = await shared.client.post("/projects", json={"title": "zero", name: 0})
    await assert_error(resp, 400, "VALIDATION_ERROR", [name])
    await assert_store_unchanged(shared, existing)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("name", ["fps", "audio_speed", "audio_pitch"])
async def test_update_rejects_zero_where_zero_is_out_of_range(
    shared: Api, existing: dict, method: str, name: str
) -> None:
    resp = await shared.client.request(method, f"/projects/{existing['id']}", json={name: 0})
    await assert_error(resp, 400, "VALIDATION_ERROR", [name])
    await assert_store_unchanged(shared, existing)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_a_failed_update_changes_nothing(shared: Api, existing: dict, method: str) -> None:
    # Valid fields beside an invalid one: none of them is written.
    body = {"title": "Changed", "description": "changed", "images": [], "fps": 25}
    resp = await shared.client.request(method, f"/projects/{existing['id']}", json=body)
    await assert_error(resp, 400, "VALIDATION_ERROR", ["fps"])
    assert await shared.get(existing["id"]) == existing


# -- unknown ids ----------------------------------------------------------------------------

UNKNOWN_IDS = [
    pytest.param("nope", id="plain"),
    pytest.param("0" * 32, id="hex-shaped"),
    pytest.param("%24gt", id="dollar-gt"),
    pytest.param("%7B%22%24gt%22%3A%22%22%7D", id="operator-object"),
    pytest.param("%27%20OR%20%271%27%3D%271", id="sql-injection"),
    pytest.param("%C3%A9t%C3%A9", id="unicode"),
    pytest.param("%E6%97%A5%E6%9C%AC%F0%9F%8E%AC", id="cjk-emoji"),
    pytest.param("%FF%FE", id="not-utf8"),
    pytest.param("%00", id="nul"),
    pytest.param("a%2Fb", id="encoded-slash"),
    pytest.param("...", id="dots"),
    pytest.param("%ED%A0%80", id="encoded-surrogate"),
    pytest.param("%7Bid%7D", id="braces"),
    pytest.param("null", id="null"),
    pytest.param("-1", id="negative"),
    pytest.param("x" * 3000, id="very-long"),
]


@pytest.mark.parametrize("project_id", UNKNOWN_IDS)
async def test_unknown_id_is_404(shared: Api, existing: dict, project_id: str) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = None if method in ("GET", "DELETE") else b'{"title": "Fine"}'
        path = f"/projects/{project_id}"
        resp = await shared.client.request(method, path, data=body, headers=JSON_HEADERS)
        await assert_error(resp, 404, "PROJECT_NOT_FOUND")
    await assert_store_unchanged(shared, existing)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_unknown_id_of_8000_characters_is_404(
    shared: Api, existing: dict, method: str
) -> None:
    resp = await shared.client.request(method, "/projects/" + "x" * 8000)
    await assert_error(resp, 404, "PROJECT_NOT_FOUND")


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_unknown_id_with_an_invalid_body_is_a_400(
    shared: Api, existing: dict, method: str
) -> None:
    # Validation runs before any lookup, at the edge and in the orchestrator alike.
    for body, field in (({"nope": 1}, "nope"), ({"fps": 25}, "fps")):
        resp = await shared.client.request(method, "/projects/missing", json=body)
        await assert_error(resp, 400, "VALIDATION_ERROR", [field])
    await assert_store_unchanged(shared, existing)


# -- size limit -----------------------------------------------------------------------------


@WRITES
async def test_body_over_the_limit_is_413(shared: Api, existing: dict, method: str) -> None:
    raw = json.dumps({"title": "Big", "description": "d" * MIB}).encode()
    assert len(raw) > MIB
    resp = await send_json(shared, method, existing, raw)
    await assert_error(resp, 413, "BODY_TOO_LARGE")
    await assert_store_unchanged(shared, existing)


@OWN_STACK
async def test_body_of_exactly_the_limit_is_read(api: Api) -> None:
    head = b'{"title": "At the limit"}'
    resp = await api.send("POST", "/projects", head + b" " * (MIB - len(head)))
    assert resp.status == 201, await resp.text()
    resp = await api.send("POST", "/projects", head + b" " * (MIB - len(head) + 1))
    await assert_error(resp, 413, "BODY_TOO_LARGE")
    assert [p["title"] for p in await api.all()] == ["At the limit"]


async def test_chunked_body_over_the_limit_is_413(shared: Api, existing: dict) -> None:
    async def chunks():
        yield b'{"title": "Streamed", "description": "'
        for _ in range(20):
            yield b"d" * 65536
        yield b'"}'

    resp = await shared.client.post("/projects", data=chunks(), headers=JSON_HEADERS)
    await assert_error(resp, 413, "BODY_TOO_LARGE")
    await assert_store_unchanged(shared, existing)


# -- routes and methods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "NOT_FOUND"),
        ("GET", "/projects/a/b", 404, "NOT_FOUND"),
        ("DELETE", "/projects", 405, "METHOD_NOT_ALLOWED"),
        ("PUT", "/projects", 405, "METHOD_NOT_ALLOWED"),
        ("POST", "/projects/some-id", 405, "METHOD_NOT_ALLOWED"),
    ],
)
async def test_unknown_routes_and_methods_answer_json(
    shared: Api, existing: dict, method: str, path: str, status: int, code: str
) -> None:
    resp = await shared.client.request(method, path, json={"title": "x"})
    await assert_error(resp, status, code)
    if status == 405:
        assert resp.headers["Allow"]
    await assert_store_unchanged(shared, existing)
