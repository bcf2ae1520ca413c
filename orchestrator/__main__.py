"""`python -m orchestrator`: serve gRPC until SIGTERM or SIGINT, then stop gracefully."""

import asyncio
import logging
import signal

import uvloop

from common.auth.exposure import warn_if_exposed
from common.logs import configure_logging
from orchestrator.config import OrchestratorSettings
from orchestrator.metrics import serve_metrics
from orchestrator.server import create_server

log = logging.getLogger("orchestrator")


async def serve(settings: OrchestratorSettings) -> None:
    serve_metrics(settings.metrics_host, settings.metrics_port)
    orchestrator = await create_server(settings)
    await orchestrator.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log.info("stopping: in-flight RPCs have %.0fs to finish", settings.shutdown_grace_s)
    await orchestrator.stop(settings.shutdown_grace_s)
    log.info("stopped")


def main() -> None:
    settings = OrchestratorSettings()
    configure_logging(settings.log_level, settings.log_format)
    protected = settings.auth_on or settings.grpc_tls_client_ca is not None
    warn_if_exposed(log, settings.orchestrator_address, protected)
    uvloop.run(serve(settings))


if __name__ == "__main__":
    main()
