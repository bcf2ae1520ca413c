"""The short lowercase labels of the proto enums ("PROJECT_STATUS_DRAFT" -> "draft").

They are the contract's REST spelling, what the stores keep and what validation messages
list: one table per enum, built once here, read by the edge and the orchestrator. A ratio
cannot be spelt in a proto name: "ASPECT_RATIO_16_9" is "16:9".
"""

import functools
import re
from dataclasses import dataclass

from ai_studio.v1 import project_pb2 as pb
from google.protobuf.descriptor import EnumDescriptor


@dataclass(frozen=True, slots=True)
class Labels:
    """One enum's labels: every defined value but the zero one."""

    label: dict[int, str]  # number -> label
    number: dict[str, int]  # label -> number


RATIO = re.compile(r"(\d+)_(\d+)")


def _spelling(name: str) -> str:
    """The contract's spelling of a value name less its prefix: "16_9" is the ratio "16:9"."""
    ratio = RATIO.fullmatch(name)
    return f"{ratio[1]}:{ratio[2]}" if ratio else name


@functools.cache
def of(enum: EnumDescriptor) -> Labels:
    """The labels of the enum `enum` describes: its value names less the prefix the zero
    value's name shows (`..._UNSPECIFIED`), lowercased."""
    prefix = len(enum.values[0].name) - len("UNSPECIFIED")
    label = {v.number: _spelling(v.name[prefix:].lower()) for v in enum.values if v.number}
    return Labels(label, {name: number for number, name in label.items()})


LANGUAGE = of(pb.Language.DESCRIPTOR)
USE_CASE = of(pb.UseCase.DESCRIPTOR)
STATUS = of(pb.ProjectStatus.DESCRIPTOR)
SCRIPT_STYLE = of(pb.ScriptStyle.DESCRIPTOR)
VOICE = of(pb.Voice.DESCRIPTOR)
IMAGE_STYLE = of(pb.ImageStyle.DESCRIPTOR)
RESOLUTION = of(pb.Resolution.DESCRIPTOR)
TEMPLATE = of(pb.VideoTemplate.DESCRIPTOR)
MUSIC = of(pb.BackgroundMusic.DESCRIPTOR)
ASPECT_RATIO = of(pb.AspectRatio.DESCRIPTOR)
JOB_STATE = of(pb.VideoJobState.DESCRIPTOR)
