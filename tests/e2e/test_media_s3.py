"""The media store on S3 through the real processes, against moto's standalone server
on loopback (tests/fakes/s3server.py):

- the walk-through, as `make run` starts it with AWS_S3_BUCKET set: every medium is an
  object in the bucket, nothing is left in the services' media directories, and every
  URL of the project fetches its object's bytes;
- two video service replicas sharing the bucket: the same Idempotency-Key and body sent
  to each renders once and answers the same; a replica killed mid-render and the key
  retried on the other gives exactly one finished video."""

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.processes import (
    BEES,
    Process,
    call,
    create_project,
    environment,
    free_port,
    procfile,
    until_ready,
    until_video_ready,
    wait_until,
)
from tests.fakes.s3server import S3Endpoint, moto_server
from tests.microservices.helpers_media import in_thread, make_image, make_tone, stored_files

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Endpoint]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
async def bucket(s3: S3Endpoint) -> str:
    name = f"media-{uuid.uuid4().hex[:12]}"
    async with s3.client() as client:
        await client.create_bucket(Bucket=name)
    return name


async def objects(s3: S3Endpoint, bucket: str) -> dict[str, bytes]:
    """Every object of the bucket, by key."""
    found: dict[str, bytes] = {}
    async with s3.client() as client:
        listed = await client.list_objects_v2(Bucket=bucket)
        for item in listed.get("Contents", []):
            answer = await client.get_object(Bucket=bucket, Key=item["Key"])
            async with answer["Body"] as body:
                found[item["Key"]] = await body.read()
    return found


@pytest.fixture
def product_env(s3: S3Endpoint, bucket: str) -> dict[str, str]:
    """The media services on the bucket."""
    return s3.env(bucket)


async def test_the_walk_through_keeps_every_medium_in_the_bucket(product, s3, bucket, tmp_path):
    base = product
    async with aiohttp.ClientSession() as session:
        await until_ready(session, base)
        images = [{"prompt": p} for p in ("a bee", "a field of flowers")]
        body = {**BEES, "description": "Bees pollinate crops.", "images": images}
        url = await create_project(session, base, body)
        await call(session, "POST", f"{url}/generate-script", {"style": "casual"})
        # A short narration for a short render: the media are the point here.
        spoken = {"voice_id": "nova", "script_text": "Bees pollinate crops. Fruits need them."}
        await call(session, "POST", f"{url}/generate-audio", spoken)
        # The quickest style: the media in the bucket are the point, not the drawing.
        await call(session, "POST", f"{url}/generate-images", {"style": "flat_design"})
        await call(session, "POST", f"{url}/generate-images/1", {"prompt": "a hive"})
        await call(
            session,
            "POST",
            f"{url}/generate-video",
            {"resolution": "720p", "fps": 24, "template": "basic_fade"},
        )
        done = await until_video_ready(session, url)

        urls = [done["audio_path"], *(s["url"] for s in done["images"])]
        urls += [done["video_url"], done["thumbnail"]]
        fetched = {}
        for medium in urls:
            async with session.get(medium) as answer:  # a redirect to a presigned link
                assert answer.status == 200, medium
                fetched[medium] = await answer.read()

    stored = await objects(s3, bucket)
    media = {k: v for k, v in stored.items() if not k.startswith("renders/")}
    kinds = sorted(k.split("/")[0] for k in media)
    # The narration and its captions, 2 images and the redrawn one, the video and its
    # thumbnail.
    assert kinds == ["audio", "captions", "images", "images", "images", "thumbnails", "videos"]
    assert any(k.startswith("renders/") and k.endswith("/result.json") for k in stored)
    for medium, data in fetched.items():
        key = medium.split("/media/", 1)[1]
        assert stored[key] == data, medium
    assert fetched[done["video_url"]][4:8] == b"ftyp"  # an MP4
    assert stored_files(tmp_path / "media") == []


# --- two video replicas on one bucket -------------------------------------------------------


# Long enough that a busy machine renews it in time; a dead replica's claim runs out
# within it.
LEASE_S = 8.0


