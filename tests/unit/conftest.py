"""What the unit tests share: the embedded store on a real file, and one fake
microservice that records what it receives."""

import pytest

from orchestrator.store.sqlite import SqliteProjectStore
from tests.fakes.microservice import FakeService, served


@pytest.fixture
async def store(tmp_path):
    store = SqliteProjectStore(tmp_path)
    yield store
    await store.close()


@pytest.fixture
async def fake(aiohttp_server) -> FakeService:
    return await served(aiohttp_server)
