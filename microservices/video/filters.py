"""The ffmpeg command of a render: three filter graphs, an MP4 and a JPEG thumbnail out of
one run. ffmpeg runs in the render's work directory, where every file is.

The scenes come in as one stream on ffmpeg's stdin: the scene pictures (PPMs of one size,
see fetch.py: the output's, or for a motion template motion.picture_size), one frame
each, in scene order, written as each is prepared (render.py), so that ffmpeg starts
with the first one while the others are still being scaled, and the last one again to
end the last clip (scene_times). Each frame's timestamp is set to its clip's start
(timeline.py), so each picture is decoded once and converted to
yuv420p once; `fps` then repeats it until the next (references, no copy) and x264
encodes the repeats as skipped blocks. The motion templates cut each frame out of that stream
(motion.chain: a crop, a bilinear scale and a crop, driven frame by frame), each clip
zooming and drifting from its own first frame to its last.

Why three graphs (VideoGraphs, and the audio's): ffmpeg pushes each frame that enters a
graph through it until nothing more can move, and only then hands the graph's output to
the encoder. One picture in makes a whole clip out of `fps` (its repeats, ~190 frames
for a 6 s scene). When the motion, transitions and subtitles were in that same graph, it
made all of a clip's frames before x264 got the first, and x264 then encoded them while
the graph waited: each side idle in turn (on a 30 s ken_burns at 1:1, 1080p: the graph
alone for 0.5-0.75 s at each of the first scenes, then x264 alone for ~1.5 s). So the
`pictures` graph only makes the clips (cheap: the repeats are references), and the
`frames` graph, fed one frame at a time through ffmpeg's queue between graphs, does each
frame's work as x264 takes it: both cores busy throughout (that render, in `python -m
bench.render`: 7.6 s instead of 8.5 in the same run, 1.69x its floor instead of 1.96x;
decoded frames bit-identical).
The audio has its own graph too, so that it is made in its own thread.

Transitions without a filter per scene (memory and work stay the same whatever the
number of scenes): from the clips laid end to end, B drops each clip's tail and A each
clip's head. Outside the transitions A and B show the same frame; during the transition
into scene k, A shows the end of clip k-1 and B the start of clip k. The video is B,
with A mixed in during the transitions only: `blend` for the fades (one instance per
opacity step, enabled on the frames at that step of every transition) and two
`overlay`s for the slides. Outside the transitions these filters
are disabled and pass B through untouched."""

import re
from dataclasses import dataclass
from pathlib import Path

from microservices.video import motion
from microservices.video.music import lavfi_graph
from microservices.video.subtitles import SubtitleFiles
from microservices.video.timeline import Timeline

MOTION = motion.TEMPLATES
SLIDES = {"slide_left", "slide_right"}
AUDIO_RATE = 48000
FADE_STEPS = 16
YUV420 = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# The filter graphs' files, in the work directory: the pictures', the frames', the audio's.
GRAPHS = ("pictures.graph", "frames.graph", "audio.graph")


@dataclass(frozen=True, slots=True)
class Encoding:
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "160k"


# The motion templates move every pixel of every frame, which x264 then encodes in full
# (still frames are skipped blocks): most of their render time. For that motion (a slow
# zoom and drift, which block search models poorly anyway) the diamond search and the
# quickest sub-pixel refinement cut x264's time by about a quarter at the same crf, for
# about 5 % more bytes (measured on the bench's 30 s ken_burns: 9.6 s of CPU instead of
# 13.6 s for 12 s of video). Still pictures and transitions keep the preset's own search.
# No sub-partitions (partitions=none: 16x16 blocks only): a slow zoom moves every block
# by about the same, which smaller blocks do not predict better. Measured on the frames
# of the bench's 30 s ken_burns at 1:1 (encoded from a lossless copy, twice each): 12.7 s
# of x264 CPU instead of 15.0, 0.7 % fewer bytes, SSIM 0.9789 instead of 0.9792; at
# 9:16, 22.5 s instead of 22.9-24.7, 0.8 % more bytes, SSIM 0.9848 instead of 0.9852.
# (Measured and not kept: cabac=0, 18 % more bytes; no-8x8dct, weightp=0, threads=2:
# within noise; rc-lookahead=5, aq-mode=0: lower SSIM; no-mbtree: 80 % more bytes.)
MOTION_X264 = "me=dia:subme=1:partitions=none"


