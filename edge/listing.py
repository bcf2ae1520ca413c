"""GET /projects: the query string, in either JSON Server dialect (0.17's `field=value`,
`field_gte`, `_sort=a,b&_order=asc,desc`, `_start`/`_end`; 1.x's `field:op=value`,
`_sort=-a`, `_page`+`_per_page`), into ListProjectsRequest, and the paging headers or
envelope of the answer. The names are checked here (a parameter naming nothing is a
400 naming it); values and operators are the orchestrator's to check."""

import math
from typing import TYPE_CHECKING, Any, cast

from ai_studio.v1.project_service_pb2 import Filter, FilterOperator, ListProjectsRequest
from multidict import MultiMapping
from yarl import URL

from common.fields import PROJECT_FIELDS
from common.labels import STATUS
from edge.errors import Violation, validation_error

if TYPE_CHECKING:
    from ai_studio.v1.project_pb2 import ProjectStatus

# Each parameter and its aliases, the first being the contract's own name.
ALIASES = {
    "search": ("search", "q"),
    "page": ("page", "_page"),
    "limit": ("limit", "_limit"),
    "per_page": ("_per_page",),
    "start": ("_start",),
    "end": ("_end",),
    "sort": ("_sort", "sort"),
    "order": ("_order", "order"),
}
CANONICAL = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

# The fields a query may filter and sort on, by REST name -> proto name: every scalar
# field (the orchestrator says which operators and values each takes).
SCALAR_KINDS = ("text", "enum", "number", "integer", "url", "boolean")
FIELDS = {
    "id": "id",
    **{f.name: f.name for f in PROJECT_FIELDS if f.kind in SCALAR_KINDS},
    **{f.rest: f.name for f in PROJECT_FIELDS if f.rest},
}
SORT_FIELDS = FIELDS
OP = FilterOperator
# JSON Server 1.x: field:operator=value.
COLON_OPERATORS = {
    "eq": OP.FILTER_OPERATOR_EQ,
    "ne": OP.FILTER_OPERATOR_NE,
    "lt": OP.FILTER_OPERATOR_LT,
    "lte": OP.FILTER_OPERATOR_LTE,
    "gt": OP.FILTER_OPERATOR_GT,
    "gte": OP.FILTER_OPERATOR_GTE,
    "in": OP.FILTER_OPERATOR_IN,
    "contains": OP.FILTER_OPERATOR_CONTAINS,
    "startsWith": OP.FILTER_OPERATOR_STARTS_WITH,
    "endsWith": OP.FILTER_OPERATOR_ENDS_WITH,
}
# JSON Server 0.17: field_suffix=value.
SUFFIX_OPERATORS = {
    "_gte": OP.FILTER_OPERATOR_GTE,
    "_lte": OP.FILTER_OPERATOR_LTE,
    "_ne": OP.FILTER_OPERATOR_NE,
    "_like": OP.FILTER_OPERATOR_LIKE,
}
MAX_LIMIT = 1000
# JSON Server's page size when a page is asked for without a limit.
DEFAULT_LIMIT = 10
# Longer numbers are all "too big": a limit out of range, a page past the end.
MAX_DIGITS = 18
# ListProjectsRequest.skip is an int32; a page past it is as empty as any page past the end.
MAX_SKIP = 2**31 - 1


class Paging:
    """What the client asked for, kept to build the Link header or 1.x's envelope."""

    def __init__(self, page: int, limit: int, page_key: str) -> None:
        self.page, self.limit, self.page_key = page, limit, page_key


class Listing:
    """How to answer: a bare array, with a Link header when `paging` is set, or JSON
    Server 1.x's envelope when `envelope` is."""

    def __init__(self, paging: Paging | None = None, envelope: Paging | None = None) -> None:
        self.paging, self.envelope = paging, envelope


def _positive(key: str, value: str, high: int | None = None, low: int = 1) -> int:
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses. Past
    # MAX_DIGITS a number is beyond every bound (and int() refuses over 4300 digits).
    digits = value.lstrip("0")
    if value.isascii() and value.isdigit() and (digits or low == 0):
        number = int(digits or "0") if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS
        if high is None or number <= high:
            return number
    bound = f"{low} to {high}" if high else f"{low} or more"
    raise Violation(key, f"must be an integer, {bound}")


def field_filter(key: str, given: list[str]) -> Filter:
    """The filter a field parameter asks for (`field`, `field_ne`, `field:gt`...), or a
    Violation naming the parameter when it names no field or no operator."""
    name, colon, spelled = key.partition(":")
    operator = OP.FILTER_OPERATOR_EQ
    if colon:
        if spelled not in COLON_OPERATORS:
            raise Violation(key, f"has no operator {spelled!r}: {', '.join(COLON_OPERATORS)}")
        operator = COLON_OPERATORS[spelled]
    else:
        for suffix, suffixed in SUFFIX_OPERATORS.items():
            if name.endswith(suffix) and name[: -len(suffix)] in FIELDS:
                name, operator = name[: -len(suffix)], suffixed
                break
    if name not in FIELDS:
        raise Violation(key, "is not a query parameter or a field of a project")
    if operator == OP.FILTER_OPERATOR_IN:  # a comma-separated list, as JSON Server splits it
        given = [v for value in given for v in value.split(",")]
    return Filter(field=FIELDS[name], operator=operator, values=given)


