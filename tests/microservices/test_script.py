"""The script service over real HTTP: the offline writer in every language, use case and
style; validation; the scaffold's health, request ids and shutdown; and the optional
chat-completions provider against a fake one on loopback."""

import asyncio
import io
import logging
import re
import typing

import aiohttp
import orjson
import pytest
from aiohttp import web

from microservices.script.app import create_app
from microservices.script.config import ScriptSettings
from microservices.script.models import Language, Style, UseCase
from microservices.script.phrases import PHRASES, STYLES, USE_CASES
from microservices.script.writer import count_words
from tests.fakes.serving import served
from tests.microservices.helpers_logs import logged_for
from tests.microservices.helpers_speech import assert_error, fields_of, free_port, service_process

LANGUAGES = typing.get_args(Language)

DESCRIPTION = {
    "en": "Bees dance to tell each other where flowers are. The angle of the dance points "
    "to the sun. A longer dance means a longer flight.",
    "fr": "Les abeilles dansent pour indiquer où se trouvent les fleurs. L'angle de la danse "
    "pointe vers le soleil. Une danse plus longue annonce un vol plus long.",
    "es": "Las abejas bailan para indicar dónde están las flores. El ángulo del baile señala "
    "el sol. Un baile más largo anuncia un vuelo más largo.",
    "de": "Bienen tanzen, um einander zu zeigen, wo Blumen sind. Der Winkel des Tanzes zeigt "
    "zur Sonne. Ein längerer Tanz bedeutet einen längeren Flug.",
    "it": "Le api danzano per indicare dove si trovano i fiori. L'angolo della danza indica "
    "il sole. Una danza più lunga annuncia un volo più lungo.",
    "pt": "As abelhas dançam para mostrar onde estão as flores. O ângulo da dança aponta "
    "para o sol. Uma dança mais longa anuncia um voo mais longo.",
}
TITLE = {
    "en": "How bees talk",
    "fr": "Comment les abeilles parlent",
    "es": "Cómo hablan las abejas",
    "de": "Wie Bienen sprechen",
    "it": "Come parlano le api",
    "pt": "Como as abelhas conversam",
}
# Common words of each language, none of them English (nor in the titles above).
MARKERS = {
    "en": {"the", "and", "you", "is", "this", "that", "it"},
    "fr": {"le", "et", "est", "vous", "une", "ce", "que", "pour", "c'est", "qui"},
    "es": {"el", "que", "es", "y", "una", "lo", "para", "esto", "más", "todo"},
    "de": {"der", "die", "das", "und", "ist", "du", "nicht", "es", "ein", "eine"},
    "it": {"il", "che", "è", "di", "una", "per", "questo", "non", "ti", "ecco"},
    "pt": {"o", "que", "é", "você", "uma", "para", "isso", "não", "um", "se"},
}
ENGLISH_ONLY = {"the", "and", "you", "this", "that", "with", "what"}
WORDS = re.compile(r"\w+(?:'\w+)?")


def words_of(text: str) -> set[str]:
    return {w.lower() for w in WORDS.findall(text)}


@pytest.fixture
def settings(tmp_path) -> ScriptSettings:
    return ScriptSettings(media_dir=tmp_path, llm_url="", llm_api_key="", llm_model="")


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


def request(language="en", use_case="explanation", style="educational", **changes) -> dict:
    body = {
        "title": TITLE[language],
        "description": DESCRIPTION[language],
        "use_case": use_case,
        "language": language,
        "style": style,
    }
    return body | changes


