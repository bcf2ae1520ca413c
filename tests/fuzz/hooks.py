"""Schemathesis hooks of the fuzz run (loaded by the schemathesis process through
schemathesis.toml): what the OpenAPI document says in words but cannot say as a schema.

- GET /projects takes each parameter under one name only: `page` or `_page`, not both
  (a 400 "given more than once"). Parameters cannot exclude each other in OpenAPI, so
  cases that combine two aliases are dropped.
- Paging parameters that exclude each other (`_per_page` with `limit`/`_limit`/`_start`/
  `_end`; a slice with a page; `_end` with `_limit`), a slice over 1000 items, and more
  `_order` directions than `_sort` keys are 400s the document states in words only:
  such cases are dropped too.
- If-Match names a revision no schema can tie to the stored project's: a schema-valid
  one is a 412 nearly always, and the stateful phase's chains (create, fill, render) would
  stop there. Positive cases send `If-Match: *` instead (any existing project); negative
  cases keep what was generated.
- A generation step whose precondition fails (no script before the audio, a prompt
  with nothing to draw...) answers
  400 to a body the schema allows. schemathesis.toml lets those steps' positive cases
  answer 400; the check below keeps that 400 to the precondition codes alone.
"""

import json

import schemathesis

from edge.listing import ALIASES

PRECONDITION_CODES = {
    "SCRIPT_REQUIRED",
    "IMAGES_REQUIRED",
    "AUDIO_REQUIRED",
    "CAPTIONS_REQUIRED",  # subtitles asked of a project whose audio gave no captions
    # A script or a prompt, given or stored, with no letter or digit: a rule that JSON
    # Schema's (ECMA) patterns cannot state for every script of the world.
    "NOTHING_TO_SPEAK",
    "NOTHING_TO_DRAW",
    "INPUT_URL_REFUSED",  # render inputs at URLs the video service would not fetch
}
PRECONDITION_OPERATIONS = {"generateAudio", "generateImages", "generateImage", "generateVideo"}


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _paging_agrees(query: dict) -> bool:
    """The paging parameters go together (see the module's docstring)."""
    given = set(query)
    slicing = bool(given & {"_start", "_end"})
    if "_per_page" in given and given & {"limit", "_limit", "_start", "_end"}:
        return False
    if slicing and (given & {"page", "_page"} or ("_end" in given and given & {"limit", "_limit"})):
        return False
    if "_end" in given and _number(query["_end"]) - _number(query.get("_start", 0)) > 1000:
        return False
    keys = str(query.get("_sort", query.get("sort", "created_at"))).count(",") + 1
    order = query.get("_order", query.get("order"))
    return order is None or str(order).count(",") + 1 <= keys


def _one_name_each(case) -> bool:
    """The case names each list parameter once at most, whatever the alias, and its
    paging parameters agree."""
    query = case.query or {}
    if case.operation.path != "/projects":
        return True
    once = all(sum(name in query for name in names) <= 1 for names in ALIASES.values())
    return once and _paging_agrees(query)


@schemathesis.hook
def filter_case(context, case) -> bool:
    """The coverage, fuzzing and stateful phases' cases."""
    return _one_name_each(case)


@schemathesis.hook
def before_add_examples(context, examples) -> None:
    """The examples phase's cases, which filter hooks do not see."""
    examples[:] = [case for case in examples if _one_name_each(case)]


@schemathesis.check
def precondition_400s_only(ctx, response, case) -> bool | None:
    """A schema-valid request to a step may be refused for a precondition, nothing else."""
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id not in PRECONDITION_OPERATIONS or response.status_code != 400:
        return None
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    code = json.loads(response.content).get("code")
    if code not in PRECONDITION_CODES:
        raise AssertionError(f"a valid request refused with {code}, not a precondition")
    return None


@schemathesis.hook
def before_call(context, case, **kwargs) -> None:
    """Positive cases' If-Match becomes `*`, so that chains of calls go on (see above)."""
    headers = case.headers or {}
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if positive and "If-Match" in headers:
        headers["If-Match"] = "*"
