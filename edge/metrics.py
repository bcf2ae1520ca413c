"""The edge's Prometheus metrics, served at GET /metrics."""

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "ai_studio_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "ai_studio_http_request_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150),
)

CACHE_READS = Counter(
    "ai_studio_edge_cache_reads_total",
    "Reads the edge cache answered (hit) or sent on to the orchestrator (miss, the stream"
    " down included), by what was read: a project or a list. Not counted with the cache off.",
    ["kind", "result"],
)
# Bound once: a hit costs a few microseconds, the label lookup would be a part of it.
PROJECT_HITS = CACHE_READS.labels("project", "hit")
PROJECT_MISSES = CACHE_READS.labels("project", "miss")
LIST_HITS = CACHE_READS.labels("list", "hit")
LIST_MISSES = CACHE_READS.labels("list", "miss")


def route_of(request: web.Request) -> str:
    """The route template ("/projects/{id}"), never the raw path: ids would make the
    label set grow without bound."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def observe(request: web.Request, status: int, seconds: float) -> None:
    route = route_of(request)
    REQUESTS.labels(route, request.method, str(status)).inc()
    LATENCY.labels(route, request.method).observe(seconds)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
