"""Video jobs: how quickly a render is queued, and how quickly a finished one shows.

One process (`python -m bench.fakes`) answers the microservice contracts, a render after
RENDER_MS (2 s), recording when each render started and when it answered (wall clock,
keyed by the render's audio_path); an orchestrator (VIDEO_CONCURRENCY=10, every other
setting its default: VIDEO_POLL_S 0.5 s) and an edge are pointed at it. Renderable
projects (audio_path and 5 images with URLs) are created through POST /projects.

(b) pickup, first, while the runners are idle: one job at a time, POST
    /projects/{id}/generate-video, then GET /projects/{id} every 10 ms until its status
    is video_ready. Pickup = the instant that GET's answer arrived - the instant the fake
    answered the render (both wall clock, one machine). It includes up to 10 ms of
    polling and one GET. Also shown: queue → render start at the fake (claim).
(a) POST latency under load: 10 jobs are queued and the bench waits until the fake is
    rendering all 10; then POST generate-video on distinct renderable projects, one
    client in turn and then 16 clients at once, each POST timed by the client; the
    runners keep 10 renders in flight throughout (the queue behind them grows).
Targets: POST p99 < 50 ms (one client); pickup < 1 s (max).
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bench.stack import FakeServices, ServiceStack, faked_stack
from bench.stats import summary

RENDER_MS = 2000.0
CONCURRENCY = 10
PICKUPS = 10
POSTS = 300
POST_CLIENTS = 16
POLL_S = 0.01
POST_TARGET_MS = 50.0
PICKUP_TARGET_S = 1.0


def renderable_body(n: int) -> dict:
    tag = uuid.uuid4().hex
    return {
        "title": f"Render bench #{n}",
        "audio_path": f"https://cdn.example.com/audio/{tag}.mp3",
        "images": [
            {
                "prompt": f"A lighthouse on a rocky coast, scene {k}",
                "url": f"https://cdn.example.com/images/{tag}-{k}.png",
            }
            for k in range(5)
        ],
    }


async def _create(session: aiohttp.ClientSession, url: str, count: int) -> list[dict]:
    async def one(n: int) -> dict:
        async with session.post(f"{url}/projects", json=renderable_body(n)) as response:
            if response.status != 201:
                raise RuntimeError(f"POST /projects answered {response.status}")
            return await response.json()

    made: list[dict] = []
    for start in range(0, count, 50):
        made += await asyncio.gather(*(one(n) for n in range(start, min(count, start + 50))))
    return made


async def _renders(session: aiohttp.ClientSession, fakes: FakeServices) -> dict:
    async with session.get(f"{fakes.url}/bench/renders") as response:
        return await response.json()


async def _post_video(session: aiohttp.ClientSession, url: str, project_id: str) -> float:
    """POST generate-video; its latency in ms; RuntimeError unless 202."""
    started = time.perf_counter()
    async with session.post(f"{url}/projects/{project_id}/generate-video", json={}) as response:
        await response.read()
        elapsed = (time.perf_counter() - started) * 1e3
        if response.status != 202:
            raise RuntimeError(f"generate-video answered {response.status}")
    return elapsed


async def _pickups(
    session: aiohttp.ClientSession,
    url: str,
    fakes: FakeServices,
    projects: list[dict],
    say: Callable[[str], None],
) -> dict:
    rows = []
    gets: list[float] = []
    for project in projects:
        await asyncio.sleep(0.2)  # the runners are idle: the last render ended
        await _post_video(session, url, project["id"])
        queued = time.time()
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with session.get(f"{url}/projects/{project['id']}") as response:
                body = await response.json()
            gets.append((time.perf_counter() - started) * 1e3)
            if body["status"] == "video_ready":
                ready = time.time()
                break
            await asyncio.sleep(POLL_S)
        if ready is None:
            raise RuntimeError(f"project {project['id']} not video_ready within 30 s: {body}")
        renders = await _renders(session, fakes)
        audio = project["audio_path"]
        rows.append(
            {
                "claim_s": round(renders["started"][audio] - queued, 4),
                "pickup_s": round(ready - renders["answered"][audio], 4),
                "total_s": round(ready - queued, 4),
            }
        )
    pickups = [r["pickup_s"] for r in rows]
    say(
        f"video pickup: {len(rows)} jobs, pickup p50 {summary(pickups)['p50']:.3f} s, "
        f"max {max(pickups):.3f} s"
    )
    return {
        "jobs": rows,
        "pickup_s": summary(pickups),
        "claim_s": summary([r["claim_s"] for r in rows]),
        "get_ms": summary(gets),
    }


async def _in_flight(
    session: aiohttp.ClientSession, url: str, fakes: FakeServices, projects: list[dict]
) -> int:
    """Queue the projects' renders; wait until the fake renders them all; how many it does."""
    await asyncio.gather(*(_post_video(session, url, p["id"]) for p in projects))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        busy = (await _renders(session, fakes))["in_flight"]
        if busy >= len(projects):
            return busy
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the fake renders {busy} at once, not {len(projects)}")


