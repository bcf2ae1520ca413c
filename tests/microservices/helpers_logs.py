"""The log lines a service wrote for one request, found by the request id it was given."""

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from common.logs import ContextFilter


async def logged_for(
    client: TestClient, caplog: pytest.LogCaptureFixture, body: dict[str, Any], rid: str
) -> list[logging.LogRecord]:
    """POST /generate `body` with X-Request-ID `rid` (asserted to succeed); the records
    from INFO up that carry `rid`."""
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO)
    response = await client.post("/generate", json=body, headers={"X-Request-ID": rid})
    assert response.status == 200
    return [r for r in caplog.records if getattr(r, "request_id", None) == rid]
