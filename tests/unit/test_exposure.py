"""The start-up warning of a process that listens beyond loopback with no access control."""

import logging

import pytest

from common.auth.exposure import is_loopback, warn_if_exposed


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:50051", True),
        ("localhost", True),
        ("localhost:8001", True),
        ("::1", True),
        ("[::1]:50051", True),
        ("unix:/tmp/orchestrator.sock", True),
        ("0.0.0.0", False),
        ("0.0.0.0:50051", False),
        ("[::]:50051", False),
        ("10.0.0.5", False),
        ("orchestrator:50051", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "protected", "warned"),
    [("0.0.0.0", False, True), ("0.0.0.0", True, False), ("127.0.0.1", False, False)],
)
def test_a_warning_only_when_exposed_without_access_control(
    caplog: pytest.LogCaptureFixture, host: str, protected: bool, warned: bool
) -> None:
    with caplog.at_level(logging.WARNING, logger="edge"):
        warn_if_exposed(logging.getLogger("edge"), host, protected)
    assert any("no access control" in r.getMessage() for r in caplog.records) is warned
