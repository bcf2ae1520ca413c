"""The caller each log line of a logger was written for (the `caller` ContextVar, as
the processes' log filter stamps it)."""

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from common.logs import ContextFilter

H = TypeVar("H", bound=logging.Handler)


class Callers(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(ContextFilter())
        self.seen: list[str | None] = []
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(getattr(record, "caller", None))
        self.messages.append(record.getMessage())


def callers_of(name: str, level: int = logging.DEBUG) -> AbstractContextManager[Callers]:
    return listening(name, Callers(), level)


@contextmanager
def listening(name: str, handler: H, level: int = logging.DEBUG) -> Iterator[H]:
    """`handler` on logger `name`, which logs from `level` meanwhile."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
