"""One client per microservice, all built on `http.ServiceClient`; `Clients` holds them
for the server's life."""

from dataclasses import dataclass

from orchestrator.clients.audio import AudioClient
from orchestrator.clients.http import CallPolicy
from orchestrator.clients.image import ImageClient
from orchestrator.clients.script import ScriptClient
from orchestrator.clients.video import VideoClient
from orchestrator.config import OrchestratorSettings


@dataclass(frozen=True)
class Clients:
    script: ScriptClient
    audio: AudioClient
    image: ImageClient
    video: VideoClient

    @classmethod
    def from_settings(cls, s: OrchestratorSettings) -> "Clients":
        policy = CallPolicy(
            s.service_max_answer_bytes, s.service_attempts, s.service_retry_budget_s
        )
        return cls(
            ScriptClient(s.script_service_url, s.script_timeout_s, policy),
            AudioClient(s.audio_service_url, s.audio_timeout_s, policy),
            ImageClient(s.image_service_url, s.image_timeout_s, policy),
            VideoClient(s.video_service_url, s.video_timeout_s, policy),
        )

    async def start(self) -> None:
        for client in (self.script, self.audio, self.image, self.video):
            await client.start()

    async def close(self) -> None:
        for client in (self.script, self.audio, self.image, self.video):
            await client.close()
