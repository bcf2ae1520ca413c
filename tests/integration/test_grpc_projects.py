"""ProjectService through the real grpc.aio server: codes, ErrorInfo reasons, the exact
BadRequest violations of each rule of the resource table, defaults, update_mask
semantics, ListProjects paging and validation; health, reflection and request ids."""

from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project, Scene
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from orchestrator.store.base import WRITABLE_FIELDS
from tests.fakes.projects import ENUM_FIELDS, project, valid_project
from tests.integration.helpers import START, FakeClock, RequestIds, assert_invalid, rpc_failure

SERVICE = "ai_studio.v1.ProjectService"


def writable(project: Project) -> Project:
    """The project less the server's fields, to compare what a client wrote."""
    copy = Project()
    copy.CopyFrom(project)
    for name in ("id", "create_time", "update_time", "video_job", "revision"):
        copy.ClearField(name)
    return copy


def ts(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromMilliseconds(round(seconds * 1000))
    return stamp


async def create(stub: ProjectServiceStub, **fields: Any) -> Project:
    return await stub.CreateProject(pbs.CreateProjectRequest(project=Project(**fields)))


async def update(stub: ProjectServiceStub, project: Project, *paths: str):
    return await stub.UpdateProject(
        pbs.UpdateProjectRequest(project=project, update_mask=FieldMask(paths=paths))
    )


async def get(stub: ProjectServiceStub, project_id: str) -> Project:
    return await stub.GetProject(pbs.GetProjectRequest(id=project_id))


# One rule of each kind broken (a length, a set of values, a URL): every rule is a unit
# test of its own (tests/unit/test_validation.py). Used for create and, through the
# mask, for update.
INVALID = [
    pytest.param({"title": ""}, "title", id="title-empty"),
    pytest.param({"fps": 25}, "fps", id="fps-25"),
    pytest.param({"audio_path": "ftp://x"}, "audio_path", id="audio_path-ftp"),
]

# The edges of each range, and what is accepted there.
VALID = [
    pytest.param({"title": "x" * 200}, id="title-200"),
    pytest.param({"title": "  " + "x" * 200 + "  "}, id="title-200-after-trim"),
    pytest.param({"title": "é" * 200}, id="title-200-unicode"),
    pytest.param({"description": "d" * 5000}, id="description-5000"),
    pytest.param({"description": ""}, id="description-empty"),
    pytest.param({"script_text": "s" * 20000}, id="script_text-20000"),
    pytest.param({"audio_speed": 0.7, "audio_pitch": 1.3}, id="ratios-at-bounds"),
    pytest.param({"audio_speed": 1.3, "audio_pitch": 0.7}, id="ratios-at-other-bounds"),
    pytest.param({"fps": 24}, id="fps-24"),
    pytest.param({"fps": 60}, id="fps-60"),
    pytest.param({"duration": 0.0}, id="duration-0"),
    pytest.param({"duration": 3600.5}, id="duration-fraction"),
    pytest.param({"images": [Scene(prompt="p" * 1000)] * 50}, id="images-50-prompts-1000"),
    pytest.param({"images": []}, id="images-none"),
    pytest.param({"video_inspirations": ["i"] * 20}, id="inspirations-20"),
    pytest.param({"audio_path": "http://localhost:8000/a.mp3"}, id="url-http-port"),
]


# -- create -----------------------------------------------------------------------------


async def test_create_applies_the_defaults(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Hello")
    assert created.id
    expected = writable(project("Hello"))  # the contract's defaults
    assert writable(created) == expected
    for optional in ("audio_path", "captions_url", "video_url", "thumbnail", "video_job"):
        assert not created.HasField(optional), optional
    assert created.create_time == ts(START)
    assert created.update_time == ts(START)
    assert await get(stub, created.id) == created


@pytest.mark.parametrize("name", ENUM_FIELDS)
async def test_create_with_an_unspecified_enum_takes_its_default(
    stub: ProjectServiceStub, name: str
) -> None:
    # Proto3: a zero enum is an unset one, and create fills unset fields with defaults.
    created = await create(stub, **{"title": "t", name: 0})
    assert getattr(created, name) == getattr(await create(stub, title="d"), name) != 0


async def test_create_keeps_every_given_field(stub: ProjectServiceStub) -> None:
    created = await create(stub, **{f.name: v for f, v in valid_project().ListFields()})
    assert writable(created) == valid_project()
    assert writable(await get(stub, created.id)) == valid_project()


async def test_create_ignores_the_server_fields(stub: ProjectServiceStub) -> None:
    given = valid_project(
        id="chosen-by-client",
        create_time=Timestamp(seconds=1),
        update_time=Timestamp(seconds=2),
        video_job=pb.VideoJob(state=pb.VIDEO_JOB_STATE_QUEUED, attempts=3),
    )
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=given))
    assert created.id and created.id != "chosen-by-client"
    assert (created.create_time, created.update_time) == (ts(START), ts(START))
    assert not created.HasField("video_job")
    with pytest.raises(grpc.aio.AioRpcError):
        await get(stub, "chosen-by-client")


