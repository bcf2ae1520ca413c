"""`python -m microservices.video`: the video service, configured from VIDEO_SERVICE_*."""

from microservices.common.run import run_service
from microservices.video.app import create_app
from microservices.video.config import VideoSettings

if __name__ == "__main__":
    run_service(create_app, VideoSettings())
