"""What the three processes agree on at their edges: which request id is taken from a
caller, and the JSON shape of an error answer."""

import re
import uuid
from typing import Any

# A caller's request id is kept only if it is short and plain: it goes into logs, gRPC
# metadata and other services' headers, where control characters or megabytes have no
# place.
MAX_REQUEST_ID = 128
SAFE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID}}}")


def is_safe_request_id(given: str) -> bool:
    return SAFE_REQUEST_ID.fullmatch(given) is not None


def request_id_or_new(given: str | None) -> str:
    """The caller's request id when it is safe, else a new one (HTTP: edge, services)."""
    return given if given and is_safe_request_id(given) else uuid.uuid4().hex


def error_body(
    detail: str, code: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """Every error answer: {detail, code, errors?}; `errors` lists {field, message}."""
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    return body
