"""The filter document of a list query on MongoDB: statuses, search and the conditions.

User text reaches MongoDB's regex engine only escaped (`literal`): each pattern is a
literal run, anchored or not, which PCRE matches in linear time.

Which index serves each query (created by MongoStore.setup, listed in projects.INDEXES):
- no filter, or filters on fields without an index (the long texts, `id`'s ne): the index
  of the sort key (`create_time`, `update_time`, `title`), the filter tested on each
  document it walks;
- `status` (and `status` with the default order): `status_create_time`; any other scalar
  field (`language`, `fps`, ...): `<field>_create_time`, its equality and ranges, in the
  default order (the planner picks one index for several conditions);
- search and `contains`/`endsWith` on the title or the description: an unanchored regex
  on `title_fold`/`description_fold`, which walks the `title_fold`/`description_fold`
  index keys rather than the documents (MongoDB has no substring index outside Atlas
  Search); `startsWith` on them is an anchored regex, a range of those index keys.
"""

import re
from typing import Any

from common.labels import STATUS
from orchestrator.store.base import Condition, ProjectQuery, fold
from orchestrator.store.mongo.codec import FOLDED, to_datetime

STATUS_LABELS = STATUS.label
TIMES = ("create_time", "update_time")
COMPARISONS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def literal(text: str) -> str:
    """`text` as a regex that matches it literally, in PCRE as in Python's re (which
    mongomock uses); NUL, which a BSON pattern cannot hold, as an escape."""
    return re.escape(text).replace("\x00", "\\x00")


def _key(field: str) -> str:
    return "_id" if field == "id" else field


def _value(field: str, value: Any) -> Any:
    return to_datetime(value) if field in TIMES else value


def _text(condition: Condition) -> dict[str, Any]:
    (needle,) = condition.values
    if not needle:
        return {}  # the empty text is in every text
    pattern = literal(needle)
    pattern = {
        "contains": pattern,
        "starts_with": f"^{pattern}",
        "ends_with": f"{pattern}$",
        "folded_eq": f"^{pattern}$",
    }[condition.operator]
    if condition.field in FOLDED:
        return {FOLDED[condition.field]: {"$regex": pattern}}
    return {_key(condition.field): {"$regex": pattern, "$options": "i"}}


def _condition(condition: Condition) -> dict[str, Any]:
    if condition.operator in ("contains", "starts_with", "ends_with", "folded_eq"):
        return _text(condition)
    key = _key(condition.field)
    values = [_value(condition.field, v) for v in condition.values]
    if condition.operator == "eq":
        return {key: {"$in": values}}
    if condition.operator == "ne":
        return {key: {"$nin": values}}  # a null or missing field included
    return {key: {COMPARISONS[condition.operator]: values[0]}}


def list_filter(query: ProjectQuery) -> dict[str, Any]:
    """The query document: each part under $and, so that two conditions on one field
    both hold."""
    parts: list[dict[str, Any]] = []
    if query.statuses:
        parts.append({"status": {"$in": [STATUS_LABELS[s] for s in query.statuses]}})
    if query.search:
        pattern = literal(fold(query.search))
        parts.append({"$or": [{f: {"$regex": pattern}} for f in FOLDED.values()]})
    parts.extend(p for p in map(_condition, query.conditions) if p)
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}
