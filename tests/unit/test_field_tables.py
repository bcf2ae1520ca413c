"""The per-field tables of the edge and the orchestrator cover exactly the resource."""

from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project, VideoSettings

from common.fields import PROJECT_FIELDS, given_to
from edge.codec import IGNORED_FIELDS, PARSERS, project_json
from orchestrator.store.base import WRITABLE_FIELDS
from orchestrator.validation import RULES

CONTRACT_FIELDS = {
    "id", "title", "description", "language", "use_case", "status", "script_text",
    "script_style", "voice_id", "audio_speed", "audio_pitch", "audio_path", "image_style",
    "images", "resolution", "fps", "video_template_id", "background_music", "video_url",
    "thumbnail", "duration", "video_inspirations", "video_job", "created_at", "updated_at",
    "captions_url", "aspect_ratio", "subtitles",
    "revision",
}  # fmt: skip


def test_every_writable_field_has_a_rule_and_a_parser() -> None:
    assert set(RULES) == WRITABLE_FIELDS
    assert set(PARSERS) == WRITABLE_FIELDS


def test_the_json_of_a_project_has_every_contract_field() -> None:
    assert set(project_json(Project())) == CONTRACT_FIELDS
    assert WRITABLE_FIELDS | IGNORED_FIELDS == CONTRACT_FIELDS


def test_the_field_table_declares_every_proto_field_once() -> None:
    assert [f.name for f in PROJECT_FIELDS] == [f.name for f in Project.DESCRIPTOR.fields]
    assert set(project_json(Project())) == {f.rest or f.name for f in PROJECT_FIELDS}


STEP_REQUESTS = {
    "script": pb_service.GenerateScriptRequest,
    "audio": pb_service.GenerateAudioRequest,
    "images": pb_service.GenerateImagesRequest,
    "video": pb_service.GenerateVideoRequest,
}


def test_what_a_step_request_may_give_is_every_field_of_its_message_but_the_id() -> None:
    for step, request in STEP_REQUESTS.items():
        names = set(given_to(step).values())
        assert names == {f.name for f in request.DESCRIPTOR.fields} - {"id"}, step


def test_the_render_settings_are_named_as_the_video_request_names_them() -> None:
    assert list(given_to("video").values()) == [f.name for f in VideoSettings.DESCRIPTOR.fields]
