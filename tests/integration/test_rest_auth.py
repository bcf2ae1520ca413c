"""Access at the REST edge, with the orchestrator behind it over real gRPC: API keys and
provider tokens (a fake OpenID provider on loopback), the 401 and its challenge in the
common error shape with CORS, the open endpoints, and the caller on the request's line."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from edge.app import create_app
from edge.auth import OPEN_ROUTES
from edge.config import EdgeSettings
from orchestrator.server import Orchestrator
from tests.fakes.identity import AUDIENCE, IdentityProvider, served
from tests.integration.callers import Callers, callers_of
from tests.integration.helpers import FRONTEND, assert_error, preflight
from tests.integration.test_openapi import DOCUMENT, operations

CI_KEY = "ci-key-0123456789abcdef"


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


@pytest.fixture
async def provider(aiohttp_server) -> IdentityProvider:
    return await served(aiohttp_server)


@pytest.fixture
def access() -> dict[str, Any]:
    return {}


@pytest.fixture
async def client(
    orchestrator: Orchestrator, provider: IdentityProvider, access: dict[str, Any], aiohttp_client
) -> TestClient:
    settings = EdgeSettings(
        orchestrator_address=f"127.0.0.1:{orchestrator.port}",
        frontend_url=FRONTEND,
        auth_api_keys=SecretStr(f"ci:{CI_KEY}"),
        auth_issuer=provider.issuer,
        auth_audience=AUDIENCE,
        **access,
    )
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def lines() -> Iterator[Callers]:
    """The edge's request lines, with the caller each was written for."""
    with callers_of("edge.http", logging.INFO) as handler:
        yield handler


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/projects"),
        ("POST", "/projects"),
        ("GET", "/projects/p1"),
        ("PUT", "/projects/p1"),
        ("PATCH", "/projects/p1"),
        ("DELETE", "/projects/p1"),
        ("POST", "/projects/p1/generate-script"),
        ("POST", "/projects/p1/generate-images/0"),
        ("POST", "/projects/p1/generate-video"),
    ],
)
async def test_no_credential_is_a_401_with_a_challenge_and_cors(
    client: TestClient, method: str, path: str
) -> None:
    resp = await client.request(method, path, json={"title": "x"}, headers={"Origin": FRONTEND})
    body = await assert_error(resp, 401, "UNAUTHENTICATED")
    assert body["detail"] == "a bearer credential is required"
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="ai_studio"'
    assert resp.headers["X-Request-ID"]
    assert resp.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = resp.headers["Access-Control-Expose-Headers"].lower()
    assert "www-authenticate" in exposed


async def test_an_unknown_endpoint_is_a_401_too(client: TestClient) -> None:
    """Whether a path exists is for callers only."""
    await assert_error(await client.get("/nowhere"), 401, "UNAUTHENTICATED")
    await assert_error(await client.get("/nowhere", headers=bearer(CI_KEY)), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {CI_KEY}x", f"Basic {CI_KEY}", "Bearer a.b.c", f"Bearer {CI_KEY[:10]}"],
)
async def test_a_bad_credential_is_a_401_naming_the_error(
    client: TestClient, authorization: str
) -> None:
    resp = await client.get("/projects", headers={"Authorization": authorization})
    body = await assert_error(resp, 401, "UNAUTHENTICATED")
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="ai_studio", error="invalid_token"'), challenge
    assert CI_KEY[:10] not in body["detail"] + challenge


async def test_an_api_key_opens_every_endpoint(client: TestClient, lines: Callers) -> None:
    resp = await client.post("/projects", json={"title": "Keyed"}, headers=bearer(CI_KEY))
    assert resp.status == 201, await resp.text()
    project = await resp.json()
    got = await client.get(f"/projects/{project['id']}", headers=bearer(CI_KEY))
    assert got.status == 200
    deleted = await client.delete(f"/projects/{project['id']}", headers=bearer(CI_KEY))
    assert deleted.status == 204
    assert lines.seen == ["ci", "ci", "ci"]
    assert CI_KEY not in repr(lines.messages)


async def test_a_provider_token_opens_the_api_and_names_its_subject(
    client: TestClient, provider: IdentityProvider, lines: Callers
) -> None:
    token = provider.token(provider.keys[0], sub="alice@example.com")
    resp = await client.post("/projects", json={"title": "Tokened"}, headers=bearer(token))
    assert resp.status == 201, await resp.text()
    expired = provider.token(provider.keys[0], exp=1)
    resp = await client.get("/projects", headers=bearer(expired))
    body = await assert_error(resp, 401, "UNAUTHENTICATED")
    assert body["detail"] == "the token has expired"
    assert 'error_description="the token has expired"' in resp.headers["WWW-Authenticate"]
    assert lines.seen == ["alice@example.com", None]


async def test_a_provider_that_is_down_is_a_503_not_a_way_in(
    client: TestClient, provider: IdentityProvider
) -> None:
    provider.failing = True
    token = provider.token(provider.keys[0])
    resp = await client.get("/projects", headers=bearer(token))
    await assert_error(resp, 503, "AUTH_UNAVAILABLE")
    # API keys do not depend on the provider.
    assert (await client.get("/projects", headers=bearer(CI_KEY))).status == 200


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/static/docs.js"],
)
async def test_health_metrics_and_docs_stay_open(client: TestClient, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()


async def test_a_preflight_needs_no_credential(client: TestClient) -> None:
    resp = await preflight(client, "/projects", FRONTEND, "POST", "authorization, content-type")
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "AUTHORIZATION" in resp.headers["Access-Control-Allow-Headers"].upper()


async def test_the_edge_forwards_the_caller_to_the_orchestrator(
    orchestrator: Orchestrator, client: TestClient, rpc_request_ids
) -> None:
    """Seen from the orchestrator's RPC lines: the x-caller metadata (logged when the
    orchestrator authenticates its clients: tests/integration/test_grpc_auth.py)."""
    resp = await client.get("/projects", headers={**bearer(CI_KEY), "X-Request-ID": "r-42"})
    assert resp.status == 200
    assert await rpc_request_ids.settled(1) == ["r-42"]


def test_the_document_describes_the_bearer_scheme_and_the_open_endpoints() -> None:
    scheme = DOCUMENT["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    # Optional in the one document every deployment serves: required once AUTH_* is set.
    assert DOCUMENT["security"] == [{"bearer": []}, {}]
    for method, path, operation in operations():
        if path in OPEN_ROUTES:
            assert operation["security"] == [], (method, path)
            assert "401" not in operation["responses"], (method, path)
        else:
            assert "security" not in operation, (method, path)
            assert operation["responses"]["401"] == {
                "$ref": "#/components/responses/Unauthorized"
            }, (method, path)
    headers = DOCUMENT["components"]["responses"]["Unauthorized"]["headers"]
    assert set(headers) == {"X-Request-ID", "WWW-Authenticate"}
