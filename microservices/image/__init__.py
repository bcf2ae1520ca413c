"""The reference image service: POST /generate and POST /generate-batch draw 1920x1080 PNG
scenes with Pillow, one per prompt, in one of seven styles (see draw.py and styles.py)."""