async def generate(client, body: dict) -> str:
    response = await client.post("/generate", json=body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert set(answer) == {"text"}
    text = answer["text"]
    assert isinstance(text, str) and 0 < len(text) <= 20000
    return text


def test_tables_cover_the_contract_values():
    assert set(USE_CASES) == set(typing.get_args(UseCase))
    assert set(STYLES) == set(typing.get_args(Style))
    assert set(PHRASES) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_use_case_and_style_in_each_language(client, language):
    texts = set()
    for use_case in USE_CASES:
        for style in STYLES:
            text = await generate(client, request(language, use_case, style))
            texts.add(text)
            assert TITLE[language] in text
            # the description informs it: its first sentence is in it
            first = DESCRIPTION[language].split(". ")[0]
            assert first[1:] in text, (use_case, style)
            seen = words_of(text)
            assert len(seen & MARKERS[language]) >= 3, (use_case, style, text)
            if language != "en":
                assert not seen & ENGLISH_ONLY, (use_case, style, seen & ENGLISH_ONLY)
    assert len(texts) == len(USE_CASES) * len(STYLES)  # every combination its own text


async def test_the_same_request_gives_the_same_text(client, aiohttp_client, settings):
    body = request("fr", "storytelling", "dramatic")
    first = await generate(client, body)
    assert await generate(client, body) == first
    another = await aiohttp_client(create_app(settings))
    assert await generate(another, body) == first
    assert await generate(client, body | {"title": "Autre chose"}) != first
    assert await generate(client, body | {"description": "Une seule phrase."}) != first


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_youtube_short_is_30_to_60_seconds_of_speech(client, language):
    long = " ".join(f"Point {i}: {DESCRIPTION[language]}" for i in range(30))[:5000]
    for description in ("", "One line.", DESCRIPTION[language], long):
        for style in STYLES:
            body = request(language, "youtube_short", style, description=description)
            words = count_words(await generate(client, body))
            assert 75 <= words <= 150, (description[:20], style, words)  # 30-60 s at 150 wpm


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_explanation_is_longer_than_a_youtube_short(client, language):
    for description in ("", DESCRIPTION[language]):
        for style in STYLES:
            body = request(language, style=style, description=description)
            short = await generate(client, body | {"use_case": "youtube_short"})
            explanation = await generate(client, body | {"use_case": "explanation"})
            assert count_words(explanation) > count_words(short) * 1.4


async def test_styles_sound_different(client):
    for language in LANGUAGES:
        texts = [await generate(client, request(language, style=style)) for style in STYLES]
        assert len(set(texts)) == len(STYLES)
        # each style's own lines are there: its asides differ from every other style's
        for style, text in zip(STYLES, texts, strict=True):
            own = PHRASES[language].tones[style].aside
            assert any(aside in text for aside in own), (language, style)


async def test_a_dramatic_script_has_shorter_paragraphs_than_a_professional_one(client):
    dramatic = await generate(client, request(style="dramatic"))
    professional = await generate(client, request(style="professional"))
    assert dramatic.count("\n\n") > professional.count("\n\n")


async def test_the_description_points_are_led_by_the_use_case(client):
    text = await generate(client, request("de", "tutorial"))
    assert "Schritt 1: Bienen tanzen" in text
    assert "Schritt 3: Ein längerer Tanz bedeutet einen längeren Flug." in text
    text = await generate(client, request("fr", "explanation"))
    assert "Point 1 : les abeilles dansent" in text  # lowercased after the colon


async def test_bullets_and_odd_descriptions(client):
    bullets = "- first idea here\n* second idea here\n1. third idea here\n\n   \n"
    text = await generate(client, request(description=bullets))
    for idea in ("first idea here.", "second idea here.", "third idea here."):
        assert idea in text
    for description in ("...", "!!!", " \n\t ", "a" * 5000, "word " * 1000):
        text = await generate(client, request(description=description))
        assert TITLE["en"] in text


async def test_the_largest_inputs_stay_within_the_script_limit(client):
    title = "T" * 200
    description = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 100)[:5000]
    for use_case in USE_CASES:
        text = await generate(
            client, request(use_case=use_case, title=title, description=description)
        )
        assert len(text) <= 20000
        assert title in text


async def test_the_title_is_trimmed(client):
    text = await generate(client, request(title="   Bees   "))
    assert "\u201cBees\u201d" in text


async def test_unicode_titles_and_descriptions(client):
    body = request("fr", title="Été 2024 : l'œuvre « naïve »", description="Ça marche ? Oui !")
    text = await generate(client, body)
    assert "Été 2024 : l'œuvre « naïve »" in text
    assert "ça marche ?" in text.lower()


INVALID = [
    ({"title": None}, "title"),
    ({"title": 5}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": ["a"]}, "title"),
    ({"description": None}, "description"),
    ({"description": 1}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"use_case": "vlog"}, "use_case"),
    ({"use_case": "YouTube_Short"}, "use_case"),
    ({"language": "EN"}, "language"),
    ({"language": "nl"}, "language"),
    ({"language": 1}, "language"),
    ({"style": "angry"}, "style"),
    ({"style": True}, "style"),
    ({"voice_id": "alloy"}, "voice_id"),  # unknown field
]


@pytest.mark.parametrize(("change", "field"), INVALID)
async def test_invalid_fields_are_400(client, change, field):
    response = await client.post("/generate", json=request() | change)
    body = await assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(body) == {field}
    assert field in body["detail"]


@pytest.mark.parametrize("missing", ["title", "description", "use_case", "language", "style"])
async def test_missing_fields_are_400(client, missing):
    body = request()
    del body[missing]
    response = await client.post("/generate", json=body)
    assert fields_of(await assert_error(response, 400, "VALIDATION_ERROR")) == {missing}


async def test_several_violations_are_all_listed(client):
    response = await client.post("/generate", json={"title": "", "language": "xx"})
    body = await assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(body) == {"title", "description", "use_case", "language", "style"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "MALFORMED_JSON"),
        (b"", "MALFORMED_JSON"),
        (b"\xff\xfe", "MALFORMED_JSON"),
        (b"[]", "INVALID_BODY"),
        (b'"title"', "INVALID_BODY"),
        (b"42", "INVALID_BODY"),
        (b"null", "INVALID_BODY"),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_400(client, raw, code):
    response = await client.post(
        "/generate", data=raw, headers={"Content-Type": "application/json"}
    )
    await assert_error(response, 400, code)


async def test_a_body_over_the_limit_is_413(client):
    raw = orjson.dumps(request(description="x" * (2 * 1024 * 1024)))
    headers = {"Content-Type": "application/json"}
    response = await client.post("/generate", data=io.BytesIO(raw), headers=headers)
    await assert_error(response, 413)


