"""The contract's six voice ids as eSpeak NG voices, and the project's language as an
eSpeak language.

Each id is a different eSpeak variant (its own formants, gender and pitch contour) with
its own base pitch, pitch range and rate, so the six are audibly apart in every
language. `audio_speed` scales the rate (words per minute) and `audio_pitch` the base
pitch."""

from dataclasses import dataclass

from microservices.audio.speech import Voice

# language -> eSpeak language voice (file name under espeak-ng-data/lang).
LANGUAGES = {"en": "en-us", "fr": "fr", "es": "es", "de": "de", "it": "it", "pt": "pt-br"}


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    variant: str  # espeak-ng-data/voices/!v/<variant>
    pitch: int  # eSpeak base pitch, 0..100 (50 is eSpeak's default)
    range: int  # eSpeak pitch range, 0..100 (0 is monotone)
    rate: int  # words per minute at audio_speed 1.0
    accents: tuple[tuple[str, str], ...] = ()  # (language, eSpeak language) overrides
    description: str = ""


VOICES: dict[str, VoiceProfile] = {
    "alloy": VoiceProfile("f2", 50, 50, 165, description="female, warm, even"),
    "echo": VoiceProfile("m3", 48, 55, 172, description="male, clear, mid pitch"),
    "fable": VoiceProfile(
        "m7", 55, 85, 158, (("en", "en-gb-x-rp"),), "male, lively storyteller, British in en"
    ),
    "onyx": VoiceProfile("m1", 25, 35, 150, description="male, deep and steady"),
    "nova": VoiceProfile("f3", 62, 70, 182, description="female, the brightest and quickest"),
    "shimmer": VoiceProfile("f4", 72, 40, 162, description="female, soft, narrow range"),
}

MIN_RATE, MAX_RATE = 80, 450  # what eSpeak accepts


def voice_for(voice_id: str, language: str, speed: float, pitch: float) -> Voice:
    """The eSpeak voice and parameters for a request."""
    profile = VOICES[voice_id]
    base = dict(profile.accents).get(language, LANGUAGES[language])
    return Voice(
        name=f"{base}+{profile.variant}",
        rate=min(MAX_RATE, max(MIN_RATE, round(profile.rate * speed))),
        pitch=min(100, max(0, round(profile.pitch * pitch))),
        range=profile.range,
    )
