"""The caller each log line of a logger was written for (the `caller` ContextVar, as
the processes' log filter stamps it)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from common.logs import ContextFilter


class Callers(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(ContextFilter())
        self.seen: list[str | None] = []
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(getattr(record, "caller", None))
        self.messages.append(record.getMessage())


@contextmanager
def callers_of(name: str, level: int = logging.DEBUG) -> Iterator[Callers]:
    logger = logging.getLogger(name)
    handler, previous = Callers(), logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
