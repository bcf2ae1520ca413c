"""The adapters the store contract runs over, as one parametrized `store` fixture.

- sqlite:    the embedded store on a real file under tmp_path;
- mongomock: the MongoDB adapter on mongomock-motor's in-memory client, each of whose
             operations lets other tasks run first (see Interleaving);
- mongodb:   the MongoDB adapter on the server at MONGODB_TEST_URL, each test in a database
             of its own that is dropped afterwards; not collected when the variable is
             unset (the header line says so), rather than a skip for every test.
"""

import asyncio
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mongomock_motor import AsyncMongoMockClient

from orchestrator.store.base import Store
from orchestrator.store.mongo import MongoStore
from orchestrator.store.sqlite import SqliteStore

MONGODB_TEST_URL = os.environ.get("MONGODB_TEST_URL", "")
MONGODB_TIMEOUT_MS = 5000
BACKENDS = ["sqlite", "mongomock", *(["mongodb"] if MONGODB_TEST_URL else [])]


def pytest_report_header() -> list[str]:
    """Which contracts also run on real servers (test_media.py reads S3_TEST_URL)."""
    mongodb = "yes" if MONGODB_TEST_URL else "no, MONGODB_TEST_URL is unset"
    s3 = "yes" if os.environ.get("S3_TEST_URL") else "no, S3_TEST_URL is unset"
    return [f"contract on a MongoDB server: {mongodb}", f"contract on a real S3: {s3}"]


@dataclass
class Backend:
    """One adapter on one set of data; `open` makes another store object on that same data."""

    name: str
    make: Callable[[], Store]
    opened: list[Store] = field(default_factory=list)

    async def open(self) -> Store:
        store = self.make()
        self.opened.append(store)  # before setup, so that it is closed even if setup fails
        # Adapters that need it have a one-time setup (MongoDB's indexes); the embedded one
        # does its own in the constructor.
        setup = getattr(store, "setup", None)
        if setup is not None:
            await setup()
        return store

    async def close_all(self) -> None:
        for store in reversed(self.opened):
            await store.close()


def sqlite_backend(data_dir: Path) -> Backend:
    def make() -> Store:
        return SqliteStore(data_dir)

    return Backend("sqlite", make)


class Interleaving:
    """A mongomock-motor client, or a database or collection reached by subscript from it,
    whose operations yield to the event loop before they run.

    mongomock-motor runs each operation synchronously inside a coroutine that never
    suspends, so tasks run with asyncio.gather would each run to the end in turn and no race
    would ever be tried. Yielding first lets concurrent calls interleave between their
    operations, as they do on a server (each operation stays atomic, as it is there).
    """

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getitem__(self, name: str) -> "Interleaving":
        return Interleaving(self._inner[name])

    def __getattr__(self, name: str):
        attribute = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def yielding(*args, **kwargs):
            await asyncio.sleep(0)
            return await attribute(*args, **kwargs)

        return yielding


def mongomock_backend() -> Backend:
    # One in-memory server per test; every store object of the test shares it.
    client = Interleaving(AsyncMongoMockClient())
    database = f"contract_{uuid.uuid4().hex[:12]}"

    def make() -> Store:
        return MongoStore(client, database)

    return Backend("mongomock", make)


def mongodb_backend(url: str) -> Backend:
    database = f"ai_studio_contract_{uuid.uuid4().hex[:12]}"

    def make() -> Store:
        # from_url builds the client; the database is this test's own, not the URL's.
        client = MongoStore.from_url(url, MONGODB_TIMEOUT_MS).client
        return MongoStore(client, database)

    return Backend("mongodb", make)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        chosen = sqlite_backend(tmp_path)
    elif request.param == "mongomock":
        chosen = mongomock_backend()
    else:
        chosen = mongodb_backend(MONGODB_TEST_URL)
    try:
        yield chosen
    finally:
        try:
            if chosen.name == "mongodb" and chosen.opened:
                first = chosen.opened[0]
                await first.client.drop_database(first.database.name)
        finally:
            await chosen.close_all()


@pytest.fixture
async def store(backend: Backend) -> Store:
    return await backend.open()
