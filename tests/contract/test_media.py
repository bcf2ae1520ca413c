"""The media store contract, over every adapter:

- local: a directory under tmp_path;
- s3:    the S3 adapter against moto's standalone server on loopback, a bucket per test;
- s3-real: against S3_TEST_URL (credentials from the standard AWS variables), a bucket
         per test that is removed afterwards; not collected when the variable is unset.

Write, read, URL, missing object, retention, conditional records (the idempotency
guard) written at once by several stores, and the video service's renders by key
across two "replicas" (two Renders on one store, the render function faked: the
outer boundary)."""

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from microservices.common.app import MEDIA, create_service_app
from microservices.common.config import ServiceSettings
from microservices.common.media import MediaNotFound, MediaStore, StoreUnavailable
from microservices.common.media.lifecycle import RULE_ID, apply
from microservices.common.media.local import LocalStore
from microservices.common.media.s3 import MULTIPART_THRESHOLD, ClientLimits, S3Store, s3_store
from microservices.video.idempotency import Records, Renders, fingerprint
from microservices.video.models import RenderRequest, RenderResult
from tests.fakes.s3server import S3Endpoint, moto_server

S3_TEST_URL = os.environ.get("S3_TEST_URL", "")


@pytest.fixture(scope="session")
def moto() -> Iterator[S3Endpoint]:
    with moto_server() as endpoint:
        yield endpoint


def real_endpoint() -> S3Endpoint:
    return S3Endpoint(
        S3_TEST_URL,
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
        os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        os.environ.get("AWS_REGION", "us-east-1"),
    )


class Backend:
    """Stores of one adapter on one set of data: `open` makes another (a replica)."""

    def __init__(self, name: str, root: Path, endpoint: S3Endpoint | None) -> None:
        self.name, self.root, self.endpoint = name, root, endpoint
        self.bucket = f"media-{uuid.uuid4().hex[:12]}"
        self.stores: list[MediaStore] = []

    def open(self, public_base_url: str = "") -> MediaStore:
        scratch = self.root / f"replica{len(self.stores)}"
        store: MediaStore
        if self.endpoint is None:
            store = LocalStore(self.root / "shared", public_base_url)
        else:
            store = S3Store(
                scratch, self.bucket, self.endpoint.url, public_base_url, self.endpoint.session()
            )
        store.base_url = "http://127.0.0.1:9"
        self.stores.append(store)
        return store

    async def setup(self) -> None:
        if self.endpoint is not None:
            async with self.endpoint.client() as client:
                await client.create_bucket(Bucket=self.bucket)

    async def teardown(self) -> None:
        for store in self.stores:
            await store.close()
        if self.endpoint is not None:
            async with self.endpoint.client() as client:
                listed = await client.list_objects_v2(Bucket=self.bucket)
                for item in listed.get("Contents", []):
                    await client.delete_object(Bucket=self.bucket, Key=item["Key"])
                await client.delete_bucket(Bucket=self.bucket)


# s3-real only when S3_TEST_URL is set: not collected otherwise, rather than skipped.
@pytest.fixture(params=["local", "s3", *(["s3-real"] if S3_TEST_URL else [])])
async def backend(request, tmp_path) -> AsyncIterator[Backend]:
    endpoint = None
    if request.param == "s3":
        endpoint = request.getfixturevalue("moto")
    elif request.param == "s3-real":
        endpoint = real_endpoint()
    backend = Backend(request.param, tmp_path, endpoint)
    await backend.setup()
    try:
        yield backend
    finally:
        await backend.teardown()


@pytest.fixture
def store(backend: Backend) -> MediaStore:
    return backend.open()


def work_file(store: MediaStore, data: bytes, extension: str = "mp3") -> Path:
    path = store.work_path(extension)
    path.write_bytes(data)
    return path


