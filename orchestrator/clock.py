"""Time, injectable: the services take a clock so tests can set the time."""

import time
from collections.abc import Callable

from google.protobuf.timestamp_pb2 import Timestamp

# Seconds since the epoch, like time.time.
Clock = Callable[[], float]

system_clock: Clock = time.time


def stamp(target: Timestamp, clock: Clock) -> None:
    """Set `target` to now, to the millisecond: what every store keeps exactly."""
    target.FromMilliseconds(round(clock() * 1000))
