"""The generation service functions, with the real embedded store and fake services
that record what they receive: payloads, what is stored, and nothing stored on failure."""

import asyncio

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene

from orchestrator.clients.audio import AudioClient
from orchestrator.clients.http import CallPolicy
from orchestrator.clients.image import ImageClient
from orchestrator.clients.script import ScriptClient
from orchestrator.errors import (
    PreconditionFailed,
    ProjectNotFound,
    SceneNotFound,
    UpstreamError,
    UpstreamTimeout,
)
from orchestrator.services import generation
from orchestrator.services.projects import create_project, with_defaults
from orchestrator.services.steps import StepCall


class Clock:
    """A clock one second further on at each reading, shared by every call of a test."""

    now = 1_700_000_000.0

    def __call__(self) -> float:
        Clock.now += 1
        return Clock.now


@pytest.fixture
async def clients(fake):
    policy = CallPolicy(attempts=2, retry_budget_s=0.5)
    made = [
        ScriptClient(fake.base_url, 0.5, policy),
        AudioClient(fake.base_url, 0.5, policy),
        ImageClient(fake.base_url, 0.5, policy),
    ]
    for client in made:
        await client.start()
    yield dict(zip(("script", "audio", "image"), made, strict=True))
    for client in made:
        await client.close()


async def new_project(store, **fields) -> Project:
    return await create_project(store, Clock(), with_defaults(Project(title="Bees", **fields)))


SCENES = [Scene(prompt=f"scene {i}") for i in range(5)]


async def test_script_sends_the_project_values_with_the_overrides(store, fake, clients) -> None:
    project = await new_project(store, description="Why bees matter", language=pb.LANGUAGE_FR)
    overrides = Project(title="Abeilles", script_style=pb.SCRIPT_STYLE_CASUAL)

    call = StepCall(project.id, overrides, ["title", "script_style"])
    saved = await generation.generate_script(store, clients["script"], Clock(), call)

    assert fake.received[0].body == {
        "title": "Abeilles",
        "description": "Why bees matter",
        "use_case": "explanation",
        "language": "fr",
        "style": "casual",
    }
    assert saved.script_text == "A script about Abeilles."
    assert saved.script_style == pb.SCRIPT_STYLE_CASUAL
    assert saved.status == pb.PROJECT_STATUS_SCRIPT_GENERATED
    assert saved.title == "Bees", "the title given to the step is not stored"
    assert saved.update_time.ToMilliseconds() > project.update_time.ToMilliseconds()
    assert await store.get(project.id) == saved


@pytest.mark.parametrize("how", [dict(status=500), dict(hang=True), dict(body=b"nope")])
async def test_a_failed_step_stores_nothing(store, fake, clients, how) -> None:
    project = await new_project(store, script_text="Hello")
    fake.misbehave(**how)

    with pytest.raises((UpstreamError, UpstreamTimeout)):
        await generation.generate_audio(
            store, clients["audio"], Clock(), StepCall(project.id, Project(), [])
        )

    assert await store.get(project.id) == project


async def test_audio_needs_a_script_and_calls_nobody_without_one(store, fake, clients) -> None:
    project = await new_project(store, script_text="   ")
    with pytest.raises(PreconditionFailed) as raised:
        await generation.generate_audio(
            store, clients["audio"], Clock(), StepCall(project.id, Project(), [])
        )
    assert raised.value.reason == "SCRIPT_REQUIRED"
    assert fake.received == []


async def test_audio_stores_its_url_and_the_voice_used(store, fake, clients) -> None:
    project = await new_project(store, script_text="Hello bees")
    overrides = Project(voice_id=pb.VOICE_NOVA, audio_speed=1.2)

    call = StepCall(project.id, overrides, ["voice_id", "audio_speed"])
    saved = await generation.generate_audio(store, clients["audio"], Clock(), call)

    assert fake.received[0].body == {
        "script_text": "Hello bees",
        "voice_id": "nova",
        "audio_speed": 1.2,
        "audio_pitch": 1.0,
        "language": "en",
    }
    assert saved.audio_path.startswith(fake.base_url) and saved.audio_path.endswith(".mp3")
    assert saved.captions_url.startswith(fake.base_url) and saved.captions_url.endswith(".vtt")
    assert (saved.voice_id, saved.audio_speed) == (pb.VOICE_NOVA, 1.2)
    assert saved.status == pb.PROJECT_STATUS_AUDIO_READY


async def test_audio_without_captions_clears_the_old_ones(store, fake, clients) -> None:
    project = await new_project(
        store, script_text="Hello bees", captions_url="http://old.example/a.vtt"
    )
    fake.misbehave(body=b'{"url": "http://media.example/a.mp3", "duration": 1.0}')
    saved = await generation.generate_audio(
        store, clients["audio"], Clock(), StepCall(project.id, Project(), [])
    )
    assert saved.audio_path == "http://media.example/a.mp3"
    assert not saved.HasField("captions_url")


@pytest.mark.parametrize("script", ["...", "\u2026 !? \u00bf", "\U000c1a27", "\U0001f41d"])
async def test_audio_refuses_a_stored_script_with_nothing_to_speak(
    store, fake, clients, script
) -> None:
    project = await new_project(store, script_text=script)
    with pytest.raises(PreconditionFailed) as raised:
        await generation.generate_audio(
            store, clients["audio"], Clock(), StepCall(project.id, Project(), [])
        )
    assert raised.value.reason == "NOTHING_TO_SPEAK"
    assert raised.value.message.startswith("script_text: has nothing to speak")
    assert fake.received == []


