"""Scenario files (YAML) into models, with the line of everything, and `${NAME}` filling.

PyYAML's composer gives nodes with their marks; we turn nodes into plain values ourselves and
keep a map from each value's path to its line, so that any error — YAML syntax, an unknown
step, a pydantic validation error deep inside a step — names the file, the line and the step.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from preflight._validation import dotted, said
from preflight._validation import expected as validation_expected
from preflight.errors import ScenarioError
from preflight.scenario._model import (
    BARE_WORDS,
    STEP_TYPES,
    Expect,
    Scenario,
    Step,
)
from preflight.variables import PLACEHOLDER, placeholder_expected

Path_ = tuple[str | int, ...]
SCENARIO_SUFFIXES = (".yaml", ".yml")
_META_KEYS = ("name", "description")
_SCENARIO_KEYS = ("name", "description", "vars", "steps", "expect")
_ACTIONS = ", ".join(STEP_TYPES)


# A scenario file is a few kilobytes; 60 MB took 32 s and 300 MB to refuse (issue #25).
MAX_FILE_BYTES = 1_000_000


def read_capped(path: Path) -> bytes:
    """The bytes of a scenario or recording file, refused past `MAX_FILE_BYTES` without
    reading the rest (`OSError` as `read_bytes` raises it)."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _too_long("bytes", path, "a scenario file of at most 1 MB")
    return raw


def _too_long(unit: str, file: str | Path, expected: str) -> ScenarioError:
    """A file or text past `MAX_FILE_BYTES`, in one wording whichever was measured."""
    return ScenarioError(
        f"more than {MAX_FILE_BYTES:,} {unit}".replace(",", " "),
        file=file,
        where="the whole file",
        expected=expected,
    )


