"""The servers the edge cache is compared with, as processes started and stopped like the
product's: JSON Server 0.17 (`make bench` installs it from bench/json_server/'s lock file)
serving a db.json of the projects, and FastAPI reading the product's SQLite file directly
(bench/fastapi_direct.py, under uvicorn)."""

import os
import shutil
from pathlib import Path

import orjson

from bench.processes import (
    HOST,
    ROOT,
    OneProcess,
    Process,
    clean_env,
    free_port,
    python_module,
    wait_until_answers,
)

JSON_SERVER = ROOT / "bench" / "json_server" / "node_modules" / "json-server" / "lib" / "cli"
# One uvicorn worker per core: FastAPI's documented way to use a machine's cores.
FASTAPI_WORKERS = os.cpu_count() or 1


class PeerServer(OneProcess):
    """One peer: a process tree answering GET /projects/{id} at `url`."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self.process: Process | None = None

    def _start(self, args: list[str], env: dict[str, str], probe_id: str) -> None:
        self.process = Process(self.name, args, env, self.log_path)
        wait_until_answers(f"{self.url}/projects/{probe_id}", [self.process])


class JsonServer(PeerServer):
    """JSON Server 0.17 as its CLI runs it, but --quiet: no line logged per request, as
    the product runs in the section (LOG_LEVEL=WARNING)."""

    @staticmethod
    def installed() -> bool:
        return (JSON_SERVER / "bin.js").is_file() and shutil.which("node") is not None

    def start(self, projects: list[dict]) -> None:
        db = self.log_path.with_suffix(".json")
        db.write_bytes(orjson.dumps({"projects": projects}))
        node = shutil.which("node") or "node"
        args = [node, str(JSON_SERVER / "bin.js"), str(db), "--host", HOST]
        self._start([*args, "--port", str(self.port), "--quiet"], clean_env(), projects[0]["id"])


class FastApiDirect(PeerServer):
    """bench/fastapi_direct.py under uvicorn, deployed as its docstring says."""

    def start(self, sqlite_path: Path, probe_id: str) -> None:
        args = python_module(
            "uvicorn",
            *("--factory", "bench.fastapi_direct:create_app"),
            *("--host", HOST, "--port", str(self.port), "--workers", str(FASTAPI_WORKERS)),
            *("--loop", "uvloop", "--http", "httptools", "--no-access-log"),
            *("--log-level", "warning"),
        )
        self._start(args, clean_env(BENCH_SQLITE_PATH=str(sqlite_path)), probe_id)