def encoder_args(fps: int, encoding: Encoding, moving: bool = False) -> list[str]:
    """H.264 (yuv420p, BT.709) and AAC in an MP4 whose index comes first (faststart);
    `moving`: a template that moves every frame (MOTION_X264)."""
    return [
        "-c:v",
        "libx264",
        "-preset",
        encoding.preset,
        *(["-x264-params", MOTION_X264] if moving else []),
        "-crf",
        str(encoding.crf),
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "high",
        "-r",
        str(fps),
        "-c:a",
        "aac",
        "-b:a",
        encoding.audio_bitrate,
        "-ar",
        str(AUDIO_RATE),
        "-ac",
        "2",
        "-movflags",
        "+faststart",
    ]


def scene_input(fps: int) -> list[str]:
    """The scene pictures as input 0: PPMs on stdin, one after the other."""
    return ["-f", "image2pipe", "-framerate", str(fps), "-c:v", "ppm", "-i", "pipe:0"]


def scene_times(timeline: Timeline) -> str:
    """The filters that put the n-th picture at its clip's start (in frames), and the
    last picture, sent twice, a second time at the end of its clip: `fps` repeats a
    frame up to the next one's time, and at the end of its input drops the last frame
    (the end's time is the demuxer's, not the frames' as set here)."""
    ends = (*timeline.starts, timeline.clips_total)
    times = "+".join(f"eq(N,{k})*{s}" for k, s in enumerate(ends) if s)
    return f"settb=1/{timeline.fps},setpts='{times}'"


def _any(ranges: list[tuple[int, int]], var: str = "n") -> str:
    """An expression true when `var` is in one of the inclusive frame ranges."""
    return "+".join(f"between({var},{a},{b})" for a, b in ranges) or "0"


def _piecewise(pieces: list[tuple[int, int, str]], var: str) -> str:
    """sum of between(var, a, b) * value: one value per inclusive range of frames."""
    return "+".join(f"between({var},{a},{b})*({value})" for a, b, value in pieces) or "0"


@dataclass(frozen=True, slots=True)
class VideoGraphs:
    """The video's two filter graphs (see the module's docstring): `pictures` from input 0
    (the scene pictures) to [clips] (the clips laid end to end, in yuv420p) and to [thumb]
    (the first scene, for the thumbnail); `frames` from [clips] to [video]."""

    pictures: list[str]
    frames: list[str]


