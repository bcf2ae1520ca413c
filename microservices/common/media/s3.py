"""The S3 adapter: media and records as objects of one bucket that every replica shares,
through aiobotocore (credentials and region from the standard AWS chain; AWS_ENDPOINT_URL
for MinIO, R2, Backblaze or a local server).

Objects are written whole: one PUT, or for large files a multipart upload that is
aborted if any part fails, so no partial object and no orphan parts outlive the request.
Records are written with `If-None-Match: *` when they must be the first, which S3, MinIO
and R2 turn into a 412 for everyone but the first writer."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from aiohttp import web
from botocore.exceptions import BotoCoreError, ClientError

from microservices.common.config import ServiceSettings
from microservices.common.media.base import (
    KINDS,
    MediaNotFound,
    MediaStore,
    StoreUnavailable,
    content_type,
)

log = logging.getLogger("microservices.media.s3")

# Files above this go up in parts of PART_SIZE (S3's minimum part is 5 MiB).
MULTIPART_THRESHOLD = 16 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
# How long a link /media/{key} redirects to stays valid: enough to start a download.
LINK_TTL_S = 900
CHUNK = 1024 * 1024
RECORDS = "renders/"
MISSING = {"NoSuchKey", "404", "NotFound"}
# A conditional write that lost: the object exists (412), or another conditional write
# of it is under way (409, S3).
REFUSED = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


class Refused(Exception):
    """A conditional write found the object there."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unavailable(exc: Exception, bucket: str) -> StoreUnavailable:
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in ("NoSuchBucket", "404", "NotFound"):
            return StoreUnavailable(f"the bucket {bucket!r} does not exist")
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StoreUnavailable(f"access to the bucket {bucket!r} is denied ({code})")
        return StoreUnavailable(f"the bucket {bucket!r} answered {code or 'an error'}")
    return StoreUnavailable(f"the object store cannot be reached ({type(exc).__name__})")


_SETTINGS = ServiceSettings.model_fields


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """The S3 client's waits and tries (settings S3_CONNECT_TIMEOUT_S, S3_READ_TIMEOUT_S,
    S3_MAX_ATTEMPTS; their defaults are the settings' own)."""

    connect_timeout_s: float = _SETTINGS["s3_connect_timeout_s"].default
    read_timeout_s: float = _SETTINGS["s3_read_timeout_s"].default
    max_attempts: int = _SETTINGS["s3_max_attempts"].default


