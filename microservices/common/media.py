"""Generated media files: named by us (never by input), kept under one directory, and
served over HTTP from it alone."""

import re
import uuid
from pathlib import Path

from aiohttp import web

# The only names ever served: ours. Anything else (../, %2e%2e, absolute paths,
# backslashes, NUL) fails the pattern and is a 404 before the disk is touched.
NAME = re.compile(r"[0-9a-f]{32}\.(mp3|wav|png|jpg|mp4|vtt)")
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "png": "image/png",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "vtt": "text/vtt; charset=utf-8",
}


class Media:
    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.base_url = ""  # set once the service knows where it listens

    def new(self, extension: str) -> tuple[Path, str]:
        """A fresh file path for a new medium, and the absolute URL it will be served at."""
        name = f"{uuid.uuid4().hex}.{extension}"
        if not NAME.fullmatch(name):
            raise ValueError(f"no media of type {extension!r}")
        return self.directory / name, self.url(name)

    def url(self, name: str) -> str:
        return f"{self.base_url}/media/{name}"

    def path_of(self, name: str) -> Path | None:
        """The file a served name stands for, if it is one of ours and exists."""
        if not NAME.fullmatch(name):
            return None
        path = self.directory / name
        return path if path.is_file() else None

    async def serve(self, request: web.Request) -> web.StreamResponse:
        path = self.path_of(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        content_type = CONTENT_TYPES[path.suffix[1:]]
        return web.FileResponse(path, headers={"Content-Type": content_type})
