"""The orchestrator's settings, from the environment only (names as in the contract)."""

from pathlib import Path
from typing import cast

from pydantic import Field, HttpUrl, field_validator
from pydantic_settings import SettingsConfigDict

from common.auth.settings import AuthSettings
from common.origins import OriginsText
from common.process_settings import ProcessSettings
from common.tls import OrchestratorClientSettings
from orchestrator.tls import TlsServerSettings


def URL(default: str) -> HttpUrl:
    """A URL default, kept as the text given (pydantic does not validate defaults)."""
    return cast(HttpUrl, default)


# Access (AUTH_*, GRPC_TLS_*), the shutdown grace and logging come from the mixins; the
# client side (GRPC_TLS_CA...) is for `python -m orchestrator.healthcheck`.
class OrchestratorSettings(
    AuthSettings, TlsServerSettings, OrchestratorClientSettings, ProcessSettings
):
    # An empty variable (as in a copied .env.example) means "the default".
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    # Where gRPC listens: host:port, or unix:/path for a Unix socket.
    orchestrator_address: str = "127.0.0.1:50051"
    # mongodb://... selects MongoDB; unset (or empty) selects the embedded store.
    database_url: str | None = None
    # Where the embedded store keeps its file.
    data_dir: Path = Path("./data")
    # How long one store operation may take before it fails (504).
    store_timeout_s: float = Field(5.0, gt=0)
    # Prometheus metrics at http://METRICS_HOST:METRICS_PORT/metrics; 0 turns them off.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9464, ge=0, le=65535)
    # How often the store is pinged for the gRPC health status.
    health_interval_s: float = Field(2.0, gt=0)
    # SQLite page cache; the default 2 MB is smaller than a 1,000-project store.
    sqlite_cache_mb: int = Field(64, ge=2)
    # The microservices: base URLs (the local reference services by default) and how long
    # one call may take, bounded also by what is left of the RPC's deadline.
    script_service_url: HttpUrl = URL("http://127.0.0.1:8101")
    audio_service_url: HttpUrl = URL("http://127.0.0.1:8102")
    image_service_url: HttpUrl = URL("http://127.0.0.1:8103")
    video_service_url: HttpUrl = URL("http://127.0.0.1:8104")
    script_timeout_s: float = Field(60.0, gt=0)
    audio_timeout_s: float = Field(120.0, gt=0)
    image_timeout_s: float = Field(120.0, gt=0)
    video_timeout_s: float = Field(300.0, gt=0)
    # Origins (scheme://host:port, comma-separated) of media a render may fetch from
    # private networks, besides the services' own: the names browsers reach the media
    # services by (in docker-compose, http://localhost:8102,...). See media_urls.py.
    trusted_media_origins: OriginsText = ""
    # The largest answer read from a microservice; a bigger one is an upstream error.
    service_max_answer_bytes: int = Field(1024 * 1024, ge=1024)
    # Calls that cannot have been processed (connection refused, 503 + Retry-After)
    # are tried this many times in all, within this many seconds.
    service_attempts: int = Field(3, ge=1)
    service_retry_budget_s: float = Field(5.0, ge=0)
    # Video render jobs: how many renders one process runs at once; how long a claim's
    # lease lasts (renewed every third of it while the render runs); how often idle
    # runners look for due jobs; how many attempts a job gets, and the backoff between.
    video_concurrency: int = Field(2, ge=1)
    video_lease_s: float = Field(30.0, gt=0)
    video_poll_s: float = Field(0.5, gt=0)
    video_max_attempts: int = Field(3, ge=1)
    video_retry_base_s: float = Field(2.0, ge=0)
    video_retry_max_s: float = Field(60.0, ge=0)
    # With AUTH_* set, whether the gRPC health service and reflection stay open to
    # callers without a credential.
    grpc_auth_open_health: bool = True
    grpc_auth_open_reflection: bool = True
    # Live projects: how many recent changes the store's change log keeps (a watcher that
    # fell further behind must re-list), and how often a watch reads the log for changes
    # made by other orchestrators sharing the store (this process's own wake it at once).
    change_log_size: int = Field(10_000, ge=100)
    watch_poll_s: float = Field(0.05, gt=0)
    # How often a render's progress is read from the video service and shown on its job.
    video_progress_s: float = Field(1.0, gt=0)

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
