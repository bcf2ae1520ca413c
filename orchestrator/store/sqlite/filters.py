"""The WHERE clause of a list query on the embedded store: statuses, search and the
conditions, as SQL with bound parameters (no user text is ever spliced into the SQL).

Substring matches on the title and the description go through the trigram index
(projects_text) when the text has at least 3 characters, and scan the folded columns
otherwise; startsWith, endsWith and like's anchors are tested on the column after the
index narrowed the rows.
"""

from typing import Any

from common.labels import STATUS
from orchestrator.store.base import Condition, ProjectQuery, fold

STATUS_LABELS = STATUS.label

# The long texts are kept beside the document, out of the rows a list query scans.
LONG_TEXTS = ("description", "script_text")
# The column each scalar field is kept in (see projects.py); the times in milliseconds.
COLUMN = {
    "create_time": "p.create_ms",
    "update_time": "p.update_ms",
    **{name: f"(SELECT d.{name} FROM project_docs d WHERE d.seq = p.seq)" for name in LONG_TEXTS},
}
# The folded texts kept as columns, indexed by trigram under the same names.
FOLDED = {"title": "title_fold", "description": "description_fold"}
TRIGRAM = 3
COMPARISONS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def column(field: str) -> str:
    return COLUMN.get(field, f"p.{field}")


def phrase(text: str, columns: tuple[str, ...]) -> str:
    """An FTS5 query finding `text` literally in those columns: one quoted phrase, its
    quotes doubled, so that no FTS5 syntax in it is read as such."""
    quoted = text.replace('"', '""')
    return f'{{{" ".join(columns)}}} : "{quoted}"'


def usable(text: str) -> bool:
    """Whether the trigram index can find `text`: 3 characters at least, and no NUL,
    which ends an FTS5 query string."""
    return len(text) >= TRIGRAM and "\x00" not in text


# The rows whose folded texts hold a phrase, from the trigram index: a trigram phrase
# matches exactly the texts holding it (case_sensitive on folded text), so no test of
# the columns needs to follow.
INDEXED = "p.seq IN (SELECT rowid FROM projects_text WHERE projects_text MATCH ?)"
# The same set, tested on the rows an index walks in the sort's order: cheaper when most
# rows match (the page fills at once), dearer when few do.
WALKED = "+" + INDEXED


def indexed(text: str, columns: tuple[str, ...]) -> tuple[str, list[Any]]:
    """The rows whose folded columns hold `text`, from the trigram index."""
    return INDEXED, [phrase(text, columns)]


def _text(condition: Condition) -> tuple[list[str], list[Any]]:
    (needle,) = condition.values
    if not needle:
        return [], []  # the empty text is in every text
    kept = FOLDED.get(condition.field)
    folded = f"p.{kept}" if kept else f"fold({column(condition.field)})"
    tests = {
        "contains": (f"instr({folded}, ?) > 0", [needle]),
        "starts_with": (f"substr({folded}, 1, ?) = ?", [len(needle), needle]),
        "ends_with": (f"substr({folded}, -?) = ?", [len(needle), needle]),
        "folded_eq": (f"{folded} = ?", [needle]),
    }
    sql, params = tests[condition.operator]
    if not (kept and usable(needle)):
        return [sql], list(params)
    narrow, narrow_params = indexed(needle, (kept,))
    if condition.operator == "contains":
        return [narrow], narrow_params
    return [narrow, sql], [*narrow_params, *params]  # the index narrows, the column decides


def _condition(condition: Condition) -> tuple[list[str], list[Any]]:
    if condition.operator in ("contains", "starts_with", "ends_with", "folded_eq"):
        return _text(condition)
    col = column(condition.field)
    values = [int(v) if isinstance(v, bool) else v for v in condition.values]
    marks = ", ".join("?" * len(values))
    if condition.operator == "eq":
        return [f"{col} IN ({marks})"], values
    if condition.operator == "ne":
        # A null field is unequal to every value, as MongoDB's $nin has it.
        return [f"({col} IS NULL OR {col} NOT IN ({marks}))"], values
    return [f"{col} {COMPARISONS[condition.operator]} ?"], values[:1]


def where_clause(query: ProjectQuery) -> tuple[list[str], list[Any]]:
    """The conditions of the query's WHERE (joined with AND) and their parameters."""
    where: list[str] = []
    params: list[Any] = []
    if query.statuses:
        where.append(f"p.status IN ({', '.join('?' * len(query.statuses))})")
        params.extend(STATUS_LABELS[s] for s in query.statuses)
    if query.search:
        needle = fold(query.search)
        if usable(needle):
            sql, narrow = indexed(needle, tuple(FOLDED.values()))
            where.append(sql)
            params.extend(narrow)
        else:
            where.append("(instr(p.title_fold, ?) > 0 OR instr(p.description_fold, ?) > 0)")
            params.extend([needle] * 2)
    for condition in query.conditions:
        sql_parts, values = _condition(condition)
        where.extend(sql_parts)
        params.extend(values)
    return where, params
