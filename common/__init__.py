"""Code the processes share: logging with the request id, and the enum labels of the
contract (edge and orchestrator only)."""