async def serve_media(store: MediaStore, key: str) -> tuple[int, str, bytes]:
    """GET /media/{key} of a service using `store`, redirects followed."""
    app = web.Application()
    app.router.add_get("/media/{key:.+}", store.serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/media/{key}") as answer:
                return answer.status, answer.content_type, await answer.read()
    finally:
        await runner.cleanup()


# --- write, read, URL ---------------------------------------------------------------------


async def test_a_published_file_is_read_back_by_its_url_and_the_work_file_is_gone(store):
    work = work_file(store, b"ID3 narration")
    url = await store.publish(work, "audio", "mp3")
    assert not work.exists()
    assert url.startswith("http://127.0.0.1:9/media/audio/") and url.endswith(".mp3")
    assert await store.read(url) == b"ID3 narration"
    key = store.key_of(url)
    assert key is not None and await store.exists(key)


async def test_every_kind_is_served_with_its_content_type(store):
    kinds = [
        ("audio", "mp3", "audio/mpeg"),
        ("images", "png", "image/png"),
        ("videos", "mp4", "video/mp4"),
        ("thumbnails", "jpg", "image/jpeg"),
        ("captions", "vtt", "text/vtt"),
    ]
    for kind, extension, content_type in kinds:
        data = f"{kind} bytes".encode()
        key = await store.put(work_file(store, data, extension), kind, extension)
        assert key.startswith(f"{kind}/")
        status, served_type, body = await serve_media(store, key)
        assert (status, served_type, body) == (200, content_type, data)


async def test_a_large_file_goes_up_whole(store, tmp_path):
    data = os.urandom(1024) * (MULTIPART_THRESHOLD // 1024 + 3000)  # multipart with S3
    key = await store.put(work_file(store, data, "mp4"), "videos", "mp4")
    dest = tmp_path / "copy.mp4"
    assert await store.download(key, dest, len(data)) == len(data)
    assert dest.read_bytes() == data
    with pytest.raises(ValueError):
        await store.download(key, tmp_path / "capped.mp4", len(data) - 1)


async def test_urls_on_a_public_base_and_what_points_into_the_store(backend):
    public = backend.open("https://cdn.example/media/")
    url = await public.publish(work_file(public, b"png"), "images", "png")
    assert url.startswith("https://cdn.example/media/images/")
    assert public.key_of(url) == url.removeprefix("https://cdn.example/media/")
    assert await public.read(url) == b"png"
    plain = backend.open()
    key = url.removeprefix("https://cdn.example/media/")
    assert plain.key_of(f"http://127.0.0.1:9/media/{key}") == key
    # Another service's /media/ URL is the store's only when the store is shared.
    assert (plain.key_of(f"http://audio.internal:8102/media/{key}") == key) == plain.shared
    for foreign in (
        "https://elsewhere.example/a.png",
        "http://127.0.0.1:9/media/renders/x/result.json",
        "http://127.0.0.1:9/media/images/../secret.png",
        "http://127.0.0.1:9/other/images/0123456789abcdef0123456789abcdef.png",
    ):
        assert plain.key_of(foreign) is None, foreign


# --- missing objects ------------------------------------------------------------------------


async def test_a_missing_object_is_not_found_everywhere(store, tmp_path):
    key = "videos/0123456789abcdef0123456789abcdef.mp4"
    assert not await store.exists(key)
    with pytest.raises(MediaNotFound):
        await store.read(store.url(key))
    with pytest.raises(MediaNotFound):
        await store.download(key, tmp_path / "x.mp4", 1000)
    with pytest.raises(MediaNotFound):
        await store.read("https://elsewhere.example/a.mp4")
    assert await store.get_record("renders/" + "0" * 64 + "/result.json") is None
    assert await store.list_records("renders/" + "0" * 64 + "/claim-") == []
    assert (await serve_media(store, key))[0] == 404
    assert (await serve_media(store, "renders/" + "0" * 64 + "/result.json"))[0] == 404
    await store.delete(key)  # deleting what is not there is no error


# --- retention --------------------------------------------------------------------------------


async def test_retention_removes_what_is_older_than_the_cutoff_only(store):
    key = await store.put(work_file(store, b"old"), "audio", "mp3")
    record = "renders/" + "1" * 64 + "/result.json"
    await store.put_record(record, b"{}", if_absent=True)
    assert await store.sweep(time.time() - 3600) == 0
    assert await store.exists(key)
    assert await store.sweep(time.time() + 5) == 2
    assert not await store.exists(key)
    assert await store.get_record(record) is None


# --- conditional records: the idempotency guard ---------------------------------------------


async def test_of_records_written_at_once_only_the_first_is_kept(backend):
    replicas = [backend.open() for _ in range(4)]
    key = "renders/" + "2" * 64 + "/result.json"
    bodies = [f'{{"writer": {k}}}'.encode() for k in range(12)]
    won = await asyncio.gather(
        *(replicas[k % 4].put_record(key, body, if_absent=True) for k, body in enumerate(bodies))
    )
    assert won.count(True) == 1
    assert await replicas[0].get_record(key) == bodies[won.index(True)]
    assert not await replicas[1].put_record(key, b"late", if_absent=True)
    assert await replicas[2].put_record(key, b"overwritten", if_absent=False)
    assert await replicas[3].get_record(key) == b"overwritten"


REQUEST = RenderRequest.model_validate(
    {
        "audio_path": "https://cdn.example/a.mp3",
        "images": [{"prompt": "p", "url": "https://cdn.example/i.png"}],
    }
)


class FakeRenderer:
    """The render function, faked: publishes two small objects and records each call."""

    def __init__(self, store: MediaStore, gate: asyncio.Event | None = None) -> None:
        self.store, self.gate, self.calls = store, gate, 0

    async def render(self, request: RenderRequest) -> RenderResult:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        video = await self.store.put(work_file(self.store, b"mp4"), "videos", "mp4")
        thumbnail = await self.store.put(work_file(self.store, b"jpg"), "thumbnails", "jpg")
        return RenderResult(video=video, thumbnail=thumbnail, duration=1.0)

    async def exists(self, result: RenderResult) -> bool:
        return await self.store.exists(result.video) and await self.store.exists(result.thumbnail)

    async def discard(self, result: RenderResult) -> None:
        await self.store.delete(result.video)
        await self.store.delete(result.thumbnail)


def replica(store: MediaStore, lease_s: float = 5.0, gate=None) -> tuple[Renders, FakeRenderer]:
    fake = FakeRenderer(store, gate)
    return Renders(store, fake.render, fake.exists, fake.discard, lease_s), fake


async def test_one_key_sent_to_two_replicas_at_once_renders_once(backend):
    gate = asyncio.Event()
    (one, fake_one), (two, fake_two) = (
        replica(backend.open(), gate=gate),
        replica(backend.open(), gate=gate),
    )
    runs = [asyncio.create_task(r.run(REQUEST, "job-1:1")) for r in (one, two, one, two)]
    await asyncio.sleep(0.3)  # both replicas have asked for the key
    gate.set()
    results = await asyncio.gather(*runs)
    assert fake_one.calls + fake_two.calls == 1
    assert all(r == results[0] for r in results)
    # A retry anywhere later answers the same, rendering nothing.
    assert await two.run(REQUEST, "job-1:1") == results[0]
    assert fake_one.calls + fake_two.calls == 1
    for r in (one, two):
        await r.close()


async def test_a_claim_left_by_a_dead_replica_expires_and_is_taken_over(backend):
    # A replica that died mid-render left its claim, never to renew it again.
    dead = Records(backend.open(), "job-2:1", fingerprint(REQUEST))
    assert await dead.claim("dead-replica", lease_s=1.0) == 1
    alive, fake = replica(backend.open(), lease_s=1.0)
    result = await asyncio.wait_for(alive.run(REQUEST, "job-2:1"), 30)
    assert fake.calls == 1
    assert await fake.exists(result)
    assert await alive.run(REQUEST, "job-2:1") == result
    assert fake.calls == 1
    await alive.close()


async def test_a_key_reused_for_another_body_is_refused_on_every_replica(backend):
    (one, _), (two, _) = replica(backend.open()), replica(backend.open())
    await one.run(REQUEST, "job-3:1")
    other = REQUEST.model_copy(update={"fps": 60})
    with pytest.raises(Exception) as refused:
        await two.run(other, "job-3:1")
    assert getattr(refused.value, "code", "") == "IDEMPOTENCY_KEY_REUSED"
    await one.close()
    await two.close()


# --- readiness ---------------------------------------------------------------------------------


async def test_a_usable_store_is_ready(store):
    await store.check()


async def test_a_missing_bucket_or_an_unreachable_endpoint_is_not_ready(moto, tmp_path):
    missing = S3Store(tmp_path, "no-such-bucket", moto.url, session=moto.session())
    with pytest.raises(StoreUnavailable, match="does not exist"):
        await missing.check()
    await missing.close()
    once = ClientLimits(connect_timeout_s=1, max_attempts=1)  # no backoff to wait through
    unreachable = S3Store(
        tmp_path, "media", "http://127.0.0.1:9", session=moto.session(), limits=once
    )
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        await unreachable.check()
    await unreachable.close()


async def test_the_s3_client_takes_its_waits_and_tries_from_the_settings(
    moto, tmp_path, monkeypatch
):
    for name, value in {
        **moto.env("media"),
        "S3_CONNECT_TIMEOUT_S": "2.5",
        "S3_READ_TIMEOUT_S": "7",
        "S3_MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    store = s3_store(ServiceSettings(media_dir=tmp_path / "media"))
    try:
        config = (await store.client()).meta.config
        assert (config.connect_timeout, config.read_timeout) == (2.5, 7)
        assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    finally:
        await store.close()


def test_a_store_built_without_limits_has_the_settings_defaults(tmp_path, monkeypatch):
    for name in ("S3_CONNECT_TIMEOUT_S", "S3_READ_TIMEOUT_S", "S3_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    settings = ServiceSettings(media_dir=tmp_path / "media", AWS_S3_BUCKET="media")
    assert S3Store(tmp_path, "media").limits == s3_store(settings).limits == ClientLimits()


async def test_a_service_on_a_missing_bucket_answers_503_and_writes_nothing_locally(
    moto, tmp_path, aiohttp_client, monkeypatch
):
    for name, value in moto.env("no-such-bucket").items():
        monkeypatch.setenv(name, value)  # the credentials, as the AWS chain finds them
    settings = ServiceSettings(media_dir=tmp_path / "media")
    app = create_service_app(settings)

    async def publish(request: web.Request) -> web.Response:
        store = request.app[MEDIA]
        return web.Response(text=await store.publish(work_file(store, b"x"), "audio", "mp3"))

    app.router.add_post("/publish", publish)
    client = await aiohttp_client(app)
    health = await client.get("/healthz")
    assert health.status == 503
    body = await health.json()
    assert body["code"] == "MEDIA_STORE_UNAVAILABLE" and "does not exist" in body["detail"]
    answer = await client.post("/publish")
    assert answer.status == 503
    assert (await answer.json())["code"] == "MEDIA_STORE_UNAVAILABLE"
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


# --- lifecycle -------------------------------------------------------------------------------


async def test_the_lifecycle_command_applies_the_retention_rule(moto, monkeypatch, tmp_path):
    bucket = f"life-{uuid.uuid4().hex[:12]}"
    async with moto.client() as client:
        await client.create_bucket(Bucket=bucket)
    for name, value in moto.env(bucket).items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings(media_dir=tmp_path, media_retention_days=7)
    await apply(settings)
    await apply(settings)  # again: still one rule of ours
    async with moto.client() as client:
        rules = (await client.get_bucket_lifecycle_configuration(Bucket=bucket))["Rules"]
        await client.delete_bucket(Bucket=bucket)
    ours = [r for r in rules if r["ID"] == RULE_ID]
    assert len(ours) == 1
    assert ours[0]["Expiration"]["Days"] == 7
    assert ours[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
