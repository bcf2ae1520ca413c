"""Running the product's processes as `make run` does: the Procfile's commands, with
the venv's python first on PATH, configured by environment variables only."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    """The Procfile's commands by process name, without the shell's `exec` (there so
    that honcho's signals reach the process itself and it reports its exit code). They
    are shell commands (honcho runs them with sh), as Process runs them."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(
        (name.strip(), command.strip().removeprefix("exec "))
        for name, _, command in (line.partition(":") for line in lines)
        if command
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What an e2e render needs is a valid MP4 of the asked size, rate and length: x264's
# fastest preset makes it (a quarter sooner than the default's); the default preset's
# output is the video service's own tests'. A test's `extra` may set another.
FAST_RENDERS = {"VIDEO_SERVICE_X264_PRESET": "ultrafast"}


def stack_env(tmp_path: Path, edge_port: int, grpc_port: int, **extra: str) -> dict[str, str]:
    """The edge's and the orchestrator's settings: their ports, data under tmp_path, no
    metrics port; fast renders; then `extra`."""
    return {
        "EDGE_PORT": str(edge_port),
        "ORCHESTRATOR_ADDRESS": f"127.0.0.1:{grpc_port}",
        "DATA_DIR": str(tmp_path / "data"),
        "METRICS_PORT": "0",
        **FAST_RENDERS,
        **extra,
    }


def environment(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


class Process:
    """One process of the product, its output in a log file for when a test fails."""

    def __init__(
        self, command: str, env: dict[str, str], log: Path, health: str | None = None
    ) -> None:
        self.log = log
        self.health = health  # a URL that answers 200 once the process serves
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def wait(self, timeout: float = 15) -> int:
        return self.popen.wait(timeout)

    def stop(self) -> int:
        self.signal(signal.SIGTERM)
        try:
            return self.wait()
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()


SERVICES = ("script", "audio", "image", "video")


def start_product(
    tmp_path: Path, extra_env: dict[str, str], replaced: dict[str, str] | None = None
) -> tuple[str, list[Process]]:
    """Every process of the Procfile on free ports, media and data under tmp_path; the
    edge's URL and the processes (a service's `health` is its /healthz). `replaced` maps
    a service to the URL of a stand-in the orchestrator calls instead (that service is
    then not started)."""
    replaced = replaced or {}
    ports = {name: free_port() for name in SERVICES}
    edge_port = free_port()
    env = stack_env(tmp_path, edge_port, free_port(), **extra_env)
    for name, port in ports.items():
        prefix = name.upper()
        env[f"{prefix}_SERVICE_PORT"] = str(port)
        env[f"{prefix}_SERVICE_MEDIA_DIR"] = str(tmp_path / "media" / name)
        env[f"{prefix}_SERVICE_URL"] = replaced.get(name, f"http://127.0.0.1:{port}")
    health = {name: f"http://127.0.0.1:{port}/healthz" for name, port in ports.items()}
    processes = [
        Process(command, environment(**env), tmp_path / f"{name}.log", health.get(name))
        for name, command in procfile().items()
        if name not in replaced
    ]
    return f"http://127.0.0.1:{edge_port}", processes


def wait_until(url: str, timeout: float = 20, ok: tuple[int, ...] = (200,)) -> None:
    """Poll `url` until it answers one of `ok`."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status in ok:
                    return
                last = answer.status
        except urllib.error.HTTPError as exc:
            last = exc.code
            if exc.code in ok:
                return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {ok} within {timeout}s (last: {last})")


async def until_ok(session: aiohttp.ClientSession, url: str, within: float = 30) -> None:
    """Poll `url` until it answers 200."""
    async with asyncio.timeout(within):
        while True:
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


async def until_ready(session: aiohttp.ClientSession, base: str, within: float = 30) -> None:
    """Poll the edge's /readyz until the orchestrator behind it serves."""
    await until_ok(session, f"{base}/readyz", within)


async def call(session: aiohttp.ClientSession, method: str, url: str, body=None) -> dict:
    """A REST call that must succeed; its JSON answer."""
    async with session.request(method, url, json=body) as answer:
        payload = await answer.json()
        assert answer.status in (200, 201, 202), (url, answer.status, payload)
        return payload


async def download(session: aiohttp.ClientSession, url: str, path: Path) -> Path:
    """A medium the product serves, written to `path`."""
    async with session.get(url) as answer:
        assert answer.status == 200, url
        data = await answer.read()
    await asyncio.to_thread(path.write_bytes, data)
    return path


# The README walk-through's project.
BEES = {
    "title": "Why bees matter",
    "description": "Bees pollinate crops. Without them, many fruits disappear.",
    "use_case": "youtube_short",
    "language": "en",
    "images": [{"prompt": p} for p in ("a bee", "a field of flowers", "fruit")],
}


async def create_project(session: aiohttp.ClientSession, base: str, body: dict) -> str:
    """A new project of `body`; its URL."""
    project = await call(session, "POST", f"{base}/projects", body)
    return f"{base}/projects/{project['id']}"


async def until_video_ready(session: aiohttp.ClientSession, url: str) -> dict:
    """Poll the project at `url` while its render is queued or running; the project."""
    async with asyncio.timeout(240):
        while (done := await call(session, "GET", url))["status"] != "video_ready":
            assert done["video_job"]["state"] in ("queued", "rendering"), done["video_job"]
            await asyncio.sleep(0.5)
    return done
