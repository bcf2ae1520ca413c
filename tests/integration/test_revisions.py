"""Revisions over REST and gRPC: every project carries its revision; GET sends it as the
ETag and answers 304 to a matching If-None-Match; PUT, PATCH and DELETE honour If-Match
(412 REVISION_MISMATCH), gRPC's expected_revision (FAILED_PRECONDITION), checked by the
store's atomic write."""

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask

from tests.integration.helpers import FRONTEND, Api, assert_error, rpc_failure

UPDATE_METHODS = pytest.mark.parametrize("method", ["PUT", "PATCH"])


def tag(body: dict) -> str:
    return f'"{body["revision"]}"'


async def test_each_write_answers_the_new_revision_as_the_etag(api: Api) -> None:
    resp = await api.client.post("/projects", json={"title": "One"})
    created = await resp.json()
    assert resp.headers["ETag"] == tag(created) and created["revision"] > 0

    resp = await api.client.patch(f"/projects/{created['id']}", json={"title": "Two"})
    updated = await resp.json()
    assert resp.headers["ETag"] == tag(updated) and updated["revision"] > created["revision"]

    resp = await api.client.get(f"/projects/{created['id']}")
    assert resp.headers["ETag"] == tag(updated) and await resp.json() == updated


async def test_get_answers_304_while_the_project_is_at_the_etag(api: Api) -> None:
    project = await api.create()
    path = f"/projects/{project['id']}"

    for given in (tag(project), f"W/{tag(project)}", f'"0", {tag(project)}', "*"):
        resp = await api.client.get(path, headers={"If-None-Match": given})
        assert resp.status == 304, given
        assert resp.headers["ETag"] == tag(project)
        assert await resp.read() == b""

    await api.client.patch(path, json={"title": "Changed"})
    resp = await api.client.get(path, headers={"If-None-Match": tag(project)})
    assert resp.status == 200 and (await resp.json())["title"] == "Changed"


@UPDATE_METHODS
async def test_an_update_at_the_if_match_revision_is_made(api: Api, method: str) -> None:
    project = await api.create()

    resp = await api.client.request(
        method,
        f"/projects/{project['id']}",
        json={"title": "New"},
        headers={"If-Match": tag(project)},
    )

    assert resp.status == 200, await resp.text()
    assert (await resp.json())["title"] == "New"


@UPDATE_METHODS
async def test_an_update_at_another_revision_is_412_and_changes_nothing(
    api: Api, method: str
) -> None:
    stale = await api.create()
    path = f"/projects/{stale['id']}"
    await api.client.patch(path, json={"title": "Someone else's"})
    current = await api.get(stale["id"])

    for given in (tag(stale), "W/" + tag(current), '"not-ours"'):
        resp = await api.client.request(
            method, path, json={"title": "Lost update"}, headers={"If-Match": given}
        )
        await assert_error(resp, 412, "REVISION_MISMATCH")
    assert await api.get(stale["id"]) == current


async def test_if_match_takes_any_existing_project_for_a_star_and_the_current_of_several(
    api: Api,
) -> None:
    project = await api.create()
    path = f"/projects/{project['id']}"

    resp = await api.client.patch(path, json={"title": "Star"}, headers={"If-Match": "*"})
    assert resp.status == 200
    current = await resp.json()
    resp = await api.client.patch(
        path, json={"title": "Several"}, headers={"If-Match": f'"0", {tag(current)}'}
    )
    assert resp.status == 200
    resp = await api.client.patch(path, json={"title": "x"}, headers={"If-Match": '"0", "1"'})
    await assert_error(resp, 412, "REVISION_MISMATCH")


async def test_a_delete_honours_if_match(api: Api) -> None:
    project = await api.create()
    path = f"/projects/{project['id']}"
    await api.client.patch(path, json={"title": "Changed"})
    current = await api.get(project["id"])

    await assert_error(
        await api.client.delete(path, headers={"If-Match": tag(project)}), 412, "REVISION_MISMATCH"
    )
    assert await api.get(project["id"]) == current
    resp = await api.client.delete(path, headers={"If-Match": tag(current)})
    assert resp.status == 204
    await assert_error(await api.client.get(path), 404, "PROJECT_NOT_FOUND")


async def test_cors_lets_the_frontend_send_conditions_and_read_the_etag(api: Api) -> None:
    project = await api.create()
    path = f"/projects/{project['id']}"
    preflight = await api.client.options(
        path,
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type, if-match",
        },
    )
    assert preflight.status == 200
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "if-match" in allowed

    resp = await api.client.get(path, headers={"Origin": FRONTEND})
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"]


async def test_grpc_updates_and_deletes_check_the_expected_revision(
    stub: ProjectServiceStub,
) -> None:
    created = await stub.CreateProject(pbs.CreateProjectRequest(project=Project(title="One")))
    mask = FieldMask(paths=["title"])
    updated = await stub.UpdateProject(
        pbs.UpdateProjectRequest(
            project=Project(id=created.id, title="Two"),
            update_mask=mask,
            expected_revision=created.revision,
        )
    )
    assert updated.revision > created.revision

    stale_update = pbs.UpdateProjectRequest(
        project=Project(id=created.id, title="Three"),
        update_mask=mask,
        expected_revision=created.revision,
    )
    for call in (
        stub.UpdateProject(stale_update),
        stub.DeleteProject(pbs.DeleteProjectRequest(id=created.id, expected_revision=1_000_000)),
    ):
        failure = await rpc_failure(call)
        assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
        assert (failure.reason, failure.domain) == ("REVISION_MISMATCH", "ai_studio")
        assert failure.metadata["actual"] == str(updated.revision)

    assert await stub.GetProject(pbs.GetProjectRequest(id=created.id)) == updated
    await stub.DeleteProject(
        pbs.DeleteProjectRequest(id=created.id, expected_revision=updated.revision)
    )
