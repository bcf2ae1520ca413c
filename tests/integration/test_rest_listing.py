"""GET /projects over the real stack: filters, literal search, order, paging, JSON
Server's aliases, the X-Total-Count and Link headers, and every bad query parameter.

The tests that read the seed share one seeded stack (the conftest's `shared`, on the
module's event loop), and the module's teardown checks the seed is still all there is;
those that create their own projects run on a stack of their own (`OWN_STACK`)."""

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientResponse
from yarl import URL

from tests.integration.helpers import Api, FakeClock, assert_error

# (title, description, status), created in this order.
SEED = [
    ("Delta", "number zero", "draft"),
    ("alpha", "number one", "video_ready"),
    ("Echo", "number TWO", "audio_ready"),
    ("charlie", "number three", "draft"),
    ("bravo", "number four", "script_generated"),
]


# Tests on the module's one stack run on the module's event loop, where its fixtures live;
# those that make projects run on a stack (and so a loop) of their own.
pytestmark = pytest.mark.asyncio(loop_scope="module")
OWN_STACK = pytest.mark.asyncio(loop_scope="function")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def seeded(shared: Api) -> AsyncIterator[list[dict[str, Any]]]:
    """Five projects in SEED order; the first is then updated, so that updated_at order
    differs from created_at order."""
    made = [
        await shared.create(title=title, description=description, status=status)
        for title, description, status in SEED
    ]
    resp = await shared.client.patch(f"/projects/{made[0]['id']}", json={"script_text": "x"})
    made[0] = await resp.json()
    yield made
    assert await shared.all() == made


def ids(projects: list[dict[str, Any]]) -> list[str]:
    return [p["id"] for p in projects]


async def listed(api: Api, query: str) -> tuple[list[str], ClientResponse]:
    resp = await api.client.get(f"/projects?{query}" if query else "/projects")
    assert resp.status == 200, await resp.text()
    return ids(await resp.json()), resp


def links(resp: ClientResponse) -> dict[str, URL]:
    """The Link header as rel -> URL."""
    header = resp.headers.get("Link")
    assert header is not None
    found = re.findall(r'<([^>]*)>;\s*rel="(\w+)"', header)
    assert len(found) == header.count("rel="), header
    return {rel: URL(url) for url, rel in found}


def page_of(url: URL, key: str = "page") -> int:
    return int(url.query[key])


# -- defaults, total, filters ----------------------------------------------------------------


@OWN_STACK
async def test_empty_store(api: Api) -> None:
    got, resp = await listed(api, "")
    assert got == []
    assert resp.headers["X-Total-Count"] == "0"
    assert "Link" not in resp.headers


async def test_default_is_every_project_in_insertion_order(shared: Api, seeded: list) -> None:
    resp = await shared.client.get("/projects")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    assert await resp.json() == seeded
    assert resp.headers["X-Total-Count"] == "5"
    assert "Link" not in resp.headers


@OWN_STACK
async def test_same_created_at_keeps_insertion_order(api: Api, clock: FakeClock) -> None:
    clock.step = 0  # every project created in the same millisecond
    titles = ["b", "a", "d", "c", "e"]
    made = [await api.create(title=title) for title in titles]
    assert len({p["created_at"] for p in made}) == 1
    for query, expected in (("", titles), ("_order=desc", titles[::-1])):
        resp = await api.client.get(f"/projects?{query}")
        assert [p["title"] for p in await resp.json()] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=draft", [0, 3]),
        ("status=video_ready", [1]),
        ("status=images_ready", []),
        ("status=draft&status=video_ready", [0, 1, 3]),
        ("status=video_ready&status=draft", [0, 1, 3]),
        ("status=draft&status=draft", [0, 3]),
        ("status=audio_ready&status=script_generated&status=video_ready", [1, 2, 4]),
    ],
)
async def test_status_filter(shared: Api, seeded: list, query: str, expected: list[int]) -> None:
    got, resp = await listed(shared, query)
    assert got == [seeded[i]["id"] for i in expected]
    assert resp.headers["X-Total-Count"] == str(len(expected))
    assert "Link" not in resp.headers


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ALPHA", [1]),
        ("delta", [0]),
        ("two", [2]),  # in the description, in another case
        ("Number", [0, 1, 2, 3, 4]),
        ("r th", [3]),
        ("zzz", []),
        ("", [0, 1, 2, 3, 4]),
    ],
)
async def test_search_is_a_case_insensitive_substring_of_title_or_description(
    shared: Api, seeded: list, search: str, expected: list[int]
) -> None:
    for key in ("search", "q"):
        got, resp = await listed(shared, str(URL.build(query={key: search}).query_string))
        assert got == [seeded[i]["id"] for i in expected], key
        assert resp.headers["X-Total-Count"] == str(len(expected))


