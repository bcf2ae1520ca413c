"""The WHERE clause of a list query on the embedded store: statuses, search and the
conditions, as SQL with bound parameters (no user text is ever spliced into the SQL).

Substring matches on the title and the description go through a text index: the trigram
index (projects_text) for texts of 3 characters or more, the index of short texts
(projects_grams, short_texts.py) for 1 or 2; only a text of 3 or more holding a NUL,
which ends an FTS5 query, scans the folded columns. startsWith, endsWith and like's
anchors are tested on the column after the index narrowed the rows.
"""

from dataclasses import dataclass, field
from typing import Any

from common import fields
from common.labels import STATUS
from orchestrator.store.base import SCALAR_KINDS, Condition, ProjectQuery, fold
from orchestrator.store.sqlite import short_texts

STATUS_LABELS = STATUS.label

# The long texts are kept beside the document, out of the rows a list query scans.
LONG_TEXTS = ("description", "script_text")
# A column per other scalar field the list queries filter and sort on, beside the older
# ones (status, title, the folded texts, the times in milliseconds); named as the field.
FIELD_COLUMNS = tuple(
    f.name
    for f in fields.PROJECT_FIELDS
    if f.kind in SCALAR_KINDS and f.name not in ("title", "status", *LONG_TEXTS)
)
# The column each scalar field is kept in (see projects.py); the times in milliseconds.
COLUMN = {
    "create_time": "p.create_ms",
    "update_time": "p.update_ms",
    **{name: f"(SELECT d.{name} FROM project_docs d WHERE d.seq = p.seq)" for name in LONG_TEXTS},
}
# The folded texts kept as columns, indexed by trigram under the same names.
FOLDED = {"title": "title_fold", "description": "description_fold"}
COMPARISONS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def column(field: str) -> str:
    return COLUMN.get(field, f"p.{field}")


def phrase(text: str, columns: tuple[str, ...]) -> str:
    """An FTS5 query finding `text` literally in those columns: one quoted phrase, its
    quotes doubled, so that no FTS5 syntax in it is read as such."""
    quoted = text.replace('"', '""')
    return f'{{{" ".join(columns)}}} : "{quoted}"'


TRIGRAMS = "projects_text"
SHORT_TEXTS = "projects_grams"


@dataclass
class Where:
    """A list query's conditions, all of which must hold: tests of the narrow rows (SQL
    with its parameters, in order) and, for each text index, what it must match."""

    tests: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    matches: dict[str, list[str]] = field(default_factory=dict)  # index -> FTS5 queries
    # False: every text is tested on the folded columns, the route of a text no index
    # finds; what the index finds is the same (kept.py tests one row so, ~5 µs, where one
    # lookup in a text index costs 0.1-0.9 ms).
    indexed: bool = True

    def test(self, sql: str, *params: Any) -> None:
        self.tests.append(sql)
        self.params.extend(params)

    def holds(self, needle: str, columns: tuple[str, ...]) -> bool:
        """Add "one of these folded columns holds `needle`" as a text index match; False
        when no index can find it (3 characters or more with a NUL, which ends an FTS5
        query string), or when the texts are tested on the columns."""
        if not self.indexed:
            return False
        if len(needle) <= short_texts.SHORT:
            self.matches.setdefault(SHORT_TEXTS, []).append(short_texts.match(needle, columns))
        elif "\x00" not in needle:
            self.matches.setdefault(TRIGRAMS, []).append(phrase(needle, columns))
        else:
            return False
        return True

    def query(self, index: str) -> str:
        """The one FTS5 query of an index: each of its matches must hold."""
        return " AND ".join(f"({q})" for q in self.matches[index])


def _text(condition: Condition, where: Where) -> None:
    (needle,) = condition.values
    if not needle:
        return  # the empty text is in every text
    kept = FOLDED.get(condition.field)
    folded = f"p.{kept}" if kept else f"fold({column(condition.field)})"
    tests = {
        "contains": (f"instr({folded}, ?) > 0", [needle]),
        "starts_with": (f"substr({folded}, 1, ?) = ?", [len(needle), needle]),
        "ends_with": (f"substr({folded}, -?) = ?", [len(needle), needle]),
        "folded_eq": (f"{folded} = ?", [needle]),
    }
    sql, params = tests[condition.operator]
    # The index narrows; the column decides, but for contains, which the index answers.
    if not (kept and where.holds(needle, (kept,)) and condition.operator == "contains"):
        where.test(sql, *params)


def _condition(condition: Condition, where: Where) -> None:
    if condition.operator in ("contains", "starts_with", "ends_with", "folded_eq"):
        _text(condition, where)
        return
    col = column(condition.field)
    values = [int(v) if isinstance(v, bool) else v for v in condition.values]
    marks = ", ".join("?" * len(values))
    if condition.operator == "eq":
        where.test(f"{col} IN ({marks})", *values)
    elif condition.operator == "ne":
        # A null field is unequal to every value, as MongoDB's $nin has it.
        where.test(f"({col} IS NULL OR {col} NOT IN ({marks}))", *values)
    else:
        where.test(f"{col} {COMPARISONS[condition.operator]} ?", values[0])


def where_clause(query: ProjectQuery, indexed: bool = True) -> Where:
    """The conditions of the query; `indexed`: texts found through the text indexes."""
    where = Where(indexed=indexed)
    if query.statuses:
        statuses = [STATUS_LABELS[s] for s in query.statuses]
        where.test(f"p.status IN ({', '.join('?' * len(statuses))})", *statuses)
    if query.search:
        needle = fold(query.search)
        if not where.holds(needle, tuple(FOLDED.values())):
            sql = "(instr(p.title_fold, ?) > 0 OR instr(p.description_fold, ?) > 0)"
            where.test(sql, needle, needle)
    for condition in query.conditions:
        _condition(condition, where)
    return where
