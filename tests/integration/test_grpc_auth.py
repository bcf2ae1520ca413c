"""Access on gRPC, with real servers and channels on loopback: per-call credentials
(API keys and provider tokens), TLS and mutual TLS with certificates made here, the
container healthcheck, and the edge carrying its caller through to the orchestrator."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_pb2
from ai_studio.v1 import project_service_pb2 as rpc
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from pydantic import SecretStr

from common.devcerts import make_ca, make_leaf, write_pair
from edge.app import create_app
from edge.config import EdgeSettings
from orchestrator import healthcheck
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator
from tests.fakes.identity import AUDIENCE, served
from tests.integration.callers import Callers, callers_of
from tests.integration.helpers import assert_error, rpc_failure
from tests.integration.running import running

CI_KEY = "ci-key-0123456789abcdef"
EDGE_KEY = "edge-key-0123456789abcdef"
SERVING = health_pb2.HealthCheckResponse.SERVING


def bearer(credential: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {credential}"),)


@dataclass
class Certs:
    dir: Path

    def __getitem__(self, name: str) -> Path:
        return self.dir / f"{name}.pem"

    def client(self, name: str = "client", ca: str = "ca") -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self[ca].read_bytes(),
            private_key=self[f"{name}-key"].read_bytes() if name else None,
            certificate_chain=self[name].read_bytes() if name else None,
        )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """Our CA with a server and a client certificate; another CA with a client one."""
    directory = tmp_path_factory.mktemp("certs")
    ca, other = make_ca("test CA"), make_ca("another CA")
    write_pair(directory, "ca", ca)
    write_pair(directory, "other-ca", other)
    server = make_leaf(ca, "orchestrator", ["localhost", "127.0.0.1"], server=True)
    write_pair(directory, "server", server)
    write_pair(directory, "client", make_leaf(ca, "client", [], server=False))
    write_pair(directory, "stranger", make_leaf(other, "stranger", [], server=False))
    return Certs(directory)


Serve = Callable[..., Any]


@pytest.fixture
def serve(tmp_path: Path) -> Serve:
    """An orchestrator on an ephemeral loopback port, with the given settings."""

    @asynccontextmanager
    async def started(**values: Any) -> AsyncIterator[Orchestrator]:
        settings = OrchestratorSettings(
            orchestrator_address="127.0.0.1:0", data_dir=tmp_path, metrics_port=0, **values
        )
        async with running(settings) as server:
            yield server

    return started


def tls(certs: Certs, *, mutual: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {"grpc_tls_cert": certs["server"], "grpc_tls_key": certs["server-key"]}
    return values | ({"grpc_tls_client_ca": certs["ca"]} if mutual else {})


def keys(*pairs: str) -> dict[str, Any]:
    return {"auth_api_keys": SecretStr(",".join(pairs))}


@pytest.fixture
def callers() -> Iterator[Callers]:
    with callers_of("orchestrator.rpc") as handler:
        yield handler


async def create(channel: grpc.aio.Channel, metadata: Any = (), title: str = "t") -> Any:
    return await ProjectServiceStub(channel).CreateProject(
        rpc.CreateProjectRequest(project=project_pb2.Project(title=title)),
        timeout=5,
        metadata=metadata,
    )


async def list_services(channel: grpc.aio.Channel, metadata: Any = ()) -> list[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
        timeout=5,
        metadata=metadata,
    )
    async for answer in call:
        return [s.name for s in answer.list_services_response.service]
    return []


# -- per-call credentials -----------------------------------------------------------------


async def test_every_project_rpc_needs_a_credential(serve: Serve, callers: Callers) -> None:
    async with (
        serve(**keys(f"ci:{CI_KEY}")) as server,
        grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel,
    ):
        missing = await rpc_failure(create(channel))
        assert missing.code == grpc.StatusCode.UNAUTHENTICATED
        assert (missing.reason, missing.domain) == ("UNAUTHENTICATED", "ai_studio")
        assert missing.message == "a bearer credential is required"
        wrong = await rpc_failure(create(channel, bearer(CI_KEY + "x")))
        assert (wrong.code, wrong.message) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "the credential is not valid",
        )
        stub = ProjectServiceStub(channel)
        for call in (
            stub.ListProjects(rpc.ListProjectsRequest(), timeout=5),
            stub.GetProject(rpc.GetProjectRequest(id="p"), timeout=5),
            stub.DeleteProject(rpc.DeleteProjectRequest(id="p"), timeout=5),
            stub.GenerateVideo(rpc.GenerateVideoRequest(id="p"), timeout=5),
        ):
            assert (await rpc_failure(call)).code == grpc.StatusCode.UNAUTHENTICATED
        created = await create(channel, bearer(CI_KEY), title="Keyed")
        assert created.title == "Keyed"
        # A client calling for someone else names them; logged as such.
        await create(channel, (*bearer(CI_KEY), ("x-caller", "alice")))
    assert callers.seen[-2:] == ["ci", "ci for alice"]


async def test_health_and_reflection_are_open_unless_closed(serve: Serve) -> None:
    async with (
        serve(**keys(f"ci:{CI_KEY}")) as server,
        grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == SERVING
        assert "ai_studio.v1.ProjectService" in await list_services(channel)
    closed = {"grpc_auth_open_health": False, "grpc_auth_open_reflection": False}
    async with (
        serve(**keys(f"ci:{CI_KEY}"), **closed) as server,
        grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        refused = await rpc_failure(health.Check(health_pb2.HealthCheckRequest(), timeout=5))
        assert refused.code == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await list_services(channel)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        reply = await health.Check(
            health_pb2.HealthCheckRequest(), timeout=5, metadata=bearer(CI_KEY)
        )
        assert reply.status == SERVING
        assert "grpc.health.v1.Health" in await list_services(channel, bearer(CI_KEY))


async def test_provider_tokens_on_grpc(serve: Serve, aiohttp_server) -> None:
    provider = await served(aiohttp_server)
    key = provider.keys[0]
    values = {"auth_issuer": provider.issuer, "auth_audience": AUDIENCE, "auth_jwks_refresh_s": 0}
    async with (
        serve(**values) as server,
        grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel,
    ):
        assert (await create(channel, bearer(provider.token(key)))).title == "t"
        stale = await rpc_failure(create(channel, bearer(provider.token(key, exp=1))))
        assert (stale.code, stale.message) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "the token has expired",
        )
        other = await rpc_failure(create(channel, bearer(provider.token(key, aud="x"))))
        assert other.message == "the token is for another audience"
        provider.failing = True
        down = await rpc_failure(create(channel, bearer(provider.token(provider.add_key()))))
        assert (down.code, down.reason) == (grpc.StatusCode.UNAVAILABLE, "AUTH_UNAVAILABLE")


# -- TLS and mutual TLS -------------------------------------------------------------------


async def test_tls_serves_tls_clients_only(serve: Serve, certs: Certs) -> None:
    async with serve(**tls(certs)) as server:
        address = f"127.0.0.1:{server.port}"
        async with grpc.aio.secure_channel(address, certs.client(name="")) as channel:
            assert (await create(channel)).title == "t"
        async with grpc.aio.insecure_channel(address) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await create(channel)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        # A client that trusts another CA refuses the server.
        async with grpc.aio.secure_channel(address, certs.client("", "other-ca")) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await create(channel)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_refuses_clients_without_a_certificate_from_its_ca(
    serve: Serve, certs: Certs, callers: Callers
) -> None:
    async with serve(**tls(certs, mutual=True)) as server:
        address = f"127.0.0.1:{server.port}"
        for refused in (certs.client(name=""), certs.client("stranger")):
            async with grpc.aio.secure_channel(address, refused) as channel:
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await create(channel)
                assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        async with grpc.aio.secure_channel(address, certs.client()) as channel:
            assert (await create(channel, (("x-caller", "bob"),))).title == "t"
    # With mutual TLS alone, the certificate authenticates the client: its x-caller is logged.
    assert callers.seen[-1] == "bob"


async def test_the_healthcheck_dials_as_configured(
    serve: Serve, certs: Certs, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = {"grpc_auth_open_health": False}
    async with serve(**tls(certs, mutual=True), **keys(f"ops:{CI_KEY}"), **closed) as server:
        env = {
            "ORCHESTRATOR_ADDRESS": f"127.0.0.1:{server.port}",
            "GRPC_TLS_CERT": str(certs["server"]),
            "GRPC_TLS_KEY": str(certs["server-key"]),
            "GRPC_TLS_CLIENT_CA": str(certs["ca"]),
            "AUTH_API_KEYS": f"ops:{CI_KEY}",
            "GRPC_AUTH_OPEN_HEALTH": "false",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        # The sync client blocks: it runs in a thread while this loop serves it.
        assert await asyncio.to_thread(healthcheck.main) == 1  # no credential
        monkeypatch.setenv("ORCHESTRATOR_TOKEN", CI_KEY)
        assert await asyncio.to_thread(healthcheck.main) == 0
        monkeypatch.setenv("GRPC_TLS_CA", str(certs["other-ca"]))
        assert await asyncio.to_thread(healthcheck.main) == 1


# -- the edge in front --------------------------------------------------------------------


def edge_settings(server: Orchestrator, certs: Certs, **values: Any) -> EdgeSettings:
    return EdgeSettings(
        orchestrator_address=f"127.0.0.1:{server.port}",
        grpc_tls_ca=certs["ca"],
        grpc_tls_client_cert=certs["client"],
        grpc_tls_client_key=certs["client-key"],
        **values,
    )


async def test_the_edge_forwards_its_callers_credential_over_mutual_tls(
    serve: Serve, certs: Certs, callers: Callers, aiohttp_client
) -> None:
    async with serve(**tls(certs, mutual=True), **keys(f"ci:{CI_KEY}")) as server:
        settings = edge_settings(server, certs, **keys(f"ci:{CI_KEY}"))
        client = await aiohttp_client(create_app(settings))
        resp = await client.post(
            "/projects", json={"title": "Through"}, headers={"Authorization": f"Bearer {CI_KEY}"}
        )
        assert resp.status == 201, await resp.text()
        assert (await client.get("/readyz")).status == 200
        await assert_error(await client.get("/projects"), 401, "UNAUTHENTICATED")
        await client.close()
    assert callers.seen == ["ci", None]  # CreateProject, then the open health check


async def test_the_edge_calls_with_its_own_key_for_its_caller(
    serve: Serve, certs: Certs, callers: Callers, aiohttp_client
) -> None:
    async with serve(**tls(certs, mutual=True), **keys(f"edge:{EDGE_KEY}")) as server:
        settings = edge_settings(
            server,
            certs,
            orchestrator_token=SecretStr(EDGE_KEY),
            edge_cache=False,  # its stream would be one more call, the edge's own
            **keys(f"ci:{CI_KEY}"),
        )
        client = await aiohttp_client(create_app(settings))
        resp = await client.get("/projects", headers={"Authorization": f"Bearer {CI_KEY}"})
        assert resp.status == 200, await resp.text()
        await client.close()
    assert callers.seen == ["edge for ci"]


async def test_an_edge_without_a_credential_for_the_orchestrator_is_a_401(
    serve: Serve, certs: Certs, aiohttp_client
) -> None:
    async with serve(**tls(certs, mutual=True), **keys(f"ci:{CI_KEY}")) as server:
        client = await aiohttp_client(create_app(edge_settings(server, certs)))
        resp = await client.get("/projects")
        body = await assert_error(resp, 401, "UNAUTHENTICATED")
        assert body["detail"] == "a bearer credential is required"
        await client.close()
