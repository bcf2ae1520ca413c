"""The image service's settings (environment prefix IMAGE_SERVICE_): the drawing pool,
and the optional picture provider (PROVIDER=openai or stability) that replaces the
drawings when it is chosen. A chosen provider must be configured whole: the service
refuses to start otherwise, and never falls back to drawings in silence."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings
from microservices.common.fetch import FetchSettings

# The public APIs, used when PROVIDER_URL is left empty.
PUBLIC_URLS = {"openai": "https://api.openai.com/v1", "stability": "https://api.stability.ai"}


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class ImageSettings(ServiceSettings, FetchSettings):
    model_config = SettingsConfigDict(env_prefix="IMAGE_SERVICE_", extra="ignore", frozen=True)

    port: int = Field(8103, ge=0, le=65535)
    media_dir: Path = Path("./data/media/image")
    # Processes drawing images; the event loop never draws.
    workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    # How long one request (a single image or a whole batch) may take, seconds.
    request_timeout_s: float = Field(120.0, gt=0)
    # zlib level of the PNG files: 1 is fast and larger, 9 is slow and smaller.
    png_compress_level: int = Field(3, ge=0, le=9)

    # Who makes the pictures: the offline drawings, or a provider.
    provider: Literal["drawing", "openai", "stability"] = "drawing"
    # The provider's base URL (openai: .../v1, POST {url}/images/generations; stability:
    # POST {url}/v2beta/stable-image/generate/core); empty: the provider's public API.
    provider_url: str = ""
    provider_api_key: SecretStr = SecretStr("")
    # openai: dall-e-3, gpt-image-1, or a local server's model; stability: core (empty),
    # ultra, or an sd3 model (sd3.5-large...).
    provider_model: str = ""
    # Provider calls in flight at once, over every request (a batch's scenes share it).
    provider_concurrency: int = Field(4, ge=1, le=64)
    # One call's time, and the bounds on retrying 429/5xx answers.
    provider_timeout_s: float = Field(90.0, gt=0)
    provider_connect_timeout_s: float = Field(10.0, gt=0)
    provider_attempts: int = Field(3, ge=1, le=10)
    provider_retry_budget_s: float = Field(30.0, ge=0)
    # The largest answer read from the provider (and image downloaded from it).
    provider_max_answer_bytes: int = Field(40 * 1024 * 1024, ge=1024)
    # The largest picture (in pixels) decoded from a provider's answer.
    provider_max_pixels: int = Field(40_000_000, ge=1)

    @model_validator(mode="after")
    def _provider_configured(self) -> "ImageSettings":
        if self.provider == "drawing":
            return self
        missing = []
        if self.provider == "openai" and not self.provider_model:
            missing.append("IMAGE_SERVICE_PROVIDER_MODEL")
        # A local OpenAI-compatible server may need no key; the public APIs always do.
        if not self.provider_api_key.get_secret_value() and (
            self.provider == "stability" or not self.provider_url
        ):
            missing.append("IMAGE_SERVICE_PROVIDER_API_KEY")
        if missing:
            raise ValueError(f"IMAGE_SERVICE_PROVIDER={self.provider} needs {', '.join(missing)}")
        if not self.base_provider_url.startswith(("http://", "https://")):
            raise ValueError("IMAGE_SERVICE_PROVIDER_URL must be an absolute http(s) URL")
        return self

    @property
    def base_provider_url(self) -> str:
        return (self.provider_url or PUBLIC_URLS.get(self.provider, "")).rstrip("/")

    # Provider answers given as URLs are downloaded through the fetch policy: the fetch_*
    # settings (microservices/common/fetch/config.py).
