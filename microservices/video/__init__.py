"""The reference video service: POST /render turns a narration and scene images into an
H.264/AAC MP4 with ffmpeg (transitions or motion per template, optional synthesized
background music), plus a JPEG thumbnail."""
