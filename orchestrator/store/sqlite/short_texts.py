"""The index of short texts: which projects' folded title or description holds a given
text of 1 or 2 characters, which the trigram index cannot find (its tokens are 3).

Each project has a row in projects_grams (an FTS5 table without content or positions:
one doclist per token, a byte or two per project in it) listing every distinct 1- and
2-character piece of its folded title and description as one token each: the column's
letter (`t`, `d`) and the code points in hex, 6 digits each, so that the ASCII tokenizer
keeps every character of every script apart (NUL included). `ab` in the title is the
token t000061000062; in either text, `t000061000062 OR d000061000062`.

The project writes keep it in step (projects.py: insert, rewrite, delete), not triggers:
SQL cannot list a text's pieces. A contentless table forgets a row only when given the
tokens it was made with, which grams() makes again from the row's folded texts.
"""

import sqlite3
from collections.abc import Sequence

# The longest text this index finds; longer ones go to the trigram index.
SHORT = 2
# The folded texts kept as columns of projects, and their tokens' letters.
LETTERS = {"title_fold": "t", "description_fold": "d"}

SHORT_TEXTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS projects_grams USING fts5(
    grams, content='', detail='none', tokenize='ascii'
);
"""


def token(letter: str, text: str) -> str:
    return letter + "".join(f"{ord(c):06x}" for c in text)


def _pieces(text: str) -> set[str]:
    return {text[i : i + size] for size in range(1, SHORT + 1) for i in range(len(text) - size + 1)}


def grams(title_fold: str, description_fold: str) -> str:
    """The tokens of a project's row: every piece of its folded texts, once each, sorted
    (a set's order changes from one process to the next; a delete gives them again)."""
    texts = (("t", title_fold), ("d", description_fold))
    return " ".join(
        sorted(token(letter, piece) for letter, text in texts for piece in _pieces(text))
    )


def match(needle: str, columns: Sequence[str]) -> str:
    """An FTS5 query of projects_grams: `needle` (1 or 2 folded characters) in any of
    those columns (of LETTERS)."""
    return " OR ".join(token(LETTERS[column], needle) for column in columns)


def add(conn: sqlite3.Connection, seq: int, title_fold: str, description_fold: str) -> None:
    conn.execute(
        "INSERT INTO projects_grams (rowid, grams) VALUES (?, ?)",
        (seq, grams(title_fold, description_fold)),
    )


def remove(conn: sqlite3.Connection, seq: int, title_fold: str, description_fold: str) -> None:
    conn.execute(
        "INSERT INTO projects_grams (projects_grams, rowid, grams) VALUES ('delete', ?, ?)",
        (seq, grams(title_fold, description_fold)),
    )


def fill(conn: sqlite3.Connection) -> None:
    """Index every project of a file made before this index existed."""
    rows = conn.execute("SELECT seq, title_fold, description_fold FROM projects").fetchall()
    for seq, title_fold, description_fold in rows:
        add(conn, seq, title_fold, description_fold)