def video_graph(
    timeline: Timeline,
    template: str,
    width: int,
    height: int,
    subtitles: SubtitleFiles | None = None,
) -> VideoGraphs:
    """The video's graphs. The `subtitles` are laid on the finished frames, last (their
    band: subtitles.py). A motion template's pictures are motion.picture_size, and its
    commands in motion.SCRIPT."""
    fps, t, n = timeline.fps, timeline.transition, len(timeline.slots)
    last = f"{TAGS}[video]"
    band = subtitles.band((width, height), fps, f"round(t*{fps})") if subtitles else None
    if band is not None:
        source, overlay = band
        last = f"null[unsubtitled];\n{source};\n[unsubtitled][subs]{overlay},{last}"
    thumb = "trim=end_frame=1"
    clips = "[clips]"
    if template in MOTION:
        thumb += f",{motion.thumbnail(width, height)}"
        clips += f"{motion.chain(width, height)},"
    pictures = [
        f"[0:v]{scene_times(timeline)},format=rgb24,split=2[scenes][first]",
        f"[first]{thumb},setsar=1[thumb]",
        f"[scenes]{YUV420},setsar=1,fps={fps},trim=end_frame={timeline.clips_total}[clips]",
    ]
    if t == 0:  # cuts: the clips are the video
        return VideoGraphs(pictures, [f"{clips}setpts=N,{last}"])

    starts, slots, ends = timeline.starts, timeline.slots, timeline.clips
    heads = [(starts[k], starts[k] + t - 1) for k in range(1, n)]
    tails = [(starts[k] + slots[k], starts[k] + ends[k] - 1) for k in range(n - 1)]
    windows = timeline.offsets[1:]  # the first frame of each transition
    chains = [
        f"{clips}split=2[tosplit_a][tosplit_b]",
        f"[tosplit_a]select='not({_any(heads)})',setpts=N[a]",
        f"[tosplit_b]select='not({_any(tails)})',setpts=N[b]",
    ]
    if template in SLIDES:
        # The frame's index from its time: overlay's own `n` runs one frame ahead of
        # the timeline's. Progress through a transition: (j + 1) / (t + 1) at its j-th.
        frame = f"round(t*{fps})"
        shift = _piecewise([(o, o + t - 1, f"({frame}-{o}+1)/{t + 1}") for o in windows], frame)
        during = _any([(o, o + t - 1) for o in windows], frame)
        if template == "slide_left":  # the new scene pushes the old one out to the left
            incoming, outgoing = f"W*(1-({shift}))", f"-W*({shift})"
        else:  # slide_right: it comes in from the left
            incoming, outgoing = f"-W*(1-({shift}))", f"W*({shift})"
        chains += [
            "[b]split=2[b_main][b_moving]",
            f"[b_main][b_moving]overlay=x='{incoming}':y=0:enable='{during}'[b_moved]",
            f"[b_moved][a]overlay=x='{outgoing}':y=0:enable='{during}',{last}",
        ]
        return VideoGraphs(pictures, chains)
    # Fades: B over A, more opaque frame after frame. One blend per opacity step (at
    # most FADE_STEPS: at 60 fps a step lasts two frames), enabled on the frames of every
    # transition at that step.
    steps = min(t, FADE_STEPS)
    chains.append(f"[a]split={steps}" + "".join(f"[a{s}]" for s in range(steps)))
    previous = "b"
    for step in range(steps):
        frames = [j for j in range(t) if j * steps // t == step]
        enable = _any([(o + frames[0], o + frames[-1]) for o in windows], f"round(t*{fps})")
        out = f"faded{step}"
        chains.append(
            f"[{previous}][a{step}]blend=all_mode=normal"
            f":all_opacity={(step + 1) / (steps + 1):.5f}:enable='{enable}'[{out}]"
        )
        previous = out
    chains.append(f"[{previous}]{last}")
    return VideoGraphs(pictures, chains)


def audio_graph(narration: int, music: int | None, duration: str, volume: float) -> list[str]:
    """The narration (input `narration`), cut or padded to the video's duration, with the
    music (input `music`, if any) lowered and ducked under it."""
    fmt = f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    voice = f"[{narration}:a]{fmt},atrim=end={duration},apad=whole_dur={duration}"
    if music is None:
        return [f"{voice}[audio]"]
    return [
        f"{voice},asplit=2[voice][key]",
        f"[{music}:a]{fmt},volume={volume}[music]",
        "[music][key]sidechaincompress=threshold=0.02:ratio=5:attack=40:release=500[ducked]",
        "[voice][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[audio]",
    ]


@dataclass(frozen=True, slots=True)
class RenderJob:
    workdir: Path  # ffmpeg runs there; every file below is in it (and GRAPHS)
    narration: Path
    timeline: Timeline
    width: int
    height: int
    template: str
    music: str  # "none" or a mood
    music_volume: float
    encoding: Encoding
    video_out: Path
    thumbnail_out: Path
    subtitles: SubtitleFiles | None = None  # their files (subtitles.py), or none
    # A motion template's commands (motion.commands), if made already.
    motion_commands: str | None = None


def render_args(job: RenderJob) -> list[str]:
    """The arguments, for ffmpeg running in `job.workdir`; writes the filter graphs there
    (GRAPHS: files, as with 50 scenes a graph is tens of kB)."""
    for path in (job.narration, job.video_out, job.thumbnail_out):
        if path.parent != job.workdir or not SAFE_NAME.fullmatch(path.name):
            raise ValueError(f"{path} is not a plain name in the work directory")
    fps = job.timeline.fps
    duration = job.timeline.seconds(job.timeline.total)
    args = [*scene_input(fps), "-i", job.narration.name]
    music = None
    if job.music != "none":
        music = 2
        args += ["-f", "lavfi", "-i", lavfi_graph(job.music, job.timeline.duration)]
    if job.template in MOTION:
        script = job.motion_commands
        if script is None:
            script = motion.commands(job.template, job.timeline, job.width, job.height)
        (job.workdir / motion.SCRIPT).write_text(script, "utf-8")
    video = video_graph(job.timeline, job.template, job.width, job.height, job.subtitles)
    audio = audio_graph(1, music, duration, job.music_volume)
    for name, chains in zip(GRAPHS, (video.pictures, video.frames, audio), strict=True):
        (job.workdir / name).write_text(";\n".join(chains), "utf-8")
        args += ["-/filter_complex", name]
    args += [
        "-map",
        "[video]",
        "-map",
        "[audio]",
        *encoder_args(fps, job.encoding, job.template in MOTION),
    ]
    args += ["-t", duration, "-f", "mp4", job.video_out.name]
    args += ["-map", "[thumb]", "-frames:v", "1", "-q:v", "3", "-f", "image2"]
    args += ["-update", "1", job.thumbnail_out.name]
    return args