async def _posts(
    session: aiohttp.ClientSession,
    url: str,
    fakes: FakeServices,
    projects: list[dict],
    clients: int,
) -> dict:
    latencies: list[float] = []
    busy: list[int] = []
    queue = list(reversed(projects))

    async def client() -> None:
        while queue:
            project = queue.pop()
            latencies.append(await _post_video(session, url, project["id"]))
            if len(latencies) % 25 == 0:
                busy.append((await _renders(session, fakes))["in_flight"])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "posts": len(latencies),
        "seconds": round(elapsed, 3),
        "latency_ms": summary(latencies),
        "renders_in_flight": {"min": min(busy, default=0), "max": max(busy, default=0)},
    }


async def _measure(
    stack: ServiceStack,
    fakes: FakeServices,
    posts: int,
    pickups: int,
    say: Callable[[str], None],
) -> dict:
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        projects = await _create(session, stack.url, pickups + CONCURRENCY + 2 * posts)
        say(f"video: created {len(projects)} renderable projects")
        pickup = await _pickups(session, stack.url, fakes, projects[:pickups], say)
        rest = projects[pickups:]
        busy = await _in_flight(session, stack.url, fakes, rest[:CONCURRENCY])
        rest = rest[CONCURRENCY:]
        loaded = []
        for clients, batch in ((1, rest[:posts]), (POST_CLIENTS, rest[posts:])):
            row = await _posts(session, stack.url, fakes, batch, clients)
            loaded.append(row)
            lat = row["latency_ms"]
            say(
                f"video POST generate-video x{row['posts']} @{clients} while "
                f"{row['renders_in_flight']['min']}-{row['renders_in_flight']['max']} renders "
                f"in flight: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms"
            )
    return {"pickup": pickup, "in_flight_at_start": busy, "posts": loaded}


def measure(
    workdir: Path, say: Callable[[str], None], posts: int = POSTS, pickups: int = PICKUPS
) -> dict:
    workdir = workdir / "video"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stop:
        fakes, stack = faked_stack(
            stop, "video", workdir, 5, RENDER_MS, VIDEO_CONCURRENCY=str(CONCURRENCY)
        )
        figures = asyncio.run(_measure(stack, fakes, posts, pickups, say))
        for process in [*stack.processes, *fakes.processes]:
            process.check_alive()
    one = figures["posts"][0]["latency_ms"]
    figures.update(
        {
            "render_ms": RENDER_MS,
            "video_concurrency": CONCURRENCY,
            "poll_ms": POLL_S * 1e3,
            "target": {
                "post_p99_ms": one["p99"],
                "post_threshold_ms": POST_TARGET_MS,
                "post_pass": one["p99"] < POST_TARGET_MS,
                "pickup_max_s": figures["pickup"]["pickup_s"]["max"],
                "pickup_threshold_s": PICKUP_TARGET_S,
                "pickup_pass": figures["pickup"]["pickup_s"]["max"] < PICKUP_TARGET_S,
            },
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
    )
    return figures


def report(figures: dict) -> str:
    pickup = figures["pickup"]
    target = figures["target"]
    lines = [
        f"VIDEO JOBS (fake render {figures['render_ms'] / 1e3:g} s; "
        f"VIDEO_CONCURRENCY={figures['video_concurrency']}, other settings default)",
        f"(a) POST /projects/{{id}}/generate-video while {figures['in_flight_at_start']} "
        "renders are in flight (distinct renderable projects):",
        f"    {'clients':>7} {'POSTs':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        "  renders in flight",
    ]
    for row in figures["posts"]:
        lat = row["latency_ms"]
        lines.append(
            f"    {row['clients']:>7} {row['posts']:>6} {row['posts'] / row['seconds']:>7.0f} "
            f"{lat['p50']:>8.2f} {lat['p99']:>8.2f} {lat['max']:>8.2f}  "
            f"{row['renders_in_flight']['min']}-{row['renders_in_flight']['max']}"
        )
    p, c = pickup["pickup_s"], pickup["claim_s"]
    lines += [
        f"(b) pickup over {p['count']} jobs queued while the runners are idle "
        f"(GET every {figures['poll_ms']:g} ms):",
        f"    render answered at the fake → project shows video_ready: "
        f"p50 {p['p50'] * 1e3:.0f} ms, max {p['max'] * 1e3:.0f} ms",
        f"    POST answered → render started at the fake (claim): "
        f"p50 {round(c['p50'] * 1e3)} ms, max {round(c['max'] * 1e3)} ms",
        f"    (a polling GET took p50 {pickup['get_ms']['p50']:.2f} ms, "
        f"max {pickup['get_ms']['max']:.2f} ms)",
        f"TARGET generate-video POST p99 @1 client: {target['post_p99_ms']:.2f} ms "
        f"(target < {target['post_threshold_ms']:g} ms) "
        + ("PASS" if target["post_pass"] else "MISS"),
        f"TARGET pickup max: {target['pickup_max_s'] * 1e3:.0f} ms "
        f"(target < {target['pickup_threshold_s'] * 1e3:g} ms) "
        + ("PASS" if target["pickup_pass"] else "MISS"),
    ]
    return "\n".join(lines)
