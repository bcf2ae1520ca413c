""".env.example documents every setting of every process, and nothing else, with the
defaults the code really has."""

from pathlib import Path

import pytest

from edge.config import EdgeSettings
from orchestrator.config import OrchestratorSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [EdgeSettings, OrchestratorSettings]


def documented() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key: value for key, value in pairs}


def fields() -> dict[str, object]:
    return {
        name.upper(): info.default for cls in SETTINGS for name, info in cls.model_fields.items()
    }


def test_every_setting_is_documented_and_nothing_else() -> None:
    assert set(documented()) == set(fields())


@pytest.mark.parametrize("name", sorted(fields()))
def test_the_documented_default_is_the_real_one(name: str) -> None:
    default, written = fields()[name], documented()[name]
    if default is None:
        assert written == ""
    elif isinstance(default, float):
        assert float(written) == default
    elif isinstance(default, Path):
        assert Path(written) == default
    else:
        assert written == str(default).rstrip("/")
