"""An optional provider: any OpenAI-compatible chat-completions API
(POST {url}/chat/completions, bearer key). It is asked for the same script the offline
writer would shape (language, use case, style, length); whatever goes wrong with it is a
502 in the common error shape, never a silent fallback."""

import logging
import time

import aiohttp
import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from microservices.common.errors import ServiceError
from microservices.common.provider_http import ProviderSession, read_bounded
from microservices.script.config import ScriptSettings
from microservices.script.phrases import PHRASES
from microservices.script.writer import BUDGETS, Brief, cap

log = logging.getLogger("microservices.script.llm")

USE_CASES = {
    "storytelling": "a short story with a beginning, a turning point and an ending",
    "youtube_short": "a YouTube Short: a punchy hook, two to four quick points, a call to "
    "follow; 30 to 60 seconds of speech",
    "explanation": "a clear explanation that takes the subject apart point by point and "
    "ends with a summary",
    "commercial": "an advertisement: the product, its benefits, a call to action",
    "inspirational": "a motivating talk that turns the subject into lessons for the listener",
    "educational": "a lesson: what the listener will learn, the key ideas, a quick "
    "self-test question, a review",
    "tutorial": "a step-by-step tutorial with numbered steps and practical tips",
}
STYLES = {
    "educational": "clear and patient, like a good teacher",
    "inspirational": "warm, uplifting and encouraging",
    "comedic": "funny, with light jokes and playful asides",
    "dramatic": "intense and suspenseful, with short sentences and pauses",
    "casual": "relaxed and conversational, like talking to a friend",
    "professional": "precise, concise and business-like",
}


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: str


class _Choice(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: _Message


class _Completion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    choices: list[_Choice] = Field(min_length=1)


def messages_for(brief: Brief) -> list[dict[str, str]]:
    fewest, most = BUDGETS[brief.use_case]
    system = (
        "You write scripts that are read aloud as the voice-over of a video. "
        f"Write only in {PHRASES[brief.language].name}. "
        f"Use case: {brief.use_case}, that is {USE_CASES[brief.use_case]}. "
        f"Style: {brief.style}, that is {STYLES[brief.style]}. "
        f"Length: between {fewest} and {most} words. "
        "Open with a hook that names the title, build the body from the description, and "
        "close. Answer with the words to be spoken and nothing else: no title line, no "
        "headings, no stage directions, no lists, no markdown, no emojis."
    )
    user = f"Title: {brief.title}\nDescription: {brief.description.strip() or '(none)'}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _failed(why: str) -> ServiceError:
    return ServiceError(502, "LLM_PROVIDER_FAILED", f"the language model provider {why}")


class ChatProvider(ProviderSession):
    def __init__(self, settings: ScriptSettings) -> None:
        super().__init__(aiohttp.ClientTimeout(total=settings.llm_timeout_s))
        self.url = settings.llm_url.rstrip("/") + "/chat/completions"
        self.model = settings.llm_model
        self.temperature = settings.llm_temperature
        self.max_answer_bytes = settings.llm_max_answer_bytes
        self._key = settings.llm_api_key

    async def write(self, brief: Brief) -> str:
        payload = {
            "model": self.model,
            "messages": messages_for(brief),
            "temperature": self.temperature,
        }
        headers = {
            "Authorization": f"Bearer {self._key.get_secret_value()}",
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        status = 0
        try:
            async with self.session.post(
                self.url, data=orjson.dumps(payload), headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                raw = await read_bounded(response, self.max_answer_bytes, self._too_big)
        except TimeoutError:
            raise _failed("did not answer in time") from None
        except aiohttp.ClientError as exc:
            raise _failed(f"could not be reached ({type(exc).__name__})") from None
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("chat completion %s: %s in %.0f ms", self.model, status or "-", elapsed)
        if not 200 <= status < 300:
            raise _failed(f"answered {status}")
        try:
            completion = _Completion.model_validate_json(raw)
        except ValidationError:
            raise _failed("answered an unusable body") from None
        text = completion.choices[0].message.content.strip()
        if not any(ch.isalnum() for ch in text):
            raise _failed("answered an empty script")
        return cap(text)

    def _too_big(self) -> ServiceError:
        return _failed(f"answered more than {self.max_answer_bytes} bytes")
