"""Every log line carries the request id (and a render's job id), as JSON or as text."""

import io
import logging

import orjson
import pytest

from common.logs import configure_logging, job_id, request_id


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_ids(captured) -> None:
    configure_logging("INFO", "json", captured)
    request_tokens = request_id.set("req-7"), job_id.set("job-9")
    try:
        logging.getLogger("some.module").info("rendered %s", "x")
    finally:
        request_id.reset(request_tokens[0])
        job_id.reset(request_tokens[1])
    line = orjson.loads(captured.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-7" and line["job_id"] == "job-9"
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "some.module", "rendered x")
    assert line["time"].endswith("+00:00")


def test_text_lines_carry_the_request_id(captured) -> None:
    configure_logging("INFO", "text", captured)
    token = request_id.set("req-8")
    try:
        logging.getLogger("x").warning("careful")
    finally:
        request_id.reset(token)
    assert "WARNING x [req-8] careful" in captured.getvalue()


def test_an_exception_is_logged_with_its_traceback_in_json(captured) -> None:
    configure_logging("INFO", "json", captured)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("failed")
    line = orjson.loads(captured.getvalue().splitlines()[-1])
    assert "ValueError: boom" in line["error"] and "job_id" not in line
