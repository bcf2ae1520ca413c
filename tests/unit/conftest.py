"""What the unit tests share: the embedded store on a real file, and one fake
microservice that records what it receives."""

import pytest

from fakes.microservice import FakeService, served
from orchestrator.store.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path):
    store = SqliteStore(tmp_path)
    yield store
    await store.close()


@pytest.fixture
async def fake(aiohttp_server) -> FakeService:
    return await served(aiohttp_server)
