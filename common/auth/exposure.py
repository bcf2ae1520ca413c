"""The start-up warning of a process that listens beyond this machine with no check of
who calls: `make run` listens on loopback only, a deployment should close the door."""

import ipaddress
import logging


def is_loopback(host: str) -> bool:
    """Whether `host` (a listen host, `host:port`, or `unix:/path`) is this machine only."""
    if host.startswith("unix:"):
        return True
    if host.count(":") == 1 or (host.startswith("[") and "]:" in host):
        host = host.rsplit(":", 1)[0]  # host:port or [v6]:port
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name (or 0.0.0.0): reachable from elsewhere


def warn_if_exposed(log: logging.Logger, host: str, protected: bool) -> None:
    if not protected and not is_loopback(host):
        log.warning(
            "listening on %s with no access control: anyone who reaches it may call it "
            "(set AUTH_API_KEYS or AUTH_ISSUER/AUTH_AUDIENCE; see README 'Access')",
            host,
        )
