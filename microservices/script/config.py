"""The script service's settings: the common ones under SCRIPT_SERVICE_, plus the
optional OpenAI-compatible chat-completions provider (used only when its URL, key and
model are all set; the offline writer otherwise)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings


class ScriptSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCRIPT_SERVICE_", extra="ignore", frozen=True)

    port: int = Field(8101, ge=0, le=65535)
    # The script service makes no media; the scaffold still wants a directory.
    media_dir: Path = Path("./data/media/script")
    # The provider's base URL, e.g. https://api.openai.com/v1 (POST {url}/chat/completions).
    llm_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_temperature: float = Field(0.7, ge=0, le=2)
    # The largest answer read from the provider.
    llm_max_answer_bytes: int = Field(1024 * 1024, ge=1024)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_url and self.llm_api_key.get_secret_value() and self.llm_model)

    @property
    def llm_missing(self) -> list[str]:
        """The provider settings still unset when only some are: a likely mistake."""
        values = {
            "SCRIPT_SERVICE_LLM_URL": self.llm_url,
            "SCRIPT_SERVICE_LLM_API_KEY": self.llm_api_key.get_secret_value(),
            "SCRIPT_SERVICE_LLM_MODEL": self.llm_model,
        }
        missing = [name for name, value in values.items() if not value]
        return missing if len(missing) < len(values) else []
