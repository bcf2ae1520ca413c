"""The results: one table on the terminal, the same figures in bench/results/latest.json."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.wrk import WrkResult

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
TARGET_ENDPOINT = "GET /projects/{id}"
TARGET_CONNECTIONS = 16
TARGET_RATIO = 0.09


@dataclass
class Row:
    server: str  # "edge" or "baseline"
    logs: str  # the product's LOG_LEVEL; "-" for the baseline
    endpoint: str
    connections: int
    result: WrkResult  # the runs combined
    runs: list[WrkResult] = field(default_factory=list)
    # Per server process (edge, orchestrator; or baseline): CPU µs per request, and the
    # cores it kept busy during the measured runs.
    cpu_us_per_request: dict[str, float] = field(default_factory=dict)
    cpu_cores: dict[str, float] = field(default_factory=dict)
    # Per run: cores used by wrk, by other processes on the machine, stolen by the host.
    machine: list[dict] = field(default_factory=list)

    @property
    def other_cores(self) -> float:
        return max((m["other_cores"] for m in self.machine), default=0.0)

    ratio: float | None = None  # req/s over the baseline's at the same connections

    def to_json(self) -> dict:
        return {
            "server": self.server,
            "log_level": None if self.logs == "-" else self.logs,
            "endpoint": self.endpoint,
            "connections": self.connections,
            **self.result.to_json(),
            "ratio_to_baseline": self.ratio,
            "cpu_us_per_request": self.cpu_us_per_request,
            "cpu_cores": self.cpu_cores,
            "machine": self.machine,
            "runs": [run.to_json() for run in self.runs],
        }


def add_ratios(rows: list[Row]) -> None:
    base = {r.connections: r.result.requests_per_s for r in rows if r.server == "baseline"}
    for row in rows:
        if row.connections in base and base[row.connections] > 0:
            row.ratio = row.result.requests_per_s / base[row.connections]


def baseline_spread(rows: list[Row]) -> str:
    """How far apart the baseline's runs at each connection count were: the noise floor."""
    parts = []
    for row in rows:
        if row.server == "baseline" and len(row.runs) > 1:
            rates = [run.requests_per_s for run in row.runs]
            spread = (max(rates) - min(rates)) / (sum(rates) / len(rates))
            figures = " / ".join(f"{rate:.0f}" for rate in rates)
            parts.append(f"@{row.connections} {figures} req/s ({spread:.0%} apart)")
    return "baseline runs before / after the GET-by-id runs: " + ", ".join(parts)


def target(rows: list[Row], logs: str) -> dict | None:
    base = next(
        (r for r in rows if r.server == "baseline" and r.connections == TARGET_CONNECTIONS), None
    )
    for row in rows:
        if (
            row.server == "edge"
            and row.logs == logs
            and row.endpoint == TARGET_ENDPOINT
            and row.connections == TARGET_CONNECTIONS
            and row.ratio is not None
        ):
            return {
                "endpoint": TARGET_ENDPOINT,
                "connections": TARGET_CONNECTIONS,
                "log_level": logs,
                "ratio": row.ratio,
                "threshold": TARGET_RATIO,
                "pass": row.ratio >= TARGET_RATIO,
                # Less sensitive to other load on the machine than req/s: the baseline's
                # CPU per request over the product's (both processes).
                "cpu_ratio": (
                    sum(base.cpu_us_per_request.values()) / sum(row.cpu_us_per_request.values())
                    if base and base.cpu_us_per_request and sum(row.cpu_us_per_request.values())
                    else None
                ),
                "other_cores": row.other_cores,
            }
    return None


def _cpu(per_process: dict[str, float]) -> str:
    """`edge+orchestrator` (or the baseline's own) CPU microseconds per request."""
    return "+".join(f"{us:.0f}" for us in per_process.values())


def table(rows: list[Row]) -> str:
    header = (
        f"{'server':<8} {'logs':<8} {'endpoint':<30} {'conns':>5} {'req/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'x base':>7} {'CPU us/req':>14} {'other':>6}  errors"
    )
    lines = [header, "-" * len(header)]
    previous = None
    for row in rows:
        group = (row.server, row.logs, row.endpoint)
        if previous is not None and group != previous:
            lines.append("")
        previous = group
        r = row.result
        errors = r.socket_errors + r.non_2xx
        lines.append(
            f"{row.server:<8} {row.logs:<8} {row.endpoint:<30} {row.connections:>5} "
            f"{r.requests_per_s:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
            f"{'' if row.ratio is None else f'{row.ratio:.3f}':>7} "
            f"{_cpu(row.cpu_us_per_request):>14} {row.other_cores:>6.2f}  "
            f"{errors if errors else ''}"
        )
    return "\n".join(lines)


def target_line(found: dict | None, note: str = "") -> str:
    if found is None:
        return f"TARGET {TARGET_ENDPOINT} @{TARGET_CONNECTIONS} conns: not measured"
    verdict = "PASS" if found["pass"] else "MISS"
    return (
        f"TARGET {TARGET_ENDPOINT} @{TARGET_CONNECTIONS} conns, LOG_LEVEL={found['log_level']}"
        f"{note}: {found['ratio']:.3f}x baseline (target ≥ {TARGET_RATIO}) {verdict}"
        + (f"; CPU/request ratio {found['cpu_ratio']:.3f}" if found["cpu_ratio"] else "")
        + (
            f"; other processes used {found['other_cores']:.2f} cores meanwhile"
            if found["other_cores"] >= 0.2
            else ""
        )
    )


def write_json(document: dict, path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    tmp.replace(path)
    return path
