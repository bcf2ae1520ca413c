"""The product's processes for the e2e tests, started as `make run` starts them."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import start_product


@pytest.fixture
def product_env() -> dict[str, str]:
    """More settings for the product's processes (a test module may override it)."""
    return {}


@pytest.fixture
def product(tmp_path: Path, product_env: dict[str, str]) -> Iterator[str]:
    """Every process of the Procfile on free ports, media and data under tmp_path; the
    edge's URL."""
    base, processes = start_product(tmp_path, **product_env)
    yield base
    for process in processes:
        process.stop()
