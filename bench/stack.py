"""The processes of the generation, video and load benches: a product stack pointed at fake
microservices (`python -m bench.fakes`), and what /proc says of a process's memory and
file descriptors.

ServiceStack is bench.processes.ProductStack given extra environment for both processes
(the four *_SERVICE_URLs, video runner tuning); FakeServices runs like the baseline does.
"""

import contextlib
import json
import os
import urllib.request
from pathlib import Path

from bench.processes import (
    HOST,
    OneProcess,
    Process,
    ProductStack,
    clean_env,
    free_port,
    python_module,
    wait_until_answers,
)

SERVICES = ("SCRIPT", "AUDIO", "IMAGE", "VIDEO")


class FakeServices(OneProcess):
    """`python -m bench.fakes PORT DELAY_MS RENDER_MS`: the four contracts in one process."""

    def __init__(self, name: str, workdir: Path, delay_ms: float, render_ms: float) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.delay_ms = delay_ms
        self.render_ms = render_ms
        self.log_path = workdir / f"{name}.log"
        self.process: Process | None = None

    def start(self) -> None:
        self.process = Process(
            self.name,
            python_module("bench.fakes", str(self.port), str(self.delay_ms), str(self.render_ms)),
            clean_env(),
            self.log_path,
        )
        wait_until_answers(f"{self.url}/bench/renders", [self.process])

    def renders(self) -> dict:
        """{"in_flight": N, "answered": {audio_path: time.time() of the answer}}."""
        with urllib.request.urlopen(f"{self.url}/bench/renders", timeout=5) as response:
            return json.loads(response.read())

    def service_env(self) -> dict[str, str]:
        return {f"{name}_SERVICE_URL": self.url for name in SERVICES}


class ServiceStack(ProductStack):
    """An orchestrator and an edge as ProductStack starts them (with the services'
    environment), and what the benches read of them."""

    def by_role(self) -> dict[str, Process]:
        """{"orchestrator": ..., "edge": ...}."""
        return {p.name.rsplit(" ", 1)[-1]: p for p in self.processes}

    def data_bytes(self) -> int:
        """Bytes of the embedded store's files (the database, its WAL)."""
        data = self.dir / "data"
        return sum(p.stat().st_size for p in data.rglob("*") if p.is_file())


def faked_stack(
    stop: contextlib.ExitStack,
    name: str,
    workdir: Path,
    delay_ms: float,
    render_ms: float,
    **extra_env: str,
) -> tuple[FakeServices, ServiceStack]:
    """Fake services, then a product stack pointed at them (with `extra_env`), both
    stopped by `stop`."""
    fakes = FakeServices(f"fakes-{name}", workdir, delay_ms, render_ms)
    stop.callback(fakes.stop)
    fakes.start()
    stack = ServiceStack(name, "INFO", workdir, {**fakes.service_env(), **extra_env})
    stop.callback(stack.stop)
    stack.start()
    return fakes, stack


def rss_kb(pid: int) -> int:
    """Resident memory (VmRSS) in kB, from /proc; 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def open_fds(pid: int) -> int:
    """How many file descriptors the process has open; -1 if /proc does not say."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def connections_to(pid: int, port: int) -> int:
    """How many of the process's open sockets are TCP connections to `port` (a service's):
    its keep-alive pool, which may grow up to the most calls it has made at once."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    except OSError:
        return -1
    count = 0
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    count += 1
    return count


def resources(stack: ServiceStack, service_port: int | None = None) -> dict[str, dict[str, int]]:
    """{"edge": {"rss_kb", "fds", "service_conns"}, "orchestrator": {...}}; service_conns:
    how many of the fds are connections to the fake services at `service_port`."""
    return {
        role: {
            "rss_kb": rss_kb(p.pid),
            "fds": open_fds(p.pid),
            "service_conns": connections_to(p.pid, service_port) if service_port else 0,
        }
        for role, p in stack.by_role().items()
    }
