"""ListProjects: the request's paging, order and filters checked (every violation at
once, before any I/O) and turned into the store's ProjectQuery.

Which operators a field takes follows its kind in common/fields.py: enums and ids are
compared for equality only, numbers and times are also ordered, texts and URLs are also
searched (contains, startsWith, endsWith, like). Values come as the REST API spells
them and are parsed here into the store's types.
"""

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ai_studio.v1 import project_service_pb2 as pb_service

from common import fields, labels
from orchestrator import paging
from orchestrator.errors import InvalidArgument, Violation
from orchestrator.store.base import (
    SCALAR_FIELDS,
    SORTABLE_FIELDS,
    Condition,
    Operator,
    ProjectQuery,
    fold,
)

STATUSES = labels.STATUS.label
MAX_PAGE_SIZE = 1000
MAX_SORT_KEYS = 5
MAX_FILTERS = 50
MAX_VALUES = 100
MAX_TEXT = 1000  # the longest text a filter compares with

OP = pb_service.FilterOperator
# The operators' REST spellings (JSON Server 1.x), which the violations use.
SPELLING = {
    OP.FILTER_OPERATOR_EQ: "eq",
    OP.FILTER_OPERATOR_NE: "ne",
    OP.FILTER_OPERATOR_LT: "lt",
    OP.FILTER_OPERATOR_LTE: "lte",
    OP.FILTER_OPERATOR_GT: "gt",
    OP.FILTER_OPERATOR_GTE: "gte",
    OP.FILTER_OPERATOR_IN: "in",
    OP.FILTER_OPERATOR_CONTAINS: "contains",
    OP.FILTER_OPERATOR_STARTS_WITH: "startsWith",
    OP.FILTER_OPERATOR_ENDS_WITH: "endsWith",
    OP.FILTER_OPERATOR_LIKE: "like",
}
EQUALITY = ("eq", "ne", "in")
ORDERED = (*EQUALITY, "lt", "lte", "gt", "gte")
TEXT = (*ORDERED, "contains", "startsWith", "endsWith", "like")
# The operators each kind of field takes.
KIND_OPERATORS: dict[str, tuple[str, ...]] = {
    "text": TEXT,
    "url": (*EQUALITY, "contains", "startsWith", "endsWith", "like"),
    "enum": EQUALITY,
    "boolean": EQUALITY,
    "number": ORDERED,
    "integer": ORDERED,
    "time": ORDERED,
    "id": EQUALITY,
}
TIMES = ("create_time", "update_time")


def _kind(field: str) -> str:
    if field in TIMES:
        return "time"
    if field == "id":
        return "id"
    return fields.BY_NAME[field].kind


# -- values --------------------------------------------------------------------------------


def _number(text: str) -> float:
    value = float(text)  # ValueError for what is not a number
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _integer(text: str) -> int:
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        raise ValueError(text)
    return int(text)


