"""What text the services can use, checked before any call (issue #9, "no 5xx for any
input"): the checks behind the validation rules of every text field.

- No lone surrogate (U+D800-U+DFFF alone): it cannot be encoded as UTF-8, so no service,
  store or gRPC peer can take it. (Over REST, JSON holding one is refused by the edge as
  malformed; a gRPC caller cannot send one either; this is the last guard.)
- No control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F), but for line
  breaks and tabs (\\n, \\r, \\t) in the fields that hold several lines.
- A script to speak, a prompt to draw, must hold words: a letter or a digit
  (str.isalnum, as the audio service checks; the served schema states it as the pattern
  `[^\\W_]`, which is exactly that in Python's re). Punctuation, symbols and spaces alone
  give a voice nothing to say and a picture no subject.
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


def has_words(text: str) -> bool:
    """Holds a letter or a digit: something a voice can say, a picture can show."""
    return any(char.isalnum() for char in text)