def load_file(path: str | Path) -> list[Scenario]:
    """Every scenario in one YAML file (a file holds one scenario or a list of them)."""
    path = Path(path)
    try:
        raw = read_capped(path)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=path, expected="a scenario file (YAML)") from None
    except IsADirectoryError:
        raise ScenarioError("is a folder", file=path, expected="a scenario file (YAML)") from None
    except OSError as error:
        raise ScenarioError(f"cannot be read ({error.strerror})", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text", file=path, line=line, expected="UTF-8") from None
    return loads(text, file=str(path))


def loads(text: str, *, file: str = "<string>") -> list[Scenario]:
    """Every scenario in a YAML text; `file` names it in error messages."""
    if len(text) > MAX_FILE_BYTES:
        raise _too_long("characters", file, "a scenario of at most 1 MB")
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except RecursionError:
        # PyYAML's composer recurses once per level of nesting.
        raise ScenarioError(
            "nested too deep", file=file, line=1, expected=f"at most {_MAX_DEPTH} levels"
        ) from None
    except yaml.reader.ReaderError as error:
        # A character YAML refuses (a control character, a NUL): its own message spans lines.
        line = text[: error.position].count("\n") + 1
        raise ScenarioError(
            f"character {error.character!r} is not allowed in YAML",
            file=file,
            line=line,
            expected="printable text (remove control characters)",
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not valid YAML"
        raise ScenarioError(
            f"not valid YAML: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            expected="a YAML scenario (check indentation and quotes)",
        ) from None
    except yaml.YAMLError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "not valid YAML"
        raise ScenarioError(
            f"not valid YAML: {first}", file=file, line=1, expected="a YAML scenario"
        ) from None
    scenarios: list[Scenario] = []
    for document in documents:
        if document is None:
            continue
        items = document.value if isinstance(document, yaml.SequenceNode) else [document]
        for item in items:
            scenarios.append(_scenario(item, file))
    if not scenarios:
        raise ScenarioError(
            "holds no scenario", file=file, line=1, expected="a scenario mapping or a list of them"
        )
    names: dict[str, int] = {}
    for scenario in scenarios:
        if scenario.name in names:
            raise ScenarioError(
                f"a second scenario named {scenario.name!r} (the first is at line "
                f"{names[scenario.name]})",
                file=file,
                line=scenario.line,
                expected="unique names in a file",
            )
        names[scenario.name] = scenario.line
    return scenarios


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files: the files given, and every *.yaml/*.yml under the folders given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file())
            )
        elif path.exists():
            found.append(path)
        else:
            raise ScenarioError("no such file or folder", file=path, expected="scenario files")
    return found


def load_paths(paths: Iterable[str | Path]) -> list[Scenario]:
    """Every scenario in the files and folders given, in file order."""
    scenarios: list[Scenario] = []
    for path in discover(paths):
        scenarios.extend(load_file(path))
    return scenarios


# --- nodes into values, with lines -------------------------------------------------------------


class _Scalars(yaml.SafeLoader):
    """Only its constructors are used: YAML 1.1 scalars as PyYAML reads them."""

    def __init__(self) -> None:
        super().__init__(stream="")


# Bounds on what a scenario may expand to: aliases (`*name`) repeat a node wherever they stand,
# so ten lines can stand for a billion values ("billion laughs"), or for themselves forever.
_MAX_DEPTH = 50
_MAX_VALUES = 100_000


_PLAIN_VALUES = "plain text, numbers, true/false, lists and mappings (no YAML tags)"


def _construct(node: yaml.Node, file: str) -> Any:
    try:
        value = _Scalars().construct_object(node, deep=True)
    # A tag SafeLoader does not know, a bad !!binary… and PyYAML's timestamp constructor raises
    # AttributeError on an explicit `!!timestamp` that is not one (PyYAML 6.0.2).
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as error:
        problem = getattr(error, "problem", None) or "a value that cannot be read"
        raise ScenarioError(
            f"{problem.split(chr(10))[0]}",
            file=file,
            line=node.start_mark.line + 1,
            expected=_PLAIN_VALUES,
        ) from None
    # `!!binary` is the one tag SafeLoader reads into something no scenario key can hold.
    if isinstance(value, bytes):
        raise ScenarioError(
            "binary data (!!binary)",
            file=file,
            line=node.start_mark.line + 1,
            expected=_PLAIN_VALUES,
        )
    return value


def _plain(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: str) -> Any:
    if len(path) > _MAX_DEPTH or len(lines) >= _MAX_VALUES:
        deep = len(path) > _MAX_DEPTH
        raise ScenarioError(
            "nested too deep" if deep else f"more than {_MAX_VALUES} values (aliases expanded)",
            file=file,
            line=node.start_mark.line + 1,
            expected=f"at most {_MAX_DEPTH} levels" if deep else "a scenario of a sane size",
        )
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _construct(node, file)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines, file) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, file)
            if not isinstance(key, str):
                raise ScenarioError(
                    f"key {key!r} is not a word",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    expected="text keys",
                )
            if key in result:
                raise ScenarioError(
                    f"key {key!r} appears twice in the same mapping",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    expected="each key once (one action per step: make a new `- ` item)",
                )
            result[key] = _plain(value_node, (*path, key), lines, file)
        return result
    raise ScenarioError("unsupported YAML node", file=file, line=node.start_mark.line + 1)


def _scenario(node: yaml.Node, file: str) -> Scenario:
    lines: dict[Path_, int] = {}
    data = _plain(node, (), lines, file)
    line = lines[()]
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a scenario is a mapping, not {_kind(data)}",
            file=file,
            line=line,
            expected="keys name, description, steps, expect",
        )
    for key in data:
        if key not in _SCENARIO_KEYS:
            raise ScenarioError(
                f"unknown key {key!r}{_did_you_mean(key, _SCENARIO_KEYS)}",
                file=file,
                line=lines[(key,)],
                where=_scenario_where(data),
                expected=f"only {', '.join(_SCENARIO_KEYS)}",
            )
    for key in ("name", "steps", "expect"):
        if key not in data:
            raise ScenarioError(
                f"no {key!r}",
                file=file,
                line=line,
                where=_scenario_where(data),
                expected={
                    "name": "a name: a word like refresh-during-eligibility",
                    "steps": "steps: a list of actions",
                    "expect": "expect: {verdict: attributed | at_risk | lost}",
                }[key],
            )
    raw_steps = data["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(
            "steps is not a list of actions" if raw_steps else "steps is empty",
            file=file,
            line=lines[("steps",)],
            where=_scenario_where(data),
            expected="a list of steps, each `- goto: URL`, `- click: SELECTOR`, `- back`…",
        )
    steps = [_step(raw, index, lines, file, data) for index, raw in enumerate(raw_steps)]
    # The `expect:` key's own line: in block style its value starts on the next one.
    expect_line = next(
        (k.start_mark.line + 1 for k, _ in node.value if k.value == "expect"),
        lines[("expect",)],
    )
    try:
        expect = Expect.model_validate(data["expect"])
        return Scenario.model_validate(
            {
                **data,
                "steps": steps,
                "expect": expect,
                "file": file,
                "line": line,
                "expect_line": expect_line,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        if first["loc"] and first["loc"][0] not in _SCENARIO_KEYS:
            loc = ("expect", *loc)  # Expect's own errors are relative to `expect`
        raise ScenarioError(
            _message(first, loc),
            file=file,
            line=_line_of(lines, loc) or line,
            where=_scenario_where(data) + (f", key {dotted(loc)}" if loc else ""),
            expected=_expected(first),
        ) from None


def _step(raw: Any, index: int, lines: dict[Path_, int], file: str, data: dict[str, Any]) -> Step:
    path: Path_ = ("steps", index)
    line = lines.get(path)
    where = f"{_scenario_where(data)}, step {index + 1}"
    if isinstance(raw, str):
        if raw in BARE_WORDS:
            return STEP_TYPES[raw](line=line or 0)
        raise ScenarioError(
            f"unknown step {raw!r}{_did_you_mean(raw, BARE_WORDS)}",
            file=file,
            line=line,
            where=where,
            expected=f"a bare {', '.join(BARE_WORDS)}, or a mapping with one action ({_ACTIONS})",
        )
    if not isinstance(raw, dict):
        raise ScenarioError(
            f"a step is a mapping, not {_kind(raw)}",
            file=file,
            line=line,
            where=where,
            expected=f"one action ({_ACTIONS})",
        )
    actions = [key for key in raw if key in STEP_TYPES]
    unknown = [key for key in raw if key not in STEP_TYPES and key not in _META_KEYS]
    if unknown:
        raise ScenarioError(
            f"unknown action {unknown[0]!r}{_did_you_mean(unknown[0], [*STEP_TYPES, *_META_KEYS])}",
            file=file,
            line=lines.get((*path, unknown[0]), line),
            where=where,
            expected=f"one of {_ACTIONS} (plus optional name, description)",
        )
    if len(actions) != 1:
        raise ScenarioError(
            "no action" if not actions else f"{len(actions)} actions ({', '.join(actions)})",
            file=file,
            line=line,
            where=where,
            expected=f"exactly one action per step ({_ACTIONS})",
        )
    action = actions[0]
    where = f"{where} ({action})"
    step_type = STEP_TYPES[action]
    argument = raw[action]
    if argument is None:
        arguments: dict[str, Any] = {}
    elif isinstance(argument, dict):
        arguments = dict(argument)
    elif step_type.shorthand and isinstance(argument, str | int | float) and argument is not True:
        arguments = {step_type.shorthand: argument}
    else:
        shape = f"a {step_type.shorthand} or a mapping" if step_type.shorthand else "nothing"
        raise ScenarioError(
            f"{action} takes {shape}, not {_kind(argument)}",
            file=file,
            line=lines.get((*path, action), line),
            where=where,
            expected=_STEP_HELP.get(action, shape),
        )
    meta = {key: raw[key] for key in _META_KEYS if key in raw}
    for key, value in meta.items():
        if not isinstance(value, str):
            raise ScenarioError(
                f"step {key} is {_kind(value)}",
                file=file,
                line=lines.get((*path, key), line),
                where=where,
                expected="text",
            )
    try:
        return step_type.model_validate({**arguments, **meta, "line": line or 0})
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        in_file = (*path, action, *loc) if loc and isinstance(raw[action], dict) else (*path,)
        raise ScenarioError(
            _message(first, loc),
            file=file,
            line=_line_of(lines, in_file) or line,
            where=where,
            expected=_STEP_HELP.get(action) if not loc else _expected(first),
        ) from None


_STEP_HELP = {
    "goto": "goto: /path or an absolute URL",
    "click": "click: SELECTOR, or {selector: SELECTOR, button: left|right|middle}",
    "fill": "fill: {selector: SELECTOR, value: TEXT}",
    "select": "select: {selector: SELECTOR, value: VALUE} (or label: TEXT)",
    "check": "check: SELECTOR, or {selector: SELECTOR, checked: true|false}",
    "press": "press: KEY, or {selector: SELECTOR, key: KEY}",
    "wait_for": "wait_for: SELECTOR, or {url: GLOB}",
    "back": "a bare `back`",
    "forward": "a bare `forward`",
    "reload": "a bare `reload`",
    "expect_url": "expect_url: GLOB",
    "expect_text": "expect_text: TEXT, or {text: TEXT, selector: SELECTOR}",
    "screenshot": "screenshot: FILE NAME, or nothing",
}


# --- placeholders ------------------------------------------------------------------------------


def fill_placeholders(scenario: Scenario, variables: Mapping[str, str]) -> Scenario:
    """The scenario with every `${NAME}` in its steps replaced; the scenario's own `vars` are
    defaults that `variables` override. An unknown name is an error at the step that uses it."""
    values = {**scenario.vars, **variables}
    steps: list[Step] = []
    for index, step in enumerate(scenario.steps):
        changes: dict[str, Any] = {}
        for key, value in step.arguments().items():
            if not isinstance(value, str) or "${" not in value:
                continue

            def fill(match: re.Match[str], index: int = index, step: Step = step) -> str:
                name = match.group(1)
                if name not in values:
                    raise ScenarioError(
                        f"unknown placeholder ${{{name}}}",
                        file=scenario.file or None,
                        line=step.line or None,
                        where=f"scenario {scenario.name!r}, step {index + 1} ({step.action})",
                        expected=placeholder_expected(name, values),
                    )
                return values[name]

            changes[key] = PLACEHOLDER.sub(fill, value)
        steps.append(step.model_copy(update=changes) if changes else step)
    return scenario.model_copy(update={"steps": steps})


# --- messages ----------------------------------------------------------------------------------


def _scenario_where(data: Mapping[str, Any]) -> str:
    name = data.get("name")
    return f"scenario {name!r}" if isinstance(name, str) else "scenario"


def _line_of(lines: Mapping[Path_, int], path: Path_) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _message(error: ErrorDetails, loc: tuple[Any, ...]) -> str:
    if error["type"] == "missing":
        return f"{dotted(loc)!r} is missing"
    if error["type"] == "extra_forbidden":
        return f"unknown key {dotted(loc)!r}"
    return f"{dotted(loc)}: {said(error)}" if loc else said(error)


# What a key of a scenario takes, for an error pydantic's kinds do not say.
_ABOUT = "a value of the kind this key takes (see the scenario format in docs/qa.md)"


def _expected(error: ErrorDetails) -> str:
    if error["type"] == "string_pattern_mismatch":  # a scenario's name
        return "letters, digits, - _ . only"
    return validation_expected(error, mapping="a mapping", about=_ABOUT)
