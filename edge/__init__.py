"""The edge: an aiohttp server that serves the REST contract and translates it into gRPC."""
