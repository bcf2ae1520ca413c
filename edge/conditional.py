"""Conditional requests on a project (RFC 9110 §13): its ETag is its revision, quoted.

GET answers 304 to an If-None-Match naming the current ETag (weak comparison); PUT, PATCH
and DELETE with If-Match pass the revision it names to the orchestrator, which checks it
in the store's atomic write (412 on a mismatch). If-Match: * is any existing project.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web


def etag(revision: int) -> str:
    return f'"{revision}"'


def _tags(header: str) -> list[str]:
    """The entity tags of an If-Match / If-None-Match list, as written."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def not_modified(request: web.Request, revision: int) -> bool:
    """Whether If-None-Match names the project's current ETag (weakly: W/ ignored)."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag(revision) in [t.removeprefix("W/") for t in tags]


def _revision(tag: str) -> int | None:
    """The revision a strong ETag of ours names; None for any other tag."""
    if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    return None


# A revision no project is ever at: an If-Match that can match nothing still goes to the
# orchestrator, which validates the request first (a 400 before a 412) and then refuses
# the revision (or answers 404 for an unknown project).
NO_REVISION = -1


async def expected_revision(
    request: web.Request, current: Callable[[], Awaitable[int]]
) -> int | None:
    """The revision an If-Match asks a write to be made at; None without one (or with *).
    Several tags: the one that is the project's current revision, if any (`current`
    reads it); the store still checks it atomically. No usable tag: NO_REVISION (a 412)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = _tags(header)
    if "*" in tags:
        return None
    revisions = [r for r in map(_revision, tags) if r is not None]
    if len(revisions) == 1:
        return revisions[0]
    if revisions:
        revision = await current()
        if revision in revisions:
            return revision
    return NO_REVISION
