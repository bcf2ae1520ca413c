"""`python -m orchestrator.healthcheck`: exit 0 when the orchestrator's gRPC health
says SERVING, 1 otherwise. For container healthchecks, which have no grpcurl.

It dials the orchestrator as configured by the same environment: over TLS when the
server has a certificate (trusting GRPC_TLS_CA, else GRPC_TLS_CLIENT_CA), with a client
certificate when the server requires one (GRPC_TLS_CLIENT_CERT/KEY, else the server's
own pair, which a development CA issues for both uses), and with ORCHESTRATOR_TOKEN as
its credential when the health service is not open."""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common.tls import channel_credentials, name_override
from orchestrator.config import OrchestratorSettings


def open_channel(settings: OrchestratorSettings) -> grpc.Channel:
    address = settings.orchestrator_address.replace("0.0.0.0", "127.0.0.1")
    if not settings.tls_on:
        return grpc.insecure_channel(address)
    ca = settings.grpc_tls_ca or settings.grpc_tls_client_ca
    if ca is None:
        raise SystemExit("the healthcheck needs GRPC_TLS_CA to check the server's certificate")
    cert, key = settings.grpc_tls_client_cert, settings.grpc_tls_client_key
    if cert is None and settings.grpc_tls_client_ca is not None:
        cert, key = settings.grpc_tls_cert, settings.grpc_tls_key
    return grpc.secure_channel(
        address, channel_credentials(ca, cert, key), name_override(settings.grpc_tls_server_name)
    )


def main() -> int:
    settings = OrchestratorSettings()
    token = settings.orchestrator_token.get_secret_value()
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    with open_channel(settings) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=2, metadata=metadata
            )
        except grpc.RpcError as exc:
            print(f"unhealthy: {exc.code().name}", file=sys.stderr)
            return 1
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