async def test_create_gives_distinct_ids(stub: ProjectServiceStub) -> None:
    ids = {(await create(stub, title=f"p{i}")).id for i in range(5)}
    assert len(ids) == 5


async def test_create_stores_the_trimmed_title_and_prompts(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="  Spaced  ", images=[Scene(prompt="\t a cat \n")])
    assert created.title == "Spaced"
    assert created.images[0].prompt == "a cat"
    assert (await get(stub, created.id)).title == "Spaced"


@pytest.mark.parametrize(("overrides", "field"), INVALID)
async def test_create_rejects(stub: ProjectServiceStub, overrides: dict, field: str) -> None:
    failure = await assert_invalid(
        stub.CreateProject(pbs.CreateProjectRequest(project=valid_project(**overrides))), field
    )
    assert field in failure.message
    listed = await stub.ListProjects(pbs.ListProjectsRequest())
    assert listed.total_size == 0


@pytest.mark.parametrize("overrides", VALID)
async def test_create_accepts_the_bounds(stub: ProjectServiceStub, overrides: dict) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project(**overrides)))
    for name, value in overrides.items():
        got = getattr(created, name)
        if name == "title":
            assert got == value.strip()
        elif name == "images":
            assert list(got) == list(value)
        else:
            assert got == value


async def test_create_without_a_project_requires_a_title(stub: ProjectServiceStub) -> None:
    await assert_invalid(stub.CreateProject(pbs.CreateProjectRequest()), "title")


async def test_create_reports_every_violation_at_once(stub: ProjectServiceStub) -> None:
    bad = valid_project(
        title="",
        fps=25,
        audio_speed=2.0,
        language=42,
        images=[Scene(prompt="ok"), Scene(prompt="", url="ftp://x")],
        thumbnail="javascript:alert(1)",
        video_inspirations=["x"] * 21,
    )
    fields = (
        "title",
        "fps",
        "audio_speed",
        "language",
        "images[1].prompt",
        "images[1].url",
        "thumbnail",
        "video_inspirations",
    )
    failure = await assert_invalid(
        stub.CreateProject(pbs.CreateProjectRequest(project=bad)), *fields
    )
    for name in fields:
        assert name in failure.message


# -- get and delete ---------------------------------------------------------------------


