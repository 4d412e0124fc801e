"""A pydantic validation error in words: the one wording for every file preflight reads.

A rules file (TOML), a scenario (YAML), a recording (JSON) or a report may fail pydantic's
validation; each loader names its file and line, and takes from here what went wrong at which
key (`said`, `dotted`) and what was expected (`expected`), so that « a whole number » reads the
same whichever file held the wrong value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import ErrorDetails


def dotted(loc: Iterable[Any]) -> str:
    """The key at `loc`, as a file spells it: `order.confirmation_state.within`, `steps.2.url`."""
    return ".".join(str(part) for part in loc)


def said(error: ErrorDetails) -> str:
    """What is wrong, in pydantic's words without its « Value error, » (a validator's own
    message says what is wrong) nor the final full stop (a message continues after it)."""
    return str(error["msg"]).removeprefix("Value error, ").rstrip(".")


def expected(error: ErrorDetails, *, mapping: str, about: str) -> str:
    """What the key should have held. `mapping` is the file format's word for one (« a table »
    in TOML, « a mapping » in YAML); `about` says what the key takes, for a validator's own
    error and for any kind of error not named here."""
    kind = error["type"]
    bounds: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(bounds[k] for k in ("ge", "le", "gt", "lt") if k in bounds)
        words = {"ge": "at least", "le": "at most", "gt": "more than", "lt": "less than"}
        return f"{next(words[k] for k in words if k in bounds)} {bound:g}"
    return {
        "missing": "this key to be present",
        "extra_forbidden": "only known keys (check the spelling)",
        "literal_error": str(bounds.get("expected", "one of the allowed values")),
        "string_type": "text (quote it)",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "list_type": "a list",
        "dict_type": mapping,
        "model_type": mapping,
        "model_attributes_type": mapping,
        "string_too_short": "non-empty text",
        "too_short": "at least one value",
    }.get(kind, about)


def _as_strings(value: Any) -> Any:
    """A `vars` table's names and values as text: `PORT: 8000` is `"8000"`."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return value


# The `vars` field of a rules file and of a scenario: one reading of a table's values. Here,
# beside pydantic's other helpers, not in `variables` (which the pytest plugin imports at
# start-up, and which must not load pydantic).
Vars = Annotated[dict[str, str], BeforeValidator(_as_strings)]
