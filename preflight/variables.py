"""`${NAME}` placeholders and the `NAME=VALUE` values that fill them, for rules and scenarios.

A rules file and a scenario may hold `${NAME}`; the command line (`--var NAME=VALUE`), the
pytest plugin (`--preflight-var NAME=VALUE`), a file's own `vars` and `PREFLIGHT_NAME`
environment variables give the values. One spelling of a name, one parser of `NAME=VALUE`,
one message for a name nobody defined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from preflight.errors import UsageError

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
PLACEHOLDER = re.compile(rf"\$\{{({NAME})\}}")


def parse_assignments(items: Iterable[str], option: str) -> dict[str, str]:
    """The `NAME=VALUE` values given to `option` (`--var`), the last one of a name winning;
    a `UsageError` naming the option and the item for one that is not `NAME=VALUE`."""
    variables: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(NAME, name):
            raise UsageError(f"{option} {item!r}: expected NAME=VALUE")
        variables[name] = value
    return variables


def placeholder_expected(name: str, defined: Iterable[str]) -> str:
    """What an unknown `${name}` should have been: the names defined, or how to define one."""
    names = sorted(defined)
    known = f"one of {', '.join(names)}" if names else "a defined name, but none are defined"
    return f"{known} (give it with --var {name}=VALUE, or in a vars table)"
