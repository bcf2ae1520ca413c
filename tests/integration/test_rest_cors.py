"""CORS for the frontend's origin (and only it), on every answer including errors, and
the X-Request-ID the edge takes or makes, echoes and forwards to the orchestrator."""

import io
import re
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from edge.app import create_app
from edge.config import EdgeSettings
from tests.integration.helpers import FRONTEND, JSON_HEADERS, Api, RequestIds, preflight

EVIL = "http://evil.example"
EXPOSED = {"x-total-count", "link", "location", "x-request-id"}
FRESH_ID = re.compile(r"[0-9a-f]{32}")


def header_set(resp: ClientResponse, name: str) -> set[str]:
    return {v.strip().lower() for v in resp.headers.get(name, "").split(",") if v.strip()}


def assert_cors_allowed(resp: ClientResponse, origin: str = FRONTEND) -> None:
    assert resp.headers.get("Access-Control-Allow-Origin") == origin
    assert resp.headers.get("Access-Control-Allow-Credentials") == "true"


def assert_no_cors(resp: ClientResponse) -> None:
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert "Access-Control-Expose-Headers" not in resp.headers


@pytest.fixture
async def project(api: Api) -> dict[str, Any]:
    return await api.create(title="CORS")


# -- preflight --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/projects", "GET"),
        ("/projects", "POST"),
        ("/projects/{id}", "GET"),
        ("/projects/{id}", "PUT"),
        ("/projects/{id}", "PATCH"),
        ("/projects/{id}", "DELETE"),
    ],
)
async def test_preflight_from_the_frontend_is_allowed(
    client: TestClient, project: dict, path: str, method: str
) -> None:
    resp = await preflight(
        client, path.format(id=project["id"]), FRONTEND, method, "content-type, x-request-id"
    )
    assert resp.status == 200, await resp.text()
    assert_cors_allowed(resp)
    assert method.lower() in header_set(resp, "Access-Control-Allow-Methods")
    assert {"content-type", "x-request-id"} <= header_set(resp, "Access-Control-Allow-Headers")


@pytest.mark.parametrize("origin", [EVIL, "null", FRONTEND + ".evil.example", "http://localhost"])
async def test_preflight_from_another_origin_is_refused(client: TestClient, origin: str) -> None:
    resp = await preflight(client, "/projects", origin, "POST", "content-type")
    assert resp.status >= 400
    assert_no_cors(resp)
    assert "Access-Control-Allow-Methods" not in resp.headers


# -- actual requests -----------------------------------------------------------------------------


async def test_list_answer_exposes_the_paging_headers(client: TestClient, project: dict) -> None:
    resp = await client.get("/projects?limit=1", headers={"Origin": FRONTEND})
    assert resp.status == 200
    assert_cors_allowed(resp)
    assert EXPOSED <= header_set(resp, "Access-Control-Expose-Headers")
    assert resp.headers["X-Total-Count"] == "1" and resp.headers["Link"]


async def test_create_answer_exposes_location(client: TestClient) -> None:
    resp = await client.post("/projects", json={"title": "x"}, headers={"Origin": FRONTEND})
    assert resp.status == 201
    assert_cors_allowed(resp)
    assert "location" in header_set(resp, "Access-Control-Expose-Headers")
    assert resp.headers["Location"].startswith("/projects/")


async def error_answers(client: TestClient, origin: str) -> list[ClientResponse]:
    """A 400 from the edge, a 400 from the orchestrator, a 400 query, a 404 for an
    unknown id, a 413."""
    headers = {"Origin": origin, **JSON_HEADERS}
    return [
        await client.post("/projects", data=b"{nope", headers=headers),
        await client.post("/projects", json={"title": ""}, headers={"Origin": origin}),
        await client.get("/projects?limit=0", headers={"Origin": origin}),
        await client.get("/projects/unknown-id", headers={"Origin": origin}),
        await client.delete("/projects/unknown-id", headers={"Origin": origin}),
        await client.post("/projects", data=io.BytesIO(b" " * (1024 * 1024 + 1)), headers=headers),
    ]


