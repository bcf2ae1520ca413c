"""The edge's settings, from the environment only (names as in the contract)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.auth.settings import AuthSettings
from common.process_settings import ProcessSettings
from common.tls import OrchestratorClientSettings


# Access (AUTH_*), TLS to the orchestrator (GRPC_TLS_*, ORCHESTRATOR_TOKEN), the shutdown
# grace and logging come from the mixins.
class EdgeSettings(AuthSettings, OrchestratorClientSettings, ProcessSettings):
    # An empty variable (as in a copied .env.example) means "the default".
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    edge_host: str = "127.0.0.1"
    edge_port: int = Field(8001, ge=0, le=65535)
    # How many processes serve the port (SO_REUSEPORT; edge/workers.py): one per core the
    # edge may use. Each keeps its own cache, event streams and metrics.
    edge_workers: int = Field(1, ge=1, le=64)
    # Where the orchestrator's gRPC listens: host:port, or unix:/path.
    orchestrator_address: str = "127.0.0.1:50051"
    # The browser origins allowed by CORS, comma-separated.
    frontend_url: str = "http://localhost:3000"
    # The largest request body accepted; larger ones get a 413.
    max_body_bytes: int = Field(1024 * 1024, ge=1)
    # The deadline of each CRUD call to the orchestrator.
    grpc_timeout_s: float = Field(10.0, gt=0)
    # The deadline of each generation call (script, audio, images): it covers the
    # orchestrator's call to the microservice, so it is longer than theirs.
    generation_timeout_s: float = Field(150.0, gt=0)
    # How long GET /readyz waits for the orchestrator's health check.
    ready_timeout_s: float = Field(1.0, gt=0)
    # Server-Sent Events (GET /projects/{id}/events): how many streams one edge keeps open
    # (past it: 503 with Retry-After, in seconds), and how often an idle stream gets a
    # heartbeat comment.
    sse_max_streams: int = Field(1000, ge=1)
    sse_retry_after_s: int = Field(5, ge=1)
    sse_heartbeat_s: float = Field(15.0, gt=0)
    # The read cache of GET /projects/{id}, kept coherent by the orchestrator's change
    # feed (WatchProjects): on or off, and how many projects it holds.
    edge_cache: bool = True
    edge_cache_size: int = Field(10_000, ge=1)
    # The same cache's lists (GET /projects answers, emptied on any change): how many, 0
    # for none, and how many MiB of answers at most (a larger answer is not kept).
    edge_list_cache_size: int = Field(1_000, ge=0)
    edge_list_cache_mb: int = Field(64, ge=1)
    # With access control on and no ORCHESTRATOR_TOKEN (callers' credentials forwarded),
    # the credential of the cache's own stream, which runs for no caller: a key of the
    # orchestrator's AUTH_API_KEYS (or a token). Unset there, the cache stays off.
    edge_cache_token: SecretStr = SecretStr("")

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.frontend_url.split(",") if o.strip()]
