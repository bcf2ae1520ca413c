"""What a provider is asked for: the scene's prompt, the contract's style put into words
(and, for Stability, the style preset that fits it), and the framing.

A video's pictures must not carry text of their own (the models draw garbled letters),
so every prompt asks for none. Stability has a preset for four of the seven styles
(its list: 3d-model, analog-film, anime, cinematic, comic-book, digital-art, enhance,
fantasy-art, isometric, line-art, low-poly, modeling-compound, neon-punk, origami,
photographic, pixel-art, tile-texture); the other three are told in words alone."""

# Full sentences for models that read prose (DALL-E 3, gpt-image-1).
OPENAI_STYLES = {
    "realistic": "a photorealistic photograph with natural light and sharp, true-to-life detail",
    "pixar": "a still from a modern 3D computer-animated family film: rounded, appealing "
    "shapes, vivid colours and soft cinematic lighting",
    "anime": "an anime illustration with clean line art, cel shading and vibrant colours",
    "flat_design": "a flat design vector illustration: simple geometric shapes, a small "
    "palette of flat colours, no gradients and no texture",
    "watercolor": "a watercolor painting with soft translucent washes, bleeding edges and "
    "visible paper texture",
    "oil_painting": "an oil painting on canvas with thick, visible brush strokes and rich, "
    "deep colours",
    "sketch": "a graphite pencil sketch on paper: fine lines and cross-hatching, black and "
    "white, no colour",
}

# Keywords for diffusion models, and the preset where Stability has one that fits.
STABILITY_STYLES = {
    "realistic": ("photorealistic photograph, natural light, sharp detail", "photographic"),
    "pixar": ("3D animated film still, rounded shapes, vivid colours, soft lighting", "3d-model"),
    "anime": ("anime illustration, cel shading, clean line art", "anime"),
    "flat_design": ("flat design vector illustration, geometric shapes, flat colours", None),
    "watercolor": ("watercolor painting, soft washes, paper texture", None),
    "oil_painting": ("oil painting, thick brush strokes, canvas texture", None),
    "sketch": ("graphite pencil sketch, cross-hatching, black and white", "line-art"),
}

FRAMING = {
    "16:9": "a wide landscape (16:9) frame",
    "9:16": "a tall vertical (9:16) frame",
    "1:1": "a square frame",
}

NEGATIVE = "text, letters, words, captions, watermark, signature, logo"


def openai_prompt(prompt: str, style: str, aspect: str) -> str:
    return (
        f"{prompt}\n\nStyle: {OPENAI_STYLES[style]}. Composed for {FRAMING[aspect]}. "
        "No text, letters, captions or watermarks anywhere in the image."
    )


def stability_prompt(prompt: str, style: str) -> tuple[str, str | None]:
    """The prompt and the style preset (None: the words carry the style)."""
    words, preset = STABILITY_STYLES[style]
    return f"{prompt}. {words}", preset