class S3Store(MediaStore):
    shared = True

    def __init__(
        self,
        scratch: Path,
        bucket: str,
        endpoint_url: str = "",
        public_base_url: str = "",
        session: AioSession | None = None,
        limits: ClientLimits = ClientLimits(),
    ) -> None:
        super().__init__(scratch, public_base_url)
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.session = session or AioSession()
        self.limits = limits
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def client(self) -> Any:
        if self._client is None:
            limits = self.limits
            config = AioConfig(
                connect_timeout=limits.connect_timeout_s,
                read_timeout=limits.read_timeout_s,
                # total_max_attempts counts the first try (botocore's max_attempts does not).
                retries={"total_max_attempts": limits.max_attempts, "mode": "standard"},
                signature_version="s3v4",
                # Bucket in the path: MinIO and local servers have no per-bucket hosts.
                s3={"addressing_style": "path"} if self.endpoint_url else None,
            )
            self._client = await self._stack.enter_async_context(
                self.session.create_client("s3", endpoint_url=self.endpoint_url, config=config)
            )
        return self._client

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

    async def call(self, operation: str, **params: Any) -> Any:
        """One S3 call; a missing object is MediaNotFound, any other failure
        StoreUnavailable (never a silent fallback to the local disk)."""
        client = await self.client()
        try:
            return await getattr(client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            if _code(exc) in MISSING and "Key" in params:
                raise MediaNotFound(params["Key"]) from None
            if _code(exc) in REFUSED and "IfNoneMatch" in params:
                raise Refused() from None
            log.warning("S3 %s failed: %s", operation, _code(exc))
            raise _unavailable(exc, self.bucket) from None
        except (BotoCoreError, OSError) as exc:
            log.warning("S3 %s failed: %s", operation, type(exc).__name__)
            raise _unavailable(exc, self.bucket) from None

    async def write_file(self, path: Path, key: str) -> None:
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= MULTIPART_THRESHOLD:
            body = await asyncio.to_thread(path.read_bytes)
            await self.call("put_object", Key=key, Body=body, ContentType=content_type(key))
            return
        upload = await self.call("create_multipart_upload", Key=key, ContentType=content_type(key))
        upload_id = upload["UploadId"]
        try:
            parts = []
            with path.open("rb") as f:
                number = 1
                while chunk := await asyncio.to_thread(f.read, PART_SIZE):
                    answer = await self.call(
                        "upload_part", Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
                    )
                    parts.append({"ETag": answer["ETag"], "PartNumber": number})
                    number += 1
            await self.call(
                "complete_multipart_upload",
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self.call("abort_multipart_upload", Key=key, UploadId=upload_id)
                )
            raise

    async def read_key(self, key: str) -> bytes:
        answer = await self.call("get_object", Key=key)
        async with answer["Body"] as stream:
            return await stream.read()

    async def download(self, key: str, dest: Path, max_bytes: int) -> int:
        answer = await self.call("get_object", Key=key)
        if answer["ContentLength"] > max_bytes:
            answer["Body"].close()
            raise ValueError(f"larger than {max_bytes} bytes")
        size = 0
        async with answer["Body"] as stream:
            with dest.open("wb") as f:
                while chunk := await stream.read(CHUNK):
                    size += len(chunk)
                    await asyncio.to_thread(f.write, chunk)
        return size

    async def exists(self, key: str) -> bool:
        try:
            await self.call("head_object", Key=key)
        except MediaNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        await self.call("delete_object", Key=key)

    async def answer(self, key: str) -> web.StreamResponse:
        if not await self.exists(key):
            raise web.HTTPNotFound()
        client = await self.client()
        link = await client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=LINK_TTL_S
        )
        # Not cached: the link it names expires, the URL asked for does not.
        raise web.HTTPFound(link, headers={"Cache-Control": "no-store"})

    async def put_record(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        extra = {"IfNoneMatch": "*"} if if_absent else {}
        try:
            await self.call(
                "put_object", Key=key, Body=data, ContentType="application/json", **extra
            )
        except Refused:
            return False
        return True

    async def get_record(self, key: str) -> bytes | None:
        try:
            return await self.read_key(key)
        except MediaNotFound:
            return None

    async def list_records(self, prefix: str) -> list[str]:
        return sorted(key for key, _ in await self._list(prefix))

    async def _list(self, prefix: str) -> list[tuple[str, float]]:
        client = await self.client()
        found: list[tuple[str, float]] = []
        try:
            async for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for item in page.get("Contents", []):
                    found.append((item["Key"], item["LastModified"].timestamp()))
        except (ClientError, BotoCoreError, OSError) as exc:
            raise _unavailable(exc, self.bucket) from None
        return found

    async def sweep(self, older_than: float) -> int:
        """What a lifecycle rule does, by hand: for stores without one (see lifecycle.py)."""
        removed = 0
        for prefix in (*(f"{kind}/" for kind in KINDS), RECORDS):
            old = [key for key, modified in await self._list(prefix) if modified < older_than]
            for start in range(0, len(old), 1000):
                batch = [{"Key": key} for key in old[start : start + 1000]]
                await self.call("delete_objects", Delete={"Objects": batch, "Quiet": True})
            removed += len(old)
        return removed

    async def check(self) -> None:
        await self.client()  # made outside the timeout: never half-made
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancel
            # that lands as the call finishes, and a readiness probe must stop with its app.
            async with asyncio.timeout(5):
                await self.call("head_bucket")
        except TimeoutError:
            raise StoreUnavailable(
                "the object store cannot be reached (no answer within 5 s)"
            ) from None


def s3_store(settings: ServiceSettings) -> S3Store:
    """The store on the settings' bucket, with their client limits."""
    limits = ClientLimits(
        settings.s3_connect_timeout_s, settings.s3_read_timeout_s, settings.s3_max_attempts
    )
    return S3Store(
        settings.media_dir,
        settings.aws_s3_bucket,
        settings.aws_endpoint_url,
        settings.media_public_base_url,
        limits=limits,
    )
