"""Projects as the service makes them, for the store contract and the job tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene, VideoJob, VideoSettings
from google.protobuf.timestamp_pb2 import Timestamp

T0 = datetime(2025, 11, 29, 10, 0, tzinfo=UTC)

# Ids that name no project, malformed or injection-looking included.
UNKNOWN_IDS = [
    "",
    "nope",
    "../x",
    '{"$gt": ""}',
    "$gt",
    "0" * 24,
    "ffffffffffffffffffffffff",
    "692ac6a0e4b0c2a1d3f4e5a6",
    "7" * 32,
]


# -- builders ------------------------------------------------------------------------------


def at(ms: int) -> Timestamp:
    """T0 plus `ms` milliseconds."""
    timestamp = Timestamp()
    timestamp.FromDatetime(T0 + timedelta(milliseconds=ms))
    return timestamp


def project(title: str = "A project", *, created_ms: int = 0, **fields: Any) -> Project:
    """A project as the service creates one: the contract's defaults, then `fields`."""
    values: dict[str, Any] = dict(
        title=title,
        language=pb.LANGUAGE_EN,
        use_case=pb.USE_CASE_EXPLANATION,
        status=pb.PROJECT_STATUS_DRAFT,
        script_style=pb.SCRIPT_STYLE_EDUCATIONAL,
        voice_id=pb.VOICE_ALLOY,
        audio_speed=1.0,
        audio_pitch=1.0,
        image_style=pb.IMAGE_STYLE_REALISTIC,
        resolution=pb.RESOLUTION_1080P,
        fps=30,
        video_template_id=pb.VIDEO_TEMPLATE_BASIC_FADE,
        background_music=pb.BACKGROUND_MUSIC_NONE,
        aspect_ratio=pb.ASPECT_RATIO_16_9,
        create_time=at(created_ms),
        update_time=at(created_ms),
    )
    values.update(fields)
    return Project(**values)


# Render settings none of which is the default (a protobuf message: copied where it is used).
REQUESTED = VideoSettings(
    resolution=pb.RESOLUTION_2160P,
    fps=60,
    template=pb.VIDEO_TEMPLATE_KEN_BURNS,
    background_music=pb.BACKGROUND_MUSIC_CINEMATIC,
    aspect_ratio=pb.ASPECT_RATIO_9_16,
    subtitles=True,
)


def video_job(**fields: Any) -> VideoJob:
    values: dict[str, Any] = dict(
        state=pb.VIDEO_JOB_STATE_FAILED,
        attempts=3,
        error="the renderer crashed",
        requested=REQUESTED,
        create_time=at(5_001),
        update_time=at(9_999),
    )
    values.update(fields)
    return VideoJob(**values)


def full_project() -> Project:
    """Every field set, none to its default, timestamps with milliseconds."""
    return Project(
        id="chosen-by-the-client",
        title="Full — ÉCOLE",
        description="Every field set.\nWith a second line.",
        language=pb.LANGUAGE_FR,
        use_case=pb.USE_CASE_TUTORIAL,
        status=pb.PROJECT_STATUS_VIDEO_READY,
        script_text="Once upon a time…",
        script_style=pb.SCRIPT_STYLE_DRAMATIC,
        voice_id=pb.VOICE_SHIMMER,
        audio_speed=1.25,
        audio_pitch=0.75,
        audio_path="https://cdn.example/audio/1.mp3",
        captions_url="https://cdn.example/audio/1.vtt",
        image_style=pb.IMAGE_STYLE_OIL_PAINTING,
        images=[
            Scene(prompt="a lighthouse at dawn", url="https://cdn.example/img/1.png"),
            Scene(prompt="a storm, not drawn yet"),
            Scene(prompt="an empty url", url=""),
        ],
        resolution=pb.RESOLUTION_1440P,
        fps=24,
        video_template_id=pb.VIDEO_TEMPLATE_ZOOM_OUT,
        background_music=pb.BACKGROUND_MUSIC_AMBIENT,
        aspect_ratio=pb.ASPECT_RATIO_1_1,
        subtitles=True,
        video_url="https://cdn.example/video/1.mp4",
        thumbnail="https://cdn.example/video/1.jpg",
        duration=42.125,
        video_inspirations=["https://example.org/one", "a note, not a link"],
        video_job=video_job(),
        create_time=at(1_234),
        update_time=at(98_765),
    )


def with_id(message: Project, project_id: str, revision: int = 0) -> Project:
    """The project as stored under `project_id` at `revision`: a video_job is never kept
    in a project (jobs have their own table; see test_jobs.py), so it is not read back."""
    copy = Project()
    copy.CopyFrom(message)
    copy.id = project_id
    copy.revision = revision
    copy.ClearField("video_job")
    return copy


# -- as a client writes them (gRPC) -------------------------------------------------------

ENUM_FIELDS = (
    "language",
    "use_case",
    "status",
    "script_style",
    "voice_id",
    "image_style",
    "resolution",
    "video_template_id",
    "background_music",
    "aspect_ratio",
)
URL_FIELDS = ("audio_path", "captions_url", "video_url", "thumbnail")
BAD_URLS = (
    "javascript:alert(1)",
    "ftp://x",
    "http://",
    "",
    "not a url",
    "//cdn.example/x.png",
    "https://cdn.example/" + "a" * 2048,
    # Not parseable by urlsplit (an invalid IPv6 literal): a violation, not an INTERNAL.
    "http://[",
    "https://[::1/x",
    "http://]oops",
)


def valid_project(**overrides: Any) -> Project:
    """A valid project with every writable field set to a non-default value."""
    fields: dict[str, Any] = {
        "title": "Everything set",
        "description": "All of the writable fields",
        "language": pb.LANGUAGE_FR,
        "use_case": pb.USE_CASE_TUTORIAL,
        "status": pb.PROJECT_STATUS_IMAGES_READY,
        "script_text": "Once upon a time.",
        "script_style": pb.SCRIPT_STYLE_COMEDIC,
        "voice_id": pb.VOICE_SHIMMER,
        "audio_speed": 1.3,
        "audio_pitch": 0.7,
        "audio_path": "https://cdn.example/audio.mp3",
        "captions_url": "https://cdn.example/audio.vtt",
        "image_style": pb.IMAGE_STYLE_WATERCOLOR,
        "images": [Scene(prompt="A cat", url="https://cdn.example/cat.png"), Scene(prompt="A dog")],
        "resolution": pb.RESOLUTION_2160P,
        "fps": 60,
        "video_template_id": pb.VIDEO_TEMPLATE_KEN_BURNS,
        "background_music": pb.BACKGROUND_MUSIC_CINEMATIC,
        "aspect_ratio": pb.ASPECT_RATIO_9_16,
        "subtitles": True,
        "video_url": "https://cdn.example/video.mp4",
        "thumbnail": "http://cdn.example/thumb.jpg",
        "duration": 42.5,
        "video_inspirations": ["https://youtube.example/watch?v=1", "a note"],
    }
    fields.update(overrides)
    return Project(**fields)
