"""Scenarios back into YAML, the way a person would write them (recorder and import use it).

Hand-laid rather than `yaml.dump`: one step per line, bare words for `back`/`forward`/`reload`,
flow mappings for arguments, and comments where the importer or recorder has something to say.

What is written comes from outside (a recording, a page, a file name): a value must stay one
value and a comment one comment. A newline in either used to start a step of its own (issue 13),
so strings with control or line-break characters are written double-quoted (escaped) and
comments have those characters escaped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from preflight.atomic import replace_file
from preflight.errors import UsageError
from preflight.scenario._model import BARE_WORDS, Scenario, Step


def unsafe_character(text: str) -> str | None:
    """The first control or line-break character of `text` (YAML also breaks lines at U+0085,
    U+2028 and U+2029), tabs aside; None when there is none."""
    return _first_of(text, ("Cc", "Zl", "Zp"))


def _first_of(text: str, categories: tuple[str, ...]) -> str | None:
    for character in text:
        if character != "\t" and unicodedata.category(character) in categories:
            return character
    return None


class _OneLineDumper(yaml.SafeDumper):
    """Writes a string holding a control or line-break character double-quoted, where every
    one of them is an escape: never a scalar spread over lines."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if unsafe_character(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_OneLineDumper.add_representer(str, _represent_str)


def scalar(value: Any) -> str:
    """One YAML scalar or flow collection on one line."""
    text = yaml.dump(
        value,
        Dumper=_OneLineDumper,
        default_flow_style=True,
        allow_unicode=True,
        width=10**6,
        sort_keys=False,
    )
    return text.removesuffix("\n").removesuffix("\n...")


def comment(text: str) -> str:
    """`text` as the body of one comment line: control, line-break and invisible format
    characters (a right-to-left override…) escaped."""
    return "".join(ascii(c)[1:-1] if _first_of(c, ("Cc", "Cf", "Zl", "Zp")) else c for c in text)


def step_line(step: Step) -> str:
    arguments = step.arguments()
    if not arguments and step.action in BARE_WORDS and not step.name and not step.description:
        return step.action
    shorthand = step.shorthand
    if shorthand and set(arguments) == {shorthand}:
        value = scalar(arguments[shorthand])
    else:
        value = scalar(arguments) if arguments else "null"
    return f"{step.action}: {value}"


def dump(
    scenarios: Sequence[Scenario],
    *,
    header: Sequence[str] = (),
    step_comments: Mapping[tuple[int, int], Sequence[str]] | None = None,
    trailing_comments: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """YAML text for `scenarios` (one mapping, or a list when there are several).

    `step_comments[(i, j)]` are comment lines written before step j of scenario i;
    `trailing_comments[i]` after the last step of scenario i."""
    step_comments = step_comments or {}
    trailing_comments = trailing_comments or {}
    out = [f"# {comment(line)}" if line else "#" for line in header]
    many = len(scenarios) > 1
    for i, scenario in enumerate(scenarios):
        pad = "  " if many else ""
        lead = "- " if many else ""
        out.append(f"{lead}name: {scalar(scenario.name)}")
        if scenario.description:
            out.append(f"{pad}description: {scalar(scenario.description)}")
        if scenario.vars:
            out.append(f"{pad}vars: {scalar(dict(scenario.vars))}")
        out.append(f"{pad}steps:")
        for j, step in enumerate(scenario.steps):
            out.extend(f"{pad}  # {comment(line)}" for line in step_comments.get((i, j), ()))
            out.append(f"{pad}  - {step_line(step)}")
            for meta in ("name", "description"):
                value = getattr(step, meta)
                if value:
                    out.append(f"{pad}    {meta}: {scalar(value)}")
        out.extend(f"{pad}  # {comment(line)}" for line in trailing_comments.get(i, ()))
        out.append(f"{pad}expect:")
        out.append(f"{pad}  verdict: {scenario.expect.verdict}")
        if scenario.expect.violations is not None:
            out.append(f"{pad}  violations: {scalar(list(scenario.expect.violations))}")
        if scenario.expect.warnings is not None:
            out.append(f"{pad}  warnings: {scalar(list(scenario.expect.warnings))}")
        if scenario.expect.completed is not None:
            out.append(f"{pad}  completed: {'true' if scenario.expect.completed else 'false'}")
    return "\n".join(out) + "\n"


def write_scenario_file(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (a temporary file renamed over it: a reader, a
    crash or Ctrl+C never sees half a file; a symbolic link at `path` is replaced, not
    followed), owner-only: a recording holds what was typed in the shop's fields, a customer's
    name and address too. One `UsageError` on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"-o {path}: cannot be written ({error.strerror})") from None
