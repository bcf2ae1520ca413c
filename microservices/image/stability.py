"""Pictures from Stability AI's REST API: POST {url}/v2beta/stable-image/generate/core
(or /ultra, or /sd3 with a `model` field) as a multipart form (prompt, aspect_ratio,
output_format=png, style_preset where one fits, negative_prompt), with a bearer key and
`Accept: image/*`: the answer is the PNG's bytes.

Errors are JSON {"id", "name", "errors": [...]}. The safety system refuses with a 403
named content_moderation, and a picture it filtered comes back 200 with the header
`finish-reason: CONTENT_FILTERED` (blurred): both are a refusal of the scene. A prompt
it cannot take (422: invalid_language...) is for the user to change as well."""

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from microservices.common.errors import ServiceError
from microservices.image.calls import Answer, Caller, auth_failed, failed, refused
from microservices.image.config import ImageSettings
from microservices.image.wording import NEGATIVE, stability_prompt

PNG = b"\x89PNG\r\n\x1a\n"


class _ErrorBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    errors: list[str] = Field(default_factory=list)


def endpoint(model: str) -> tuple[str, str | None]:
    """The generation endpoint for IMAGE_SERVICE_PROVIDER_MODEL, and the `model` form
    field it needs: core (the default), ultra, or an sd3 model on /sd3."""
    if model in ("", "core", "ultra"):
        return model or "core", None
    return "sd3", model


class StabilityImages:
    name = "stability"

    def __init__(self, settings: ImageSettings, caller: Caller) -> None:
        self.path, self.model_field = endpoint(settings.provider_model)
        self.model = settings.provider_model or "core"
        self.url = f"{settings.base_provider_url}/v2beta/stable-image/generate/{self.path}"
        self.caller = caller
        self._key = settings.provider_api_key.get_secret_value()

    def fields(self, prompt: str, style: str, aspect: str) -> dict[str, str]:
        text, preset = stability_prompt(prompt, style)
        fields = {
            "prompt": text,
            "aspect_ratio": aspect,
            "output_format": "png",
            "negative_prompt": NEGATIVE,
        }
        if preset is not None and self.path == "core":  # the endpoint that takes presets
            fields["style_preset"] = preset
        if self.model_field is not None:
            fields["model"] = self.model_field
        return fields

    async def picture(self, prompt: str, style: str, aspect: str, field: str) -> bytes:
        fields = self.fields(prompt, style, aspect)

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData(default_to_multipart=True)
            for name, value in fields.items():
                data.add_field(name, value)
            return data

        headers = {"Authorization": f"Bearer {self._key}", "Accept": "image/*"}
        answer = await self.caller.post(self.url, form, headers, f"stability {self.model}")
        if answer.status == 200:
            return self._picture(answer, field)
        raise self._error(answer, field)

    def _picture(self, answer: Answer, field: str) -> bytes:
        if answer.headers.get("finish-reason", "").upper() == "CONTENT_FILTERED":
            raise refused(field, "the picture was filtered by its content moderation")
        if not answer.body.startswith(PNG):
            raise failed("answered a body that is not the PNG asked for")
        return answer.body

    def _error(self, answer: Answer, field: str) -> ServiceError:
        try:
            error = _ErrorBody.model_validate_json(answer.body)
        except ValidationError:
            error = None
        why = self.caller.scrub("; ".join(error.errors)) if error is not None else ""
        if error is not None and error.name == "content_moderation":
            return refused(field, why or "its content moderation")
        if answer.status in (401, 403):
            return auth_failed(answer.status)
        if answer.status == 422 and error is not None:
            detail = f"the image provider cannot take {field}: {why or error.name}"
            return ServiceError(
                422, "PROMPT_REJECTED", detail, [{"field": field, "message": why or error.name}]
            )
        name = f" ({self.caller.scrub(error.name, 60)})" if error is not None else ""
        return failed(f"answered {answer.status}{name}")
