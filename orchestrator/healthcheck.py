"""`python -m orchestrator.healthcheck`: exit 0 when the orchestrator's gRPC health
says SERVING, 1 otherwise. For container healthchecks, which have no grpcurl."""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from orchestrator.config import OrchestratorSettings


def main() -> int:
    address = OrchestratorSettings().orchestrator_address.replace("0.0.0.0", "127.0.0.1")
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=2
            )
        except grpc.RpcError as exc:
            print(f"unhealthy: {exc.code().name}", file=sys.stderr)
            return 1
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
