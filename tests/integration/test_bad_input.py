"""Hostile and malformed input at the REST edge, over real HTTP to the real orchestrator:
each gets its 4xx in the contract's JSON error shape, and changes nothing (the list and
a sentinel project are the same afterwards). Then CORS for other origins.

Content-Type, decided with the contract: the frontend was built against JSON Server,
which reads only JSON-labelled bodies (its body parser skips others, and a text/plain
POST creates an empty record); the guide's FastAPI backend refuses them. A body labelled
as a form or as text (`application/x-www-form-urlencoded`, `multipart/*`, `text/*`) is
therefore a 415 UNSUPPORTED_MEDIA_TYPE, empty or not: those are the labels a browser
sends cross-site without a CORS preflight, so accepting them would let any web page
create projects or start paid generations through a visitor's browser. Any other label
(`application/json` with any charset, `+json` types, `application/octet-stream`) or none
is read as JSON, as before: clients that never set it keep working.

Refused input changes nothing, so the tests that send it share one stack per module
(`shared`, the conftest's, on the module's event loop); each checks that its own request
changed nothing, and the module's teardown checks that all of them together changed
nothing. Tests whose input is accepted (and so writes) get a stack of their own (`api`,
`OWN_STACK`).
"""

import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.integration.helpers import EVERYTHING, FRONTEND, Api, assert_error

MIB = 1024 * 1024
JSON = "application/json"
MULTIPART = b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--x--\r\n'

# Every endpoint that reads a body; {id} is the sentinel project's.
BODY_ENDPOINTS = [
    ("POST", "/projects"),
    ("PUT", "/projects/{id}"),
    ("PATCH", "/projects/{id}"),
    ("POST", "/projects/{id}/generate-script"),
    ("POST", "/projects/{id}/generate-audio"),
    ("POST", "/projects/{id}/generate-images"),
    ("POST", "/projects/{id}/generate-images/0"),
    ("POST", "/projects/{id}/generate-video"),
]
ENDPOINT_IDS = [f"{m} {p}" for m, p in BODY_ENDPOINTS]
BY_BODY = pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS, ids=ENDPOINT_IDS)


# Tests on the module's one stack run on the module's event loop, where its fixtures live;
# those that write run on a stack (and so a loop) of their own.
pytestmark = pytest.mark.asyncio(loop_scope="module")
OWN_STACK = pytest.mark.asyncio(loop_scope="function")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sentinel(shared: Api) -> AsyncIterator[dict[str, Any]]:
    """A project with every field set, and a second one: what must not change, in any
    test of the module nor in all of them together."""
    await shared.create(title="Another project", description="aaaa")
    project = await shared.create(**EVERYTHING)
    async with nothing_changes(shared, project):
        yield project


@asynccontextmanager
async def nothing_changes(api: Api, sentinel: dict[str, Any]) -> AsyncIterator[None]:
    before = await api.client.get("/projects")
    listed = await before.json()
    yield
    after = await api.client.get("/projects")
    assert after.headers["X-Total-Count"] == before.headers["X-Total-Count"] == "2"
    assert await after.json() == listed
    assert await api.get(sentinel["id"]) == sentinel


async def send(
    client: TestClient, method: str, path: str, body: bytes, content_type: str | None = JSON
) -> Any:
    """`body` exactly as given (a BytesIO: aiohttp warns about big raw bytes bodies),
    labelled `content_type`, or with no Content-Type at all when it is None."""
    headers = {"Content-Type": content_type} if content_type else {}
    skip = () if content_type else ("Content-Type",)
    return await client.request(
        method, path, data=io.BytesIO(body), headers=headers, skip_auto_headers=skip
    )


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


async def assert_refused(
    api: Api,
    sentinel: dict[str, Any],
    method: str,
    path: str,
    body: bytes,
    code: str,
    fields: list[str] | None = None,
) -> None:
    """`body` sent to `path` (its {id}: the sentinel's) is a 400 `code` naming `fields`,
    and nothing changes."""
    async with nothing_changes(api, sentinel):
        resp = await send(api.client, method, path.format(id=sentinel["id"]), body)
        await assert_error(resp, 400, code, fields)