class Replica:
    def __init__(self, name: str, tmp_path: Path, s3: S3Endpoint, bucket: str) -> None:
        self.port = free_port()
        self.log = tmp_path / f"{name}.log"
        env = {
            **s3.env(bucket),
            "VIDEO_SERVICE_PORT": str(self.port),
            "VIDEO_SERVICE_MEDIA_DIR": str(tmp_path / name),
            "VIDEO_SERVICE_RENDER_LEASE_S": str(LEASE_S),
            "VIDEO_SERVICE_LOG_FORMAT": "text",
        }
        self.process = Process(procfile()["video"], environment(**env), self.log)
        self.url = f"http://127.0.0.1:{self.port}"

    def renders(self) -> int:
        return self.log.read_text().count("rendered ")


@pytest.fixture
async def replicas(tmp_path, s3, bucket) -> AsyncIterator[list[Replica]]:
    started = [Replica(name, tmp_path, s3, bucket) for name in ("video-a", "video-b")]
    try:
        for replica in started:
            await in_thread(wait_until, f"{replica.url}/healthz", 30)
        yield started
    finally:
        for replica in started:
            replica.process.stop()


@pytest.fixture
async def body(s3, bucket, tmp_path) -> dict:
    """A render request whose inputs are in the bucket, at the URLs the audio and image
    services hand out, on a host that is down: they can only be read from the bucket."""
    files = {
        "audio/" + "a" * 32 + ".mp3": await in_thread(make_tone, tmp_path / "voice.mp3", 8.0),
        "images/" + "b" * 32 + ".png": await in_thread(make_image, tmp_path / "0.png", 0),
        "images/" + "c" * 32 + ".png": await in_thread(make_image, tmp_path / "1.png", 1),
    }
    async with s3.client() as client:
        for key, path in files.items():
            await client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
    down = "http://127.0.0.1:9/media/"
    keys = list(files)
    return {
        "audio_path": down + keys[0],
        "images": [{"prompt": f"scene {k}", "url": down + key} for k, key in enumerate(keys[1:])],
        "resolution": "720p",
        "fps": 24,
        "template": "basic_fade",
    }


async def post(session: aiohttp.ClientSession, replica: Replica, body: dict, key: str):
    async with session.post(
        f"{replica.url}/render", json=body, headers={"Idempotency-Key": key}
    ) as answer:
        return answer.status, await answer.json()


async def videos(s3: S3Endpoint, bucket: str) -> list[str]:
    async with s3.client() as client:
        listed = await client.list_objects_v2(Bucket=bucket, Prefix="videos/")
    return [item["Key"] for item in listed.get("Contents", [])]


def same(one: dict, other: dict) -> bool:
    def keys(answer: dict) -> tuple:
        return (
            answer["url"].split("/media/")[1],
            answer["thumbnail"].split("/media/")[1],
            answer["duration"],
        )

    return keys(one) == keys(other)


async def test_one_key_sent_to_two_replicas_renders_once(replicas, body, s3, bucket):
    one, two = replicas
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(
            post(session, one, body, "job-7:1"), post(session, two, body, "job-7:1")
        )
        assert [status for status, _ in answers] == [200, 200], answers
        # The same objects, each on the /media/ of the replica that answered.
        assert same(answers[0][1], answers[1][1])
        status, again = await post(session, one, body, "job-7:1")
        assert status == 200 and again == answers[0][1]
    assert one.renders() + two.renders() == 1
    assert len(await videos(s3, bucket)) == 1


async def test_a_replica_killed_mid_render_hands_the_key_to_the_other(replicas, body, s3, bucket):
    doomed, survivor = replicas
    async with aiohttp.ClientSession() as session:
        first = asyncio.create_task(post(session, doomed, body, "job-8:1"))
        async with asyncio.timeout(30), s3.client() as client:
            while True:  # the doomed replica has claimed the key: it is rendering
                listed = await client.list_objects_v2(Bucket=bucket, Prefix="renders/")
                if any("/claim-" in item["Key"] for item in listed.get("Contents", [])):
                    break
                await asyncio.sleep(0.05)
        doomed.process.signal(signal.SIGKILL)
        with pytest.raises(aiohttp.ClientError):
            await first
        status, answer = await post(session, survivor, body, "job-8:1")
        assert status == 200, answer
        async with session.get(answer["url"]) as video:
            assert video.status == 200
            assert (await video.read())[4:8] == b"ftyp"
    assert doomed.renders() == 0 and survivor.renders() == 1
    assert len(await videos(s3, bucket)) == 1
