"""Generation overhead: what the edge and the orchestrator add to a microservice call.

One process (`python -m bench.fakes`) answers the four microservice contracts after a
fixed delay D (50 ms); an orchestrator and an edge, as `python -m` runs them (LOG_LEVEL
INFO, the default), are pointed at it. wrk POSTs, with a Lua script going round 64
projects of 5 scenes each, to

- POST /projects/{id}/generate-script  (edge → gRPC → orchestrator → script fake → store)
- POST /projects/{id}/generate-images  (the same with the image fake's /generate-batch)

and, for the floor, the same calls straight to the fake (POST /generate with a script
body, POST /generate-batch with 5 prompts): what wrk and the fake themselves cost. Each
at 1 and 16 connections, after a discarded warm-up run; direct and product runs
alternate. Figures: p50 and p99 of latency - D, and the product's p50 less the direct
p50 at the same connections ("net"): what the edge and the orchestrator add.
Target: net ≤ 5 ms at p50 with one client.
"""

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from bench.seed import seed_projects
from bench.stack import ServiceStack, faked_stack
from bench.wrk import RunOptions, WrkResult, run

DELAY_MS = 50.0
PROJECTS = 64
CONNECTIONS = (1, 16)
TARGET_MS = 5.0

SCRIPT_BODY = {
    "title": "How solar panels work",
    "description": "A quick tour of how solar panels turn light into power.",
    "use_case": "explanation",
    "language": "en",
    "style": "educational",
}
BATCH_BODY = {
    "images": [{"prompt": f"A solar panel on a farm roof at dawn, scene {k}"} for k in range(5)],
    "style": "realistic",
}

# (name, what the product is asked, what the fake is asked directly)
STEPS = (
    ("generate-script", "generate-script", ("/generate", SCRIPT_BODY)),
    ("generate-images", "generate-images", ("/generate-batch", BATCH_BODY)),
)


def _lua_string(text: str) -> str:
    return f"[==[{text}]==]"


def post_rotating_script(path: Path, ids: list[str], suffix: str, body: str = "{}") -> Path:
    """POST /projects/{id}/{suffix} going round `ids`, with a JSON body."""
    table = ",\n".join(f'"{i}"' for i in ids)
    path.write_text(
        f"local ids = {{\n{table}\n}}\n"
        "local n = 0\n"
        f"local body = {_lua_string(body)}\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n"
        "  n = n % #ids + 1\n"
        f'  return wrk.format("POST", "/projects/" .. ids[n] .. "/{suffix}", headers, body)\n'
        "end\n"
    )
    return path


