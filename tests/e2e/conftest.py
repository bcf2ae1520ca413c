"""The product's processes for the e2e tests, started as `make run` starts them."""

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.processes import start_product, until_ok


@pytest.fixture
def product_env() -> dict[str, str]:
    """More settings for the product's processes (a test module may override it)."""
    return {}


@pytest.fixture
async def product(tmp_path: Path, product_env: dict[str, str]) -> AsyncIterator[str]:
    """Every process of the Procfile on free ports, media and data under tmp_path, once
    the four services answer (the edge's /readyz speaks for the orchestrator only); the
    edge's URL."""
    base, processes = start_product(tmp_path, product_env)
    try:
        async with aiohttp.ClientSession() as session:
            for process in processes:
                if process.health is not None:
                    await until_ok(session, process.health, within=60)
        yield base
    finally:
        for process in processes:
            process.stop()
