"""The edge read cache section: GET /projects/{id} through the product with its cache on
(EDGE_CACHE=True, the default) and off, against JSON Server 0.17 and FastAPI reading the
product's SQLite file directly, all serving the same ~2 KB projects (bench/sample.py, the
same ids, the same JSON), then how quickly a change reaches readers (bench/live.py).

Every server runs LOG_LEVEL=WARNING or its equivalent (no line per request). wrk asks for
the projects in turn (rotating ids), at 16 connections, one thread:
- all sharing both cores: the product deployed for two cores (EDGE_WORKERS=2) with its
  cache on and off, JSON Server (one Node process: it has no other mode) and
  FastAPI-direct (two uvicorn workers), in rounds (BENCH_CACHE_ROUNDS) so that the
  shared machine's drift falls on every side alike;
- the product deployed for one core (EDGE_WORKERS=1) pinned to core 0 and wrk to core 1,
  against JSON Server pinned the same way (each idle server is pinned to core 0 too,
  where it sleeps).
Each figure is the runs of a side combined (req/s over their total time; p99 the mean);
the spread of the rounds' ratios is printed, as is the machine's other load.
"""

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import orjson

from bench import live, machine
from bench.listing import seed_file
from bench.peers import FastApiDirect, JsonServer, PeerServer
from bench.processes import Process, ProductStack
from bench.settings import BenchSettings
from bench.wrk import RunOptions, WrkResult, rotating_ids_script, run
from edge.codec import project_json
from orchestrator.store.sqlite.connection import FILENAME
from orchestrator.store.sqlite.projects import SELECT_PROJECTS, stored_project

CONNECTIONS = 16
# The product deployed on two cores: an edge process per core (EDGE_WORKERS).
BOTH_CORES = {"EDGE_WORKERS": "2"}
SERVER_CORE, LOAD_CORE = 0, 1
TARGETS = {"json_server": 3.0, "fastapi": 1.0, "json_server_one_core": 2.0}


def stored_json(data_dir: Path) -> list[dict]:
    """Every project of a store file as GET /projects/{id} renders it (JSON Server's db)."""
    with contextlib.closing(sqlite3.connect(data_dir / FILENAME)) as conn:
        rows = conn.execute(f"{SELECT_PROJECTS} ORDER BY p.seq").fetchall()
    return [project_json(stored_project(*row)) for row in rows]


