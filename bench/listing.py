"""The list queries' cost as the store grows: GET /projects through the edge, on the
embedded store holding 1k, 10k and 100k projects (BENCH_LIST_SIZES).

Each store is written straight into its SQLite file (the product's own row code, one
transaction; seeding 100k projects through the API would take minutes), then the
product's processes start on it. Each query is asked BENCH_LIST_REQUESTS times in a row
on one connection, after a few discarded asks; the figure is the p50 (and p90) of
those sequential requests, beside a GET /projects/{id} measured the same way.
"""

import asyncio
import random
import statistics
import time
from pathlib import Path

import aiohttp

from bench.processes import ProductStack
from bench.sample import project_body
from edge.codec import project_from_body
from orchestrator.services.projects import with_defaults
from orchestrator.store.sqlite import SqliteStore
from orchestrator.store.sqlite.projects import insert

PAGE = 20
WARMUP = 5
T0_MS = 1_764_400_000_000


def seed_file(data_dir: Path, count: int, seed: int = 1) -> list[str]:
    """`count` projects as POST /projects would make them, created a millisecond apart."""
    rng = random.Random(seed)
    store = SqliteStore(data_dir)
    ids = []
    try:
        with store.db.immediate() as conn:
            for n in range(1, count + 1):
                project, _ = project_from_body(project_body(rng, n))
                project = with_defaults(project)
                project.id = f"{n:024x}"
                project.create_time.FromMilliseconds(T0_MS + n)
                project.update_time.FromMilliseconds(T0_MS + n)
                insert(conn, project)
                ids.append(project.id)
    finally:
        asyncio.run(store.close())
    return ids


def queries(count: int, ids: list[str]) -> dict[str, str]:
    """What is measured: the label and the path of each request."""
    last = max(1, -(-count // PAGE))
    middle = ids[len(ids) // 2]
    number = len(ids) // 3
    return {
        "GET /projects/{id}": f"/projects/{middle}",
        "first page": f"/projects?_page=1&_limit={PAGE}",
        "last page": f"/projects?_page={last}&_limit={PAGE}",
        "last page, 1.x envelope, -title": f"/projects?_page={last}&_per_page={PAGE}&_sort=-title",
        "status filter, last page": f"/projects?status=draft&_page={last // 4}&_limit={PAGE}",
        "q rare (1 match)": f"/projects?q=%23{number}&_limit={PAGE}",
        "q common word, first page": f"/projects?q=solar&_limit={PAGE}",
        "q common word, -title": f"/projects?q=solar&_sort=-title&_limit={PAGE}",
        "title_like rare": f"/projects?title_like=%23{number}%24&_limit={PAGE}",
        "title:contains rare": f"/projects?title:contains=%23{number}&_limit={PAGE}",
        "q 2 chars": f"/projects?q={number % 100:02d}&_limit={PAGE}",
        "q 1 char": f"/projects?q=x&_limit={PAGE}",
        "language=fr, a deep page": f"/projects?language=fr&_page={last // 7}&_limit={PAGE}",
        "language=fr&fps_gte=30, last page": (
            f"/projects?language=fr&fps_gte=30&_page={last // 6}&_limit={PAGE}"
        ),
    }


async def _time(session: aiohttp.ClientSession, url: str, requests: int) -> dict[str, float]:
    times = []
    for i in range(WARMUP + requests):
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {url} answered {response.status}")
        if i >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=10)
    return {"p50_ms": round(statistics.median(times), 2), "p90_ms": round(cuts[-1], 2)}


async def _measure(base: str, paths: dict[str, str], requests: int) -> dict[str, dict]:
    async with aiohttp.ClientSession() as session:
        return {label: await _time(session, base + path, requests) for label, path in paths.items()}


def measure(workdir: Path, say, sizes: tuple[int, ...], requests: int) -> dict:
    figures: dict[str, dict] = {}
    for count in sizes:
        stack = ProductStack(f"listing-{count}", "WARNING", workdir)
        started = time.perf_counter()
        ids = seed_file(stack.dir / "data", count)
        say(f"listing: wrote {count} projects in {time.perf_counter() - started:.1f}s")
        try:
            stack.start()
            figures[str(count)] = asyncio.run(_measure(stack.url, queries(count, ids), requests))
        finally:
            stack.stop()
        say(f"listing: measured at {count} projects")
    return {"sizes": list(sizes), "requests": requests, "p50": figures}


def report(f: dict) -> str:
    sizes = [str(s) for s in f["sizes"]]
    labels = list(f["p50"][sizes[0]])
    width = max(len(label) for label in labels)
    lines = [
        f"LIST QUERIES (embedded store, through the edge; p50 / p90 ms of {f['requests']}"
        " sequential requests)",
        f"    {'query':<{width}}  " + "  ".join(f"{s + ' projects':>18}" for s in sizes),
    ]
    for label in labels:
        cells = [f["p50"][s][label] for s in sizes]
        lines.append(
            f"    {label:<{width}}  "
            + "  ".join(f"{c['p50_ms']:>8.2f} / {c['p90_ms']:>7.2f}" for c in cells)
        )
    return "\n".join(lines)