async def test_error_answers_carry_cors_headers(client: TestClient) -> None:
    statuses = []
    for resp in await error_answers(client, FRONTEND):
        statuses.append(resp.status)
        assert_cors_allowed(resp)
        assert EXPOSED <= header_set(resp, "Access-Control-Expose-Headers")
    assert statuses == [400, 400, 400, 404, 404, 413]


@pytest.mark.parametrize("origin", [EVIL, "null"])
async def test_other_origins_get_no_cors_headers(
    client: TestClient, project: dict, origin: str
) -> None:
    answers = [
        await client.get("/projects", headers={"Origin": origin}),
        await client.get(f"/projects/{project['id']}", headers={"Origin": origin}),
        await client.post("/projects", json={"title": "x"}, headers={"Origin": origin}),
        *await error_answers(client, origin),
    ]
    assert [r.status for r in answers] == [200, 200, 201, 400, 400, 400, 404, 404, 413]
    for resp in answers:
        assert_no_cors(resp)


async def test_no_origin_no_cors_headers(client: TestClient) -> None:
    resp = await client.get("/projects")
    assert resp.status == 200
    assert_no_cors(resp)


async def test_every_listed_frontend_origin_is_allowed(edge_settings, aiohttp_client) -> None:
    settings = EdgeSettings(
        orchestrator_address=edge_settings.orchestrator_address,
        frontend_url="http://a.example, https://b.example/",
    )
    client = await aiohttp_client(create_app(settings))
    for origin in ("http://a.example", "https://b.example"):
        resp = await client.get("/projects", headers={"Origin": origin})
        assert_cors_allowed(resp, origin)
    for origin in (FRONTEND, EVIL):
        assert_no_cors(await client.get("/projects", headers={"Origin": origin}))


# -- request ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["abc-123", "A.b_c:D-9", "x" * 128])
async def test_a_safe_request_id_is_echoed_and_forwarded(
    client: TestClient, rpc_request_ids: RequestIds, given: str
) -> None:
    headers = {"X-Request-ID": given}
    created = await client.post("/projects", json={"title": "x"}, headers=headers)
    assert created.status == 201
    project_id = (await created.json())["id"]
    answers = [
        created,
        await client.get("/projects", headers=headers),
        await client.patch(f"/projects/{project_id}", json={"fps": 25}, headers=headers),
        await client.get("/projects/unknown", headers=headers),
        await client.post("/projects", data=b"{", headers=headers),
        await client.post("/projects", data=io.BytesIO(b" " * (1024 * 1024 + 1)), headers=headers),
    ]
    assert [r.status for r in answers] == [201, 200, 400, 404, 400, 413]
    for resp in answers:
        assert resp.headers["X-Request-ID"] == given
    # Each RPC ran under the client's id (the malformed body made no RPC).
    assert await rpc_request_ids.settled(4) == [given] * 4


@pytest.mark.parametrize(
    "given",
    [
        "has space",
        "x" * 129,
        "semi;colon",
        'quote"d',
        "é",
        "",
        "a/b",
    ],
)
async def test_an_unsafe_request_id_is_replaced(
    client: TestClient, rpc_request_ids: RequestIds, given: str
) -> None:
    resp = await client.get("/projects", headers={"X-Request-ID": given})
    assert resp.status == 200
    made = resp.headers["X-Request-ID"]
    assert made != given and FRESH_ID.fullmatch(made)
    assert await rpc_request_ids.settled(1) == [made]


async def test_a_request_id_is_made_when_none_is_given(
    client: TestClient, rpc_request_ids: RequestIds
) -> None:
    first = (await client.get("/projects")).headers["X-Request-ID"]
    second = (await client.get("/projects/unknown")).headers["X-Request-ID"]
    assert FRESH_ID.fullmatch(first) and FRESH_ID.fullmatch(second)
    assert first != second
    assert await rpc_request_ids.settled(2) == [first, second]