# Titles holding the characters a regex, a LIKE pattern or a query operator would read.
LITERALS = [
    "Costs 100% more",
    "snake_case name",
    "A .* star",
    "Nested (a+)+$ groups",
    "Open [ bracket",
    'Operator {"$gt":""} here',
    "Back\\slash",
    "Été à Paris",
]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("%", ["Costs 100% more"]),
        ("100%", ["Costs 100% more"]),
        ("_", ["snake_case name"]),
        ("e_c", ["snake_case name"]),
        (".*", ["A .* star"]),
        ("(a+)+$", ["Nested (a+)+$ groups"]),
        ("[", ["Open [ bracket"]),
        ('{"$gt":""}', ['Operator {"$gt":""} here']),
        ("$gt", ['Operator {"$gt":""} here']),
        ("\\", ["Back\\slash"]),
        ("ÉTÉ", ["Été à Paris"]),
        # What each would match if read as a pattern: nothing, read literally.
        ("C.sts", []),
        ("^Costs", []),
        ("Open [a-z]", []),
        ("snake%name", []),
        ("_nake", []),
        ("s+", []),
        ('{"$ne": null}', []),
        ("'; DROP TABLE projects; --", []),
    ],
)
@OWN_STACK
async def test_search_is_literal(api: Api, search: str, expected: list[str]) -> None:
    for title in LITERALS:
        await api.create(title=title)
    for key in ("search", "q"):
        resp = await api.client.get("/projects", params={key: search})
        assert resp.status == 200, await resp.text()
        assert [p["title"] for p in await resp.json()] == expected, (key, search)
        assert resp.headers["X-Total-Count"] == str(len(expected))
    assert len(await api.all()) == len(LITERALS)


@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "%C3", "%00"])
async def test_search_with_undecodable_bytes_matches_nothing(
    shared: Api, seeded: list, raw: str
) -> None:
    got, resp = await listed(shared, f"search={raw}")
    assert got == []
    assert resp.headers["X-Total-Count"] == "0"


async def test_search_status_and_paging_combine(shared: Api, seeded: list) -> None:
    got, resp = await listed(shared, "search=number&status=draft&status=video_ready&limit=2&page=2")
    assert got == [seeded[3]["id"]]
    assert resp.headers["X-Total-Count"] == "3"
    rels = links(resp)
    assert {rel: page_of(url) for rel, url in rels.items()} == {"first": 1, "prev": 1, "last": 2}
    # Every link keeps the filters, the repeated status included.
    for url in rels.values():
        assert url.query.getall("status") == ["draft", "video_ready"]
        assert url.query["search"] == "number"
        assert url.query["limit"] == "2"
        assert url.path == "/projects"


# -- order ----------------------------------------------------------------------------------

SORT_KEYS = {
    "created_at": lambda p: p["created_at"],
    "updated_at": lambda p: p["updated_at"],
    "title": lambda p: p["title"],
    "status": lambda p: p["status"],
}


