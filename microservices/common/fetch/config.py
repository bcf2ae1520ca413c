"""The fetch settings a service that downloads client-given URLs has, under its own
prefix (VIDEO_SERVICE_FETCH_TRUSTED_ORIGINS, IMAGE_SERVICE_FETCH_TRUSTED_ORIGINS...)."""

from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from common.origins import OriginsText, origin_of, parse_origins, parse_url
from microservices.common.fetch.policy import FetchPolicy


def parse_rewrites(text: str) -> tuple[tuple[str, str], ...]:
    """`from=to,from=to` URL prefix pairs; both sides absolute http(s) URLs."""
    pairs = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        source, sep, target = item.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ValueError(f"{item!r} is not a from=to pair")
        for side in (source, target):
            parts = urlsplit(side)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{side!r} is not an absolute http(s) URL")
        pairs.append((source, target))
    return tuple(pairs)


class FetchSettings(BaseModel):
    # Origins (scheme://host:port, comma-separated) whose URLs are fetched wherever they
    # point, private networks included: the services that made the media. Any other URL
    # must use the default port and resolve only to public addresses.
    fetch_trusted_origins: OriginsText = ""
    # URL prefixes rewritten before fetching, where the service reaches the media under
    # another name than the browser does: "http://localhost:8102=http://audio:8102,...".
    # Their targets are trusted.
    fetch_rewrites: str = ""
    # One download, redirects included; connecting (and resolving the name).
    fetch_timeout_s: float = Field(60.0, gt=0)
    fetch_connect_timeout_s: float = Field(5.0, gt=0)
    fetch_concurrency: int = Field(8, ge=1, le=64)
    fetch_max_redirects: int = Field(3, ge=0, le=10)

    @field_validator("fetch_rewrites")
    @classmethod
    def _rewrites(cls, value: str) -> str:
        parse_rewrites(value)
        return value

    @property
    def rewrites(self) -> tuple[tuple[str, str], ...]:
        return parse_rewrites(self.fetch_rewrites)

    def fetch_policy(self) -> FetchPolicy:
        rewrites = self.rewrites
        targets = {origin_of(parse_url(target)) for _, target in rewrites}
        return FetchPolicy(
            trusted=parse_origins(self.fetch_trusted_origins) | targets,
            rewrites=rewrites,
            max_redirects=self.fetch_max_redirects,
            timeout_s=self.fetch_timeout_s,
            connect_timeout_s=self.fetch_connect_timeout_s,
            concurrency=self.fetch_concurrency,
        )