async def test_get_returns_the_stored_project(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Stored")
    assert await get(stub, created.id) == created


@pytest.mark.parametrize("project_id", ["nope", "0" * 32, "$gt", "' OR 1=1 --", "日本", "x" * 3000])
async def test_get_unknown_is_not_found(stub: ProjectServiceStub, project_id: str) -> None:
    await create(stub, title="Another")
    failure = await rpc_failure(get(stub, project_id))
    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert (failure.reason, failure.domain) == ("PROJECT_NOT_FOUND", "ai_studio")
    assert failure.violations == {}


async def test_get_unknown_very_long_id_is_not_found(stub: ProjectServiceStub) -> None:
    # Past ~4 KiB the call fails at random (gRPC's soft limit); past ~8 KiB, always.
    failure = await rpc_failure(get(stub, "x" * 8000))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")


async def test_update_mask_with_a_very_long_path_is_invalid(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Old")
    await assert_invalid(update(stub, Project(id=created.id), "p" * 20000), "update_mask")


async def test_get_requires_an_id(stub: ProjectServiceStub) -> None:
    await assert_invalid(get(stub, ""), "id")


async def test_delete_then_not_found(stub: ProjectServiceStub) -> None:
    kept = await create(stub, title="Kept")
    gone = await create(stub, title="Gone")
    await stub.DeleteProject(pbs.DeleteProjectRequest(id=gone.id))
    for call in (get(stub, gone.id), stub.DeleteProject(pbs.DeleteProjectRequest(id=gone.id))):
        failure = await rpc_failure(call)
        assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")
    listed = await stub.ListProjects(pbs.ListProjectsRequest())
    assert [p.id for p in listed.projects] == [kept.id]


async def test_delete_requires_an_id(stub: ProjectServiceStub) -> None:
    await assert_invalid(stub.DeleteProject(pbs.DeleteProjectRequest()), "id")


# -- update -----------------------------------------------------------------------------


async def test_update_changes_only_the_masked_fields(
    stub: ProjectServiceStub, clock: FakeClock
) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project()))
    patch = Project(id=created.id, title="New title", description="ignored", fps=24)
    updated = await update(stub, patch, "title")
    expected = writable(created)
    expected.title = "New title"
    assert writable(updated) == expected
    assert updated.id == created.id
    assert updated.create_time == created.create_time
    assert updated.update_time == ts(START + clock.step) != created.update_time
    assert await get(stub, created.id) == updated


async def test_update_trims_the_title(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Old")
    updated = await update(stub, Project(id=created.id, title="  New  "), "title")
    assert updated.title == "New"


async def test_update_star_replaces_every_writable_field(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Old")
    replacement = valid_project(title="Replaced", id=created.id)
    updated = await update(stub, replacement, "*")
    assert writable(updated) == writable(replacement)
    assert updated.create_time == created.create_time


async def test_update_star_validates_every_field(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Old")
    # A bare project under "*" is a full replacement with zeros: each zero the table
    # forbids is named.
    await assert_invalid(
        update(stub, Project(id=created.id, title="Only a title"), "*"),
        *ENUM_FIELDS,
        "audio_speed",
        "audio_pitch",
        "fps",
    )
    assert await get(stub, created.id) == created


@pytest.mark.parametrize(
    "paths",
    [
        ["nope"],
        ["title", "nope"],
        ["id"],
        ["create_time"],
        ["update_time"],
        ["video_job"],
        ["images.prompt"],
        ["Title"],
        [""],
    ],
)
async def test_update_mask_naming_a_field_that_cannot_be_updated(
    stub: ProjectServiceStub, paths: list[str]
) -> None:
    created = await create(stub, title="Old")
    patch = Project(id=created.id, title="New", create_time=Timestamp(seconds=1))
    failure = await assert_invalid(update(stub, patch, *paths), "update_mask")
    assert paths[-1] in failure.violations["update_mask"]
    assert await get(stub, created.id) == created


async def test_update_with_an_empty_mask_changes_nothing(stub: ProjectServiceStub) -> None:
    created = await create(stub, title="Old")
    unchanged = await update(stub, Project(id=created.id, title="New", fps=25))
    assert unchanged == created  # update_time included
    assert await get(stub, created.id) == created


async def test_update_clears_the_masked_fields_left_unset(stub: ProjectServiceStub) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project()))
    masked = ("audio_path", "video_url", "thumbnail", "images", "video_inspirations")
    updated = await update(stub, Project(id=created.id), *masked)
    for name in ("audio_path", "video_url", "thumbnail"):
        assert not updated.HasField(name), name
    assert list(updated.images) == list(updated.video_inspirations) == []
    assert updated.title == created.title and updated.fps == created.fps


async def test_update_replaces_repeated_fields_whole(stub: ProjectServiceStub) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project()))
    patch = Project(id=created.id, images=[Scene(prompt="Only")], video_inspirations=["one"])
    updated = await update(stub, patch, "images", "video_inspirations")
    assert list(updated.images) == [Scene(prompt="Only")]
    assert list(updated.video_inspirations) == ["one"]


