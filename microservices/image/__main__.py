"""`python -m microservices.image`: the image service, configured from IMAGE_SERVICE_*."""

from microservices.common.run import run_service
from microservices.image.app import create_app
from microservices.image.config import ImageSettings

if __name__ == "__main__":
    run_service(create_app, ImageSettings())
