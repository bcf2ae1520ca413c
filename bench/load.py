"""Load test: 64 clients of mixed traffic for BENCH_LOAD_SECONDS (60 s by default).

An orchestrator and an edge (LOG_LEVEL INFO, the default) with 1,000 seeded projects,
their microservices one `python -m bench.fakes` process answering after 20 ms. 64 client
loops (aiohttp on uvloop, in the bench process: they share the 2 cores with the product)
each send one request after another, drawn at random:

    50 % GET /projects/{id}            20 % GET /projects?page=P&limit=20 (P in 1..50)
    10 % POST /projects                10 % PUT /projects/{id} (title, description)
     5 % DELETE /projects/{id}          5 % POST generate-script / generate-images (half each)

GET, PUT and generation go to 800 seeded projects never deleted; a DELETE removes a
project its client created (or one of the other 200 seeded ones), so that every answer
is expected to be 2xx: any other status, and any connection error or timeout, is an
error. After a warm-up of the same mix, the edge's and the orchestrator's resident
memory (VmRSS) and open file descriptors are read with the clients idle, again every
5 s under load, and once more idle at the end. The store grows meanwhile (creates
outnumber deletes), and the orchestrator's SQLite page cache (SQLITE_CACHE_MB, 64 MB
per connection by default) with it, so the store's row count and file size are shown
beside the memory. The orchestrator's keep-alive connections to the services (which
grow to the most calls made at once) are counted apart from its other fds.
Targets: zero errors, RSS growth < 10 %, open fds (but those connections) stable.
"""

import asyncio
import contextlib
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import aiohttp
import uvloop

from bench.sample import project_body
from bench.seed import seed_projects
from bench.stack import ServiceStack, faked_stack, resources
from bench.stats import summary

CLIENTS = 64
SEEDED = 1000
STABLE = 800
DELAY_MS = 20.0
SAMPLE_EVERY_S = 5.0
RSS_TARGET = 0.10
# The orchestrator's keep-alive pools to the services grow to the most calls it has made
# at once, so its connections to them are told apart; the other fds may move by this
# much (a leak grows with the requests).
FDS_SLACK = 2

