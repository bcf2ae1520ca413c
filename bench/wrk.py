"""Running wrk and reading its `--latency` report: requests/s, p50, p99, errors."""

import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
TIME = r"([\d.]+)(us|ms|s|m|h)"


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    duration_s: float
    socket_errors: int
    non_2xx: int

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def combine(cls, results: list["WrkResult"]) -> "WrkResult":
        """Several runs of one profile as one: req/s over the total time; p50 and p99 the
        mean of the runs' (wrk reports percentiles, not its histogram)."""
        if len(results) == 1:
            return results[0]
        duration = sum(r.duration_s for r in results)
        requests = sum(r.requests for r in results)
        return cls(
            requests_per_s=requests / duration,
            p50_ms=sum(r.p50_ms for r in results) / len(results),
            p99_ms=sum(r.p99_ms for r in results) / len(results),
            requests=requests,
            duration_s=duration,
            socket_errors=sum(r.socket_errors for r in results),
            non_2xx=sum(r.non_2xx for r in results),
        )


def _ms(value: str, unit: str) -> float:
    return float(value) * TIME_UNITS[unit]


def parse(output: str) -> WrkResult:
    """The figures of a `wrk --latency` report; ValueError if one is missing."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {pattern!r} in wrk's output:\n{output}")
        return match

    p50 = find(rf"^\s*50(?:\.0+)?%\s+{TIME}\s*$")
    p99 = find(rf"^\s*99(?:\.0+)?%\s+{TIME}\s*$")
    total = find(rf"^\s*(\d+) requests in {TIME}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests_per_s=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=_ms(*p50.groups()),
        p99_ms=_ms(*p99.groups()),
        requests=int(total.group(1)),
        duration_s=_ms(total.group(2), total.group(3)) / 1e3,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def rotating_ids_script(path: Path, prefix: str, ids: list[str]) -> Path:
    """A wrk Lua script asking for `prefix + id`, going round the ids in turn: each request
    reads another project, as a real client mix would, rather than one hot row."""
    table = ",\n".join(f'"{i}"' for i in ids)
    path.write_text(
        f"local ids = {{\n{table}\n}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n % #ids + 1\n"
        f'  return wrk.format("GET", "{prefix}" .. ids[n])\n'
        "end\n"
    )
    return path


class RunOptions(TypedDict):
    """What several runs of one profile share (a warm-up and the measured run): `run`'s
    keyword arguments but its duration, given as `run(url, duration_s=..., **options)`."""

    connections: int
    threads: NotRequired[int]
    script: NotRequired[Path | None]
    core: NotRequired[int | None]


def run(
    url: str,
    *,
    connections: int,
    duration_s: float,
    threads: int = 1,
    script: Path | None = None,
    core: int | None = None,
) -> WrkResult:
    """One wrk run; on CPU `core` alone when given (taskset)."""
    args = [
        *(("taskset", "-c", str(core)) if core is not None else ()),
        "wrk",
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration_s))}s",
        "--timeout=10s",
        "--latency",
    ]
    if script is not None:
        args.append(f"--script={script}")
    args.append(url)
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)
