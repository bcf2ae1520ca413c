"""The reference image service: POST /generate and POST /generate-batch make one PNG per
prompt, in one of seven styles, at an aspect (1920x1080, 1080x1920 or 1080x1080): drawn
offline with Pillow (draw.py, styles.py), or asked of a provider, OpenAI-compatible or
Stability AI (pictures.py), when IMAGE_SERVICE_PROVIDER says so."""
