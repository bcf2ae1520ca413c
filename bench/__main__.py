"""`python -m bench`: seed, load, compare, report. See bench/__init__.py.

Three servers run side by side, each idle while another is measured: the product as it
runs by default (LOG_LEVEL=INFO, one log line per request in each process), the product
with LOG_LEVEL=WARNING (to show what per-request logging costs), and the bare baseline.
Runs are grouped by connection count, and the baseline is measured just before and just
after the GET-by-id runs it is compared with, so that each ratio compares figures taken
within a minute or so on this shared machine, and the baseline's drift shows.

Each figure is one wrk run (after a discarded warm-up run) with one wrk thread; the CPU
time the server processes used during it is read from /proc, per request.

After the table's runs, bench/sections.py runs the other sections, each guarded: generation
overhead (bench/generation.py), video jobs (bench/video_jobs.py), the load test
(bench/load.py) and the video-render bench (bench/render.py); their reports follow the
table, their figures are in the same JSON.
"""

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from bench import machine, report, sections
from bench.baseline import BODY as BASELINE_BODY
from bench.processes import BaselineServer, ProductStack
from bench.report import Row
from bench.seed import body_sizes, seed_projects
from bench.settings import BenchSettings
from bench.wrk import RunOptions, WrkResult, rotating_ids_script, run

GET_BY_ID = "GET /projects/{id}"
LIST_PAGE = "GET /projects?page=1&limit=20"
LOG_LEVELS = ("INFO", "WARNING")
# (server, logs, endpoint, the server measured, the URL wrk asks, wrk's script if any)
Profile = tuple[str, str, str, BaselineServer | ProductStack, str, Path | None]


def say(text: str) -> None:
    print(text, flush=True)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM: unwind like Ctrl-C does, so that every `finally` stops its processes.
    raise SystemExit(128 + signum)


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip() if done.returncode in (0, 1) else ""


def _log_stats(stack: ProductStack) -> dict[str, dict[str, int]]:
    stats = {}
    for process in stack.processes:
        data = process.log_path.read_bytes()
        stats[process.log_path.stem] = {"bytes": len(data), "lines": data.count(b"\n")}
    return stats


def measure(settings: BenchSettings, workdir: Path) -> dict:
    with contextlib.ExitStack() as stop:
        baseline = BaselineServer(workdir)
        stop.callback(baseline.stop)
        stacks = {}
        for level in LOG_LEVELS:
            stack = ProductStack(f"product-{level.lower()}", level, workdir)
            stop.callback(stack.stop)
            stacks[level] = stack

        say(f"starting: baseline and {len(stacks)} product stacks; logs in {workdir}")
        baseline.start()
        sizes = {"baseline_get_by_id": len(BASELINE_BODY)}
        scripts = {}
        for level, stack in stacks.items():
            stack.start()
            started = time.perf_counter()
            ids = seed_projects(stack.url, settings.projects)
            say(
                f"seeded {len(ids)} projects through {stack.name}'s edge "
                f"in {time.perf_counter() - started:.1f}s"
            )
            sizes.update({f"edge_{k}": v for k, v in body_sizes(stack.url, ids[0]).items()})
            scripts[level] = rotating_ids_script(workdir / f"ids-{level}.lua", "/projects/", ids)
        say(
            f"bodies: edge GET by id {sizes['edge_get_by_id']} B, "
            f"baseline {sizes['baseline_get_by_id']} B, list page {sizes['edge_list_page']} B"
        )
        # The baseline rotates through ids too: the same client work on both sides. It is
        # measured twice per connection count, just before and just after the GET-by-id
        # runs it is compared with, so that drift of this shared machine shows (and
        # averages out) instead of tilting the ratio.
        base = ("baseline", "-", GET_BY_ID, baseline, baseline.url, scripts["INFO"])
        profiles: list[Profile] = [base]
        for level, stack in stacks.items():
            profiles.append(("edge", level, GET_BY_ID, stack, stack.url, scripts[level]))
        profiles.append(base)
        for level, stack in stacks.items():
            list_url = f"{stack.url}/projects?page=1&limit=20"
            profiles.append(("edge", level, LIST_PAGE, stack, list_url, None))

        total = len(profiles) * len(settings.connections)
        per_run = settings.duration_s + settings.warmup_s
        say(
            f"{total} runs of {settings.warmup_s:g}s warm-up + {settings.duration_s:g}s:"
            f" ~{total * per_run / 60:.1f} min"
        )
        runs: dict[tuple[str, str, str, int], list[WrkResult]] = {}
        cpu: dict[tuple[str, str, str, int], dict[str, float]] = {}
        loads: dict[tuple[str, str, str, int], list[dict]] = {}
        done = 0
        for connections in settings.connections:
            for server, logs, endpoint, target, url, script in profiles:
                common: RunOptions = {
                    "connections": connections,
                    "threads": settings.wrk_threads,
                    "script": script,
                }
                if settings.warmup_s > 0:
                    run(url, duration_s=settings.warmup_s, **common)
                before, machine_before = target.cpu_seconds(), machine.snapshot()
                result = run(url, duration_s=settings.duration_s, **common)
                after, machine_after = target.cpu_seconds(), machine.snapshot()
                for process in (
                    *baseline.processes,
                    *(p for s in stacks.values() for p in s.processes),
                ):
                    process.check_alive()
                done += 1
                key = (server, logs, endpoint, connections)
                runs.setdefault(key, []).append(result)
                used = cpu.setdefault(key, dict.fromkeys(before, 0.0))
                for name in before:
                    used[name] += after[name] - before[name]
                servers_s = sum(after.values()) - sum(before.values())
                noise = machine.other_load(
                    machine_before, machine_after, servers_s, result.duration_s
                )
                loads.setdefault(key, []).append(noise)
                say(
                    f"[{done:>2}/{total}] {server} {logs} {endpoint} @{connections}: "
                    f"{result.requests_per_s:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                    f"p99 {result.p99_ms:.2f} ms, other processes {noise['other_cores']:.2f} cores"
                    + (f", {result.socket_errors} socket errors" if result.socket_errors else "")
                    + (f", {result.non_2xx} non-2xx" if result.non_2xx else "")
                )
        log_stats = {level: _log_stats(stack) for level, stack in stacks.items()}
    order = {("baseline", "-", GET_BY_ID): 0}
    for level in LOG_LEVELS:
        order[("edge", level, GET_BY_ID)] = len(order)
    for level in LOG_LEVELS:
        order[("edge", level, LIST_PAGE)] = len(order)
    rows = []
    for key, results in runs.items():
        combined = WrkResult.combine(results)
        cpu_us = {name: s * 1e6 / max(combined.requests, 1) for name, s in cpu[key].items()}
        cores = {name: s / combined.duration_s for name, s in cpu[key].items()}
        rows.append(Row(*key, combined, results, cpu_us, cores, loads[key]))
    rows.sort(key=lambda r: (order[(r.server, r.logs, r.endpoint)], r.connections))
    report.add_ratios(rows)
    return {"rows": rows, "sizes": sizes, "logs": log_stats}