# -- bodies that are not JSON -------------------------------------------------------------


@BY_BODY
@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe"}',  # not UTF-8 at all
        b'{"title": "\xc0\xaf"}',  # an overlong encoding of "/"
        b'{"title": "\xed\xa0\x80"}',  # a UTF-8-encoded surrogate
        b'{"title": "\\ud800"}',  # an escaped lone surrogate
        b'\xef\xbb\xbf{"title": "x"}',  # a byte order mark
        b'{"title": "x"}\x00',
    ],
    ids=["invalid", "overlong", "surrogate", "escaped-surrogate", "bom", "trailing-nul"],
)
async def test_a_body_that_is_not_valid_utf8_json_is_a_400(
    shared: Api, sentinel: dict, method: str, path: str, raw: bytes
) -> None:
    await assert_refused(shared, sentinel, method, path, raw, "MALFORMED_JSON")


# -- Content-Type ---------------------------------------------------------------------------


@BY_BODY
@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("text/plain", b'{"title": "x"}'),
        ("text/plain;charset=UTF-8", b'{"title": "x"}'),  # what fetch() sends for a string
        ("application/x-www-form-urlencoded", b"title=x"),
        ("application/x-www-form-urlencoded", b""),  # an HTML form without fields
        ("multipart/form-data; boundary=x", MULTIPART),
        ("TEXT/HTML", b"<p>x</p>"),
    ],
    ids=["text", "text-charset", "form", "empty-form", "multipart", "html"],
)
async def test_a_body_labelled_as_a_form_or_text_is_a_415(
    shared: Api, sentinel: dict, method: str, path: str, content_type: str, raw: bytes
) -> None:
    async with nothing_changes(shared, sentinel):
        resp = await send(shared.client, method, path.format(id=sentinel["id"]), raw, content_type)
        await assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_a_form_built_by_the_client_is_a_415(shared: Api, sentinel: dict) -> None:
    form = FormData()
    form.add_field("title", "x")
    form.add_field("file", b"data", filename="f.bin")
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.post("/projects", data=form)
        await assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_a_415_from_the_frontend_carries_cors_headers(shared: Api, sentinel: dict) -> None:
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.post(
            "/projects", data="{}", headers={"Origin": FRONTEND, "Content-Type": "text/plain"}
        )
        await assert_error(resp, 415, "UNSUPPORTED_MEDIA_TYPE")
        assert resp.headers["Access-Control-Allow-Origin"] == FRONTEND


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
        "application/octet-stream",
        None,
    ],
)
@OWN_STACK
async def test_json_bodies_under_other_labels_or_none_are_read(
    api: Api, content_type: str | None
) -> None:
    resp = await send(api.client, "POST", "/projects", b'{"title": "Read"}', content_type)
    assert resp.status == 201, await resp.text()
    project_id = (await resp.json())["id"]
    resp = await send(api.client, "PATCH", f"/projects/{project_id}", b'{"fps": 60}', content_type)
    assert resp.status == 200, await resp.text()
    assert (await api.get(project_id))["fps"] == 60


async def test_an_empty_step_body_without_a_label_is_an_empty_object(
    shared: Api, sentinel: dict
) -> None:
    """What curl -X POST sends: no body, no Content-Type. The step runs (and fails on its
    precondition: a scene of the sentinel has no image yet)."""
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.post(f"/projects/{sentinel['id']}/generate-video")
        await assert_error(resp, 400, "IMAGES_REQUIRED")


# -- size and shape -------------------------------------------------------------------------


@BY_BODY
async def test_a_body_past_1_mib_is_a_413(
    shared: Api, sentinel: dict, method: str, path: str
) -> None:
    raw = b'{"title": "x"}' + b" " * (MIB + 1 - len(b'{"title": "x"}'))
    assert len(raw) == MIB + 1
    async with nothing_changes(shared, sentinel):
        resp = await send(shared.client, method, path.format(id=sentinel["id"]), raw)
        await assert_error(resp, 413, "BODY_TOO_LARGE")


