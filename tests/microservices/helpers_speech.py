"""What the script and audio service tests share: the common error shape, raw HTTP
requests (for paths a client library would normalise), and a service run as a real
process."""

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[2]


async def assert_error(response: aiohttp.ClientResponse, status: int, code: str | None = None):
    """The response is `status` with the common error body; the body."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    assert "Traceback" not in body["detail"]
    if code is not None:
        assert body["code"] == code, body
    if body["code"] == "VALIDATION_ERROR":
        assert body["errors"], body
        for error in body["errors"]:
            assert isinstance(error["field"], str) and isinstance(error["message"], str)
    return body


def fields_of(body: dict) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


async def raw_status(host: str, port: int, target: str) -> int:
    """The status of `GET target`, sent byte for byte as given."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode("latin-1"))
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return int(status_line.split()[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def service_process(module: str, env: dict[str, str]) -> AsyncIterator[tuple[str, list]]:
    """`python -m module` with `env`, once it answers /healthz: its base URL, and a list
    that receives its exit code after it is stopped with SIGTERM on leaving."""
    port = free_port()
    prefix = module.rsplit(".", 1)[1].upper() + "_SERVICE_"
    environment = {
        **os.environ,
        **env,
        f"{prefix}HOST": "127.0.0.1",
        f"{prefix}PORT": str(port),
        f"{prefix}LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        cwd=ROOT,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    result: list = []
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with session.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert process.returncode is None, "the service exited early"
                assert time.monotonic() < deadline, "the service did not come up"
                await asyncio.sleep(0.1)
        yield base, result
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        except TimeoutError:
            process.kill()
            _, stderr = await process.communicate()
        result.append(process.returncode)
        result.append([orjson.loads(line) for line in stderr.splitlines() if line.startswith(b"{")])