@pytest.mark.parametrize(
    ("aspect", "label"),
    [(pb.ASPECT_RATIO_9_16, "9:16"), (pb.ASPECT_RATIO_1_1, "1:1"), (0, "16:9")],
)
async def test_both_image_calls_ask_for_the_project_aspect(
    store, fake, clients, aspect, label
) -> None:
    project = await new_project(store, images=SCENES[:2])
    if not aspect:  # a project stored before the field existed
        project.ClearField("aspect_ratio")
        await store.update(project.id, project, ["aspect_ratio"])
    else:
        project.aspect_ratio = aspect
        await store.update(project.id, project, ["aspect_ratio"])
    await generation.generate_images(
        store, clients["image"], Clock(), StepCall(project.id, Project(), [])
    )
    await generation.generate_image(store, clients["image"], Clock(), project.id, 1, None, 0, None)
    assert [c.body["aspect_ratio"] for c in fake.received] == [label, label]


async def test_images_refuse_stored_prompts_with_nothing_to_draw(store, fake, clients) -> None:
    scenes = [Scene(prompt="a bee"), Scene(prompt="..."), Scene(prompt="\u2728"), Scene(prompt="2")]
    project = await new_project(store, images=scenes)
    with pytest.raises(PreconditionFailed) as raised:
        await generation.generate_images(
            store, clients["image"], Clock(), StepCall(project.id, Project(), [])
        )
    assert raised.value.reason == "NOTHING_TO_DRAW"
    assert [v.field for v in raised.value.violations] == ["images[1].prompt", "images[2].prompt"]
    with pytest.raises(PreconditionFailed) as raised:
        await generation.generate_image(
            store, clients["image"], Clock(), project.id, 1, None, 0, None
        )
    assert raised.value.message.startswith("images[1].prompt: has nothing to draw")
    assert fake.received == []
    # A prompt given (checked by the servicer) is drawn, whatever the stored one.
    await generation.generate_image(store, clients["image"], Clock(), project.id, 1, "a", 0, None)
    assert len(fake.received) == 1


async def test_images_are_drawn_in_one_batch_and_stored_with_their_urls(
    store, fake, clients
) -> None:
    project = await new_project(store, images=SCENES[:2])

    call = StepCall(project.id, Project(image_style=pb.IMAGE_STYLE_ANIME), ["image_style"])
    saved = await generation.generate_images(store, clients["image"], Clock(), call)

    assert fake.received[0].path == "/generate-batch"
    assert fake.received[0].body == {
        "images": [{"prompt": "scene 0"}, {"prompt": "scene 1"}],
        "style": "anime",
        "aspect_ratio": "16:9",
    }
    assert [s.prompt for s in saved.images] == ["scene 0", "scene 1"]
    assert all(s.url.endswith(".png") for s in saved.images)
    assert (saved.image_style, saved.status) == (
        pb.IMAGE_STYLE_ANIME,
        pb.PROJECT_STATUS_IMAGES_READY,
    )


async def test_images_need_scenes(store, fake, clients) -> None:
    project = await new_project(store)
    with pytest.raises(PreconditionFailed) as raised:
        await generation.generate_images(
            store, clients["image"], Clock(), StepCall(project.id, Project(), [])
        )
    assert raised.value.reason == "IMAGES_REQUIRED" and fake.received == []


async def test_an_unknown_project_calls_nobody(store, fake, clients) -> None:
    with pytest.raises(ProjectNotFound):
        await generation.generate_script(
            store, clients["script"], Clock(), StepCall("nope", Project(), [])
        )
    assert fake.received == []


async def test_regenerating_a_scene_changes_that_scene_alone(store, fake, clients) -> None:
    project = await new_project(store, images=SCENES[:3])

    url = await generation.generate_image(
        store, clients["image"], Clock(), project.id, 1, "a new prompt", 0, None
    )

    assert fake.received[0].body == {
        "prompt": "a new prompt",
        "style": "realistic",
        "aspect_ratio": "16:9",
    }
    stored = await store.get(project.id)
    assert list(stored.images) == [SCENES[0], Scene(prompt="a new prompt", url=url), SCENES[2]]
    assert stored.status == project.status


@pytest.mark.parametrize("index", [-1, 3, 50])
async def test_an_unknown_scene_calls_nobody(store, fake, clients, index) -> None:
    project = await new_project(store, images=SCENES[:3])
    with pytest.raises(SceneNotFound):
        await generation.generate_image(
            store, clients["image"], Clock(), project.id, index, None, 0, None
        )
    assert fake.received == []


async def test_concurrent_regenerations_of_different_scenes_are_all_kept(
    store, fake, clients
) -> None:
    project = await new_project(store, images=SCENES)
    fake.delay = 0.05  # all five calls are in flight together

    urls = await asyncio.gather(
        *(
            generation.generate_image(
                store, clients["image"], Clock(), project.id, i, None, 0, None
            )
            for i in range(5)
        )
    )

    stored = await store.get(project.id)
    assert [s.url for s in stored.images] == urls
    assert [s.prompt for s in stored.images] == [s.prompt for s in SCENES]
