"""Code both processes share: logging with the request id. Nothing here knows the domain."""
