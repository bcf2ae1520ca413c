""".env.example documents every setting of every process, and nothing else, with the
defaults the code really has."""

from pathlib import Path

import pytest
from pydantic import SecretStr

from edge.config import EdgeSettings
from microservices.audio.config import AudioSettings
from microservices.image.config import ImageSettings
from microservices.script.config import ScriptSettings
from microservices.video.config import VideoSettings
from orchestrator.config import OrchestratorSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [
    EdgeSettings,
    OrchestratorSettings,
    ScriptSettings,
    AudioSettings,
    ImageSettings,
    VideoSettings,
]


def documented() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key: value for key, value in pairs}


def fields() -> dict[str, object]:
    """Every setting by its environment name (its alias if it has one: those are shared,
    unprefixed), with its default (a computed default is documented empty)."""
    return {
        (
            info.validation_alias
            if isinstance(info.validation_alias, str)
            else cls.model_config.get("env_prefix", "") + name
        ).upper(): (None if info.default_factory else info.default)
        for cls in SETTINGS
        for name, info in cls.model_fields.items()
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
    elif isinstance(default, SecretStr):
        assert written == default.get_secret_value()
    else:
        assert written == str(default).rstrip("/")


def test_a_copied_env_example_configures_every_process_with_its_defaults(monkeypatch) -> None:
    for key in documented():
        monkeypatch.delenv(key, raising=False)
    defaults = {cls: cls().model_dump() for cls in SETTINGS}
    for key, value in documented().items():
        monkeypatch.setenv(key, value)
    for cls in SETTINGS:
        assert cls().model_dump() == defaults[cls], cls.__name__