@pytest.mark.parametrize(("overrides", "field"), INVALID)
async def test_update_rejects(stub: ProjectServiceStub, overrides: dict, field: str) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project()))
    patch = valid_project(id=created.id, **overrides)
    await assert_invalid(update(stub, patch, *overrides), field)
    assert await get(stub, created.id) == created


@pytest.mark.parametrize("name", ENUM_FIELDS)
async def test_update_rejects_an_unspecified_enum(stub: ProjectServiceStub, name: str) -> None:
    created = await create(stub, title="Old")
    await assert_invalid(update(stub, Project(id=created.id), name), name)
    assert await get(stub, created.id) == created


async def test_update_reports_every_violation_and_changes_nothing(
    stub: ProjectServiceStub,
) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=valid_project()))
    patch = Project(id=created.id, title="Fine", fps=25, duration=-1, voice_id=77)
    await assert_invalid(
        update(stub, patch, "title", "fps", "duration", "voice_id"), "fps", "duration", "voice_id"
    )
    assert await get(stub, created.id) == created


async def test_update_unknown_project_is_not_found(stub: ProjectServiceStub) -> None:
    failure = await rpc_failure(update(stub, Project(id="missing", title="x"), "title"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")
    failure = await rpc_failure(update(stub, Project(id="missing")))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")


async def test_update_validates_before_looking_the_project_up(stub: ProjectServiceStub) -> None:
    await assert_invalid(update(stub, Project(id="missing", fps=25), "fps"), "fps")


async def test_update_requires_the_project_id(stub: ProjectServiceStub) -> None:
    await assert_invalid(update(stub, Project(title="x"), "title"), "project.id")


async def test_mask_star_names_exactly_the_writable_fields() -> None:
    # Guards the list the "*" tests rely on against a new proto field.
    server_fields = {"id", "create_time", "update_time", "video_job", "revision"}
    assert WRITABLE_FIELDS == {f.name for f in Project.DESCRIPTOR.fields} - server_fields


# -- list -------------------------------------------------------------------------------

STATUS_OF = [
    pb.PROJECT_STATUS_DRAFT,
    pb.PROJECT_STATUS_VIDEO_READY,
    pb.PROJECT_STATUS_AUDIO_READY,
    pb.PROJECT_STATUS_DRAFT,
    pb.PROJECT_STATUS_SCRIPT_GENERATED,
]
TITLES = ["delta", "alpha", "echo", "charlie", "bravo"]


@pytest.fixture
async def five(stub: ProjectServiceStub) -> list[Project]:
    """Five projects, created in this order; the 4th is then updated (update_time order
    differs from create_time order)."""
    made = [
        await create(stub, title=title, status=status, description=f"number {i}")
        for i, (title, status) in enumerate(zip(TITLES, STATUS_OF, strict=True))
    ]
    made[0] = await update(stub, Project(id=made[0].id, description="touched"), "description")
    return made


async def list_ids(stub: ProjectServiceStub, **request: Any) -> list[str]:
    reply = await stub.ListProjects(pbs.ListProjectsRequest(**request))
    return [p.id for p in reply.projects]


async def test_list_everything_in_creation_order(
    stub: ProjectServiceStub, five: list[Project]
) -> None:
    reply = await stub.ListProjects(pbs.ListProjectsRequest())
    assert list(reply.projects) == five
    assert reply.total_size == 5
    assert reply.next_page_token == ""


async def test_list_pages_with_tokens(stub: ProjectServiceStub, five: list[Project]) -> None:
    seen, token, pages = [], "", 0
    while True:
        reply = await stub.ListProjects(pbs.ListProjectsRequest(page_size=2, page_token=token))
        assert reply.total_size == 5
        seen += [p.id for p in reply.projects]
        pages += 1
        token = reply.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == [p.id for p in five]


async def test_list_skip(stub: ProjectServiceStub, five: list[Project]) -> None:
    ids = [p.id for p in five]
    assert await list_ids(stub, skip=3) == ids[3:]
    reply = await stub.ListProjects(pbs.ListProjectsRequest(skip=1, page_size=2))
    assert [p.id for p in reply.projects] == ids[1:3]
    assert reply.total_size == 5
    # The token goes on from where the skipped page ended.
    assert await list_ids(stub, page_size=2, page_token=reply.next_page_token) == ids[3:5]
    beyond = await stub.ListProjects(pbs.ListProjectsRequest(skip=50, page_size=2))
    assert (list(beyond.projects), beyond.total_size, beyond.next_page_token) == ([], 5, "")


async def test_list_last_full_page_has_no_token(
    stub: ProjectServiceStub, five: list[Project]
) -> None:
    reply = await stub.ListProjects(pbs.ListProjectsRequest(page_size=5))
    assert len(reply.projects) == 5 and reply.next_page_token == ""
    reply = await stub.ListProjects(pbs.ListProjectsRequest(page_size=1000))
    assert len(reply.projects) == 5 and reply.next_page_token == ""


@pytest.mark.parametrize(
    ("order_by", "key", "descending"),
    [
        ("", lambda p: p.create_time.ToMilliseconds(), False),
        ("create_time", lambda p: p.create_time.ToMilliseconds(), False),
        ("create_time desc", lambda p: p.create_time.ToMilliseconds(), True),
        ("update_time", lambda p: p.update_time.ToMilliseconds(), False),
        ("update_time desc", lambda p: p.update_time.ToMilliseconds(), True),
        ("title", lambda p: p.title, False),
        ("title desc", lambda p: p.title, True),
        ("title DESC", lambda p: p.title, True),
        ("title asc", lambda p: p.title, False),
        # Statuses sort by their spelling, as JSON Server sorts strings.
        ("status", lambda p: (pb.ProjectStatus.Name(p.status), p.create_time.seconds), False),
        (
            "status desc",
            lambda p: (pb.ProjectStatus.Name(p.status), p.create_time.seconds),
            True,
        ),
    ],
)
async def test_list_order_by(
    stub: ProjectServiceStub, five: list[Project], order_by: str, key, descending: bool
) -> None:
    expected = [p.id for p in sorted(five, key=key, reverse=descending)]
    assert await list_ids(stub, order_by=order_by) == expected


async def test_list_filters_by_statuses(stub: ProjectServiceStub, five: list[Project]) -> None:
    wanted = [pb.PROJECT_STATUS_DRAFT, pb.PROJECT_STATUS_VIDEO_READY]
    reply = await stub.ListProjects(pbs.ListProjectsRequest(statuses=wanted, page_size=2))
    assert [p.id for p in reply.projects] == [five[0].id, five[1].id]
    assert reply.total_size == 3
    assert reply.next_page_token


async def test_list_search_is_literal_and_ignores_case(
    stub: ProjectServiceStub, five: list[Project]
) -> None:
    odd = await create(stub, title="100% (a+)+$ [x] under_score", description="Ünïcode ÉTÉ")
    assert await list_ids(stub, search="ALPHA") == [five[1].id]
    assert await list_ids(stub, search="touched") == [five[0].id]
    assert await list_ids(stub, search="number") == [p.id for p in five[1:]]
    assert await list_ids(stub, search="été") == [odd.id]
    for literal in ("%", "(a+)+$", "[x]", "_", "0% ("):
        assert await list_ids(stub, search=literal) == [odd.id], literal
    for pattern in (".*", "a.pha", "^delta", "%a%", "_lpha", "[ab]", '{"$gt": ""}'):
        assert await list_ids(stub, search=pattern) == [], pattern


EQ, GT = pbs.FilterOperator.FILTER_OPERATOR_EQ, pbs.FilterOperator.FILTER_OPERATOR_GT
LIKE = pbs.FilterOperator.FILTER_OPERATOR_LIKE


@pytest.mark.parametrize(
    ("request_fields", "fields"),
    [
        ({"page_size": -1}, ["page_size"]),
        ({"page_size": 1001}, ["page_size"]),
        ({"skip": -1}, ["skip"]),
        ({"statuses": [0]}, ["statuses"]),
        ({"statuses": [pb.PROJECT_STATUS_DRAFT, 99]}, ["statuses"]),
        ({"order_by": "nope"}, ["order_by"]),
        ({"order_by": "images"}, ["order_by"]),
        ({"order_by": "title,"}, ["order_by"]),
        ({"order_by": "title sideways"}, ["order_by"]),
        ({"order_by": "title desc please"}, ["order_by"]),
        ({"order_by": "created_at"}, ["order_by"]),
        ({"filters": [pbs.Filter(field="nope", operator=EQ, values=["a"])]}, ["nope"]),
        ({"filters": [pbs.Filter(field="images", operator=EQ, values=["a"])]}, ["images"]),
        ({"filters": [pbs.Filter(field="title", values=["a"])]}, ["title"]),
        ({"filters": [pbs.Filter(field="language", operator=GT, values=["en"])]}, ["language"]),
        ({"filters": [pbs.Filter(field="fps", operator=EQ, values=["x"])]}, ["fps"]),
        ({"filters": [pbs.Filter(field="fps", operator=GT, values=["1", "2"])]}, ["fps"]),
        ({"filters": [pbs.Filter(field="fps", operator=EQ)]}, ["fps"]),
        ({"filters": [pbs.Filter(field="title", operator=LIKE, values=["a+"])]}, ["title"]),
        (
            {
                "filters": [
                    pbs.Filter(field="audio_speed", operator=GT, values=["nan"]),
                    pbs.Filter(field="create_time", operator=GT, values=["today"]),
                ]
            },
            ["audio_speed", "create_time"],
        ),
        ({"page_token": "garbage"}, ["page_token"]),
        ({"page_token": "eDo1"}, ["page_token"]),  # base64 of "x:5", not ours
        ({"page_token": "bzotMQ=="}, ["page_token"]),  # base64 of "o:-1"
        (
            {"page_size": -5, "skip": -1, "statuses": [9], "order_by": "x", "page_token": "?"},
            ["page_size", "skip", "statuses", "order_by", "page_token"],
        ),
    ],
)
async def test_list_rejects(
    stub: ProjectServiceStub, request_fields: dict, fields: list[str]
) -> None:
    await assert_invalid(stub.ListProjects(pbs.ListProjectsRequest(**request_fields)), *fields)


# -- health, reflection, request ids ------------------------------------------------------


@pytest.mark.parametrize("service", ["", SERVICE])
async def test_health_is_serving(channel: grpc.aio.Channel, service: str) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_health_of_an_unknown_service_is_not_found(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await health.Check(health_pb2.HealthCheckRequest(service="nope.Service"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_and_describes_the_service(channel: grpc.aio.Channel) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE),
    ]
    answers = [answer async for answer in reflection.ServerReflectionInfo(iter(requests))]
    listed = {s.name for s in answers[0].list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= listed
    files = answers[1].file_descriptor_response.file_descriptor_proto
    assert any(b"ai_studio/v1/project_service.proto" in raw for raw in files)


@pytest.mark.parametrize(
    ("given", "seen"),
    [("req-123.abc:XYZ", "req-123.abc:XYZ"), ("r" * 300, "r" * 128), (None, "-")],
)
async def test_request_id_metadata_is_accepted_and_kept(
    stub: ProjectServiceStub, rpc_request_ids: RequestIds, given: str | None, seen: str
) -> None:
    metadata = () if given is None else (("x-request-id", given),)
    created = await stub.CreateProject(
        pbs.CreateProjectRequest(project=Project(title="t")), metadata=metadata
    )
    assert created.id
    assert await rpc_request_ids.settled(1) == [seen]
