"""The render's filter graphs (filters.py): the work done on every frame (the motion, the
transitions, the subtitles) is in the `frames` graph, which ffmpeg feeds one frame at a
time, never in the `pictures` graph, where one picture in makes a whole clip at once;
and the three graphs are written and passed to ffmpeg, linked by their labels."""

import re

import pytest

from microservices.video import filters, motion
from microservices.video.captions import Cue
from microservices.video.filters import Encoding, RenderJob, render_args, video_graph
from microservices.video.subtitles import write_files
from microservices.video.timeline import plan

TEMPLATES = ("basic_fade", "slide_left", "slide_right", *sorted(motion.TEMPLATES))
# What the pictures graph may do: set the pictures' times, convert each once, repeat
# it (`fps`: references), cut the clips' end, and make the thumbnail from the first.
PICTURES_FILTERS = {"settb", "setpts", "format", "split", "trim", "crop", "scale", "setsar", "fps"}
LABEL = re.compile(r"\[([A-Za-z0-9_]+)\]")


def filter_names(chains: list[str]) -> set[str]:
    """The filters a graph uses (instance names such as crop@motion_in as crop)."""
    names = set()
    for chain in chains:
        unquoted = re.sub(r"\[[^\]]+\]", ",", re.sub(r"'[^']*'", "''", chain))
        for part in re.split(r"[,;\n]", unquoted):
            name = re.split(r"[=@]", part.strip(), maxsplit=1)[0]
            if name:
                names.add(name)
    return names


def labels(chains: list[str]) -> tuple[list[str], list[str]]:
    """(labels made, labels taken): a label ending a chain's filters is made, one
    starting them is taken (ffmpeg's own inputs, such as [0:v], are not labels here)."""
    made, taken = [], []
    for chain in chains:
        for piece in chain.replace("\n", "").split(";"):
            head = re.match(r"^((?:\[[A-Za-z0-9_]+\])*)", piece.strip()).group(1)
            tail = re.search(r"((?:\[[A-Za-z0-9_]+\])*)$", piece.strip()).group(1)
            taken += LABEL.findall(head)
            made += LABEL.findall(tail)
    return made, taken


@pytest.fixture
def subtitle_files(tmp_path):
    cues = [Cue(0.5, 2.5, "Le village se réveille."), Cue(3.0, 5.0, "Das Dorf erwacht.")]
    return write_files(tmp_path, cues, 720, 1280, 30)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("transition_s", [0.5, 0.0])
@pytest.mark.parametrize("subtitled", [False, True])
def test_per_frame_work_is_in_the_frames_graph(template, transition_s, subtitled, subtitle_files):
    timeline = plan(12.0, 30, 4, transition_s)
    graphs = video_graph(timeline, template, 720, 1280, subtitle_files if subtitled else None)

    assert filter_names(graphs.pictures) <= PICTURES_FILTERS
    frames = filter_names(graphs.frames)
    if template in motion.TEMPLATES:
        assert {"sendcmd", "crop", "scale"} <= frames
    if transition_s and template.startswith("slide"):
        assert "overlay" in frames
    elif transition_s:
        assert "blend" in frames
    if subtitled:
        assert {"ass", "overlay"} <= frames
    # The clips go from the one graph to the other; each graph's own labels stay in it.
    made_p, taken_p = labels(graphs.pictures)
    made_f, taken_f = labels(graphs.frames)
    assert "clips" in made_p and "clips" not in taken_p
    assert taken_f.count("clips") == 1 and "clips" not in made_f
    assert set(taken_f) - {"clips"} <= set(made_f)
    assert {"video"} <= set(made_f) and {"thumb"} <= set(made_p)


@pytest.mark.parametrize("music", ["none", "soft"])
def test_render_args_write_the_three_graphs(tmp_path, music):
    timeline = plan(9.0, 30, 3, 0.5)
    job = RenderJob(
        workdir=tmp_path,
        narration=tmp_path / "narration.wav",
        timeline=timeline,
        width=1080,
        height=1080,
        template="ken_burns",
        music=music,
        music_volume=0.2,
        encoding=Encoding(),
        video_out=tmp_path / "video.mp4",
        thumbnail_out=tmp_path / "thumbnail.jpg",
    )
    args = render_args(job)

    given = [args[k + 1] for k, arg in enumerate(args) if arg == "-/filter_complex"]
    assert given == list(filters.GRAPHS)
    pictures, frames, audio = ((tmp_path / name).read_text("utf-8") for name in given)
    assert pictures.startswith("[0:v]") and pictures.rstrip().endswith("[clips]")
    assert frames.startswith("[clips]sendcmd") and frames.rstrip().endswith("[video]")
    assert audio.startswith("[1:a]") and audio.rstrip().endswith("[audio]")
    assert ("[2:a]" in audio) == (music != "none")
    assert (tmp_path / motion.SCRIPT).is_file()
