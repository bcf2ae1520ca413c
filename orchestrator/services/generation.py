"""The generation steps: read the project, fill the request's gaps from it, check the
step's precondition, call one microservice, then store the result and the new status in
one atomic write. Nothing is stored when the call fails.

Each step takes a StepCall (services/steps.py): what the request gave, validated by the
servicer before any I/O. What the step sends is checked again once the stored values fill
the gaps: a stored script or prompt without words (no letter or digit) is NOTHING_TO_SPEAK
or NOTHING_TO_DRAW, before the call.

A step writes the fields common/fields.py says it writes: what it made (the service's
results, the status reached) and the values it made them with (its style, voice...).
"""

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene
from google.protobuf.field_mask_pb2 import FieldMask

from common.fields import DEFAULTS, Step, given_to, written_by
from common.labels import ASPECT_RATIO, IMAGE_STYLE, LANGUAGE, SCRIPT_STYLE, USE_CASE, VOICE
from orchestrator.clients.audio import AudioClient
from orchestrator.clients.image import ImageClient
from orchestrator.clients.script import ScriptClient
from orchestrator.clock import Clock, stamp
from orchestrator.errors import PreconditionFailed, ProjectNotFound, SceneNotFound
from orchestrator.services.projects import get_project
from orchestrator.services.steps import StepCall, effective
from orchestrator.store.base import Store
from orchestrator.validation import check_prompts, check_script


def aspect_of(project: Project) -> str:
    """The project's aspect ratio label; a project stored before the field existed is 16:9."""
    return ASPECT_RATIO.label[project.aspect_ratio or DEFAULTS["aspect_ratio"]]


async def _save(
    store: Store, clock: Clock, call: StepCall, step: Step, used: Project, made: Project
) -> Project:
    """Store what the step writes, at a new update time: what it `made`, and the values it
    made it with, taken from `used` (the project the step worked on): the fields its
    request may give and it writes, but those it made. A field of the step's left unset
    in both is cleared (no captions)."""
    paths = written_by(step)
    made_fields = {descriptor.name for descriptor, _ in made.ListFields()}
    with_values = [f for f in paths if f in given_to(step) and f not in made_fields]
    FieldMask(paths=with_values).MergeMessage(used, made)
    stamp(made.update_time, clock)
    saved = await store.update(call.project_id, made, [*paths, "update_time"])
    if saved is None:  # deleted while the service worked
        raise ProjectNotFound(call.project_id)
    return saved


async def generate_script(
    store: Store, client: ScriptClient, clock: Clock, call: StepCall
) -> Project:
    p = await effective(store, call)
    answer = await client.generate(
        title=p.title,
        description=p.description,
        use_case=USE_CASE.label[p.use_case],
        language=LANGUAGE.label[p.language],
        style=SCRIPT_STYLE.label[p.script_style],
        deadline=call.deadline,
    )
    made = Project(script_text=answer.text, status=pb.PROJECT_STATUS_SCRIPT_GENERATED)
    return await _save(store, clock, call, "script", p, made)


async def generate_audio(
    store: Store, client: AudioClient, clock: Clock, call: StepCall
) -> Project:
    p = await effective(store, call)
    if not p.script_text.strip():
        raise PreconditionFailed(
            "SCRIPT_REQUIRED", "the project has no script to speak: generate or write one first"
        )
    check_script("script_text", p.script_text)
    answer = await client.generate(
        script_text=p.script_text,
        voice_id=VOICE.label[p.voice_id],
        audio_speed=p.audio_speed,
        audio_pitch=p.audio_pitch,
        language=LANGUAGE.label[p.language],
        deadline=call.deadline,
    )
    made = Project(
        audio_path=answer.url,
        captions_url=answer.captions_url,  # None (no captions) clears the old ones
        status=pb.PROJECT_STATUS_AUDIO_READY,
    )
    return await _save(store, clock, call, "audio", p, made)


async def generate_images(
    store: Store, client: ImageClient, clock: Clock, call: StepCall
) -> Project:
    p = await effective(store, call)
    if not p.images:
        raise PreconditionFailed(
            "IMAGES_REQUIRED", "the project has no scenes to draw: add images with prompts first"
        )
    prompts = [scene.prompt for scene in p.images]
    check_prompts({f"images[{i}].prompt": prompt for i, prompt in enumerate(prompts)})
    urls = await client.generate_batch(
        prompts=prompts,
        style=IMAGE_STYLE.label[p.image_style],
        aspect_ratio=aspect_of(p),
        deadline=call.deadline,
    )
    made = Project(
        images=[Scene(prompt=prompt, url=url) for prompt, url in zip(prompts, urls, strict=True)],
        status=pb.PROJECT_STATUS_IMAGES_READY,
    )
    return await _save(store, clock, call, "images", p, made)


async def generate_image(
    store: Store,
    client: ImageClient,
    clock: Clock,
    project_id: str,
    index: int,
    prompt: str | None,
    style: int,
    deadline: float | None,
) -> str:
    """Draw scene `index` again; store only that scene, so that concurrent regenerations
    of other scenes are all kept. Returns the new image's URL."""
    project = await get_project(store, project_id)
    if not 0 <= index < len(project.images):
        raise SceneNotFound(project_id, index)
    if prompt is None:
        prompt = project.images[index].prompt
        check_prompts({f"images[{index}].prompt": prompt})
    answer = await client.generate(
        prompt=prompt,
        style=IMAGE_STYLE.label[style or project.image_style],
        aspect_ratio=aspect_of(project),
        deadline=deadline,
    )
    update_time = Project().update_time
    stamp(update_time, clock)
    try:
        saved = await store.update_scene(
            project_id, index, Scene(prompt=prompt, url=answer.url), update_time
        )
    except IndexError:  # the scenes were cut short while the service worked
        raise SceneNotFound(project_id, index) from None
    if saved is None:
        raise ProjectNotFound(project_id)
    return answer.url
