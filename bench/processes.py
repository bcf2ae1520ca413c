"""The processes under test, started as they run in production and always stopped.

`python -m orchestrator` and `python -m edge` (and the baseline, `python -m bench.baseline
PORT`) run as subprocesses configured by environment only, on free loopback ports, each
in its own session (a Ctrl-C in the terminal reaches only the bench, which stops them)
and with their output in a log file, never on the terminal.
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# How long a process may take to stop after SIGTERM before it is killed. The edge and the
# orchestrator finish in-flight requests first; the bench stops them when idle.
STOP_TIMEOUT_S = 15.0
READY_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if the bench dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ProcessDied(RuntimeError):
    pass


class Process:
    """One child process, its output going to `log_path`."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far, all its threads (Linux /proc)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def check_alive(self) -> None:
        code = self.popen.poll()
        if code is not None:
            raise ProcessDied(f"{self.name} exited with {code}; its log:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time; this process only."""
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def clean_env(**extra: str) -> dict[str, str]:
    """The bench's environment less anything that would point the product elsewhere."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "LOG_LEVEL",
            "LOG_FORMAT",
            "METRICS_PORT",
            "PYTHONASYNCIODEBUG",
            "PYTHONDEVMODE",
        )
    }
    env.update(extra)
    return env


def wait_until_answers(url: str, watched: list[Process], timeout: float = READY_TIMEOUT_S) -> None:
    """Until GET url answers 200; fails at once if a watched process dies meanwhile."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        for process in watched:
            process.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f}s ({last})")


class ProductStack:
    """An orchestrator (embedded SQLite store in its own DATA_DIR) and an edge dialing it."""

    def __init__(
        self, name: str, log_level: str, workdir: Path, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.log_level = log_level
        self.env = env or {}  # more environment for both processes
        self.dir = workdir / name
        self.dir.mkdir(parents=True)
        self.grpc_port = free_port()
        self.metrics_port = free_port()
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.processes: list[Process] = []

    def start(self) -> None:
        grpc_address = f"{HOST}:{self.grpc_port}"
        self.processes.append(
            Process(
                f"{self.name} orchestrator",
                python_module("orchestrator"),
                clean_env(
                    ORCHESTRATOR_ADDRESS=grpc_address,
                    DATA_DIR=str(self.dir / "data"),
                    # Metrics stay on, as in production, on a port of their own.
                    METRICS_PORT=str(self.metrics_port),
                    LOG_LEVEL=self.log_level,
                    **self.env,
                ),
                self.dir / "orchestrator.log",
            )
        )
        self.processes.append(self.edge("edge", self.port))
        # The edge answers a list only once the orchestrator answers it too.
        wait_until_answers(f"{self.url}/projects?page=1&limit=1", self.processes)

    def edge(self, label: str, port: int) -> Process:
        """An edge dialing this stack's orchestrator, listening on `port`."""
        return Process(
            f"{self.name} {label}",
            python_module("edge"),
            clean_env(
                ORCHESTRATOR_ADDRESS=f"{HOST}:{self.grpc_port}",
                EDGE_HOST=HOST,
                EDGE_PORT=str(port),
                LOG_LEVEL=self.log_level,
                **self.env,
            ),
            self.dir / f"{label}.log",
        )

    def stop(self) -> None:
        # The edge first, so that it never sees its orchestrator gone.
        for process in reversed(self.processes):
            process.stop()

    def cpu_seconds(self) -> dict[str, float]:
        return {p.name.rsplit(" ", 1)[-1]: p.cpu_seconds() for p in self.processes}


class OneProcess:
    """A server the bench runs as one Process (None until it starts): what every such
    server shares."""

    process: Process | None = None

    @property
    def processes(self) -> list[Process]:
        return [self.process] if self.process is not None else []

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


class BaselineServer(OneProcess):
    """The bare aiohttp handler, `python -m bench.baseline PORT`."""

    name = "baseline"

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = workdir / "baseline.log"
        self.process: Process | None = None

    def start(self) -> None:
        self.process = Process(
            "baseline",
            python_module("bench.baseline", str(self.port)),
            clean_env(),
            self.log_path,
        )
        wait_until_answers(f"{self.url}/projects/ready", [self.process])

    def cpu_seconds(self) -> dict[str, float]:
        return {"baseline": self.process.cpu_seconds() if self.process else 0.0}
