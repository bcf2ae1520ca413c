"""The orchestrator's Prometheus metrics, served on their own HTTP port (METRICS_PORT)."""

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

RPCS = Counter("ai_studio_rpcs_total", "RPCs answered, by method and code.", ["method", "code"])
RPC_SECONDS = Histogram("ai_studio_rpc_seconds", "Time to answer an RPC.", ["method"])
UPSTREAM_CALLS = Counter(
    "ai_studio_upstream_calls_total",
    "Calls to the microservices, by service and outcome (ok or the error's reason).",
    ["service", "outcome"],
)
UPSTREAM_SECONDS = Histogram(
    "ai_studio_upstream_seconds",
    "Time a microservice call took, retries included.",
    ["service"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
RENDER_JOBS = Counter(
    "ai_studio_render_jobs_total",
    "Render job transitions by this process: claimed, succeeded, requeued, failed, released, lost.",
    ["state"],
)
QUEUE_DEPTH = Gauge("ai_studio_render_queue_depth", "Render jobs queued or rendering.")
LEASE_TAKEOVERS = Counter(
    "ai_studio_render_lease_takeovers_total",
    "Jobs claimed after their previous owner's lease expired.",
)


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on a thread of its own; port 0 turns it off. A busy port is
    logged, not fatal: metrics are not worth refusing RPCs for."""
    if not port:
        return
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("metrics not served: cannot listen on %s:%s (%s)", host, port, exc)
