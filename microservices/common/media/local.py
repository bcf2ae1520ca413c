"""The local-directory adapter (the default): media under `<dir>/<kind>/`, records under
`<dir>/renders/`, served by the service itself. One machine only: replicas on other
machines see nothing of it (that is what the S3 adapter is for)."""

import asyncio
import os
import re
import shutil
import uuid
from pathlib import Path

from aiohttp import web

from microservices.common.media.base import (
    KINDS,
    MediaNotFound,
    MediaStore,
    StoreUnavailable,
    content_type,
)
from microservices.common.threads import settled

# Files of the first layout, directly in the directory: still served, so that URLs
# stored before the media store existed keep working.
LEGACY_NAME = re.compile(r"[0-9a-f]{32}\.(mp3|wav|png|jpg|mp4)")
RECORDS = "renders"


class LocalStore(MediaStore):
    def path(self, key: str) -> Path:
        return self.directory / key

    async def write_file(self, path: Path, key: str) -> None:
        await asyncio.to_thread(self._move_in, path, self.path(key))

    @staticmethod
    def _move_in(source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)  # same file system: atomic
        except OSError:
            partial = target.with_name(f".{target.name}.part")
            try:
                shutil.copyfile(source, partial)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)

    async def read_key(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self.path(key).read_bytes)
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    async def download(self, key: str, dest: Path, max_bytes: int) -> int:
        source = self.path(key)
        try:
            size = (await asyncio.to_thread(source.stat)).st_size
        except FileNotFoundError:
            raise MediaNotFound(key) from None
        if size > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes")
        # Settled: a caller cancelled while copying (another input of a render failed)
        # returns once the copy is over, before it removes the directory of `dest`.
        await settled(shutil.copyfile, source, dest)
        return size

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    async def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    async def answer(self, key: str) -> web.StreamResponse:
        path = self.path(key)
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": content_type(key)})

    async def serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["key"]
        if LEGACY_NAME.fullmatch(name) and (self.directory / name).is_file():
            return web.FileResponse(
                self.directory / name, headers={"Content-Type": content_type(name)}
            )
        return await super().serve(request)

    async def put_record(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        return await asyncio.to_thread(self._put_record, self.path(key), data, if_absent)

    @staticmethod
    def _put_record(target: Path, data: bytes, if_absent: bool) -> bool:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{uuid.uuid4().hex}.part")
        partial.write_bytes(data)
        try:
            if not if_absent:
                os.replace(partial, target)
                return True
            # link() fails if the target exists, and the record appears complete.
            os.link(partial, target)
            return True
        except FileExistsError:
            return False
        finally:
            partial.unlink(missing_ok=True)

    async def get_record(self, key: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self.path(key).read_bytes)
        except FileNotFoundError:
            return None

    async def list_records(self, prefix: str) -> list[str]:
        """Keys starting with `prefix`, as S3 lists them (within one folder here)."""
        folder, _, start = prefix.rpartition("/")
        directory = self.path(folder)
        if not directory.is_dir():
            return []
        return sorted(
            f"{folder}/{p.name}"
            for p in directory.iterdir()
            if p.name.startswith(start) and p.suffix == ".json"
        )

    async def sweep(self, older_than: float) -> int:
        return await asyncio.to_thread(self._sweep, older_than)

    def _sweep(self, older_than: float) -> int:
        removed = 0
        for top in (*KINDS, RECORDS):
            for path in (self.directory / top).rglob("*"):
                try:
                    if path.is_file() and path.stat().st_mtime < older_than:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
        for name in os.listdir(self.directory):  # the first layout's files
            path = self.directory / name
            if LEGACY_NAME.fullmatch(name) and path.stat().st_mtime < older_than:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    async def check(self) -> None:
        if not os.access(self.directory, os.W_OK):
            raise StoreUnavailable(f"the media directory {self.directory} is not writable")
