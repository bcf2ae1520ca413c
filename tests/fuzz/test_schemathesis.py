"""Schemathesis against /openapi.json over the real edge and orchestrator (fake
microservices behind): every phase (examples, coverage, fuzzing, stateful; in two runs,
PARTS), every check, deterministic generation. No answer may be a 5xx or contradict the
document.

Schemathesis runs in its own process (its CLI, with tests/fuzz/schemathesis.toml): it
calls the API with blocking requests, and the stack it calls runs in this test's event
loop. Reproduce a run by hand against `make run`:

    .venv/bin/schemathesis --config-file tests/fuzz/schemathesis.toml run \\
        http://127.0.0.1:8001/openapi.json --checks all --max-examples 25 \\
        --generation-deterministic --workers 1 --phases fuzzing,stateful
"""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
DOCUMENT = json.loads((ROOT / "edge" / "openapi.json").read_text())
# Every documented operation but GET /openapi.json (schemathesis leaves out the document
# it was given) and the never-ending event stream (turned off in schemathesis.toml).
OPERATIONS = sum(
    method in ("get", "put", "post", "delete", "patch")
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if path not in ("/openapi.json", "/projects/{id}/events")
)
# Per operation and phase (the coverage phase makes every case the schema defines, however
# many): a fixed-seed regression net in CI; `make fuzz` explores with 100 and random seeds.
MAX_EXAMPLES = 25
# The four phases in two runs of about the same length, each on its own stack, so that
# pytest-xdist runs them at once; each part's statuses show it reached the API's logic,
# not only its 404s and 400s.
PARTS = {
    "examples,coverage": {200, 201, 202, 204, 400, 404},
    "fuzzing,stateful": {200, 201, 204, 400, 404},
}
MIN_CASES = 300  # per part
TIME_LIMIT_S = 240
# `make fuzz` (by hand, not CI): a random seed it prints, more examples, the checks the
# API promises (FUZZ_SEED, FUZZ_MAX_EXAMPLES, FUZZ_TIME_LIMIT_S); CI stays deterministic.
FUZZ_SEED = os.environ.get("FUZZ_SEED", "")
LIMIT_S = float(os.environ.get("FUZZ_TIME_LIMIT_S", TIME_LIMIT_S))
FUZZ_CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
)


def _run_options(phases: str) -> list[str]:
    if not FUZZ_SEED:
        return [
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-deterministic",
            "--phases",
            phases,
        ]
    examples = os.environ.get("FUZZ_MAX_EXAMPLES", "100")
    return [
        *("--checks", FUZZ_CHECKS, "--max-examples", examples, "--seed", FUZZ_SEED),
        *("--phases", phases),
    ]


async def run_schemathesis(url: str, workdir: Path, phases: str) -> tuple[int, str, dict]:
    report = workdir / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        *_run_options(phases),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    env = {
        **os.environ,
        # The hooks import the edge's tables; hypothesis keeps its caches out of the tree.
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "protos" / "gen")]),
        "HYPOTHESIS_STORAGE_DIRECTORY": str(workdir / "hypothesis"),
        "NO_COLOR": "1",
    }
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), LIMIT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    text = output.decode(errors="replace")
    return process.returncode, text, json.loads(report.read_text()) if report.exists() else {}


# Past the suite's per-test timeout when `make fuzz` gives it longer: its own limit
# applies first, with room for the stack's start and stop.
@pytest.mark.timeout(LIMIT_S + 120)
@pytest.mark.parametrize("phases", PARTS)
async def test_schemathesis_finds_no_failure(stack: Stack, tmp_path: Path, phases: str) -> None:
    code, output, report = await run_schemathesis(stack.url, tmp_path, phases)
    print(output)  # shown by pytest when the test fails
    cases = report["test_cases"]
    answered = sum(stack.answers.statuses.values())
    print(f"cases {cases}, edge answers {dict(sorted(stack.answers.statuses.items()))}")

    assert code == 0, "schemathesis failed: see its output above"
    assert report["complete"] and report["stop_reason"] == "completed"
    assert cases["with_failures"] == 0 and report["failures"] == []
    assert cases["errored"] == 0 and report["errors"] == []
    assert report["operations"]["tested"] == report["operations"]["selected"] == OPERATIONS
    assert set(report["phases"]) == {"examples", "coverage", "fuzzing", "stateful"}
    ran = {name for name, phase in report["phases"].items() if phase["status"] == "success"}
    assert ran == set(phases.split(",")), report["phases"]
    assert cases["generated"] >= MIN_CASES
    # The edge's side of it: every case was answered, none with a 5xx.
    assert answered >= MIN_CASES
    assert stack.answers.server_errors == []
    assert not any(status >= 500 for status in stack.answers.statuses)
    assert PARTS[phases] <= set(stack.answers.statuses)
