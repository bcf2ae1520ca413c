"""Scene lengths, in frames: the scenes share the narration's duration equally, and each
transition overlaps the end of a scene with the start of the next, so the video lasts
exactly as long as the narration (to the frame).

    slot k:   the frames where scene k is the one shown (the slots sum to the total);
    clip k:   the frames scene k is rendered for: its slot plus the transition into the
              next scene (the last clip is its slot);
    offset k: the frame of the video where the transition into scene k starts (the sum
              of the earlier slots);
    start k:  the frame where clip k starts in the clips laid end to end (the sum of the
              earlier clips); the video is made from that sequence (see filters.py).
"""

import itertools
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timeline:
    fps: int
    total: int  # frames of the whole video
    slots: tuple[int, ...]
    transition: int  # frames of each transition (0: cuts)

    @property
    def clips(self) -> tuple[int, ...]:
        last = len(self.slots) - 1
        return tuple(s + (self.transition if k < last else 0) for k, s in enumerate(self.slots))

    @property
    def offsets(self) -> tuple[int, ...]:
        """The first frame of each scene's slot (0 for the first)."""
        return tuple(itertools.accumulate(self.slots[:-1], initial=0))

    @property
    def starts(self) -> tuple[int, ...]:
        """The first frame of each clip, the clips laid end to end."""
        return tuple(itertools.accumulate(self.clips[:-1], initial=0))

    @property
    def clips_total(self) -> int:
        return sum(self.clips)

    @property
    def duration(self) -> float:
        return self.total / self.fps

    def seconds(self, frames: int) -> str:
        """Frames as seconds, precise enough for ffmpeg to land on the very frame."""
        return f"{frames / self.fps:.6f}"


def plan(duration_s: float, fps: int, scenes: int, transition_s: float) -> Timeline:
    """Split `duration_s` among `scenes`, with transitions of about `transition_s` (never
    more than a third of the shortest scene). Every scene gets at least one frame."""
    if scenes < 1:
        raise ValueError("at least one scene")
    total = max(scenes, round(duration_s * fps))
    base, extra = divmod(total, scenes)
    slots = tuple(base + (1 if k < extra else 0) for k in range(scenes))
    transition = 0
    if scenes > 1:
        transition = max(0, min(round(transition_s * fps), min(slots) // 3))
    return Timeline(fps=fps, total=total, slots=slots, transition=transition)