def _time(text: str) -> int:
    """RFC 3339 (a date alone is its midnight UTC), as milliseconds since the epoch."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9:.]+([Zz]|[+-][0-9:]+)?)?", text):
        raise ValueError(text)
    moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp() * 1000)


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


def _text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise ValueError(text)
    return text


def _parser(field: str) -> tuple[Callable[[str], Any], str]:
    """How to read a value of the field, and what to say when it cannot be read."""
    kind = _kind(field)
    if kind == "enum":
        enum = fields.BY_NAME[field].labels
        allowed = enum.number if enum else {}

        def label(text: str) -> str:
            if text not in allowed:
                raise ValueError(text)
            return text

        return label, f"must be one of {', '.join(allowed)}"
    readers: dict[str, tuple[Callable[[str], Any], str]] = {
        "number": (_number, "must be a number"),
        "integer": (_integer, "must be an integer"),
        "time": (_time, "must be an RFC 3339 time, e.g. 2025-11-29T10:00:00Z"),
        "boolean": (_boolean, "must be true or false"),
    }
    return readers.get(kind, (_text, f"must be at most {MAX_TEXT} characters"))


# -- like ------------------------------------------------------------------------------------

LIKE_SPECIAL = set(".*+?()[]{}|")
# By (anchored at the start, anchored at the end).
LIKE_OPERATORS: dict[tuple[bool, bool], Operator] = {
    (False, False): "contains",
    (True, False): "starts_with",
    (False, True): "ends_with",
    (True, True): "folded_eq",
}


def like(pattern: str) -> tuple[Operator, str]:
    """JSON Server 0.17's `_like` (a case-insensitive regular expression), the subset we
    honour: literal text, "\\" escaping the next character, a leading "^" and a trailing
    "$". ValueError for any other regex syntax: it never reaches a regex engine."""
    start = pattern.startswith("^")
    chars = pattern[1:] if start else pattern
    text: list[str] = []
    end = escaped = False
    for i, char in enumerate(chars):
        if escaped:
            text.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "$" and i == len(chars) - 1:
            end = True
        elif char in LIKE_SPECIAL or char in "^$":
            raise ValueError(char)
        else:
            text.append(char)
    if escaped:
        raise ValueError("\\")
    return LIKE_OPERATORS[(start, end)], "".join(text)


LIKE_MESSAGE = (
    "takes literal text, with an optional leading ^ and trailing $ and \\ before a"
    " special character; other regular-expression syntax is not supported"
)
ORDER_OPERATORS: dict[str, Operator] = {
    "eq": "eq",
    "in": "eq",
    "ne": "ne",
    "lt": "lt",
    "lte": "lte",
    "gt": "gt",
    "gte": "gte",
}
TEXT_OPERATORS: dict[str, Operator] = {
    "contains": "contains",
    "startsWith": "starts_with",
    "endsWith": "ends_with",
}


# -- filters -------------------------------------------------------------------------------


def _filter(item: pb_service.Filter) -> tuple[Condition | None, list[Violation]]:
    field = item.field
    if field not in SCALAR_FIELDS:
        # The name cut short: a violation travels in the status's trailers.
        return None, [Violation(field[:64], "is not a field projects can be filtered on")]
    spelling = SPELLING.get(item.operator)
    if spelling is None or spelling not in KIND_OPERATORS[_kind(field)]:
        allowed = ", ".join(KIND_OPERATORS[_kind(field)])
        return None, [Violation(field, f"cannot be compared with that operator (takes {allowed})")]
    values = list(item.values)
    if not values or len(values) > MAX_VALUES:
        return None, [Violation(field, f"needs 1 to {MAX_VALUES} values")]
    if spelling not in ("eq", "ne", "in") and len(values) > 1:
        return None, [Violation(field, f"takes one value with {spelling}")]
    if spelling == "like":
        try:
            operator, text = like(_text(values[0]))
        except ValueError:
            return None, [Violation(field, LIKE_MESSAGE)]
        return Condition(field, operator, (fold(text),)), []
    if spelling in TEXT_OPERATORS:
        try:
            text = _text(values[0])
        except ValueError:
            return None, [Violation(field, f"must be at most {MAX_TEXT} characters")]
        return Condition(field, TEXT_OPERATORS[spelling], (fold(text),)), []
    read, message = _parser(field)
    try:
        typed = tuple(read(v) for v in values)
    except (ValueError, OverflowError):
        return None, [Violation(field, message)]
    return Condition(field, ORDER_OPERATORS[spelling], typed), []


def conditions(filters: Sequence[pb_service.Filter]) -> tuple[list[Condition], list[Violation]]:
    if len(filters) > MAX_FILTERS:
        return [], [Violation("filters", f"must be at most {MAX_FILTERS}")]
    found, violations = [], []
    for item in filters:
        condition, wrong = _filter(item)
        violations += wrong
        if condition is not None:
            found.append(condition)
    return found, violations


# -- order -----------------------------------------------------------------------------------


def sort_keys(order_by: str) -> tuple[list[tuple[str, bool]], list[Violation]]:
    """AIP-132's order_by: "field[ desc], field[ asc], ..."; create_time when empty."""
    if not order_by.strip():
        return [("create_time", False)], []
    keys: list[tuple[str, bool]] = []
    parts = order_by.split(",")
    for part in parts:
        field, _, direction = part.strip().partition(" ")
        direction = direction.strip().lower() or "asc"
        if field not in SORTABLE_FIELDS or direction not in ("asc", "desc"):
            allowed = ", ".join(SORTABLE_FIELDS)
            message = f"must be fields among {allowed}, each then asc or desc, comma-separated"
            return [], [Violation("order_by", message)]
        keys.append((field, direction == "desc"))
    if len(keys) > MAX_SORT_KEYS:
        return [], [Violation("order_by", f"must have at most {MAX_SORT_KEYS} keys")]
    return keys, []


def list_query(request: pb_service.ListProjectsRequest) -> ProjectQuery:
    """The store query a ListProjects request asks for, or InvalidArgument."""
    violations = []
    if not 0 <= request.page_size <= MAX_PAGE_SIZE:
        violations.append(Violation("page_size", f"must be 1 to {MAX_PAGE_SIZE}, or 0 for all"))
    if request.skip < 0:
        violations.append(Violation("skip", "must be 0 or more"))
    if any(s not in STATUSES for s in request.statuses):
        violations.append(Violation("statuses", f"must be among {', '.join(STATUSES.values())}"))
    keys, wrong = sort_keys(request.order_by)
    violations += wrong
    found, wrong = conditions(request.filters)
    violations += wrong
    try:
        offset = paging.decode(request.page_token)
    except InvalidArgument as exc:
        violations += exc.violations
        offset = 0
    if violations:
        raise InvalidArgument(violations)
    return ProjectQuery(
        statuses=tuple(request.statuses),
        search=request.search,
        sort=tuple(keys),
        conditions=tuple(found),
        offset=offset + request.skip,
        limit=request.page_size or None,
    )
