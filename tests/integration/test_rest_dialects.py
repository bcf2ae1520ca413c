"""GET /projects in both JSON Server dialects, over the real stack on each store adapter
(the embedded one and MongoDB's on mongomock): 0.17's field filters, operators, several
sort keys and slices; 1.x's field:operator conditions, `-field` sorts and the
`_page`+`_per_page` envelope; and their combinations.

Every test only reads, so they share one seeded stack per store adapter (the conftest's
`shared`, on the module's event loop), and the module's teardown checks the seed is
still all there is."""

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from mongomock_motor import AsyncMongoMockClient

from orchestrator.store.base import Store
from orchestrator.store.mongo import MongoStore
from tests.integration.helpers import Api, assert_error

# Created in this order.
SEED: list[dict[str, Any]] = [
    dict(title="Alpha Bee", description="honey and bees", language="en",
         use_case="storytelling", fps=24, audio_speed=0.8),
    dict(title="beta", description="Über STRASSE", language="fr", use_case="commercial",
         fps=30, audio_speed=1.0),
    dict(title="Gamma ray", description="the BEE gees", language="de",
         use_case="commercial", fps=60, audio_speed=1.2),
    dict(title="delta 50% off", description="a_b c", language="fr", use_case="tutorial",
         fps=30, audio_speed=0.7),
    dict(title="ÉTÉ", description="summer", language="en", use_case="storytelling", fps=24,
         audio_speed=1.3),
]  # fmt: skip


# Tests on the module's one stack run on the module's event loop, where its fixtures live.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "mongomock"])
async def shared_store(request: pytest.FixtureRequest) -> Store | None:
    """The orchestrator's store: its embedded one, then MongoDB's adapter on mongomock."""
    if request.param == "sqlite":
        return None
    mongo = MongoStore(AsyncMongoMockClient(), "rest_dialects")
    await mongo.setup()
    return mongo


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def seeded(shared: Api) -> AsyncIterator[list[str]]:
    ids = [(await shared.create(**fields))["id"] for fields in SEED]
    yield ids
    assert [p["id"] for p in await shared.all()] == ids


async def answer(api: Api, query: str) -> tuple[Any, dict[str, str]]:
    resp = await api.client.get(f"/projects?{query}")
    assert resp.status == 200, await resp.text()
    return await resp.json(), dict(resp.headers)


async def listed(api: Api, query: str) -> tuple[list[int], str, bool]:
    """The seed indices of the answer, its X-Total-Count, and whether it has a Link."""
    body, headers = await answer(api, query)
    order = [p["id"] for p in await api.all()]
    return [order.index(p["id"]) for p in body], headers["X-Total-Count"], "Link" in headers


