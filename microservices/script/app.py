"""The script service's app: the common scaffold plus POST /generate, answered by the
offline writer, or by the chat-completions provider when one is configured."""

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from microservices.common.app import create_service_app, json_response, parse
from microservices.script.config import ScriptSettings
from microservices.script.llm import ChatProvider
from microservices.script.models import ScriptRequest
from microservices.script.writer import Brief, count_words, write

log = logging.getLogger("microservices.script")

PROVIDER = web.AppKey("provider", ChatProvider)


def create_app(settings: ScriptSettings) -> web.Application:
    app = create_service_app(settings, media=False)
    if settings.llm_missing:
        log.warning(
            "the LLM provider is off: %s unset; the offline writer answers",
            ", ".join(settings.llm_missing),
        )
    if settings.llm_enabled:
        provider = ChatProvider(settings)
        app[PROVIDER] = provider
        app.cleanup_ctx.append(_provider_session)
    app.router.add_post("/generate", generate)
    return app


async def _provider_session(app: web.Application) -> AsyncIterator[None]:
    provider = app[PROVIDER]
    await provider.start()
    try:
        yield
    finally:
        await provider.close()


async def generate(request: web.Request) -> web.Response:
    body = await parse(request, ScriptRequest)
    brief = Brief(
        title=body.title,
        description=body.description,
        use_case=body.use_case,
        language=body.language,
        style=body.style,
    )
    provider = request.app.get(PROVIDER)
    if provider is None:
        text, author = write(brief), "writer"
    else:
        text, author = await provider.write(brief), provider.model
    log.info(
        "wrote %d words (%s, %s, %s) with %s",
        count_words(text),
        brief.language,
        brief.use_case,
        brief.style,
        author,
    )
    return json_response({"text": text})