def post_fixed_script(path: Path, body: dict) -> Path:
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {_lua_string(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


def measure(workdir: Path, duration_s: float, warmup_s: float, say: Callable[[str], None]) -> dict:
    workdir = workdir / "generation"
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stop:
        fakes, stack = faked_stack(stop, "generation", workdir, DELAY_MS, DELAY_MS)
        ids = seed_projects(stack.url, PROJECTS, seed=7)
        # (step, target, the URL wrk asks, its script, the product stack if it is measured)
        profiles: list[tuple[str, str, str, Path, ServiceStack | None]] = []
        for step, suffix, (path, body) in STEPS:
            direct = post_fixed_script(workdir / f"direct-{step}.lua", body)
            edge = post_rotating_script(workdir / f"edge-{step}.lua", ids, suffix)
            profiles.append((step, "direct", f"{fakes.url}{path}", direct, None))
            profiles.append((step, "edge", stack.url, edge, stack))
        runs: list[dict] = []
        total = len(profiles) * len(CONNECTIONS)
        for connections in CONNECTIONS:
            for step, target, url, script, product in profiles:
                common: RunOptions = {"connections": connections, "script": script}
                if warmup_s > 0:
                    run(url, duration_s=warmup_s, **common)
                before = product.cpu_seconds() if product else {}
                result: WrkResult = run(url, duration_s=duration_s, **common)
                after = product.cpu_seconds() if product else {}
                for process in [*stack.processes, *fakes.processes]:
                    process.check_alive()
                cpu_ms = {
                    name: round((after[name] - before[name]) * 1e3 / max(result.requests, 1), 3)
                    for name in before
                }
                runs.append(
                    {
                        "step": step,
                        "target": target,
                        "connections": connections,
                        **result.to_json(),
                        "p50_minus_delay_ms": round(result.p50_ms - DELAY_MS, 3),
                        "p99_minus_delay_ms": round(result.p99_ms - DELAY_MS, 3),
                        "cpu_ms_per_request": cpu_ms,
                    }
                )
                say(
                    f"[{len(runs):>2}/{total}] generation {target} {step} @{connections}: "
                    f"{result.requests} requests, p50-D {result.p50_ms - DELAY_MS:.2f} ms, "
                    f"p99-D {result.p99_ms - DELAY_MS:.2f} ms"
                    + (
                        f", {result.socket_errors + result.non_2xx} errors"
                        if result.socket_errors + result.non_2xx
                        else ""
                    )
                )
    for row in runs:
        if row["target"] == "edge":
            floor = next(
                r
                for r in runs
                if r["target"] == "direct"
                and r["step"] == row["step"]
                and r["connections"] == row["connections"]
            )
            row["net_p50_ms"] = round(row["p50_ms"] - floor["p50_ms"], 3)
            row["net_p99_ms"] = round(row["p99_ms"] - floor["p99_ms"], 3)
    targets = {
        r["step"]: {
            "added_p50_ms": r["p50_minus_delay_ms"],
            "net_p50_ms": r["net_p50_ms"],
            "threshold_ms": TARGET_MS,
            "pass": r["net_p50_ms"] <= TARGET_MS,
        }
        for r in runs
        if r["target"] == "edge" and r["connections"] == 1
    }
    return {
        "delay_ms": DELAY_MS,
        "projects": PROJECTS,
        "scenes": 5,
        "duration_s": duration_s,
        "runs": runs,
        "target": targets,
    }


def run_section(
    workdir: Path, duration_s: float, warmup_s: float, say: Callable[[str], None]
) -> dict:
    started = time.perf_counter()
    figures = measure(workdir, duration_s, warmup_s, say)
    figures["elapsed_s"] = round(time.perf_counter() - started, 1)
    return figures


def report(figures: dict) -> str:
    header = (
        f"{'step':<16} {'target':<7} {'conns':>5} {'req/s':>7} {'p50-D ms':>9} "
        f"{'p99-D ms':>9} {'net p50':>8} {'net p99':>8} {'CPU ms/req e+o':>15}  errors"
    )
    lines = [
        f"GENERATION OVERHEAD (fake services answer after D = {figures['delay_ms']:g} ms; "
        f"{figures['duration_s']:g} s per run; LOG_LEVEL=INFO)",
        header,
        "-" * len(header),
    ]
    previous = None
    for r in sorted(figures["runs"], key=lambda r: (r["step"], r["connections"], r["target"])):
        if previous is not None and r["step"] != previous:
            lines.append("")
        previous = r["step"]
        errors = r["socket_errors"] + r["non_2xx"]
        cpu = "+".join(f"{v:.2f}" for v in r["cpu_ms_per_request"].values())
        net = (
            (f"{r['net_p50_ms']:>8.2f} {r['net_p99_ms']:>8.2f}")
            if "net_p50_ms" in r
            else f"{'':>8} {'':>8}"
        )
        lines.append(
            f"{r['step']:<16} {r['target']:<7} {r['connections']:>5} {r['requests_per_s']:>7.0f} "
            f"{r['p50_minus_delay_ms']:>9.2f} {r['p99_minus_delay_ms']:>9.2f} {net} "
            f"{cpu:>15}  {errors if errors else ''}"
        )
    lines.append(
        "direct = wrk straight to the fake (the floor: wrk + fake + loopback); "
        "edge = through edge and orchestrator"
    )
    lines.append("net = edge's figure less direct's at the same conns: what edge+orchestrator add")
    for step, t in figures["target"].items():
        lines.append(
            f"TARGET {step} @1 conn: net p50 {t['net_p50_ms']:.2f} ms added "
            f"(p50-D {t['added_p50_ms']:.2f} ms; target ≤ {t['threshold_ms']:g} ms) "
            + ("PASS" if t["pass"] else "MISS")
        )
    return "\n".join(lines)
