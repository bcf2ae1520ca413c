"""The script service: POST /generate {title, description, use_case, language, style} -> {text}."""

from typing import Annotated

from pydantic import StringConstraints

from orchestrator.clients.http import ServiceAnswer, ServiceClient

# What a project can store as its script_text.
ScriptText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class ScriptAnswer(ServiceAnswer):
    text: ScriptText


class ScriptClient(ServiceClient):
    name = "script"

    async def generate(
        self,
        *,
        title: str,
        description: str,
        use_case: str,
        language: str,
        style: str,
        deadline: float | None,
    ) -> ScriptAnswer:
        payload = {
            "title": title,
            "description": description,
            "use_case": use_case,
            "language": language,
            "style": style,
        }
        return await self.post("/generate", payload, ScriptAnswer, deadline=deadline)