@OWN_STACK
async def test_a_body_of_exactly_1_mib_is_read(api: Api) -> None:
    raw = b'{"title": "Big"}' + b" " * (MIB - len(b'{"title": "Big"}'))
    resp = await send(api.client, "POST", "/projects", raw)
    assert resp.status == 201, await resp.text()


@BY_BODY
@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b'{"title": "x", "images": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"video_inspirations": [' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"]}",
    ],
    ids=["arrays", "objects", "in-images", "in-inspirations"],
)
async def test_json_nested_100000_deep_is_a_400(
    shared: Api, sentinel: dict, method: str, path: str, raw: bytes
) -> None:
    await assert_refused(shared, sentinel, method, path, raw, "MALFORMED_JSON")


TEN_THOUSAND = 10_000
PROJECTS, ONE, IMAGES = "/projects", "/projects/{id}", "/projects/{id}/generate-images"
SCENES = {"images": [{"prompt": "p"}] * TEN_THOUSAND}
INSPIRATIONS = {"video_inspirations": ["a"] * TEN_THOUSAND}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", PROJECTS, {"title": "x", **SCENES}, "images"),
        ("PATCH", ONE, SCENES, "images"),
        ("PUT", ONE, {"images": [{"prompt": "p", "url": None}] * TEN_THOUSAND}, "images"),
        ("POST", IMAGES, SCENES, "images"),
        ("POST", PROJECTS, {"title": "x", "images": [1] * TEN_THOUSAND}, "images[0]"),
        ("POST", PROJECTS, {"title": "x", **INSPIRATIONS}, "video_inspirations"),
        ("PATCH", ONE, INSPIRATIONS, "video_inspirations"),
        ("PATCH", ONE, {"video_inspirations": [None] * TEN_THOUSAND}, "video_inspirations[0]"),
        pytest.param(
            "POST",
            PROJECTS,
            {"title": "x", "images": [{"prompt": ""}] * TEN_THOUSAND},
            None,
            id="POST /projects-10000-empty-prompts",
        ),
        pytest.param(
            "POST",
            IMAGES,
            {"images": [{"prompt": " ", "url": "ftp://x"}] * TEN_THOUSAND},
            None,
            id="generate-images-10000-bad-scenes",
        ),
    ],
)
async def test_arrays_of_10000_items_are_a_400(
    shared: Api, sentinel: dict, method: str, path: str, body: dict, field: str | None
) -> None:
    """`field`: the one field the 400 names; None: one violation per item, so many
    that only a 400 with some of them is asked for."""
    async with nothing_changes(shared, sentinel):
        resp = await send(shared.client, method, path.format(id=sentinel["id"]), dumps(body))
        if field is not None:
            await assert_error(resp, 400, "VALIDATION_ERROR", [field])
        else:
            assert resp.status == 400, await resp.text()
            answer = await resp.json()
            assert answer["code"] == "VALIDATION_ERROR" and answer["errors"], answer


