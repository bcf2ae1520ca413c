"""Schemathesis hooks of the fuzz run (loaded by the schemathesis process through
schemathesis.toml): what the OpenAPI document says in words but cannot say as a schema.

- GET /projects takes each parameter under one name only: `page` or `_page`, not both
  (a 400 "given more than once"). Parameters cannot exclude each other in OpenAPI, so
  cases that combine two aliases are dropped.
- If-Match names a revision no schema can tie to the stored project's: a schema-valid
  one is a 412 nearly always, and the stateful phase's chains (create, fill, render) would
  stop there. Positive cases send `If-Match: *` instead (any existing project); negative
  cases keep what was generated.
- A generation step whose precondition fails (no script before the audio...) answers
  400 to a body the schema allows. schemathesis.toml lets those steps' positive cases
  answer 400; the check below keeps that 400 to the precondition codes alone.
"""

import json

import schemathesis

from edge.listing import ALIASES

PRECONDITION_CODES = {"SCRIPT_REQUIRED", "IMAGES_REQUIRED", "AUDIO_REQUIRED"}
PRECONDITION_OPERATIONS = {"generateAudio", "generateImages", "generateVideo"}


def _one_name_each(case) -> bool:
    """The case names each list parameter once at most, whatever the alias."""
    query = case.query or {}
    if case.operation.path != "/projects":
        return True
    return all(sum(name in query for name in names) <= 1 for names in ALIASES.values())


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
