"""Origins (scheme, host, port), how URLs are compared with the lists of origins a
deployment trusts to serve media (`*_FETCH_TRUSTED_ORIGINS`, `TRUSTED_MEDIA_ORIGINS`).

URLs are parsed with yarl, the parser aiohttp connects with, so that what is checked is
what is fetched."""

from typing import Annotated, NamedTuple

from pydantic import AfterValidator
from yarl import URL

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_url(url: str) -> URL:
    """An absolute http(s) URL with a host, or ValueError."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        raise ValueError("is not a valid URL") from None
    if parsed.scheme not in SCHEMES or not parsed.raw_host:
        raise ValueError("is not an absolute http(s) URL")
    if parsed.port is None:  # yarl knows no default port for another scheme
        raise ValueError("has no port")
    return parsed


def origin_of(url: URL) -> Origin:
    """The origin of a parsed http(s) URL; the host lower-cased without a final dot."""
    assert url.raw_host is not None and url.port is not None
    return Origin(url.scheme, url.raw_host.lower().rstrip("."), url.port)


def has_default_port(url: URL) -> bool:
    return url.port == DEFAULT_PORTS.get(url.scheme)


def parse_origins(text: str) -> frozenset[Origin]:
    """A comma-separated list of origins (`http://image:8103,https://media.example`);
    ValueError for anything that is more than an origin (a path, a query, credentials)."""
    origins = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            url = parse_url(item)
        except ValueError as exc:
            raise ValueError(f"{item!r} {exc}") from None
        if (
            url.raw_path not in ("", "/")
            or url.raw_query_string
            or url.raw_fragment
            or (url.raw_user is not None)
        ):
            raise ValueError(f"{item!r} is not an origin: scheme://host[:port] only")
        origins.add(origin_of(url))
    return frozenset(origins)


def _checked_origins(text: str) -> str:
    parse_origins(text)
    return text


# A setting holding a comma-separated list of origins, checked when it is read.
OriginsText = Annotated[str, AfterValidator(_checked_origins)]
