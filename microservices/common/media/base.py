"""The media store's interface: where finished media and the video service's small
records live, whichever adapter keeps them (a local directory, or S3-compatible object
storage shared by every replica).

Keys are ours only: `<kind>/<32 hex>.<extension>` for media, `renders/...` for records;
never a name from input. A service makes a complete local work file, then one call,
`publish(work_path, kind, extension)`, stores it and hands out its URL. URLs never
expire: they are either on MEDIA_PUBLIC_BASE_URL or on the service's own `/media/{key}`,
which serves the object or redirects to a short-lived link to it.

Exceptions: StoreUnavailable (the store cannot be reached or used: the service is not
ready) and MediaNotFound (no such object)."""

import abc
import asyncio
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "png": "image/png",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "vtt": "text/vtt",
}
KINDS = ("audio", "images", "videos", "thumbnails", "captions")
# The only media keys ever written or served: ours. Anything else (../, %2e%2e, absolute
# paths, backslashes, NUL, records) fails the pattern before the store is asked.
MEDIA_KEY = re.compile(
    r"(audio|images|videos|thumbnails|captions)/[0-9a-f]{32}\.(mp3|wav|png|jpg|mp4|vtt)"
)
# Records (idempotency results and claims): ours too, never served.
RECORD_KEY = re.compile(r"renders/[0-9a-f]{64}/[a-z0-9-]{1,40}\.json")


class StoreUnavailable(Exception):
    """The store cannot be used now (bucket missing, endpoint unreachable, disk error)."""


class MediaNotFound(Exception):
    """No object under that key."""


def new_key(kind: str, extension: str) -> str:
    key = f"{kind}/{uuid.uuid4().hex}.{extension}"
    if not MEDIA_KEY.fullmatch(key):
        raise ValueError(f"no media of kind {kind!r} and type {extension!r}")
    return key


def content_type(key: str) -> str:
    return CONTENT_TYPES[key.rsplit(".", 1)[1]]


class MediaStore(abc.ABC):
    """One interface, two adapters (local.py, s3.py)."""

    # Whether every replica sees the same objects (a URL into it may be read by key).
    shared = False

    def __init__(self, scratch: Path, public_base_url: str = "") -> None:
        # Work files are made here and never outlive their request; with the local
        # adapter the media live under it too.
        self.directory = scratch.resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.public_base_url = public_base_url.rstrip("/")
        self.base_url = ""  # set once the service knows where it listens

    # --- what services call ---

    def work_path(self, extension: str) -> Path:
        """A fresh path for a work file; the caller removes it (publish moves it away)."""
        work = self.directory / ".work"
        work.mkdir(parents=True, exist_ok=True)
        return work / f"{uuid.uuid4().hex}.{extension}"

    async def publish(self, work_path: Path, kind: str, extension: str) -> str:
        """Store a complete work file as a new medium; its URL. The work file is gone
        afterwards, whether it was stored or not."""
        return self.url(await self.put(work_path, kind, extension))

    async def put(self, work_path: Path, kind: str, extension: str) -> str:
        """As publish, but the key (for callers that keep keys, like render records)."""
        key = new_key(kind, extension)
        try:
            await self.write_file(work_path, key)
        finally:
            await asyncio.to_thread(work_path.unlink, True)
        return key

    def url(self, key: str) -> str:
        """The URL handed out for a key: it never expires."""
        if self.public_base_url:
            return f"{self.public_base_url}/{key}"
        return f"{self.base_url}/media/{key}"

    def key_of(self, url: str) -> str | None:
        """The key a URL stands for, if it points into this store."""
        if self.public_base_url and url.startswith(self.public_base_url + "/"):
            candidate = url[len(self.public_base_url) + 1 :]
        else:
            path = urlsplit(url).path
            if not path.startswith("/media/"):
                return None
            # A shared store holds what every service made: any service's /media/ URL.
            # A local one only what this service made, at its own URL.
            if not self.shared and not url.startswith(f"{self.base_url}/media/"):
                return None
            candidate = path.removeprefix("/media/")
        return candidate if MEDIA_KEY.fullmatch(candidate) else None

    async def read(self, url: str) -> bytes:
        """The bytes of a medium of this store, by URL (MediaNotFound if it is not one)."""
        key = self.key_of(url)
        if key is None:
            raise MediaNotFound(url)
        return await self.read_key(key)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """GET /media/{key}: the object itself, or a redirect to a short-lived link."""
        key = request.match_info["key"]
        if not MEDIA_KEY.fullmatch(key):
            raise web.HTTPNotFound()
        return await self.answer(key)

    # --- the adapters' part ---

    @abc.abstractmethod
    async def write_file(self, path: Path, key: str) -> None:
        """The whole file under `key` with its content type, or nothing at all."""

    @abc.abstractmethod
    async def read_key(self, key: str) -> bytes: ...

    @abc.abstractmethod
    async def download(self, key: str, dest: Path, max_bytes: int) -> int:
        """The object into a local file; its size. ValueError if it is over max_bytes."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def answer(self, key: str) -> web.StreamResponse: ...

    @abc.abstractmethod
    async def put_record(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        """Write a small record; with if_absent, only if there is none yet (atomically,
        against every replica): False if one was there."""

    @abc.abstractmethod
    async def get_record(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def list_records(self, prefix: str) -> list[str]: ...

    @abc.abstractmethod
    async def sweep(self, older_than: float) -> int:
        """Remove media and records last written before `older_than` (a Unix time);
        how many."""

    @abc.abstractmethod
    async def check(self) -> None:
        """StoreUnavailable with a reason if the store cannot be used now."""

    async def close(self) -> None:
        return None
