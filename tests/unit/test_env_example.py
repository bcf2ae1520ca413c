""".env.example documents every setting of every process, and nothing else, with the
defaults the code really has."""

from pathlib import Path

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


def written(default: object) -> str:
    """How .env.example writes a default: empty for a computed one."""
    if default is None:
        return ""
    if isinstance(default, SecretStr):
        return default.get_secret_value()
    return str(default).rstrip("/")


def same(default: object, text: str) -> bool:
    """Whether `text`, as written in .env.example, is the default."""
    if isinstance(default, float):
        return float(text) == default
    if isinstance(default, Path):
        return Path(text) == default
    return text == written(default)


def test_every_documented_default_is_the_real_one() -> None:
    docs = documented()
    wrong = {
        name: (docs[name], written(default))
        for name, default in fields().items()
        if name in docs and not same(default, docs[name])
    }
    assert wrong == {}  # name: (documented, real)


def test_a_copied_env_example_configures_every_process_with_its_defaults(monkeypatch) -> None:
    for key in documented():
        monkeypatch.delenv(key, raising=False)
    defaults = {cls: cls().model_dump() for cls in SETTINGS}
    for key, value in documented().items():
        monkeypatch.setenv(key, value)
    for cls in SETTINGS:
        assert cls().model_dump() == defaults[cls], cls.__name__