# -- query operators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/projects", {"title": "x", "$set": {"status": "draft"}}, "$set"),
        ("POST", "/projects", {"title": "x", "$where": "sleep(1000)"}, "$where"),
        ("PATCH", "/projects/{id}", {"$set": {"title": "owned"}}, "$set"),
        ("PUT", "/projects/{id}", {"$unset": {"title": ""}}, "$unset"),
        ("POST", PROJECTS, {"title": "x", "images": [{"prompt": "p", "$ne": 1}]}, "images[0].$ne"),
        ("POST", "/projects/{id}/generate-script", {"$where": "1"}, "$where"),
        ("POST", "/projects/{id}/generate-video", {"$ne": None}, "$ne"),
        ("POST", "/projects/{id}/generate-images/0", {"prompt": "p", "$inc": {"a": 1}}, "$inc"),
    ],
)
async def test_dollar_prefixed_keys_are_a_400(
    shared: Api, sentinel: dict, method: str, path: str, body: dict, field: str
) -> None:
    await assert_refused(shared, sentinel, method, path, dumps(body), "VALIDATION_ERROR", [field])


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/projects", {"title": {"$ne": None}}, "title"),
        ("POST", "/projects", {"title": "x", "status": {"$in": ["draft"]}}, "status"),
        ("POST", "/projects", {"title": "x", "description": {"$gt": ""}}, "description"),
        ("POST", "/projects", {"title": "x", "audio_path": {"$ne": None}}, "audio_path"),
        ("POST", "/projects", {"title": "x", "fps": {"$gte": 0}}, "fps"),
        ("POST", PROJECTS, {"images": [{"prompt": {"$ne": None}}]}, "images[0].prompt"),
        ("POST", PROJECTS, {"video_inspirations": [{"$ne": None}]}, "video_inspirations[0]"),
        ("PATCH", "/projects/{id}", {"title": {"$ne": None}}, "title"),
        ("PUT", "/projects/{id}", {"status": {"$exists": True}}, "status"),
        ("POST", "/projects/{id}/generate-script", {"title": {"$ne": None}}, "title"),
        ("POST", "/projects/{id}/generate-audio", {"voice_id": {"$ne": None}}, "voice_id"),
        ("POST", "/projects/{id}/generate-images/0", {"prompt": {"$regex": ".*"}}, "prompt"),
    ],
)
async def test_operator_objects_as_values_are_a_400(
    shared: Api, sentinel: dict, method: str, path: str, body: dict, field: str
) -> None:
    await assert_refused(shared, sentinel, method, path, dumps(body), "VALIDATION_ERROR", [field])


@BY_BODY
async def test_an_unknown_field_is_a_400_even_when_null(
    shared: Api, sentinel: dict, method: str, path: str
) -> None:
    async with nothing_changes(shared, sentinel):
        resp = await send(shared.client, method, path.format(id=sentinel["id"]), b'{"nope": null}')
        await assert_error(resp, 400, "VALIDATION_ERROR", ["nope"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("$where=1", "$where"),
        ("status[$ne]=draft", "status[$ne]"),
        ("q[$regex]=.*", "q[$regex]"),
        ("search[$ne]=", "search[$ne]"),
        ("status=%7B%22%24ne%22%3Anull%7D", "status"),
        ("_sort=%24natural", "_sort"),
    ],
)
async def test_operators_in_the_query_are_a_400(
    shared: Api, sentinel: dict, query: str, field: str
) -> None:
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.get(URL(f"/projects?{query}", encoded=True))
        await assert_error(resp, 400, "VALIDATION_ERROR", [field])


@pytest.mark.parametrize("project_id", ['{"$ne": null}', "$gt", "[$ne]", ".*", "%", "_"])
async def test_operator_ids_name_no_project(shared: Api, sentinel: dict, project_id: str) -> None:
    path = "/projects/" + quote(project_id, safe="")
    async with nothing_changes(shared, sentinel):
        for method in ("GET", "DELETE", "PATCH"):
            resp = await send(shared.client, method, URL(path, encoded=True), b'{"fps": 24}')
            await assert_error(resp, 404, "PROJECT_NOT_FOUND")


# -- the query string and the search -----------------------------------------------------------


@pytest.mark.parametrize("search", ['{"$ne": null}', "%", "_", ".*", "(a+)+$", "\\", "'"])
async def test_search_text_is_literal(shared: Api, sentinel: dict, search: str) -> None:
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.get("/projects", params={"search": search})
        assert resp.status == 200, await resp.text()
        assert await resp.json() == []
        assert resp.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    "search", ["(a+)+$", "a" * 10_000 + "!", "(x+x+)+y", "^(a|aa)+$", "(.*a){20}"]
)
@OWN_STACK
async def test_regex_bombs_in_the_search_are_answered_and_matched_literally(
    api: Api, search: str
) -> None:
    """No timing assertion: a catastrophic pattern would hang the test, not slow it.
    The victim is what such a pattern backtracks on; only the literal text matches (when
    it fits in a description)."""
    await api.create(title="a" * 200, description="a" * 4999 + "!")
    expected = []
    if len(search) < 4000:
        expected.append((await api.create(title="Literal", description=f"- {search} -"))["id"])
    for key in ("search", "q"):
        resp = await api.client.get("/projects", params={key: search})
        assert resp.status == 200, await resp.text()
        assert [p["id"] for p in await resp.json()] == expected


