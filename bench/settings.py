"""The bench's knobs, from the environment (all optional)."""

import os
from dataclasses import dataclass


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    value = os.environ.get(name, "").strip()
    return tuple(int(v) for v in value.split(",") if v.strip()) if value else default


@dataclass(frozen=True)
class BenchSettings:
    # Seconds of each measured wrk run, and of the discarded warm-up run before it.
    duration_s: float
    warmup_s: float
    connections: tuple[int, ...]
    # wrk threads. One: a single wrk thread drives far more than the bare handler can
    # serve on loopback, and on 2 cores a second one only takes CPU from the server.
    wrk_threads: int
    projects: int
    # Keep the temp dir (process logs, SQLite files) after a successful run.
    keep_logs: bool
    # The sections after the table (0 skips one): seconds of each generation-overhead
    # wrk run; generate-video POSTs per client count in the video-jobs section; seconds
    # of the load test and of its warm-up; the video-render bench's narration seconds
    # and repeats (bench/render.py).
    generation_s: float = 6.0
    video_posts: int = 300
    load_s: float = 60.0
    load_warmup_s: float = 5.0
    render_seconds: float = 30.0
    render_repeats: int = 3
    # The list-queries section: store sizes (empty skips it) and sequential requests per
    # query; BENCH_ONLY=listing (sections, comma-separated) runs those sections alone.
    list_sizes: tuple[int, ...] = (1000, 10000, 100000)
    list_requests: int = 100
    only: tuple[str, ...] = ()
    # The edge cache section (bench/cache.py): on or off, and how many rounds of its
    # wrk runs (each round measures every side once).
    cache: bool = True
    cache_rounds: int = 3

    @classmethod
    def from_env(cls) -> "BenchSettings":
        return cls(
            duration_s=_float("BENCH_DURATION", 10.0),
            warmup_s=_float("BENCH_WARMUP", 1.0),
            connections=_ints("BENCH_CONNECTIONS", (1, 16, 64)),
            wrk_threads=_int("BENCH_WRK_THREADS", 1),
            projects=_int("BENCH_PROJECTS", 1000),
            keep_logs=os.environ.get("BENCH_KEEP_LOGS", "") not in ("", "0"),
            generation_s=_float("BENCH_GENERATION_SECONDS", 6.0),
            video_posts=_int("BENCH_VIDEO_POSTS", 300),
            load_s=_float("BENCH_LOAD_SECONDS", 60.0),
            load_warmup_s=_float("BENCH_LOAD_WARMUP", 5.0),
            render_seconds=_float("BENCH_RENDER_SECONDS", 30.0),
            render_repeats=_int("BENCH_RENDER_REPEATS", 3),
            list_sizes=_ints("BENCH_LIST_SIZES", (1000, 10000, 100000)),
            list_requests=_int("BENCH_LIST_REQUESTS", 100),
            only=tuple(
                name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()
            ),
            cache=os.environ.get("BENCH_CACHE", "1") not in ("", "0"),
            cache_rounds=_int("BENCH_CACHE_ROUNDS", 3),
        )
