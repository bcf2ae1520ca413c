"""python -m microservices.script: the script service, configured from SCRIPT_SERVICE_*."""

from microservices.common.run import run_service
from microservices.script.app import create_app
from microservices.script.config import ScriptSettings


def main() -> None:
    run_service(create_app, ScriptSettings())


if __name__ == "__main__":
    main()
