"""`-k EXPR`: choose scenarios by name with pytest's own expression language.

The expression is pytest's (`and`, `or`, `not`, parentheses; each word a case-insensitive
substring), compiled by pytest's `Expression` (`_pytest.mark.expression`, in pytest since 6.0):
the language QA already types after `pytest -k` is the same here, to the letter. It is a
private module, so only `Expression.compile` and `evaluate` are relied on, and any error it
raises (pytest 8's `ParseError`, pytest 9's `SyntaxError`) becomes one usage message.

A word matches a scenario when it is a substring of the scenario's `name:` or of its file's
name (`direct-entry.yaml`), as pytest matches a test's name and its module's file name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from _pytest.mark import expression as _expression
from _pytest.mark.expression import Expression

from preflight.errors import UsageError
from preflight.scenario._model import Scenario

# What a malformed expression raises: a SyntaxError (pytest 9), its own ParseError (pytest 8).
_MALFORMED = (SyntaxError, getattr(_expression, "ParseError", SyntaxError))


def compile_expression(expression: str) -> Expression:
    """The compiled `-k` expression; a malformed one is a `UsageError` saying where."""
    try:
        return Expression.compile(expression)
    except _MALFORMED as error:
        what = getattr(error, "msg", None) or getattr(error, "message", None) or str(error)
        column = getattr(error, "offset", None) or getattr(error, "column", None)
        at = f" at column {column}" if column else ""
        raise UsageError(
            f"-k {expression!r}: {what}{at} — expected words joined by and, or, not and "
            "parentheses, as in pytest -k"
        ) from None


def names_of(scenario: Scenario) -> tuple[str, ...]:
    """What a `-k` word is matched against: the scenario's name and its file's name."""
    return (scenario.name, Path(scenario.file).name) if scenario.file else (scenario.name,)


def _matcher(scenario: Scenario, expression: str) -> Callable[..., bool]:
    names = [name.lower() for name in names_of(scenario)]

    def matches(word: str, /, **kwargs: object) -> bool:
        if kwargs:
            raise UsageError(
                f"-k {expression!r}: {word}(…) takes no arguments here — expected names"
            )
        return any(word.lower() in name for name in names)

    return matches


def select(scenarios: Sequence[Scenario], expression: str) -> list[Scenario]:
    """The scenarios `expression` selects, in their order. Selecting none is a `UsageError`:
    a mistyped name must not make a run that replays nothing and passes."""
    compiled = compile_expression(expression)
    chosen = [s for s in scenarios if compiled.evaluate(_matcher(s, expression))]
    if not chosen:
        raise UsageError(
            f"-k {expression!r} selects none of the {len(scenarios)} scenarios — expected a "
            "word found in a scenario's name or its file's name"
        )
    return chosen
