"""The sections `python -m bench` runs after its table: generation overhead, video jobs,
the load test, the video-render bench (bench/render.py, another bench's `run()`) and the
list queries at growing store sizes (bench/listing.py). BENCH_ONLY names the sections to
run alone, without the table.

Each runs on its own and is guarded: a failure in one is reported (and the process logs
kept) without stopping the others or losing the table. Ctrl-C and SIGTERM still stop
everything. A section whose setting is 0 is skipped.
"""

import importlib
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import cache, generation, listing, load, video_jobs
from bench.settings import BenchSettings

ORDER = ("generation", "video_jobs", "load", "render", "listing", "cache")
TITLES = {
    "generation": "GENERATION OVERHEAD",
    "video_jobs": "VIDEO JOBS",
    "load": "LOAD TEST",
    "render": "VIDEO RENDER",
    "listing": "LIST QUERIES",
    "cache": "EDGE CACHE",
}


def _render(settings: BenchSettings) -> dict:
    module = importlib.import_module("bench.render")
    if not hasattr(module, "run"):
        return {"skipped": "bench/render.py has no run()"}
    started = time.perf_counter()
    figures = module.run(seconds=settings.render_seconds, repeats=settings.render_repeats)
    if hasattr(module, "run_short"):  # short-form: 9:16 with subtitles, ken_burns (#13)
        figures["short"] = module.run_short(settings.render_seconds, settings.render_repeats)
    return {**figures, "elapsed_s": round(time.perf_counter() - started, 1)}


def _plan(
    settings: BenchSettings, workdir: Path, say: Callable[[str], None]
) -> dict[str, Callable[[], dict] | None]:
    return {
        "generation": (
            (lambda: generation.run_section(workdir, settings.generation_s, settings.warmup_s, say))
            if settings.generation_s > 0
            else None
        ),
        "video_jobs": (
            (lambda: video_jobs.measure(workdir, say, posts=settings.video_posts))
            if settings.video_posts > 0
            else None
        ),
        "load": (
            (lambda: load.measure(workdir, settings.load_s, settings.load_warmup_s, say))
            if settings.load_s > 0
            else None
        ),
        "render": (
            (lambda: _render(settings))
            if settings.render_seconds > 0 and settings.render_repeats > 0
            else None
        ),
        "listing": (
            (lambda: listing.measure(workdir, say, settings.list_sizes, settings.list_requests))
            if settings.list_sizes and settings.list_requests > 0
            else None
        ),
        "cache": (lambda: cache.measure(settings, workdir, say)) if settings.cache else None,
    }


def run_all(
    settings: BenchSettings, workdir: Path, say: Callable[[str], None]
) -> tuple[dict, bool]:
    """Every section's figures (or {"skipped"} / {"error"}), and whether one failed."""
    figures: dict[str, dict] = {}
    failed = False
    for name, job in _plan(settings, workdir, say).items():
        if settings.only and name not in settings.only:
            continue
        if job is None:
            figures[name] = {"skipped": "turned off by its BENCH_* setting"}
            continue
        say(f"section: {TITLES[name].lower()}")
        try:
            figures[name] = job()
        except Exception as exc:  # one section's failure must not lose the others
            failed = True
            say(f"section {name} failed:\n{traceback.format_exc()}")
            figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return figures, failed


def _render_report(f: dict) -> str:
    lines = [
        f"VIDEO RENDER (bench/render.py: {f.get('seconds', '?'):g} s narration, "
        f"{f.get('scenes', '?')} scenes, {f.get('resolution', '?')}{f.get('fps', '')}, "
        f"{f.get('template', '?')}, music {f.get('music', '?')}, "
        f"x264 preset {f.get('preset', '?')})",
        f"    full render best {f['render_s']:.2f} s; plain ffmpeg floor best "
        f"{f['floor_s']:.2f} s; ratio {f['ratio']:.3f} (of medians {f.get('median_ratio', 0):.3f})",
        "    runs: render "
        + " / ".join(f"{x:.2f}" for x in f.get("render_runs_s", []))
        + " s; floor "
        + " / ".join(f"{x:.2f}" for x in f.get("floor_runs_s", []))
        + f" s; load average {f.get('load_average')}",
        f"TARGET render / floor: {f['ratio']:.3f} (target ≤ {f.get('target', 1.5)}) "
        + ("PASS" if f.get("meets_target") else "MISS"),
    ]
    for case in f.get("short", []):
        lines.append(
            f"SHORT {case['template']} {case['aspect_ratio']} ({case['size']}), subtitles "
            f"{'on' if case['subtitles'] else 'off'}: render {case['render_s']:.2f} s / floor "
            f"{case['floor_s']:.2f} s = {case['ratio']:.3f} (target ≤ {case['target']}) "
            + ("PASS" if case["meets_target"] else "MISS")
            + f"; CPU {case['render_cpu_s']:.1f} s / {case['floor_cpu_s']:.1f} s "
            f"= {case['cpu_ratio']:.3f}"
        )
    return "\n".join(lines)


REPORTS = {
    "generation": generation.report,
    "video_jobs": video_jobs.report,
    "load": load.report,
    "render": _render_report,
    "listing": listing.report,
    "cache": cache.report,
}


def report(figures: dict) -> str:
    blocks = []
    for name in ORDER:
        f = figures.get(name)
        if f is None:
            continue
        if "error" in f:
            blocks.append(f"{TITLES[name]}: FAILED ({f['error']})")
        elif "skipped" in f:
            blocks.append(f"{TITLES[name]}: skipped ({f['skipped']})")
        else:
            try:
                blocks.append(REPORTS[name](f))
            except Exception as exc:  # a figure missing must not lose the other sections
                blocks.append(f"{TITLES[name]}: could not print ({type(exc).__name__}: {exc})")
    return "\n\n".join(blocks)