E = quote("É")
CASES = [
    # 0.17: equality, repeated means any of, several fields all hold
    ("language=fr", [1, 3]),
    ("language=fr&language=de", [1, 2, 3]),
    ("language=de&use_case=commercial", [2]),
    ("use_case=commercial&fps=30", [1]),
    ("fps=24", [0, 4]),
    ("audio_speed=1", [1]),
    ("title=beta", [1]),
    ("title=Beta", []),
    # 0.17: operators
    ("fps_gte=30", [1, 2, 3]),
    ("fps_gte=30&fps_lte=30", [1, 3]),
    ("language_ne=fr", [0, 2, 4]),
    ("language_ne=fr&language_ne=en", [2]),
    ("audio_speed_lte=1", [0, 1, 3]),
    ("title_like=bee", [0]),
    ("title_like=BEE", [0]),
    ("title_like=%5Egam", [2]),  # ^gam
    ("title_like=ray%24", [2]),  # ray$
    ("title_like=%5EBETA%24", [1]),
    ("title_like=50%25", [3]),
    ("description_like=a_b", [3]),
    ("description_like=stra%C3%9Fe", [1]),  # "straße" folds as "STRASSE" does
    ("title_like=delta%2050%25%20off%5C.", []),  # an escaped dot is a dot
    # 1.x: conditions
    ("language:eq=fr", [1, 3]),
    ("language:ne=fr", [0, 2, 4]),
    ("language:in=fr,de", [1, 2, 3]),
    ("fps:in=24,60", [0, 2, 4]),
    ("fps:gt=24", [1, 2, 3]),
    ("fps:lt=60", [0, 1, 3, 4]),
    ("fps:gte=30&fps:lte=30", [1, 3]),
    ("audio_speed:gt=0.75&audio_speed:lt=1.25", [0, 1, 2]),
    ("title:contains=BEE", [0]),
    ("description:contains=bee", [0, 2]),
    ("title:startsWith=ga", [2]),
    ("title:endsWith=OFF", [3]),
    (f"title:endsWith=T{E}", [4]),
    ("title:contains=e", [0, 1, 3]),
    # the dialects mixed, with search and status
    ("language=fr&title:contains=del", [3]),
    ("q=bee&language=en", [0]),
    ("search=bee&fps_gte=30", [2]),
    ("status=draft&use_case:in=commercial,tutorial&fps_lte=30", [1, 3]),
    # several sort keys
    ("_sort=language,fps&_order=asc,desc", [2, 0, 4, 1, 3]),
    ("_sort=fps,title&_order=desc", [2, 1, 3, 0, 4]),
    ("_sort=language,-fps", [2, 0, 4, 1, 3]),
    ("_sort=-fps", [2, 3, 1, 4, 0]),  # ties keep insertion order, reversed with it
    ("_sort=-title", [4, 3, 1, 2, 0]),
    ("_sort=use_case,-audio_speed", [2, 1, 4, 0, 3]),
    ("language=fr&_sort=-title", [3, 1]),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
async def test_filters_and_sorts(shared: Api, seeded: list[str], query: str, expected) -> None:
    got, total, linked = await listed(shared, query)
    assert got == expected
    assert total == str(len(expected))
    assert not linked


async def test_ids_and_times(shared: Api, seeded: list[str]) -> None:
    assert (await listed(shared, f"id={seeded[3]}&id={seeded[1]}"))[0] == [1, 3]
    assert (await listed(shared, f"id:in={seeded[3]},{seeded[0]}"))[0] == [0, 3]
    assert (await listed(shared, f"id_ne={seeded[0]}"))[0] == [1, 2, 3, 4]
    third = (await shared.get(seeded[2]))["created_at"]
    assert (await listed(shared, f"created_at_gte={third}"))[0] == [2, 3, 4]
    assert (await listed(shared, f"created_at:lt={third}"))[0] == [0, 1]
    assert (await listed(shared, f"created_at={third}"))[0] == [2]


@pytest.mark.parametrize(
    ("query", "expected", "total"),
    [
        ("_start=1&_end=3", [1, 2], 5),
        ("_start=3", [3, 4], 5),
        ("_end=2", [0, 1], 5),
        ("_start=1&_limit=2", [1, 2], 5),
        ("_start=3&_end=1", [], 5),
        ("_start=9", [], 5),
        ("language=fr&_start=1", [3], 2),
        ("_sort=-fps&_start=1&_end=3", [3, 1], 5),
    ],
)
async def test_slices(shared: Api, seeded: list[str], query: str, expected, total: int) -> None:
    assert await listed(shared, query) == (expected, str(total), False)


@pytest.mark.parametrize(
    ("query", "data", "envelope"),
    [
        ("_page=1&_per_page=2", [0, 1], dict(prev=None, next=2, last=3, items=5)),
        ("_per_page=2", [0, 1], dict(prev=None, next=2, last=3, items=5)),
        ("_page=2&_per_page=2", [2, 3], dict(prev=1, next=3, last=3, items=5)),
        ("_page=3&_per_page=2", [4], dict(prev=2, next=None, last=3, items=5)),
        ("_page=9&_per_page=2", [], dict(prev=3, next=None, last=3, items=5)),
        ("_page=1&_per_page=10", [0, 1, 2, 3, 4], dict(prev=None, next=None, last=1, items=5)),
        (
            "language=fr&_sort=-title&_page=1&_per_page=1",
            [3],
            dict(prev=None, next=2, last=2, items=2),
        ),
        ("title:contains=zzz&_per_page=5", [], dict(prev=None, next=None, last=1, items=0)),
    ],
)
async def test_the_1x_envelope(shared: Api, seeded: list[str], query: str, data, envelope) -> None:
    body, headers = await answer(shared, query)
    assert set(body) == {"first", "prev", "next", "last", "pages", "items", "data"}
    assert [seeded.index(p["id"]) for p in body["data"]] == data
    assert body["first"] == 1 and body["pages"] == body["last"]
    assert {k: body[k] for k in envelope} == envelope
    assert headers["X-Total-Count"] == str(envelope["items"])
    assert "Link" not in headers


async def test_0_17_pages_keep_the_array_and_link(shared: Api, seeded: list[str]) -> None:
    got, total, linked = await listed(shared, "language_ne=de&_page=2&_limit=2")
    assert (got, total, linked) == ([3, 4], "4", True)


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("colour=red", ["colour"]),
        ("colour:eq=red", ["colour:eq"]),
        ("language:like=fr", ["language:like"]),
        ("images=x", ["images"]),
        ("language=klingon&fps:gt=fast&title:contains=x", ["language", "fps"]),
        ("use_case:contains=comm", ["use_case"]),
        ("title_like=%5B", ["title"]),
    ],
)
async def test_what_names_nothing_or_cannot_be_compared_is_a_400(
    shared: Api, seeded: list[str], query: str, fields: list[str]
) -> None:
    resp = await shared.client.get(f"/projects?{query}")
    await assert_error(resp, 400, "VALIDATION_ERROR", fields)
