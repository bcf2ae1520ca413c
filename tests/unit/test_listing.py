"""The edge's reading of GET /projects' query string (edge/listing.py): both JSON Server
dialects into one ListProjectsRequest, and the 1.x envelope."""

import pytest
from ai_studio.v1.project_service_pb2 import Filter, FilterOperator
from multidict import MultiDict

from edge.errors import HttpError
from edge.listing import envelope, list_request

OP = FilterOperator


def read(query: str):
    pairs = [tuple(part.split("=", 1)) for part in query.split("&") if part]
    return list_request(MultiDict(pairs))


def filters(query: str) -> list[tuple[str, int, list[str]]]:
    request, _ = read(query)
    return [(f.field, f.operator, list(f.values)) for f in request.filters]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("language=fr", [("language", OP.FILTER_OPERATOR_EQ, ["fr"])]),
        ("language=fr&language=de", [("language", OP.FILTER_OPERATOR_EQ, ["fr", "de"])]),
        ("fps_gte=30", [("fps", OP.FILTER_OPERATOR_GTE, ["30"])]),
        ("fps_lte=30", [("fps", OP.FILTER_OPERATOR_LTE, ["30"])]),
        ("id_ne=a", [("id", OP.FILTER_OPERATOR_NE, ["a"])]),
        ("title_like=^a", [("title", OP.FILTER_OPERATOR_LIKE, ["^a"])]),
        ("created_at_gte=2025", [("create_time", OP.FILTER_OPERATOR_GTE, ["2025"])]),
        ("updated_at:lt=2025", [("update_time", OP.FILTER_OPERATOR_LT, ["2025"])]),
        ("fps:in=24,60", [("fps", OP.FILTER_OPERATOR_IN, ["24", "60"])]),
        ("title:in=a,b&title:in=c", [("title", OP.FILTER_OPERATOR_IN, ["a", "b", "c"])]),
        ("title:contains=a,b", [("title", OP.FILTER_OPERATOR_CONTAINS, ["a,b"])]),
        ("title:startsWith=a", [("title", OP.FILTER_OPERATOR_STARTS_WITH, ["a"])]),
        ("title:endsWith=a", [("title", OP.FILTER_OPERATOR_ENDS_WITH, ["a"])]),
        ("fps:eq=1&fps:gt=2", [("fps", 1, ["1"]), ("fps", OP.FILTER_OPERATOR_GT, ["2"])]),
        ("status=draft", []),  # the contract's own filter, in `statuses`
    ],
)
def test_field_parameters_become_filters(query: str, expected) -> None:
    assert filters(query) == expected


@pytest.mark.parametrize(
    ("query", "order_by"),
    [
        ("", ""),
        ("_sort=title", "title"),
        ("_sort=-title", "title desc"),
        ("_sort=title,-fps", "title, fps desc"),
        ("_sort=title,fps&_order=desc,asc", "title desc, fps"),
        ("_sort=title,fps&_order=desc", "title desc, fps"),
        ("_order=DESC", "create_time desc"),
        ("sort=created_at&order=asc", "create_time"),
        ("_sort=updated_at", "update_time"),
    ],
)
def test_sort_keys(query: str, order_by: str) -> None:
    request, _ = read(query)
    assert request.order_by == order_by


@pytest.mark.parametrize(
    ("query", "skip", "size", "link", "envelope_page"),
    [
        ("", 0, 0, None, None),
        ("_page=3", 20, 10, 3, None),
        ("page=2&limit=5", 5, 5, 2, None),
        ("_limit=5", 0, 5, 1, None),
        ("_page=2&_per_page=5", 5, 5, None, 2),
        ("_per_page=5", 0, 5, None, 1),
        ("_start=3", 3, 0, None, None),
        ("_start=3&_end=5", 3, 2, None, None),
        ("_end=5", 0, 5, None, None),
        ("_start=3&_limit=4", 3, 4, None, None),
        ("_start=5&_end=5", 2**31 - 1, 1, None, None),  # an empty slice
    ],
)
def test_pages_and_slices(query: str, skip: int, size: int, link, envelope_page) -> None:
    request, listing = read(query)
    assert (request.skip, request.page_size) == (skip, size)
    assert (listing.paging and listing.paging.page) == link
    assert (listing.envelope and listing.envelope.page) == envelope_page


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("colour=red", ["colour"]),
        ("title_gt=a", ["title_gt"]),
        ("title:like=a", ["title:like"]),
        ("_foo=1", ["_foo"]),
        ("_sort=nope", ["_sort"]),
        ("_sort=title,", ["_sort"]),
        ("_sort=title&_order=asc,asc", ["_order"]),
        ("order=", ["order"]),
        ("_sort=", ["_sort"]),
        ("_per_page=2&_limit=2", ["_per_page"]),
        ("_per_page=0", ["_per_page"]),
        ("_start=x&_end=1", ["_start"]),
        ("_start=0&_end=1001", ["_end"]),
        ("_page=2&_start=1", ["_start"]),
        ("_start=1&_end=2&_limit=1", ["_start"]),
        ("colour=red&_sort=nope&limit=0", ["colour", "_sort", "limit"]),
    ],
)
def test_names_that_name_nothing_are_refused_at_once(query: str, fields: list[str]) -> None:
    with pytest.raises(HttpError) as raised:
        read(query)
    assert [v.field for v in raised.value.errors or []] == fields


def test_values_and_operators_are_left_to_the_orchestrator() -> None:
    request, _ = read("language=klingon&language:gt=en&fps=fast")
    assert list(request.filters) == [
        Filter(field="language", operator=OP.FILTER_OPERATOR_EQ, values=["klingon"]),
        Filter(field="language", operator=OP.FILTER_OPERATOR_GT, values=["en"]),
        Filter(field="fps", operator=OP.FILTER_OPERATOR_EQ, values=["fast"]),
    ]


def test_the_envelope() -> None:
    _, listing = read("_page=2&_per_page=3")
    assert listing.envelope is not None
    assert envelope(listing.envelope, 7, [1, 2, 3]) == {
        "first": 1, "prev": 1, "next": 3, "last": 3, "pages": 3, "items": 7, "data": [1, 2, 3],
    }  # fmt: skip
    assert envelope(listing.envelope, 0, []) == {
        "first": 1, "prev": 1, "next": None, "last": 1, "pages": 1, "items": 0, "data": [],
    }  # fmt: skip
