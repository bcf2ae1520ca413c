"""The edge read cache section: GET /projects/{id} through a product stack with the cache
on (EDGE_CACHE=True, the default) and one with it off, the same seeded projects, wrk at
each connection count, runs alternated so that drift of the shared machine shows on both.
Prints each side's req/s and p99 and the on/off ratio."""

import contextlib
from pathlib import Path

from bench.processes import ProductStack
from bench.seed import seed_projects
from bench.settings import BenchSettings
from bench.wrk import rotating_ids_script, run

SIDES = {"on": "True", "off": "False"}


def measure(settings: BenchSettings, workdir: Path, say) -> dict:
    figures: dict[str, dict[str, dict[str, float]]] = {side: {} for side in SIDES}
    with contextlib.ExitStack() as stop:
        stacks, scripts = {}, {}
        for side, value in SIDES.items():
            stack = ProductStack(f"cache-{side}", "WARNING", workdir, {"EDGE_CACHE": value})
            stop.callback(stack.stop)
            stack.start()
            ids = seed_projects(stack.url, settings.projects)
            scripts[side] = rotating_ids_script(
                workdir / f"ids-cache-{side}.lua", "/projects/", ids
            )
            stacks[side] = stack
        say(f"cache on vs off: {settings.projects} projects each")
        for connections in settings.connections:
            for side, stack in stacks.items():
                common = {"connections": connections, "threads": settings.wrk_threads}
                if settings.warmup_s > 0:
                    run(stack.url, duration_s=settings.warmup_s, script=scripts[side], **common)
                result = run(
                    stack.url, duration_s=settings.duration_s, script=scripts[side], **common
                )
                figures[side][str(connections)] = {
                    "requests_per_s": result.requests_per_s,
                    "p99_ms": result.p99_ms,
                }
    ratios = {
        c: figures["on"][c]["requests_per_s"] / max(figures["off"][c]["requests_per_s"], 1e-9)
        for c in figures["on"]
    }
    return {**figures, "ratio_on_off": ratios}


def report(f: dict) -> str:
    lines = ["EDGE CACHE (GET /projects/{id}, LOG_LEVEL=WARNING)"]
    for connections, ratio in f["ratio_on_off"].items():
        on, off = f["on"][connections], f["off"][connections]
        lines.append(
            f"    {connections:>3} conn: on {on['requests_per_s']:,.0f} req/s "
            f"(p99 {on['p99_ms']:.2f} ms), off {off['requests_per_s']:,.0f} req/s "
            f"(p99 {off['p99_ms']:.2f} ms): on/off {ratio:.2f}x"
        )
    return "\n".join(lines)
