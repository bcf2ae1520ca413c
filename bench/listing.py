"""The list queries' cost as the store grows: GET /projects through the edge, on the
embedded store holding 1k, 10k and 100k projects (BENCH_LIST_SIZES).

Each store is written straight into its SQLite file (the product's own row code, one
transaction; seeding 100k projects through the API would take minutes), then the
product's processes start on it. Each query is measured three ways, on one connection:

- warm: asked BENCH_LIST_REQUESTS times in a row, after a few discarded asks, the store
  unchanged meanwhile (the store's memo of counts and pages holds: orchestrator/store/
  counts.py);
- cold: asked BENCH_LIST_REQUESTS times, each ask preceded by a write (a PATCH of a
  project no query is about, which gives the store a new revision), the write not timed;
- moved: the same, each write a PATCH moving one project (in the middle of the store)
  into the query's match set and out of it, in turn (its title, description, language
  and status: in, it matches every query's conditions; out, none). A list without
  conditions matches every project: there the PATCH moves it in the title order only.

The figures are the p50 (and p90) of those sequential requests, beside a GET
/projects/{id} measured the same ways, and each p50's ratio to that GET's warm p50.
"""

import asyncio
import itertools
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import ProductStack
from bench.sample import project_body
from edge.codec import project_from_body
from orchestrator.services.projects import with_defaults
from orchestrator.store.sqlite import SqliteStore
from orchestrator.store.sqlite.connection import Connection
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
        # Store.db is the protocol both stores share; the embedded store's is its file.
        assert isinstance(store.db, Connection)
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


GET_LABEL = "GET /projects/{id}"


def queries(count: int, ids: list[str]) -> dict[str, str]:
    """What is measured: the label and the path of each request. The deep pages are in
    their match sets (a page past the end is found from the count alone)."""
    last = max(1, -(-count // PAGE))
    middle = ids[len(ids) // 2]
    number = len(ids) // 3
    return {
        GET_LABEL: f"/projects/{middle}",
        "first page": f"/projects?_page=1&_limit={PAGE}",
        "last page": f"/projects?_page={last}&_limit={PAGE}",
        "last page, 1.x envelope, -title": f"/projects?_page={last}&_per_page={PAGE}&_sort=-title",
        "status filter, a deep page": f"/projects?status=draft&_page={last // 5}&_limit={PAGE}",
        "q rare (1 match)": f"/projects?q=%23{number}&_limit={PAGE}",
        "q common word, first page": f"/projects?q=solar&_limit={PAGE}",
        "q common word, -title": f"/projects?q=solar&_sort=-title&_limit={PAGE}",
        "title_like rare": f"/projects?title_like=%23{number}%24&_limit={PAGE}",
        "title:contains rare": f"/projects?title:contains=%23{number}&_limit={PAGE}",
        "q 2 chars": f"/projects?q={number % 100:02d}&_limit={PAGE}",
        "q 1 char": f"/projects?q=x&_limit={PAGE}",
        "language=fr, a deep page": f"/projects?language=fr&_page={last // 7}&_limit={PAGE}",
        "language=fr&fps_gte=30, a deep page": (
            f"/projects?language=fr&fps_gte=30&_page={last // 7}&_limit={PAGE}"
        ),
    }


async def _ask(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> None:
    async with session.request(method, url, **kwargs) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {url} answered {response.status}")


async def _time(
    session: aiohttp.ClientSession, url: str, requests: int, write: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    """The p50 and p90 of `requests` asks (after WARMUP), each after `write`."""
    times = []
    for i in range(WARMUP + requests):
        await write()
        started = time.perf_counter()
        await _ask(session, "GET", url)
        if i >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=10)
    return {"p50_ms": round(statistics.median(times), 2), "p90_ms": round(cuts[-1], 2)}


def moves(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bodies that move a project into every query's match set (of queries()) and out
    of it."""
    number = count // 3
    into = {
        "title": f"solar x {number % 100:02d} #{number}",
        "description": "solar x",
        "language": "fr",
        "status": "draft",
    }
    out = {"title": "wind", "description": "wind", "language": "en", "status": "audio_ready"}
    return into, out


async def _measure(
    base: str, paths: dict[str, str], requests: int, unrelated: str, mover: str, count: int
) -> dict[str, dict[str, dict[str, float]]]:
    speeds = itertools.cycle((0.9, 1.1))
    bodies = itertools.cycle(moves(count))

    async def nothing() -> None:
        pass

    async def patch() -> None:
        body = {"audio_speed": next(speeds)}
        await _ask(session, "PATCH", f"{base}/projects/{unrelated}", json=body)

    async def move() -> None:
        await _ask(session, "PATCH", f"{base}/projects/{mover}", json=next(bodies))

    async with aiohttp.ClientSession() as session:
        return {
            label: {
                "warm": await _time(session, base + path, requests, nothing),
                "cold": await _time(session, base + path, requests, patch),
                "moved": await _time(session, base + path, requests, move),
            }
            for label, path in paths.items()
        }


def measure(
    workdir: Path, say: Callable[[str], None], sizes: tuple[int, ...], requests: int
) -> dict:
    figures: dict[str, dict] = {}
    for count in sizes:
        stack = ProductStack(f"listing-{count}", "WARNING", workdir)
        started = time.perf_counter()
        ids = seed_file(stack.dir / "data", count)
        say(f"listing: wrote {count} projects in {time.perf_counter() - started:.1f}s")
        try:
            stack.start()
            # The first project: no query's page or search is about it; the one moved in
            # and out of the match sets is past the middle (the GET's is the middle one).
            mover = ids[len(ids) // 2 + 1]
            measured = _measure(stack.url, queries(count, ids), requests, ids[0], mover, count)
            figures[str(count)] = asyncio.run(measured)
        finally:
            stack.stop()
        say(f"listing: measured at {count} projects")
    return {"sizes": list(sizes), "requests": requests, "p50": figures}


def report(f: dict) -> str:
    sizes = [str(s) for s in f["sizes"]]
    labels = list(f["p50"][sizes[0]])
    width = max(len(label) for label in labels)
    lines = [
        "LIST QUERIES (embedded store, through the edge; p50 / p90 ms of"
        f" {f['requests']} sequential requests, and p50 / the warm GET's p50)",
        "    warm: the same request again, the store unchanged; cold: each request after a"
        " write (not timed) of a project no query is about; moved: after a write moving a"
        " project into / out of the query's match set",
        f"    {'query':<{width}}  {'':5}  " + "  ".join(f"{s + ' projects':>24}" for s in sizes),
    ]
    for label in labels:
        for kind in ("warm", "cold", "moved"):
            cells = []
            for s in sizes:
                cell, get = f["p50"][s][label][kind], f["p50"][s][GET_LABEL]["warm"]["p50_ms"]
                ratio = cell["p50_ms"] / get if get else 0.0
                cells.append(f"{cell['p50_ms']:>7.2f} / {cell['p90_ms']:>6.2f} {ratio:>6.1f}x")
            name = label if kind == "warm" else ""
            lines.append(f"    {name:<{width}}  {kind:5}  " + "  ".join(cells))
    return "\n".join(lines)