async def test_other_methods_and_paths(client):
    await assert_error(await client.get("/generate"), 405)
    await assert_error(await client.post("/nothing", json=request()), 404)


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_log_lines_carry_the_forwarded_request_id(client, caplog):
    ours = await logged_for(client, caplog, request(), "req-script-0123456789")
    names = {r.name for r in ours}
    assert {"microservices.script", "microservices.http"} <= names
    assert any("wrote" in r.getMessage() for r in ours)


# --- the optional chat-completions provider -------------------------------------------


class FakeProvider:
    """An OpenAI-compatible chat-completions endpoint that records what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.status = 200
        self.body: bytes | None = None
        self.delay = 0.0
        self.app = web.Application()
        self.app.router.add_post("/v1/chat/completions", self.complete)

    async def complete(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.json()))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.body is not None:
            return web.Response(status=self.status, body=self.body)
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "  Les abeilles dansent.  "},
                    "finish_reason": "stop",
                }
            ],
        }
        return web.json_response(answer, status=self.status)


@pytest.fixture
async def provider(aiohttp_server) -> tuple[FakeProvider, str]:
    return await served(aiohttp_server, FakeProvider(), "/v1")


@pytest.fixture
async def llm_client(aiohttp_client, tmp_path, provider):
    _, url = provider
    settings = ScriptSettings(
        media_dir=tmp_path,
        llm_url=url,
        llm_api_key="sk-test-key",
        llm_model="tiny-model",
        llm_timeout_s=0.5,
    )
    return await aiohttp_client(create_app(settings))


async def test_the_provider_writes_when_configured(llm_client, provider, caplog):
    fake, _ = provider
    caplog.set_level(logging.DEBUG)
    text = await generate(llm_client, request("fr", "youtube_short", "comedic"))
    assert text == "Les abeilles dansent."
    [(headers, body)] = fake.received
    assert headers["Authorization"] == "Bearer sk-test-key"
    assert body["model"] == "tiny-model"
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "French" in system["content"]
    assert "youtube_short" in system["content"] and "comedic" in system["content"]
    assert TITLE["fr"] in user["content"] and DESCRIPTION["fr"] in user["content"]
    assert "sk-test-key" not in caplog.text  # the key is never logged


@pytest.mark.parametrize(
    ("status", "body", "delay"),
    [
        (500, None, 0.0),  # an error status
        (401, b'{"error": {"message": "bad key"}}', 0.0),
        (200, b"not json", 0.0),  # an unusable body
        (200, b'{"choices": []}', 0.0),
        (200, b'{"choices": [{"message": {"content": null}}]}', 0.0),
        (200, b'{"choices": [{"message": {"content": "  ...  "}}]}', 0.0),  # empty script
        (200, None, 2.0),  # too slow (the timeout is 0.5 s)
    ],
)
async def test_a_failing_provider_is_502(llm_client, provider, status, body, delay):
    fake, _ = provider
    fake.status, fake.body, fake.delay = status, body, delay
    response = await llm_client.post("/generate", json=request())
    await assert_error(response, 502, "LLM_PROVIDER_FAILED")


async def test_an_unreachable_provider_is_502(aiohttp_client, tmp_path):
    settings = ScriptSettings(
        media_dir=tmp_path,
        llm_url=f"http://127.0.0.1:{free_port()}/v1",
        llm_api_key="k",
        llm_model="m",
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/generate", json=request())
    await assert_error(response, 502, "LLM_PROVIDER_FAILED")


async def test_a_partly_configured_provider_leaves_the_writer_on(aiohttp_client, tmp_path, caplog):
    settings = ScriptSettings(media_dir=tmp_path, llm_url="http://127.0.0.1:9/v1", llm_model="m")
    client = await aiohttp_client(create_app(settings))
    assert "SCRIPT_SERVICE_LLM_API_KEY" in caplog.text
    text = await generate(client, request())
    assert TITLE["en"] in text


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCRIPT_SERVICE_PORT", "9101")
    monkeypatch.setenv("SCRIPT_SERVICE_LLM_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("SCRIPT_SERVICE_LLM_API_KEY", "secret")
    monkeypatch.setenv("SCRIPT_SERVICE_LLM_MODEL", "m")
    settings = ScriptSettings()
    assert settings.port == 9101 and settings.llm_enabled
    assert "secret" not in repr(settings)
    monkeypatch.delenv("SCRIPT_SERVICE_PORT")
    assert ScriptSettings().port == 8101


# --- as a process -----------------------------------------------------------------------


async def test_runs_as_a_module_and_stops_gracefully(tmp_path):
    env = {"SCRIPT_SERVICE_MEDIA_DIR": str(tmp_path), "SCRIPT_SERVICE_LLM_URL": ""}
    async with service_process("microservices.script", env) as (base, result):
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{base}/generate", json=request("it"), headers={"X-Request-ID": "proc-1"}
            ) as response:
                assert response.status == 200
                assert TITLE["it"] in (await response.json())["text"]
    code, lines = result
    assert code == 0
    assert any(line["request_id"] == "proc-1" for line in lines)