@pytest.mark.parametrize("field", list(SORT_KEYS))
@pytest.mark.parametrize("order", ["asc", "desc", None])
async def test_sort_and_order(shared: Api, seeded: list, field: str, order: str | None) -> None:
    descending = order == "desc"
    # Ties (two drafts) keep insertion order, reversed with it when descending.
    positions = {p["id"]: i for i, p in enumerate(seeded)}
    expected = sorted(
        seeded,
        key=lambda p: (SORT_KEYS[field](p), positions[p["id"]]),
        reverse=descending,
    )
    query = f"_sort={field}" + (f"&_order={order}" if order else "")
    got, resp = await listed(shared, query)
    assert got == ids(expected)
    assert resp.headers["X-Total-Count"] == "5"
    alias = f"sort={field}" + (f"&order={order}" if order else "")
    assert (await listed(shared, alias))[0] == got


async def test_order_alone_applies_to_created_at(shared: Api, seeded: list) -> None:
    assert (await listed(shared, "_order=desc"))[0] == ids(seeded)[::-1]
    assert (await listed(shared, "_order=asc"))[0] == ids(seeded)


# -- paging and the headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected", "rels"),
    [
        ("page=1&limit=2", [0, 1], {"first": 1, "next": 2, "last": 3}),
        ("page=2&limit=2", [2, 3], {"first": 1, "prev": 1, "next": 3, "last": 3}),
        ("page=3&limit=2", [4], {"first": 1, "prev": 2, "last": 3}),
        ("page=9&limit=2", [], {"first": 1, "prev": 3, "last": 3}),
        ("page=1&limit=5", [0, 1, 2, 3, 4], {"first": 1, "last": 1}),
        ("page=2&limit=4", [4], {"first": 1, "prev": 1, "last": 2}),
        ("page=1&limit=1000", [0, 1, 2, 3, 4], {"first": 1, "last": 1}),
        # A limit alone is page 1; a page alone has JSON Server's limit, 10.
        ("limit=3", [0, 1, 2], {"first": 1, "next": 2, "last": 2}),
        ("page=1", [0, 1, 2, 3, 4], {"first": 1, "last": 1}),
        ("page=2", [], {"first": 1, "prev": 1, "last": 1}),
    ],
)
async def test_paging(
    shared: Api, seeded: list, query: str, expected: list[int], rels: dict[str, int]
) -> None:
    got, resp = await listed(shared, query)
    assert got == [seeded[i]["id"] for i in expected]
    # The total counts every match, not the page.
    assert resp.headers["X-Total-Count"] == "5"
    found = links(resp)
    assert list(found) == [r for r in ("first", "prev", "next", "last") if r in rels]
    assert {rel: page_of(url) for rel, url in found.items()} == rels
    for url in found.values():
        # Each link asks for the same page size, and following it gives that page.
        if "limit" in query:
            assert url.query["limit"] == query.split("limit=")[1]
        assert url.is_absolute() and url.path == "/projects"


async def test_following_the_links_walks_every_page(shared: Api, seeded: list) -> None:
    seen: list[str] = []
    resp = await shared.client.get("/projects?_limit=2&_sort=title&_order=desc")
    while True:
        seen += ids(await resp.json())
        assert resp.headers["X-Total-Count"] == "5"
        following = links(resp).get("next")
        if following is None:
            break
        resp = await shared.client.get(following.path_qs)
    expected = sorted(seeded, key=lambda p: p["title"], reverse=True)
    assert seen == ids(expected)


async def test_huge_page_is_an_empty_page(shared: Api, seeded: list) -> None:
    for page in ("2147483648", "9" * 30, "9" * 5000):
        got, resp = await listed(shared, f"page={page}&limit=1000")
        assert got == []
        assert resp.headers["X-Total-Count"] == "5"
        assert {rel: page_of(url) for rel, url in links(resp).items()} == {
            "first": 1,
            "prev": 1,
            "last": 1,
        }


