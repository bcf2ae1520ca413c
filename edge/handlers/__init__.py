"""Request handlers: codec in, one RPC with a deadline and the request id, codec out."""
