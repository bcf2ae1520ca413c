"""Speech with eSpeak NG: the C library that `espeakng_loader` ships, called with ctypes.

The engine is initialised once per process in synchronous mode (AUDIO_OUTPUT_SYNCHRONOUS:
espeak_Synth returns when the text is spoken, handing the 16-bit mono PCM to our
callback as it goes), which writes it straight into a WAV file, so a long script never
sits in memory. The library keeps global state and is not thread-safe: every call into
it holds `_lock`. Nothing here touches asyncio; the service runs `synthesize` on a
thread or in worker processes.
"""

import array
import ctypes
import math
import sys
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import espeakng_loader

# speak_lib.h
AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
CHARS_UTF8 = 0x1
ENDPAUSE = 0x1000
RATE, VOLUME, PITCH, RANGE = 1, 2, 3, 4
EE_OK = 0
BUFFER_MS = 500  # how much audio each callback call carries at most

EVENT_LIST_TERMINATED, EVENT_WORD = 0, 1


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h); a callback gets an array of them, ended by type 0."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters of the text
        ("length", ctypes.c_int),  # of the word, in characters
        ("audio_position", ctypes.c_int),  # ms from the start of this synthesis
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


# int SynthCallback(short *wav, int numsamples, espeak_EVENT *events)
_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)

# Control characters other than tab and line breaks (NUL would end the C string) become
# spaces, so that a word event's character position is a position in the caller's text.
_CONTROL = dict.fromkeys((c for c in range(32) if c not in (9, 10, 13)), " ")
_CONTROL[0x7F] = " "


@dataclass(frozen=True, slots=True)
class Voice:
    name: str  # for espeak_SetVoiceByName: "<language>+<variant>", e.g. "en-us+f3"
    rate: int  # words per minute, 80..450
    pitch: int  # base pitch, 0..100
    range: int  # pitch range, 0..100


@dataclass(frozen=True, slots=True)
class WordEvent:
    """eSpeak began speaking the word at text[start:start + length] at `at_s` seconds."""

    start: int
    length: int
    at_s: float


@dataclass(frozen=True, slots=True)
class Speech:
    samples: int
    sample_rate: int
    words: tuple[WordEvent, ...] = ()

    @property
    def duration(self) -> float:
        """Seconds of audio, from the sample count."""
        return self.samples / self.sample_rate


class SpeechError(Exception):
    """eSpeak could not be set up or refused the voice or the text."""


class SynthesisTimeout(Exception):
    """The synthesis ran past its deadline and was aborted."""


class _Engine:
    """The library, initialised; use only while holding `_lock`."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,  # text
            ctypes.c_size_t,  # size, with the terminating NUL
            ctypes.c_uint,  # position
            ctypes.c_int,  # position_type
            ctypes.c_uint,  # end_position
            ctypes.c_uint,  # flags
            ctypes.c_void_p,  # unique_identifier
            ctypes.c_void_p,  # user_data
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS, data, 0)
        if rate <= 0:
            raise SpeechError(f"espeak_Initialize failed ({rate})")
        self.lib = lib
        self.sample_rate = rate
        self._file: wave.Wave_write | None = None
        self._samples = 0
        self._deadline = math.inf
        self._failure: Exception | None = None
        self._words: list[WordEvent] = []
        self._callback = _Callback(self._on_audio)  # kept referenced: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(
        self, wav: "ctypes._Pointer[ctypes.c_short]", count: int, events: "ctypes._Pointer[_Event]"
    ) -> int:
        # An exception cannot cross the C call: keep it, and abort (return 1).
        try:
            if events:
                at = 0
                while (event := events[at]).type != EVENT_LIST_TERMINATED:
                    if event.type == EVENT_WORD and event.length > 0:
                        self._words.append(
                            WordEvent(
                                event.text_position - 1, event.length, event.audio_position / 1000
                            )
                        )
                    at += 1
            if count > 0 and wav and self._file is not None:
                pcm = ctypes.string_at(wav, count * 2)
                if sys.byteorder == "big":  # WAV is little-endian
                    samples = array.array("h", pcm)
                    samples.byteswap()
                    pcm = samples.tobytes()
                self._file.writeframesraw(pcm)
                self._samples += count
        except Exception as exc:
            self._failure = exc
            return 1
        return 1 if time.monotonic() > self._deadline else 0

    def speak(
        self, text: str, voice: Voice, out: wave.Wave_write, deadline: float
    ) -> tuple[int, tuple[WordEvent, ...]]:
        """Speak `text` into `out`; the number of samples written, and the word events."""
        lib = self.lib
        if lib.espeak_SetVoiceByName(voice.name.encode()) != EE_OK:
            raise SpeechError(f"eSpeak has no voice {voice.name!r}")
        for parameter, value in ((RATE, voice.rate), (PITCH, voice.pitch), (RANGE, voice.range)):
            if lib.espeak_SetParameter(parameter, value, 0) != EE_OK:
                raise SpeechError(f"eSpeak refused parameter {parameter}={value}")
        raw = text.translate(_CONTROL).encode("utf-8")
        self._file, self._samples, self._deadline, self._failure = out, 0, deadline, None
        self._words = []
        try:
            status = lib.espeak_Synth(
                raw, len(raw) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE, None, None
            )
        finally:
            self._file, self._deadline = None, math.inf
        if self._failure is not None:
            raise SpeechError(f"the audio could not be written: {self._failure}")
        if time.monotonic() > deadline:
            raise SynthesisTimeout("the synthesis ran out of time")
        if status != EE_OK:
            raise SpeechError(f"espeak_Synth failed ({status})")
        return self._samples, tuple(self._words)


_lock = threading.Lock()
_engine: _Engine | None = None


def _the_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def warm_up() -> None:
    """Load and initialise the library now (a worker process's initializer)."""
    with _lock:
        _the_engine()


def synthesize(text: str, voice: Voice, wav_path: Path, timeout_s: float) -> Speech:
    """Speak `text` with `voice` into a 16-bit mono WAV file at `wav_path`."""
    deadline = time.monotonic() + timeout_s
    with _lock:
        engine = _the_engine()
        with wave.open(str(wav_path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(engine.sample_rate)
            samples, words = engine.speak(text, voice, out, deadline)
        return Speech(samples, engine.sample_rate, words)