@pytest.mark.parametrize(
    ("contract", "alias"),
    [
        ("search=alpha", "q=alpha"),
        ("page=2&limit=2", "_page=2&_limit=2"),
        ("limit=3", "_limit=3"),
        ("page=2", "_page=2"),
        ("_sort=title&_order=desc", "sort=title&order=desc"),
        ("_sort=status", "sort=status&_order=asc"),
        ("search=number&page=1&limit=2&_sort=title", "q=number&_page=1&_limit=2&sort=title"),
    ],
)
async def test_json_server_aliases(shared: Api, seeded: list, contract: str, alias: str) -> None:
    expected, expected_resp = await listed(shared, contract)
    got, resp = await listed(shared, alias)
    assert got == expected
    assert resp.headers["X-Total-Count"] == expected_resp.headers["X-Total-Count"]
    assert ("Link" in resp.headers) == ("Link" in expected_resp.headers)
    if "Link" in resp.headers:
        page_key = "_page" if re.search(r"(^|&)_page=", alias) else "page"
        assert {r: page_of(u, page_key) for r, u in links(resp).items()} == {
            r: page_of(u) for r, u in links(expected_resp).items()
        }


# -- bad query parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("limit=0", ["limit"]),
        ("limit=1001", ["limit"]),
        ("limit=abc", ["limit"]),
        ("limit=-1", ["limit"]),
        ("limit=1.5", ["limit"]),
        ("limit=", ["limit"]),
        ("limit=%20%202", ["limit"]),
        ("limit=%C2%B2", ["limit"]),  # a superscript two: a digit to str.isdigit
        ("limit=%D9%A3", ["limit"]),  # an Arabic-Indic three
        ("limit=" + "9" * 5000, ["limit"]),
        ("_limit=0", ["_limit"]),
        ("_per_page=1001", ["_per_page"]),
        ("_per_page=0", ["_per_page"]),
        ("_per_page=2&_limit=2", ["_per_page"]),
        ("_start=-1", ["_start"]),
        ("_start=1&_end=x", ["_end"]),
        ("_start=0&_end=1001", ["_end"]),
        ("_page=1&_start=2", ["_start"]),
        ("_sort=nope,title", ["_sort"]),
        ("_sort=title&_order=asc,desc", ["_order"]),
        ("title_gt=a", ["title_gt"]),
        ("title:like=a", ["title:like"]),
        ("nope:eq=a", ["nope:eq"]),
        ("nope_like=a", ["nope_like"]),
        ("language=klingon", ["language"]),
        ("language:gt=en", ["language"]),
        ("fps=fast", ["fps"]),
        ("fps:contains=3", ["fps"]),
        ("duration_gte=abc", ["duration"]),
        ("created_at_gte=yesterday", ["create_time"]),
        ("title_like=a.*b", ["title"]),
        ("title_like=(a|b)", ["title"]),
        ("fps:gt=1&fps:gt=2", ["fps"]),
        ("page=0", ["page"]),
        ("page=-1", ["page"]),
        ("page=abc", ["page"]),
        ("page=", ["page"]),
        ("_page=0&_limit=2", ["_page"]),
        ("_sort=nope", ["_sort"]),
        ("sort=nope", ["sort"]),
        ("_order=up", ["_order"]),
        ("order=descending", ["order"]),
        ("status=nope", ["status"]),
        ("status=Draft", ["status"]),
        ("status=", ["status"]),
        ("status=audio_generated", ["status"]),
        ("foo=1", ["foo"]),
        ("_embed=x", ["_embed"]),
        ("page=1&page=2", ["page"]),
        ("page=1&_page=2", ["_page"]),
        ("limit=1&_limit=2", ["_limit"]),
        ("search=a&q=b", ["q"]),
        ("search=a&search=b", ["search"]),
        ("_sort=title&sort=status", ["sort"]),
        # Every bad parameter at once.
        (
            "limit=0&page=0&_sort=nope&_order=up&status=nope&foo=1",
            ["limit", "page", "_sort", "_order", "status", "foo"],
        ),
    ],
)
async def test_bad_query_parameters(
    shared: Api, seeded: list, query: str, fields: list[str]
) -> None:
    resp = await shared.client.get(f"/projects?{query}")
    await assert_error(resp, 400, "VALIDATION_ERROR", fields)
    assert "X-Total-Count" not in resp.headers
    assert await shared.all() == seeded
