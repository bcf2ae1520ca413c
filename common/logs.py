"""Logging set-up shared by every process: the request id (and the job id of a render)
on every line; JSON lines for machines, plain lines for a person at a terminal.

The ids live in ContextVars, so each asyncio task (one per HTTP request, RPC or render)
sees its own; `ContextFilter` stamps them on every record.
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

import orjson

request_id: ContextVar[str] = ContextVar("request_id", default="-")
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
# Who made the request, once authenticated (an API key's name or a token's subject).
caller: ContextVar[str | None] = ContextVar("caller", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(by)s] %(message)s"


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        record.caller = who = caller.get()
        record.by = f" by {who}" if who is not None else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, ids, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": vars(record)["request_id"],
            "message": record.getMessage(),
        }
        job = vars(record)["job_id"]  # job_id and caller are both set by ContextFilter
        if job is not None:
            entry["job_id"] = job
        who = vars(record)["caller"]
        if who is not None:
            entry["caller"] = who
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str, style: str = "auto", stream: TextIO | None = None) -> None:
    """Send every record to `stream` (stderr) with its ids: JSON lines, or text when
    `style` is "text" (or "auto" and the stream is a terminal)."""
    stream = stream or sys.stderr
    # Fields no format here uses, each costly to gather on every record (the logging
    # HOWTO's "Optimization" section): a request's line then costs ~6 us, not ~10.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup (file, line) on each record
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    text = style == "text" or (style == "auto" and stream.isatty())
    handler.setFormatter(logging.Formatter(TEXT_FORMAT) if text else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
