"""`python -m bench`: throughput and latency of the real edge → orchestrator → SQLite chain,
measured with wrk against a bare aiohttp handler on the same machine in the same run."""