def sort_order(values: dict[str, tuple[str, str]], violations: list[Violation]) -> str:
    """AIP-132's order_by from `_sort` (0.17's `a,b`, 1.x's `-a`) and `_order` (`asc,desc`)."""
    sort_key, sort_text = values.get("sort", ("_sort", "created_at"))
    keys = sort_text.split(",")
    orders: list[str] = []
    order_key = "_order"
    if "order" in values:  # given empty, it is one direction that is neither asc nor desc
        order_key, order_text = values["order"]
        orders = [o.strip().lower() for o in order_text.split(",")]
    failed = False
    if any(o not in ("asc", "desc") for o in orders) or len(orders) > len(keys):
        violations.append(Violation(order_key, "must be asc or desc, one per _sort field"))
        failed = True
    parts = []
    for i, key in enumerate(keys):
        descending, name = key.startswith("-"), key.removeprefix("-")
        if name not in SORT_FIELDS:
            allowed = ", ".join(SORT_FIELDS)
            message = f"must be fields among {allowed}, comma-separated, each maybe after -"
            violations.append(Violation(sort_key, message))
            return ""
        if i < len(orders):
            descending = orders[i] == "desc"
        parts.append(f"{SORT_FIELDS[name]} desc" if descending else SORT_FIELDS[name])
    return "" if failed else ", ".join(parts)


def _paging(
    values: dict[str, tuple[str, str]], request: ListProjectsRequest, violations: list[Violation]
) -> Listing:
    """Pages (0.17 `_page`/`_limit`, 1.x `_page`/`_per_page`) or a slice (`_start`,
    `_end`, `_limit`), checked alone so that the 400 lists every bad parameter."""
    given = set(values)
    slicing = bool(given & {"start", "end"})
    if "per_page" in given and given & {"limit", "start", "end"}:
        violations.append(Violation("_per_page", "cannot go with _limit, _start or _end"))
        return Listing()
    if slicing:
        if "page" in given or ("end" in given and "limit" in given):
            violations.append(Violation("_start", "a slice takes _start with _end or _limit"))
            return Listing()
        try:
            start = _positive("_start", values.get("start", ("", "0"))[1], low=0)
            if "end" in given:
                end = _positive("_end", values["end"][1], low=0)
                if end - start > MAX_LIMIT:
                    raise Violation("_end", f"must be at most {MAX_LIMIT} past _start")
                request.skip = min(start, MAX_SKIP) if end > start else MAX_SKIP
                request.page_size = max(end - start, 1)
            else:
                request.skip = min(start, MAX_SKIP)
                if "limit" in given:
                    request.page_size = _positive(*values["limit"], MAX_LIMIT)
        except Violation as violation:
            violations.append(violation)
        return Listing()
    if not given & {"page", "limit", "per_page"}:
        return Listing()
    page_key, page_text = values.get("page", ("page", "1"))
    limit = page = None
    size_key = "per_page" if "per_page" in given else "limit"
    try:
        limit = (
            _positive(values[size_key][0], values[size_key][1], MAX_LIMIT)
            if size_key in values
            else DEFAULT_LIMIT
        )
    except Violation as violation:
        violations.append(violation)
    try:
        page = _positive(page_key, page_text)
    except Violation as violation:
        violations.append(violation)
    if limit is None or page is None:
        return Listing()
    request.page_size = limit
    request.skip = min((page - 1) * limit, MAX_SKIP)
    paging = Paging(page, limit, page_key)
    return Listing(envelope=paging) if size_key == "per_page" else Listing(paging=paging)


def list_request(query: MultiMapping[str]) -> tuple[ListProjectsRequest, Listing]:
    """The request a query string asks for; a 400 listing every bad parameter."""
    violations: list[Violation] = []
    values: dict[str, tuple[str, str]] = {}  # canonical name -> (key used, value)
    statuses: list[int] = []
    filters: list[Filter] = []
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
            try:
                filters.append(field_filter(key, given))
            except Violation as violation:
                violations.append(violation)
        elif len(given) > 1 or name in values:
            violations.append(Violation(key, "is given more than once"))
        else:
            values[name] = (key, given[0])
    request = ListProjectsRequest(
        statuses=cast("list[ProjectStatus.ValueType]", statuses), filters=filters
    )
    if "search" in values:
        request.search = values["search"][1]
    if "sort" in values or "order" in values:
        request.order_by = sort_order(values, violations)
    listing = _paging(values, request, violations)
    if violations:
        raise validation_error(violations)
    return request, listing


def envelope(paging: Paging, total: int, data: list[Any]) -> dict[str, Any]:
    """JSON Server 1.x's page: {first, prev, next, last, pages, items, data}."""
    last = max(1, math.ceil(total / paging.limit))
    return {
        "first": 1,
        "prev": min(paging.page - 1, last) if paging.page > 1 else None,
        "next": paging.page + 1 if paging.page < last else None,
        "last": last,
        "pages": last,
        "items": total,
        "data": data,
    }


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


def list_key(request: ListProjectsRequest, listing: Listing) -> bytes:
    """What the edge cache keeps a list's answer under: the request as the orchestrator
    gets it, in one spelling for the queries that mean the same (the statuses, the
    filters and each filter's values in any order; `q` or `search`, `_sort=-a` or
    `_sort=a&_order=desc`...), and the 1.x page asked (its envelope is in the body).
    Every part the orchestrator checks or answers by is in it, so that two requests that
    can be answered differently, or one refused and not the other, never share a key.
    0.17's paging is in it as the skip and page size alone: its Link header is no part
    of the body, and is made for each request from the request's own URL."""
    same = ListProjectsRequest()
    same.CopyFrom(request)
    same.statuses.sort()
    filters = sorted(
        (Filter(field=f.field, operator=f.operator, values=sorted(f.values)) for f in same.filters),
        key=lambda f: (f.field, f.operator, list(f.values)),
    )
    del same.filters[:]
    same.filters.extend(filters)
    # A header first, ended by the first "|": no two (header, request) pairs make the
    # same bytes.
    paged = listing.envelope
    header = b"array|" if paged is None else f"envelope {paged.page},{paged.limit}|".encode()
    return header + same.SerializeToString(deterministic=True)
