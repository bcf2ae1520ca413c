"""Serving a fake provider or service (anything with an aiohttp `app`) for a test."""

from typing import Any, Protocol, TypeVar

from aiohttp import web


class _HasApp(Protocol):
    app: web.Application


F = TypeVar("F", bound=_HasApp)


async def served(aiohttp_server: Any, fake: F, path: str = "") -> tuple[F, str]:
    """`fake` served on loopback by pytest-aiohttp's `aiohttp_server`; it, and its URL
    at `path` (the API's base path, e.g. "/v1")."""
    server = await aiohttp_server(fake.app)
    return fake, str(server.make_url(path))
