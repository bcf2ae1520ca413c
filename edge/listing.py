"""GET /projects: the query string (with JSON Server's aliases) into ListProjectsRequest,
and the paging headers of the answer."""

import math
from typing import TYPE_CHECKING, cast

from ai_studio.v1.project_service_pb2 import ListProjectsRequest
from multidict import MultiMapping
from yarl import URL

from common.labels import STATUS
from edge.errors import Violation, validation_error

if TYPE_CHECKING:
    from ai_studio.v1.project_pb2 import ProjectStatus

# Each parameter and its aliases, the first being the contract's own name.
ALIASES = {
    "search": ("search", "q"),
    "page": ("page", "_page"),
    "limit": ("limit", "_limit", "_per_page"),
    "sort": ("_sort", "sort"),
    "order": ("_order", "order"),
}
CANONICAL = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
SORT_FIELDS = {
    "created_at": "create_time",
    "updated_at": "update_time",
    "title": "title",
    "status": "status",
}
MAX_LIMIT = 1000
# JSON Server's page size when a page is asked for without a limit.
DEFAULT_LIMIT = 10
# Longer numbers are all "too big": a limit out of range, a page past the end.
MAX_DIGITS = 18
# ListProjectsRequest.skip is an int32; a page past it is as empty as any page past the end.
MAX_SKIP = 2**31 - 1


class Paging:
    """What the client asked for, kept to build the Link header."""

    def __init__(self, page: int, limit: int, page_key: str) -> None:
        self.page, self.limit, self.page_key = page, limit, page_key


def _positive(key: str, value: str, high: int | None = None) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses. Past
    # MAX_DIGITS a number is beyond every bound (and int() refuses over 4300 digits).
    digits = value.lstrip("0")
    if value.isascii() and value.isdigit() and digits:
        number = int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS
        if high is None or number <= high:
            return number
    bound = f"1 to {high}" if high else "1 or more"
    raise Violation(key, f"must be an integer, {bound}")


def list_request(query: MultiMapping[str]) -> tuple[ListProjectsRequest, Paging | None]:
    """The request a query string asks for; a 400 listing every bad parameter."""
    violations: list[Violation] = []
    values: dict[str, tuple[str, str]] = {}  # canonical name -> (key used, value)
    statuses: list[int] = []
    for key in dict.fromkeys(query.keys()):
        given = query.getall(key)
        if key == "status":
            for value in given:
                if value in STATUS.number:
                    statuses.append(STATUS.number[value])
                else:
                    violations.append(
                        Violation("status", f"must be one of {', '.join(STATUS.number)}")
                    )
            continue
        name = CANONICAL.get(key)
        if name is None:
            violations.append(Violation(key, "is not a query parameter of this endpoint"))
        elif len(given) > 1 or name in values:
            violations.append(Violation(key, "is given more than once"))
        else:
            values[name] = (key, given[0])
    request = ListProjectsRequest(statuses=cast("list[ProjectStatus.ValueType]", statuses))
    if "search" in values:
        request.search = values["search"][1]
    # Each parameter is checked on its own, so that the 400 lists every bad one.
    order_field = "create_time"
    if "sort" in values:
        key, value = values["sort"]
        if value in SORT_FIELDS:
            order_field = request.order_by = SORT_FIELDS[value]
        else:
            violations.append(Violation(key, f"must be one of {', '.join(SORT_FIELDS)}"))
    if "order" in values:
        key, value = values["order"]
        if value.lower() in ("asc", "desc"):
            request.order_by = f"{order_field} {value.lower()}"
        else:
            violations.append(Violation(key, "must be asc or desc"))
    paging = None
    if "page" in values or "limit" in values:
        page_key, page_text = values.get("page", ("page", "1"))
        limit = page = None
        try:
            limit = (
                _positive(values["limit"][0], values["limit"][1], MAX_LIMIT)
                if "limit" in values
                else DEFAULT_LIMIT
            )
        except Violation as violation:
            violations.append(violation)
        try:
            page = _positive(page_key, page_text)
        except Violation as violation:
            violations.append(violation)
        if limit is not None and page is not None:
            paging = Paging(page, limit, page_key)
            request.page_size = limit
            request.skip = min((page - 1) * limit, MAX_SKIP)
    if violations:
        raise validation_error(violations)
    return request, paging


def link_header(url: URL, paging: Paging, total: int) -> str:
    """RFC 8288 links to the first, previous, next and last pages, as JSON Server sends."""
    last = max(1, math.ceil(total / paging.limit))
    rels = {"first": 1}
    if paging.page > 1:
        rels["prev"] = min(paging.page - 1, last)
    if paging.page < last:
        rels["next"] = paging.page + 1
    rels["last"] = last
    return ", ".join(
        f'<{url.update_query({paging.page_key: page})}>; rel="{rel}"' for rel, page in rels.items()
    )