# kind: (weight, expected status). As many deletes as creates, so that the store keeps
# its size: memory growth then shows leaks, not the SQLite page cache (SQLITE_CACHE_MB)
# filling with a database that grows (+16-20 % in 60 s when creates doubled deletes).
KINDS = {
    "get": (50.0, 200),
    "list": (20.0, 200),
    "create": (7.5, 201),
    "update": (10.0, 200),
    "delete": (7.5, 204),
    "generate-script": (2.5, 200),
    "generate-images": (2.5, 200),
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    samples: list[str] = field(default_factory=list)  # the first few errors, for a person

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < 5:
            self.samples.append(f"{kind}: {what}")


class Traffic:
    def __init__(self, url: str, ids: list[str]) -> None:
        self.url = url
        self.stable = ids[:STABLE]
        self.deletable = ids[STABLE:]
        self.kinds = list(KINDS)
        self.weights = [KINDS[k][0] for k in self.kinds]
        self.created = 0

    def _request(self, rng: random.Random, own: list[str]) -> tuple[str, str, str, dict | None]:
        kind = rng.choices(self.kinds, self.weights)[0]
        if kind == "delete" and not own and not self.deletable:
            kind = "create"
        if kind == "get":
            return kind, "GET", f"/projects/{rng.choice(self.stable)}", None
        if kind == "list":
            return kind, "GET", f"/projects?page={rng.randint(1, 50)}&limit=20", None
        if kind == "create":
            self.created += 1
            return kind, "POST", "/projects", project_body(rng, 100_000 + self.created)
        if kind == "update":
            body = {"title": f"Updated {rng.getrandbits(32):08x}", "description": "Edited."}
            return kind, "PUT", f"/projects/{rng.choice(self.stable)}", body
        if kind == "delete":
            victim = own.pop() if own else self.deletable.pop()
            return kind, "DELETE", f"/projects/{victim}", None
        return kind, "POST", f"/projects/{rng.choice(self.stable)}/{kind}", {}

    async def client(
        self, session: aiohttp.ClientSession, n: int, until: float, tally: Tally
    ) -> None:
        rng = random.Random(n)
        own: list[str] = []
        while time.monotonic() < until:
            kind, method, path, body = self._request(rng, own)
            started = time.perf_counter()
            try:
                async with session.request(method, f"{self.url}{path}", json=body) as response:
                    raw = await response.read()
                    elapsed = (time.perf_counter() - started) * 1e3
                    if response.status != KINDS[kind][1]:
                        tally.error(kind, f"{method} {path} → {response.status} {raw[:200]!r}")
                        continue
                    if kind == "create":
                        own.append((await response.json())["id"])
            except (aiohttp.ClientError, TimeoutError) as exc:
                tally.error(kind, f"{method} {path} → {type(exc).__name__}: {exc}")
                continue
            tally.latencies[kind].append(elapsed)

    async def run(self, session: aiohttp.ClientSession, seconds: float) -> Tally:
        tally = Tally()
        until = time.monotonic() + seconds
        await asyncio.gather(*(self.client(session, n, until, tally) for n in range(CLIENTS)))
        return tally


async def _total(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(f"{url}/projects?page=1&limit=1") as response:
        return int(response.headers["X-Total-Count"])


def _snapshot(stack: ServiceStack, port: int, at: float) -> dict:
    return {"t_s": round(at, 1), **resources(stack, port), "store_bytes": stack.data_bytes()}


async def _sampler(stack: ServiceStack, port: int, started: float, into: list[dict]) -> None:
    while True:
        await asyncio.sleep(SAMPLE_EVERY_S)
        into.append(_snapshot(stack, port, time.monotonic() - started))


class Measured(TypedDict):
    """What the clients' run gives `measure` to make the section's figures of."""

    warmup: dict[str, int]  # requests, and errors by kind
    tally: Tally
    seconds: float
    before: dict  # _snapshot()s, idle before and after the run
    after: dict
    timeline: list[dict]  # _snapshot()s under load
    rows: dict[str, int]  # the store's projects, "before" and "after"
    cpu_cores: dict[str, float]  # by process, and the bench's own clients


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measure(
    stack: ServiceStack,
    port: int,
    ids: list[str],
    seconds: float,
    warmup_s: float,
    say: Callable[[str], None],
) -> Measured:
    traffic = Traffic(stack.url, ids)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = await traffic.run(session, warmup_s)
        await asyncio.sleep(1.0)
        rows_before = await _total(session, stack.url)
        before = _snapshot(stack, port, 0.0)
        say(
            f"load: warm-up {warmup_s:g}s ({sum(len(v) for v in warm.latencies.values())} "
            f"requests, {sum(warm.errors.values())} errors); measuring {seconds:g}s "
            f"@{CLIENTS} clients"
        )
        timeline: list[dict] = []
        started = time.monotonic()
        cpu_before, client_before = stack.cpu_seconds(), _cpu_self()
        sampler = asyncio.create_task(_sampler(stack, port, started, timeline))
        tally = await traffic.run(session, seconds)
        elapsed = time.monotonic() - started
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        cpu_after, client_after = stack.cpu_seconds(), _cpu_self()
        await asyncio.sleep(1.0)
        after = _snapshot(stack, port, time.monotonic() - started)
        rows_after = await _total(session, stack.url)
    return {
        "warmup": {"requests": sum(len(v) for v in warm.latencies.values()), **warm.errors},
        "tally": tally,
        "seconds": elapsed,
        "before": before,
        "after": after,
        "timeline": timeline,
        "rows": {"before": rows_before, "after": rows_after},
        "cpu_cores": {
            **{k: round((cpu_after[k] - cpu_before[k]) / elapsed, 2) for k in cpu_after},
            "bench client": round((client_after - client_before) / elapsed, 2),
        },
    }


def _growth(before: float, after: float) -> float | None:
    return round((after - before) / before, 4) if before > 0 else None


def measure(workdir: Path, seconds: float, warmup_s: float, say: Callable[[str], None]) -> dict:
    workdir = workdir / "load"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stop:
        fakes, stack = faked_stack(stop, "load", workdir, DELAY_MS, DELAY_MS)
        ids = seed_projects(stack.url, SEEDED, seed=11)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            raw = runner.run(_measure(stack, fakes.port, ids, seconds, warmup_s, say))
        for process in [*stack.processes, *fakes.processes]:
            process.check_alive()
    tally = raw["tally"]
    everything = [x for values in tally.latencies.values() for x in values]
    kinds = {
        kind: {**summary(values), "errors": tally.errors[kind]}
        for kind, values in tally.latencies.items()
    }
    errors = sum(tally.errors.values())
    before, after = raw["before"], raw["after"]
    processes = {}
    for role in ("edge", "orchestrator"):
        b, a = before[role], after[role]
        peak = max([b["rss_kb"], a["rss_kb"], *(s[role]["rss_kb"] for s in raw["timeline"])])
        processes[role] = {
            "rss_kb_before": b["rss_kb"],
            "rss_kb_after": a["rss_kb"],
            "rss_kb_peak": peak,
            "rss_growth": _growth(b["rss_kb"], a["rss_kb"]),
            "fds_before": b["fds"],
            "fds_after": a["fds"],
            "fds_under_load": [s[role]["fds"] for s in raw["timeline"]],
            "service_conns_before": b["service_conns"],
            "service_conns_after": a["service_conns"],
            "other_fds_before": b["fds"] - b["service_conns"],
            "other_fds_after": a["fds"] - a["service_conns"],
        }
    rss_pass = all(
        p["rss_growth"] is not None and p["rss_growth"] < RSS_TARGET for p in processes.values()
    )
    # Stable: once the clients are idle, the fds other than connections to the services
    # are back within FDS_SLACK of where they were.
    fds_pass = all(
        p["other_fds_after"] <= p["other_fds_before"] + FDS_SLACK for p in processes.values()
    )
    return {
        "clients": CLIENTS,
        "seconds": round(raw["seconds"], 1),
        "warmup_s": warmup_s,
        "delay_ms": DELAY_MS,
        "mix": {k: w for k, (w, _) in KINDS.items()},
        "requests": len(everything) + errors,
        "requests_per_s": round((len(everything) + errors) / raw["seconds"], 1),
        "errors": errors,
        "error_samples": tally.samples,
        "warmup": raw["warmup"],
        "overall": summary(everything),
        "kinds": kinds,
        "processes": processes,
        "timeline": raw["timeline"],
        "store": {
            "rows_before": raw["rows"]["before"],
            "rows_after": raw["rows"]["after"],
            "bytes_before": before["store_bytes"],
            "bytes_after": after["store_bytes"],
        },
        "cpu_cores": raw["cpu_cores"],
        "target": {
            "errors": errors,
            "errors_pass": errors == 0,
            "rss_threshold": RSS_TARGET,
            "rss_pass": rss_pass,
            "fds_slack": FDS_SLACK,
            "fds_pass": fds_pass,
        },
        "elapsed_s": round(time.perf_counter() - started, 1),
    }


def report(figures: dict) -> str:
    header = f"    {'kind':<16} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  errors"
    lines = [
        f"LOAD TEST ({figures['clients']} clients, {figures['seconds']:g} s of mixed traffic "
        f"after {figures['warmup_s']:g} s warm-up; fakes answer after {figures['delay_ms']:g} "
        "ms; LOG_LEVEL=INFO)",
        f"    {figures['requests']} requests, {figures['requests_per_s']:.0f} req/s, "
        f"{figures['errors']} errors; cores used: "
        + ", ".join(f"{k} {v:.2f}" for k, v in figures["cpu_cores"].items()),
        header,
        "    " + "-" * (len(header) - 4),
    ]
    rows = [*figures["kinds"].items(), ("all", {**figures["overall"], "errors": None})]
    for kind, s in rows:
        if not s["count"]:
            lines.append(f"    {kind:<16} {0:>8} {'':>8} {'':>8} {'':>8}  {s['errors'] or ''}")
            continue
        errors = figures["errors"] if kind == "all" else s["errors"]
        lines.append(
            f"    {kind:<16} {s['count']:>8} {s['p50']:>8.2f} {s['p99']:>8.2f} {s['max']:>8.2f}"
            f"  {errors if errors else ''}"
        )
    for sample in figures["error_samples"]:
        lines.append(f"    error: {sample}")
    lines.append(
        f"    {'process':<13} {'RSS before':>10} {'after':>9} {'peak':>9} {'growth':>7}"
        f" {'fds before':>10} {'after':>6} {'(to services)':>13}"
        f"  fds under load (every {SAMPLE_EVERY_S:g} s)"
    )
    for role, p in figures["processes"].items():
        growth = "" if p["rss_growth"] is None else f"{p['rss_growth']:+.1%}"
        services = f"{p['service_conns_before']} → {p['service_conns_after']}"
        lines.append(
            f"    {role:<13} {p['rss_kb_before'] / 1024:>8.1f}MB {p['rss_kb_after'] / 1024:>7.1f}MB"
            f" {p['rss_kb_peak'] / 1024:>7.1f}MB {growth:>7} {p['fds_before']:>10}"
            f" {p['fds_after']:>6} {services:>13}"
            f"  {' '.join(str(f) for f in p['fds_under_load'])}"
        )
    rss_timeline = {
        role: " ".join(f"{s[role]['rss_kb'] / 1024:.0f}" for s in figures["timeline"])
        for role in figures["processes"]
    }
    for role, line in rss_timeline.items():
        lines.append(f"    {role} RSS MB under load (every {SAMPLE_EVERY_S:g} s): {line}")
    store = figures["store"]
    lines.append(
        f"    store: {store['rows_before']} → {store['rows_after']} projects, "
        f"{store['bytes_before'] / 1e6:.1f} → {store['bytes_after'] / 1e6:.1f} MB on disk "
        "(the orchestrator's SQLite page cache, up to SQLITE_CACHE_MB per connection, "
        "fills with it)"
    )
    t = figures["target"]
    growths = ", ".join(
        f"{role} {p['rss_growth']:+.1%}"
        for role, p in figures["processes"].items()
        if p["rss_growth"] is not None
    )
    lines += [
        f"TARGET load errors: {t['errors']} (target 0) " + ("PASS" if t["errors_pass"] else "MISS"),
        f"TARGET load RSS growth: {growths} (target < {t['rss_threshold']:.0%}) "
        + ("PASS" if t["rss_pass"] else "MISS"),
        "TARGET load open fds other than connections to the services, idle before → idle "
        f"after (stable: within +{t['fds_slack']}): "
        + ", ".join(
            f"{role} {p['other_fds_before']} → {p['other_fds_after']}"
            for role, p in figures["processes"].items()
        )
        + " "
        + ("PASS" if t["fds_pass"] else "MISS"),
    ]
    return "\n".join(lines)
