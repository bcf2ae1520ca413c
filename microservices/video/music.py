"""Background music, synthesized by ffmpeg's own sources: per mood a chord progression
(aevalsrc sines, each chord fading into the next with cos² weights, so no clicks), a
pulse or swell, a filter and an echo for space; faded in and out. It is an ffmpeg
`-f lavfi` input, so it is generated in its own thread while the video is filtered.

It is mixed under the narration in filters.py: lowered, and ducked while the voice
speaks (sidechaincompress), then amix."""

from dataclasses import dataclass

RATE = 16000  # pure tones under 1 kHz need no more; the mix resamples to 48 kHz


@dataclass(frozen=True, slots=True)
class Mood:
    chords: tuple[tuple[float, ...], ...]  # root (bass) first, then the pad's notes
    seconds_per_chord: float
    rhythm: str  # an amplitude envelope over t, from 0 to 1
    bass: str  # the bass note's own envelope over t
    tail: str  # filters after the source
    gain: float  # brings every mood to about the same loudness (-20 dB mean)
    noise: float = 0.0  # pink noise level (ambient)


# Frequencies in Hz (A4 = 440).
MOODS: dict[str, Mood] = {
    # I-vi-IV-V in C, slow, warm, gently swelling.
    "soft": Mood(
        chords=(
            (65.41, 261.63, 329.63, 392.00),
            (55.00, 220.00, 261.63, 329.63),
            (43.65, 174.61, 220.00, 261.63),
            (49.00, 196.00, 246.94, 293.66),
        ),
        seconds_per_chord=4.0,
        rhythm="(0.8+0.2*sin(2*PI*0.125*t))",
        bass="0.6",
        tail="lowpass=f=1600,aecho=0.8:0.5:180:0.3",
        gain=1.4,
    ),
    # G-D-Em-C at 120 bpm: eighth-note pulse and a plucked bass on every beat.
    "upbeat": Mood(
        chords=(
            (98.00, 392.00, 493.88, 587.33),
            (73.42, 293.66, 369.99, 440.00),
            (82.41, 329.63, 392.00, 493.88),
            (65.41, 261.63, 329.63, 392.00),
        ),
        seconds_per_chord=2.0,
        rhythm="(0.45+0.55*exp(-7*mod(t,0.25)))",
        bass="1.4*exp(-9*mod(t,0.5))",
        tail="highpass=f=60,lowpass=f=4200",
        gain=0.67,
    ),
    # D minor, low and slow: Dm-Bb-F-C with a swell and a deep hit every two chords.
    "cinematic": Mood(
        chords=(
            (36.71, 146.83, 174.61, 220.00),
            (29.14, 116.54, 146.83, 174.61),
            (43.65, 174.61, 220.00, 261.63),
            (32.70, 130.81, 164.81, 196.00),
        ),
        seconds_per_chord=5.0,
        rhythm="(0.55-0.45*cos(2*PI*t/10))",
        bass="(0.7+2.2*exp(-2.5*mod(t,10)))",
        tail="lowpass=f=1400,aecho=0.8:0.7:350|620:0.35|0.22",
        gain=1.0,
    ),
    # Major sevenths, clean, bright, steady plucks at 120 bpm.
    "corporate": Mood(
        chords=(
            (65.41, 261.63, 329.63, 493.88),
            (55.00, 261.63, 329.63, 392.00),
            (43.65, 220.00, 261.63, 329.63),
            (49.00, 246.94, 293.66, 369.99),
        ),
        seconds_per_chord=4.0,
        rhythm="(0.35+0.65*exp(-5*mod(t,0.5)))",
        bass="0.8*exp(-4*mod(t,1))",
        tail="highpass=f=50,lowpass=f=3500,aecho=0.8:0.4:90:0.2",
        gain=2.6,
    ),
    # Suspended chords drifting very slowly, with a bed of filtered pink noise.
    "ambient": Mood(
        chords=(
            (65.41, 261.63, 293.66, 392.00),
            (58.27, 233.08, 261.63, 349.23),
            (43.65, 174.61, 196.00, 261.63),
            (49.00, 196.00, 220.00, 293.66),
        ),
        seconds_per_chord=8.0,
        rhythm="(0.7+0.3*sin(2*PI*0.05*t))",
        bass="0.4",
        tail="lowpass=f=1000,aecho=0.8:0.8:600|900:0.45|0.3",
        gain=0.8,
        noise=0.045,
    ),
}


def _expression(mood: Mood) -> str:
    """(sum of weight(t) * pad) * rhythm + (sum of weight(t) * bass) * bass envelope.

    The weights are cos² windows one chord long, so two neighbours always sum to 1; each
    is computed once per sample (st/ld), and a chord out of its window is skipped (if()
    evaluates its branch only when needed): two chords sound at a time, not four."""
    n, period = len(mood.chords), mood.seconds_per_chord
    weights, pads, basses = [], [], []
    for i, (root, *notes) in enumerate(mood.chords):
        distance = f"(mod(t/{period}-{i}+{n / 2},{n})-{n / 2})"
        weights.append(f"st({i},pow(max(0,cos(PI/2*{distance})),2))")
        tones = "+".join(f"sin(2*PI*{f}*t)" for f in notes)
        pads.append(f"if(ld({i}),ld({i})*({tones}))")
        basses.append(f"if(ld({i}),ld({i})*sin(2*PI*{root * 2}*t))")
    mix = f"0.2*(({'+'.join(pads)})*{mood.rhythm}+({'+'.join(basses)})*{mood.bass})"
    return ";".join([*weights, mix])


def lavfi_graph(mood_name: str, duration_s: float) -> str:
    """The `-f lavfi -i` graph of the music for `duration_s` seconds, as [out0]."""
    mood = MOODS[mood_name]
    d = f"{duration_s:.3f}"
    fade_out = max(0.0, duration_s - 2.5)
    source = f"aevalsrc=exprs='{_expression(mood)}':s={RATE}:d={d}"
    ending = (
        f"{mood.tail},volume={mood.gain},afade=t=in:d={min(2.0, duration_s / 4):.3f},"
        f"afade=t=out:st={fade_out:.3f}:d={min(2.5, duration_s):.3f}[out0]"
    )
    if mood.noise:
        return (
            f"{source}[pad];anoisesrc=c=pink:r={RATE}:a={mood.noise}:d={d}:seed=7,"
            f"lowpass=f=500[bed];[pad][bed]amix=inputs=2:normalize=0,{ending}"
        )
    return f"{source},{ending}"
