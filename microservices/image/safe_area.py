"""Where a drawing's prompt label stays readable once the picture is in a video: inside
what every frame of every template of the video service shows of the picture, and on a
9:16 picture clear of the band where that service burns in subtitles.

The video service is another process and its code is not imported here: its geometry is
restated below (as shares of the picture, so that it holds at every size), each figure
with where it comes from. tests/microservices/test_image_label.py runs the video's own
motion and subtitle code over every frame to check them.

A simple safe margin, rather than the region the motion paths actually cover: a
ken_burns window (microservices/video/motion.py) is 1 / (1 + KEN_BURNS_ZOOM) of the
picture at its deepest zoom, and its anchors lie between the picture's edges, so
whatever its path, every frame shows the middle [1 - 1 / 1.2, 1 / 1.2] = [1/6, 5/6] of
the picture each way (zoom_in and zoom_out, centred and less deep, more). The paths'
own region is little larger (its bottom is the same 5/6: a scene starts at 1.2x on the
picture's top), and a margin that holds for any anchors still holds when they change."""

# motion.KEN_BURNS_ZOOM (0.2) is the deepest zoom of any template (zoom_in, zoom_out: 0.15).
DEEPEST_ZOOM = 1.2
# What a motion template never shows of each edge of the picture, as a share of it, at
# most: motion.BORDER (24 px of a picture made MOTION_SCALE times the frame, and the
# border more: 732 px wide at 720p, the smallest resolution) and the cover crop that
# makes the 9:16 or 16:9 picture that slightly wider aspect (19 px more each side at
# 720p): 3.3 % of each edge at 720p (1.1 % at 2160p), rounded up.
HIDDEN_EDGE = 0.035
# Every frame shows the picture inside this margin, each side (the module's docstring).
SAFE_MARGIN = HIDDEN_EDGE + (1 - 1 / DEEPEST_ZOOM)
# 9:16: the burned-in subtitles' band starts 70 % down the frame (video/subtitles.py:
# the bottom 22 % kept clear, then two lines of 3.6 % and their outline; 70.2 % at 720p,
# 70.4 % at 2160p). A frame zoomed in 1.2x on the picture's top shows the picture's row
# y at 1.2 y of the frame: the label ends above 70 % / 1.2, less what is hidden above.
SUBTITLES_TOP = 0.70
SHORT_BOTTOM = SUBTITLES_TOP / DEEPEST_ZOOM - HIDDEN_EDGE

Box = tuple[int, int, int, int]  # left, top, right, bottom (pixels)


def label_area(size: tuple[int, int]) -> Box:
    """The part of a `size` picture its label must stay inside: above the subtitles on
    a portrait (9:16) one. On 16:9 and 1:1 the label stays near the bottom, where a
    subtitle may cover it while a cue is on: clear of them it would have to rise to 60 %
    of the picture's height."""
    w, h = size
    bottom = SHORT_BOTTOM if h > w else 1 - SAFE_MARGIN
    return (
        round(w * SAFE_MARGIN),
        round(h * SAFE_MARGIN),
        round(w * (1 - SAFE_MARGIN)),
        round(h * bottom),
    )
