"""Pictures from any OpenAI-compatible images API (OpenAI's dall-e-3 and gpt-image-1,
LocalAI...): POST {url}/images/generations with a bearer key and
{model, prompt, size, n: 1}. DALL-E and the local servers are asked for
`response_format: b64_json`; the gpt-image models always answer base64 and refuse the
field. The answer is {"created", "data": [{"b64_json" | "url", "revised_prompt"?}]};
a `url` answer is downloaded (download.py).

Each model family draws a few sizes only: the one nearest the aspect asked is taken, and
the picture is fitted to the video's size afterwards (pictures.py). A refusal is a 400
whose error.code is content_policy_violation (DALL-E) or moderation_blocked (gpt-image)."""

import base64
import binascii

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from microservices.common.errors import ServiceError
from microservices.image.calls import Caller, auth_failed, failed, refused
from microservices.image.config import ImageSettings
from microservices.image.download import download
from microservices.image.wording import openai_prompt

SIZES = {
    "dall-e-3": {"16:9": "1792x1024", "9:16": "1024x1792", "1:1": "1024x1024"},
    "gpt-image": {"16:9": "1536x1024", "9:16": "1024x1536", "1:1": "1024x1024"},
    "dall-e-2": {"16:9": "1024x1024", "9:16": "1024x1024", "1:1": "1024x1024"},
    # Local servers (Stable Diffusion behind LocalAI...) draw any multiple of 64.
    "other": {"16:9": "1024x576", "9:16": "576x1024", "1:1": "1024x1024"},
}
REFUSALS = frozenset({"content_policy_violation", "moderation_blocked"})


def family(model: str) -> str:
    for name in ("dall-e-3", "dall-e-2", "gpt-image"):
        if model.lower().startswith(name):
            return name
    return "other"


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Picture(_Loose):
    b64_json: str | None = None
    url: str | None = None


class _Pictures(_Loose):
    data: list[_Picture] = Field(min_length=1)


class _Error(_Loose):
    message: str = ""
    code: str | None = None


class _ErrorBody(_Loose):
    error: _Error


class OpenAIImages:
    name = "openai"

    def __init__(self, settings: ImageSettings, caller: Caller) -> None:
        self.url = settings.base_provider_url + "/images/generations"
        self.model = settings.provider_model
        self.family = family(self.model)
        self.caller = caller
        self._key = settings.provider_api_key.get_secret_value()

    def payload(self, prompt: str, style: str, aspect: str) -> dict[str, object]:
        body: dict[str, object] = {
            "model": self.model,
            "prompt": openai_prompt(prompt, style, aspect),
            "size": SIZES[self.family][aspect],
            "n": 1,
        }
        if self.family != "gpt-image":
            body["response_format"] = "b64_json"
        return body

    async def picture(self, prompt: str, style: str, aspect: str, field: str) -> bytes:
        """The provider's picture for the scene (its own format and size)."""
        body = orjson.dumps(self.payload(prompt, style, aspect))
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        answer = await self.caller.post(
            self.url, lambda: body, headers, f"openai images {self.model}"
        )
        if answer.status == 200:
            return await self._read(answer.body)
        raise self._error(answer.status, answer.body, field)

    async def _read(self, raw: bytes) -> bytes:
        try:
            (picture, *_) = _Pictures.model_validate_json(raw).data
        except ValidationError:
            raise failed("answered a body that is not an images response") from None
        if picture.b64_json:
            try:
                return base64.b64decode(picture.b64_json, validate=True)
            except (binascii.Error, ValueError):
                raise failed("answered b64_json that is not base64") from None
        if picture.url:
            return await download(self.caller, picture.url)
        raise failed("answered neither b64_json nor url")

    def _error(self, status: int, raw: bytes, field: str) -> ServiceError:
        try:
            error = _ErrorBody.model_validate_json(raw).error
        except ValidationError:
            error = None
        if status == 400 and error is not None and error.code in REFUSALS:
            return refused(field, self.caller.scrub(error.message) or "its safety system")
        if status in (401, 403):
            return auth_failed(status)
        code = f" ({error.code})" if error is not None and error.code else ""
        return failed(f"answered {status}{self.caller.scrub(code)}")
