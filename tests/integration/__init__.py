"""Integration tests: the real grpc.aio orchestrator on SQLite, and the real edge over HTTP."""
