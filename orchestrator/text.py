"""What text the services can use, checked before any call (issue #9, "no 5xx for any
input"): the checks behind the validation rules of every text field.

- No lone surrogate (U+D800-U+DFFF alone): it cannot be encoded as UTF-8, so no service,
  store or gRPC peer can take it. (Over REST, JSON holding one is refused by the edge as
  malformed; a gRPC caller cannot send one either; this is the last guard.)
- No control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F), but for line
  breaks and tabs (\\n, \\r, \\t) in the fields that hold several lines.
- A script to speak must hold something speakable: a letter or a digit (Unicode L*, N*).
- A prompt to draw must hold something drawable: a letter, a digit or a symbol (S*: an
  emoji is a fine subject), not only punctuation, spaces or marks.
"""

import unicodedata

LINE_BREAKS = frozenset("\n\r\t")


def bad_character(text: str, multiline: bool) -> str | None:
    """Why `text` cannot be used, naming its first unusable character, or None."""
    for i, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            return f"holds a lone surrogate (U+{ord(char):04X}) at {i}"
        if unicodedata.category(char) == "Cc" and not (multiline and char in LINE_BREAKS):
            allowed = "only line breaks and tabs are" if multiline else "none is"
            return f"holds a control character (U+{ord(char):04X}) at {i}: {allowed} allowed"
    return None


def _has(text: str, classes: tuple[str, ...]) -> bool:
    return any(unicodedata.category(char)[0] in classes for char in text)


def speakable(text: str) -> bool:
    """Holds a letter or a digit: something a voice can say."""
    return _has(text, ("L", "N"))


def drawable(text: str) -> bool:
    """Holds a letter, a digit or a symbol: something a picture can show."""
    return _has(text, ("L", "N", "S"))