async def test_a_search_of_10000_characters_fits_in_the_target_limit(shared: Api) -> None:
    resp = await shared.client.get("/projects", params={"q": "b" * 10_000})
    assert resp.status == 200
    assert await resp.json() == []


@pytest.mark.parametrize("size", [16 * 1024 + 1, 40 * 1024])
async def test_a_query_string_past_16_kib_is_a_json_414(
    shared: Api, sentinel: dict, size: int
) -> None:
    async with nothing_changes(shared, sentinel):
        target = "/projects?search="
        resp = await shared.client.get(URL(target + "a" * (size - len(target)), encoded=True))
        await assert_error(resp, 414, "URI_TOO_LONG")


async def test_a_request_line_past_64_kib_is_aiohttps_own_400(shared: Api, sentinel: dict) -> None:
    """The HTTP parser refuses it before any of our code runs: a 4xx all the same."""
    async with nothing_changes(shared, sentinel):
        resp = await shared.client.get(URL("/projects?search=" + "a" * 70_000, encoded=True))
        assert resp.status == 400
        assert "Traceback" not in await resp.text()


async def test_odd_query_strings_are_answered(shared: Api, sentinel: dict) -> None:
    async with nothing_changes(shared, sentinel):
        for query in (
            "search=%FF%FE",
            "q=%00",
            "q=%",
            "search=%E2%82",
            "&&&",
            "status=draft&" * 500,
        ):
            resp = await shared.client.get(URL(f"/projects?{query}", encoded=True))
            assert resp.status == 200, (query, await resp.text())


# -- CORS ------------------------------------------------------------------------------------


def vary(resp) -> list[str]:
    return [v.strip().lower() for v in resp.headers.getall("Vary", []) for v in v.split(",")]


async def test_the_frontend_origin_is_echoed_with_vary_origin(shared: Api, sentinel: dict) -> None:
    client = shared.client
    answers = [
        await client.get("/projects", headers={"Origin": FRONTEND}),
        await client.get(f"/projects/{sentinel['id']}", headers={"Origin": FRONTEND}),
        await client.get("/projects/unknown", headers={"Origin": FRONTEND}),
        await client.get("/projects?limit=0", headers={"Origin": FRONTEND}),
        await client.options(
            "/projects",
            headers={"Origin": FRONTEND, "Access-Control-Request-Method": "POST"},
        ),
    ]
    assert [r.status for r in answers] == [200, 200, 404, 400, 200]
    for resp in answers:
        assert resp.headers["Access-Control-Allow-Origin"] == FRONTEND
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        assert vary(resp).count("origin") == 1, resp.headers


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", FRONTEND + ".evil.example", "http://localhost:3001", None],
)
async def test_other_origins_get_no_cors_grant(
    shared: Api, sentinel: dict, origin: str | None
) -> None:
    """Their answers still say Vary: Origin, so that no cache serves them to the
    frontend (or the frontend's to them)."""
    headers = {"Origin": origin} if origin else {}
    client = shared.client
    async with nothing_changes(shared, sentinel):
        answers = [
            await client.get("/projects", headers=headers),
            await client.get("/projects/unknown", headers=headers),
            await client.post("/projects", data=b"{", headers={**headers, "Content-Type": JSON}),
        ]
    assert [r.status for r in answers] == [200, 404, 400]
    for resp in answers:
        assert not any(h.lower().startswith("access-control-") for h in resp.headers)
        assert vary(resp).count("origin") == 1, resp.headers
    if origin:
        preflight = await client.options(
            "/projects", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers
