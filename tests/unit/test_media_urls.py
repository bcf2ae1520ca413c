"""The orchestrator's early check of render inputs (orchestrator/media_urls.py): what it
can tell from a URL alone, the trusted origins, and the violations it names."""

import pytest
from ai_studio.v1.project_pb2 import Project, Scene, VideoSettings

from common.origins import Origin
from orchestrator.config import OrchestratorSettings
from orchestrator.errors import InputURLRefused
from orchestrator.media_urls import check_render_inputs, media_origins, refusal

TRUSTED = frozenset({Origin("http", "127.0.0.1", 8103), Origin("http", "localhost", 8102)})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/metrics",
        "http://127.0.0.1:9464/metrics",  # a trusted host, but another port
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.0.0.1./",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/x.png",
        "http://192.168.1.20/x.png",
        "http://[fd00::1]/x.png",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://localhost/",
        "http://localhost:50051/",
        "http://LOCALHOST./",
        "http://mongo/",
        "http://mongo:27017/",
        "http://orchestrator:9464/metrics",
        "http://metadata/computeMetadata/v1/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://printer.local/",
        "http://app.localhost/",
        "http://nas.home.arpa/",
        "https://cdn.example.com:8443/x.png",
        "http://cdn.example.com:443/x.png",
    ],
)
def test_what_the_video_service_would_refuse_is_told(url):
    reason = refusal(url, TRUSTED)
    assert reason is not None and ("never fetched" in reason or "port" in reason), reason


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/x.png",
        "http://cdn.example.com:80/x.png",
        "https://8.8.8.8/x.png",
        "http://[2606:4700::1]/x.png",
        "http://127.0.0.1:8103/media/1.png",  # trusted
        "http://localhost:8102/media/a.mp3",  # trusted
        "not a url",  # the other rules' business
    ],
)
def test_what_it_cannot_tell_or_trusts_passes(url):
    assert refusal(url, TRUSTED) is None


def test_the_services_origins_and_the_setting_are_trusted():
    settings = OrchestratorSettings(
        image_service_url="http://image:8103",
        trusted_media_origins="http://localhost:8102, http://localhost:8103",
    )
    origins = media_origins(settings)
    assert Origin("http", "image", 8103) in origins
    assert Origin("http", "127.0.0.1", 8102) in origins  # the default AUDIO_SERVICE_URL
    assert {Origin("http", "localhost", 8102), Origin("http", "localhost", 8103)} <= origins
    with pytest.raises(ValueError):
        OrchestratorSettings(trusted_media_origins="http://a/with/a/path")


def test_every_refused_input_is_named():
    project = Project(
        audio_path="http://localhost:8102/media/a.mp3",
        images=[
            Scene(prompt="a", url="https://cdn.example.com/a.png"),
            Scene(prompt="b", url="http://mongo:27017/"),
            Scene(prompt="c", url="http://[::ffff:10.0.0.1]/c.png"),
        ],
    )
    plain = VideoSettings()
    check_render_inputs(Project(audio_path=project.audio_path), plain, TRUSTED)
    with pytest.raises(InputURLRefused) as refused:
        check_render_inputs(project, plain, TRUSTED)
    assert [v.field for v in refused.value.violations] == ["images[1].url", "images[2].url"]


def test_the_captions_are_an_input_only_when_burned_in():
    project = Project(
        audio_path="http://localhost:8102/media/a.mp3",
        captions_url="http://10.1.2.3/captions.vtt",
    )
    check_render_inputs(project, VideoSettings(subtitles=False), TRUSTED)
    with pytest.raises(InputURLRefused) as refused:
        check_render_inputs(project, VideoSettings(subtitles=True), TRUSTED)
    assert [v.field for v in refused.value.violations] == ["captions_url"]
