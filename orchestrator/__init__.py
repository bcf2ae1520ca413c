"""The orchestrator: a grpc.aio service that owns persistence and calls the microservices."""
