"""Page tokens of ListProjects: opaque to clients, an offset to us (AIP-158)."""

import base64
import binascii

from orchestrator.errors import InvalidArgument, Violation

PREFIX = "o:"


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{offset}".encode()).decode()


def decode(token: str) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith(PREFIX) and text[len(PREFIX) :].isdigit():
            return int(text[len(PREFIX) :])
    except (binascii.Error, ValueError):
        pass
    raise InvalidArgument([Violation("page_token", "is not a token this API gave")])
