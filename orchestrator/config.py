"""The orchestrator's settings, from the environment only (names as in the contract)."""

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrchestratorSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # Where gRPC listens: host:port, or unix:/path for a Unix socket.
    orchestrator_address: str = "127.0.0.1:50051"
    # mongodb://... selects MongoDB; unset (or empty) selects the embedded store.
    database_url: str | None = None
    # Where the embedded store keeps its file.
    data_dir: Path = Path("./data")
    # How long one store operation may take before it fails (504).
    store_timeout_s: float = Field(5.0, gt=0)
    # SQLite page cache; the default 2 MB is smaller than a 1,000-project store.
    sqlite_cache_mb: int = Field(64, ge=2)
    # How long in-flight RPCs may run on after SIGTERM/SIGINT.
    shutdown_grace_s: float = Field(10.0, ge=0)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _mongodb_only(cls, url: str | None) -> str | None:
        if not url:
            return None
        if not url.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError(
                "DATABASE_URL must be a mongodb:// URL, or unset for the embedded store"
            )
        return url
