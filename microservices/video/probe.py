"""Measuring media without ffprobe: a WAV's duration from its header (the narration is
decoded to WAV first, so its length is exact to the sample, whatever the MP3 said), and
an MP4's from its movie header (mvhd), which faststart puts at the front."""

import struct
import wave
from collections.abc import Iterator
from pathlib import Path


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each ISO BMFF box in data[start:end]."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if at + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return
        yield kind, at + header, at + size
        at += size


def mp4_duration(path: Path, head_bytes: int = 8 * 1024 * 1024) -> float:
    """The movie's duration in seconds, from moov/mvhd within the first `head_bytes`."""
    with path.open("rb") as f:
        data = f.read(head_bytes)
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, s, _ in _boxes(data, start, end):
            if inner != b"mvhd":
                continue
            version = data[s]
            if version == 1:
                timescale, duration = struct.unpack_from(">IQ", data, s + 20)
            else:
                timescale, duration = struct.unpack_from(">II", data, s + 12)
            if timescale:
                return duration / timescale
    raise ValueError(f"{path.name} has no movie header at its start")
