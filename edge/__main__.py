"""`python -m edge`: serve HTTP until SIGTERM or SIGINT, then finish in-flight requests
(in EDGE_WORKERS processes: edge/workers.py)."""

import logging
import sys

from common.auth.exposure import warn_if_exposed
from common.logs import configure_logging
from edge.config import EdgeSettings
from edge.workers import run


def main() -> int:
    settings = EdgeSettings()
    configure_logging(settings.log_level, settings.log_format)
    warn_if_exposed(logging.getLogger("edge"), settings.edge_host, settings.auth_on)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
