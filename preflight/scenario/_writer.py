"""Scenarios back into YAML, the way a person would write them (recorder and import use it).

Hand-laid rather than `yaml.dump`: one step per line, bare words for `back`/`forward`/`reload`,
flow mappings for arguments, and comments where the importer or recorder has something to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from preflight.scenario._model import BARE_WORDS, Scenario, Step


def scalar(value: Any) -> str:
    """One YAML scalar or flow collection on one line."""
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...")


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
    out = [f"# {line}" if line else "#" for line in header]
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
            out.extend(f"{pad}  # {line}" for line in step_comments.get((i, j), ()))
            out.append(f"{pad}  - {step_line(step)}")
            for meta in ("name", "description"):
                value = getattr(step, meta)
                if value:
                    out.append(f"{pad}    {meta}: {scalar(value)}")
        out.extend(f"{pad}  # {line}" for line in trailing_comments.get(i, ()))
        out.append(f"{pad}expect:")
        out.append(f"{pad}  verdict: {scenario.expect.verdict}")
        if scenario.expect.violations is not None:
            out.append(f"{pad}  violations: {scalar(list(scenario.expect.violations))}")
        if scenario.expect.warnings is not None:
            out.append(f"{pad}  warnings: {scalar(list(scenario.expect.warnings))}")
    return "\n".join(out) + "\n"
