"""How far each render in flight has got, by its Idempotency-Key: GET /renders/{key}
answers {progress, stage} (404 for a key it does not know), so that the orchestrator can
show a render's progress while the POST /render that runs it is still waiting.

The render handler starts a report for its key; the render's task (and the ffmpeg runs
in it) find the report through a ContextVar, so the render code only names its stages
and hands ffmpeg a progress callback. Stages: fetching, encoding (progress from
ffmpeg's `-progress` output: the time encoded over the narration's duration), done.
The newest CAPACITY reports are kept.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from aiohttp import web

from microservices.common.app import json_response
from microservices.common.errors import ServiceError

CAPACITY = 1000


@dataclass
class Report:
    stage: str = "queued"
    progress: float = 0.0
    updated: float = field(default_factory=time.time)

    def set(self, stage: str, progress: float) -> None:
        self.stage, self.progress, self.updated = stage, min(1.0, max(0.0, progress)), time.time()


current: ContextVar[Report | None] = ContextVar("render_progress", default=None)


class Reports:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.reports: OrderedDict[str, Report] = OrderedDict()

    def start(self, key: str) -> Report:
        """The report of a render starting (or joined) under `key`, for this context."""
        report = self.reports.pop(key, None) or Report()
        self.reports[key] = report
        while len(self.reports) > self.capacity:
            self.reports.popitem(last=False)
        current.set(report)
        return report

    def get(self, key: str) -> Report | None:
        return self.reports.get(key)


def stage(name: str, progress: float = 0.0) -> None:
    """Name the stage the render of this context is at."""
    report = current.get()
    if report is not None:
        report.set(name, progress)


def encoding(duration_s: float) -> Callable[[float], None] | None:
    """ffmpeg's progress callback for an encode of `duration_s` seconds of video."""
    report = current.get()
    if report is None or duration_s <= 0:
        return None
    report.set("encoding", 0.0)
    return lambda encoded_s: report.set("encoding", encoded_s / duration_s)


REPORTS = web.AppKey("render_reports", Reports)


async def render_progress(request: web.Request) -> web.Response:
    report = request.app[REPORTS].get(request.match_info["key"])
    if report is None:
        raise ServiceError(404, "RENDER_NOT_FOUND", "no render is known by this key")
    return json_response({"progress": round(report.progress, 4), "stage": report.stage})
