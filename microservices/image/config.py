"""The image service's settings (environment prefix IMAGE_SERVICE_)."""

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings
from microservices.common.fetch import FetchSettings


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
    # Provider answers given as URLs are downloaded through the fetch policy: the fetch_*
    # settings (microservices/common/fetch/config.py).
