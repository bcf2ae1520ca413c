"""python -m microservices.audio: the audio service, configured from AUDIO_SERVICE_*."""

from microservices.audio.app import create_app
from microservices.audio.config import AudioSettings
from microservices.common.run import run_service


def main() -> None:
    run_service(create_app, AudioSettings())


if __name__ == "__main__":
    main()