def main() -> int:
    settings = BenchSettings.from_env()
    signal.signal(signal.SIGTERM, _terminate)
    workdir = Path(tempfile.mkdtemp(prefix="ai-studio-bench-"))
    if settings.only:  # those sections alone, e.g. BENCH_ONLY=listing
        failed = True
        try:
            extra, failed = sections.run_all(settings, workdir, say)
        finally:
            if not (settings.keep_logs or failed):
                shutil.rmtree(workdir, ignore_errors=True)
        say(sections.report(extra))
        return 1 if failed else 0
    if shutil.which("wrk") is None:
        say("wrk is not installed (make bench installs it)")
        shutil.rmtree(workdir, ignore_errors=True)
        return 2
    keep = settings.keep_logs
    started = time.time()
    try:
        measured = measure(settings, workdir)
        extra, failed = sections.run_all(settings, workdir, say)
        keep = keep or failed
    except (KeyboardInterrupt, SystemExit):
        say("interrupted: every process stopped")
        return 130
    except Exception:
        keep = True
        say(f"bench failed; every process stopped; their logs are kept in {workdir}")
        raise
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = measured["rows"]
    targets = {level: report.target(rows, level) for level in LOG_LEVELS}
    say("")
    say(report.table(rows))
    say("")
    say("ratio = req/s over the baseline's (bare aiohttp + uvloop, fixed JSON) at the same conns")
    say("CPU us/req = CPU time of the server processes per request: edge+orchestrator")
    say(
        "other = cores kept busy by processes outside the bench during the run "
        "(noise on this shared machine; 2 cores in all)"
    )
    say(report.baseline_spread(rows))
    say("logs INFO = the default (a line per request at the edge, per failed RPC, to a file);")
    say("logs WARNING = the same product with LOG_LEVEL=WARNING (no per-request lines)")
    for level, stats in measured["logs"].items():
        say(
            f"  {level} logs written: "
            + ", ".join(
                f"{name} {s['lines']} lines / {s['bytes'] / 1e6:.1f} MB"
                for name, s in stats.items()
            )
        )
    say("")
    say(report.target_line(targets["INFO"], " (default)"))
    say(report.target_line(targets["WARNING"]))
    say("")
    say(sections.report(extra))
    say("")
    path = report.write_json(
        {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "elapsed_s": round(time.time() - started, 1),
            "settings": {
                "duration_s": settings.duration_s,
                "warmup_s": settings.warmup_s,
                "connections": list(settings.connections),
                "wrk_threads": settings.wrk_threads,
                "projects": settings.projects,
                "generation_s": settings.generation_s,
                "video_posts": settings.video_posts,
                "load_s": settings.load_s,
                "load_warmup_s": settings.load_warmup_s,
                "render_seconds": settings.render_seconds,
                "render_repeats": settings.render_repeats,
            },
            "machine": {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "wrk": _wrk_version(),
            },
            "body_bytes": measured["sizes"],
            "logs": measured["logs"],
            "results": [row.to_json() for row in rows],
            "target": targets,
            **extra,
        }
    )
    say(f"results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    if keep:
        say(f"process logs kept in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