def _tree(processes: list[Process]) -> list[int]:
    """The pids of the processes and of their children (uvicorn's workers)."""
    pids, found = [p.pid for p in processes], []
    while pids:
        pid = pids.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    pids += map(int, Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
    return found


def pin(processes: list[Process], core: int | None) -> None:
    """Every thread of the processes and of their children on `core` (None: any core)."""
    cores = set(range(os.cpu_count() or 1)) if core is None else {core}
    for pid in _tree(processes):
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(int(tid), cores)


def cpu_seconds(processes: list[Process]) -> float:
    """User + system CPU time of the processes and their children so far (/proc)."""
    ticks = 0
    for pid in _tree(processes):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / machine.TICKS


def _combine(results: list[WrkResult]) -> dict:
    combined = WrkResult.combine(results)
    return {
        "requests_per_s": round(combined.requests_per_s, 1),
        "p99_ms": round(combined.p99_ms, 3),
        "runs_requests_per_s": [round(r.requests_per_s) for r in results],
        "errors": combined.socket_errors + combined.non_2xx,
    }


def _rounds(
    sides: dict[str, str],
    script: Path,
    settings: BenchSettings,
    say: Callable[[str], None],
    label: str,
    servers: list[Process],
    wrk_core: int | None = None,
) -> tuple[dict[str, list[WrkResult]], list[float]]:
    """Each side's runs, and the cores other processes kept busy during each run."""
    runs: dict[str, list[WrkResult]] = {side: [] for side in sides}
    others: list[float] = []
    for n in range(settings.cache_rounds):
        for side, url in sides.items():
            common: RunOptions = {"connections": CONNECTIONS, "script": script, "core": wrk_core}
            if settings.warmup_s > 0:
                run(url, duration_s=settings.warmup_s, **common)
            before, used = machine.snapshot(), cpu_seconds(servers)
            result = run(url, duration_s=settings.duration_s, **common)
            used = cpu_seconds(servers) - used
            noise = machine.other_load(before, machine.snapshot(), used, result.duration_s)
            runs[side].append(result)
            others.append(noise["other_cores"])
            say(
                f"  {label} round {n + 1}: {side} {result.requests_per_s:,.0f} req/s, "
                f"p99 {result.p99_ms:.2f} ms, servers {used / result.duration_s:.2f} cores, "
                f"wrk {noise['wrk_cores']:.2f}, other processes {noise['other_cores']:.2f}"
                + (f", {result.socket_errors + result.non_2xx} errors" if result.non_2xx else "")
            )
    return runs, others


def _ratio_spread(runs: dict[str, list[WrkResult]], side: str, over: str) -> dict:
    per_round = [
        a.requests_per_s / max(b.requests_per_s, 1e-9)
        for a, b in zip(runs[side], runs[over], strict=True)
    ]
    combined = WrkResult.combine(runs[side]).requests_per_s / max(
        WrkResult.combine(runs[over]).requests_per_s, 1e-9
    )
    return {
        "ratio": round(combined, 3),
        "min": round(min(per_round), 3),
        "max": round(max(per_round), 3),
    }


def measure(settings: BenchSettings, workdir: Path, say: Callable[[str], None]) -> dict:
    workdir = workdir / "cache"
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stop:
        # The product as deployed on both cores (EDGE_WORKERS=2, an edge process per
        # core), cache on and off; and as deployed on one core (one edge process).
        on = ProductStack("cache-on", "WARNING", workdir, {**BOTH_CORES, "EDGE_CACHE": "True"})
        off = ProductStack("cache-off", "WARNING", workdir, {**BOTH_CORES, "EDGE_CACHE": "False"})
        one = ProductStack("one-core", "WARNING", workdir, {"EDGE_WORKERS": "1"})
        ids = seed_file(on.dir / "data", settings.projects)
        for other in (off, one):
            shutil.copytree(on.dir / "data", other.dir / "data")
        projects = stored_json(on.dir / "data")
        say(f"cache: {len(ids)} projects of {len(orjson.dumps(projects[0]))} B in each store")
        fastapi = FastApiDirect("fastapi-direct", workdir)
        json_server = JsonServer("json-server", workdir)
        servers: list[ProductStack | PeerServer] = [on, off, one, fastapi]
        for stack in (on, off, one):
            stop.callback(stack.stop)
            stack.start()
        stop.callback(fastapi.stop)
        fastapi.start(on.dir / "data" / FILENAME, ids[0])
        sides = {"cache_on": on.url, "cache_off": off.url, "fastapi": fastapi.url}
        if JsonServer.installed():
            stop.callback(json_server.stop)
            json_server.start(projects)
            servers.append(json_server)
            sides["json_server"] = json_server.url
        else:
            say("JSON Server is not installed (make bench installs it): left out")
        script = rotating_ids_script(workdir / "ids.lua", "/projects/", ids)
        every = [p for server in servers for p in server.processes]

        say(f"cache: {len(sides)} servers sharing both cores, {CONNECTIONS} connections")
        shared, shared_noise = _rounds(sides, script, settings, say, "both cores", every)

        say(f"cache: product and JSON Server on core {SERVER_CORE}, wrk on core {LOAD_CORE}")
        for server in servers:
            pin(server.processes, SERVER_CORE)
        one_core = {"cache_on": one.url}
        if "json_server" in sides:
            one_core["json_server"] = sides["json_server"]
        pinned, pinned_noise = _rounds(
            one_core, script, settings, say, "one core", every, LOAD_CORE
        )
        for server in servers:
            pin(server.processes, None)

        say("cache: how quickly a change reaches readers")
        changes = live.measure(on, ids, say)
        for server in servers:
            for process in server.processes:
                process.check_alive()

    figures: dict = {
        "connections": CONNECTIONS,
        "rounds": settings.cache_rounds,
        "projects": len(ids),
        "body_bytes": len(orjson.dumps(projects[0])),
        "both_cores": {side: _combine(r) for side, r in shared.items()},
        "one_core": {side: _combine(r) for side, r in pinned.items()},
        "ratios": {"cache_on_off": _ratio_spread(shared, "cache_on", "cache_off")},
        "live": changes,
        "other_cores": {
            "both_cores_max": max(shared_noise),
            "one_core_max": max(pinned_noise),
        },
    }
    ratios = figures["ratios"]
    ratios["product_fastapi"] = _ratio_spread(shared, "cache_on", "fastapi")
    if "json_server" in shared:
        ratios["product_json_server"] = _ratio_spread(shared, "cache_on", "json_server")
        ratios["product_json_server_one_core"] = _ratio_spread(pinned, "cache_on", "json_server")
    checks = {
        "json_server": "product_json_server",
        "fastapi": "product_fastapi",
        "json_server_one_core": "product_json_server_one_core",
    }
    figures["targets"] = {
        name: {
            "ratio": ratios[key]["ratio"],
            "target": TARGETS[name],
            "pass": ratios[key]["ratio"] >= TARGETS[name],
        }
        for name, key in checks.items()
        if key in ratios
    }
    return figures


def _side(f: dict, where: str, side: str) -> str:
    s = f[where].get(side)
    if s is None:
        return f"    {side:<12} left out"
    runs = " / ".join(f"{r:,}" for r in s["runs_requests_per_s"])
    return (
        f"    {side:<12} {s['requests_per_s']:>9,.0f} req/s  p99 {s['p99_ms']:>6.2f} ms"
        f"  (rounds: {runs})" + (f"  {s['errors']} errors" if s["errors"] else "")
    )


def report(f: dict) -> str:
    lines = [
        f"EDGE CACHE (GET /projects/{{id}}, {f['projects']} projects of {f['body_bytes']} B, "
        f"rotating ids, {f['connections']} connections, {f['rounds']} rounds, no request logs)",
        "  all processes sharing both cores:",
        *(_side(f, "both_cores", s) for s in ("cache_on", "cache_off", "json_server", "fastapi")),
        f"  product on core {SERVER_CORE}, wrk on core {LOAD_CORE}:",
        *(_side(f, "one_core", s) for s in ("cache_on", "json_server")),
        "  ratios (combined; min-max of the rounds):",
    ]
    noise = f["other_cores"]
    for name, r in f["ratios"].items():
        lines.append(f"    {name:<30} {r['ratio']:.2f}x  ({r['min']:.2f}-{r['max']:.2f})")
    lines.append(
        f"  noise: other processes kept up to {noise['both_cores_max']:.2f} cores busy during "
        f"a both-core run, {noise['one_core_max']:.2f} during a one-core run (of 2)"
    )
    lines.append(live.report(f["live"]))
    for name, t in f["targets"].items():
        lines.append(
            f"TARGET product / {name}: {t['ratio']:.2f}x (target >= {t['target']:g}x) "
            + ("PASS" if t["pass"] else "MISS")
        )
    return "\n".join(lines)
