"""`preflight replay --check`: every scenario file read and checked as a replay would, and no
browser started.

What is checked: the YAML and the format (the loader's own errors, with file and line), every
`${NAME}` (the run's values, the rules' `[vars]`, `--var`), every `goto` (web pages only unless
allowed), and every `selector:`/`frame:` as far as Python can read Playwright's selector syntax:
the `>>` chain is split as Playwright's own `parseSelectorString` splits it (quotes and
escapes respected), each part's engine must be one Playwright knows, no part may be empty, and
a CSS part must close its brackets, parentheses and quotes. Whether a selector finds anything
is for the replay to say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import ScenarioError
from preflight.scenario._gotos import check_gotos
from preflight.scenario._loader import SCENARIO_SUFFIXES, fill_placeholders, load_file
from preflight.scenario._model import Scenario

# Playwright 1.64's selector engines (injected script's `_engines`); `internal:*` too.
_ENGINES = frozenset(
    (
        *("css", "css:light", "xpath", "xpath:light", "text", "text:light", "id", "id:light"),
        *("data-testid", "data-testid:light", "data-test-id", "data-test-id:light"),
        *("data-test", "data-test:light", "role", "nth", "visible", "aria-ref"),
        *("left-of", "right-of", "above", "below", "near", "_react", "_vue"),
    )
)
_ENGINE_NAME = re.compile(r"^[a-zA-Z_0-9+:*-]+$")
_SELECTOR_EXPECTED = (
    "a Playwright selector: CSS, text=…, role=…, xpath=…, id=…, data-testid=…, chained with >>"
)


@dataclass(frozen=True)
class FileCheck:
    """One file's verdict: how many scenarios it holds, or the first error in it."""

    file: str
    scenarios: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _parts(selector: str) -> list[str]:
    """The `>>` parts of a selector, split as Playwright's parseSelectorString splits them."""
    if ">>" not in selector:
        return [selector.strip()]
    parts: list[str] = []
    index = start = 0
    quote: str | None = None
    while index < len(selector):
        c = selector[index]
        if c == "\\" and index + 1 < len(selector):
            index += 2
        elif c == quote:
            quote = None
            index += 1
        elif (
            quote is None
            and c in "\"'`"
            and not re.match(r"^\s*text\s*=.+$", selector[start:index])
        ):
            quote = c
            index += 1
        elif quote is None and selector.startswith(">>", index):
            parts.append(selector[start:index].strip())
            index += 2
            start = index
        else:
            index += 1
    parts.append(selector[start:index].strip())
    return parts


def _css_problem(css: str) -> str | None:
    closing = {"[": "]", "(": ")"}
    stack: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(css):
        c = css[index]
        if c == "\\":
            index += 2
            continue
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in closing:
            stack.append(closing[c])
        elif c in "])" and (not stack or stack.pop() != c):
            return f"a {c!r} that closes nothing"
        index += 1
    if quote:
        return f"a {quote} quote that is never closed"
    if stack:
        return f"a {stack[-1]!r} is missing"
    return None


def _quoted_problem(text: str) -> str | None:
    """A text that opens a quote must close it: Playwright 1.64 reads `text="Add to basket` as
    the text with its quote, which finds nothing, and a bare `"Add to basket` as broken CSS."""
    text = text.strip()
    if not text or text[0] not in "\"'":
        return None
    index = 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == text[0]:
            return None
        index += 1
    return f"a {text[0]} quote that is never closed"


def selector_problem(selector: str) -> str | None:
    """What is wrong with `selector` as Playwright would parse it, or None."""
    for part in _parts(selector):
        if not part:
            return "an empty part in a >> chain"
        name, equals, body = part.partition("=")
        if equals and _ENGINE_NAME.match(name.strip()):
            engine = name.strip().removeprefix("*")
            if engine not in _ENGINES and not engine.startswith("internal:"):
                return f"unknown selector engine {engine!r}"
            if not body.strip():
                return f"nothing after {engine}="
            if engine in ("css", "css:light", "role"):
                # `role=button[name="x"` is refused by Playwright's role parser: « Unexpected
                # end of selector » (InvalidSelectorError), as an unclosed CSS bracket is.
                problem = _css_problem(body)
                if problem:
                    return problem
            if engine.startswith(("text", "internal:text", "internal:has-text")):
                problem = _quoted_problem(body)
                if problem:
                    return problem
            continue
        if part[0] in "\"'":
            problem = _quoted_problem(part)
            if problem:
                return problem
            continue
        if part.startswith(("//", "..", "(")):
            continue  # a quoted text or an XPath: Playwright reads them as such
        problem = _css_problem(part)
        if problem:
            return problem
    return None


def check_scenario(
    scenario: Scenario,
    *,
    base_url: str,
    variables: Mapping[str, str] | None,
    allow_local_files: bool = False,
) -> None:
    """Raise the first `ScenarioError` the replay would meet before its browser did anything.
    `variables` None: the rules could not be read, so placeholders are not checked."""
    if variables is not None:
        scenario = fill_placeholders(scenario, {"BASE_URL": base_url, **variables})
        check_gotos(scenario, base_url, allow_local_files=allow_local_files)
    for index, step in enumerate(scenario.steps, start=1):
        for key in ("frame", "selector"):
            value = getattr(step, key, None)
            if not isinstance(value, str):
                continue
            problem = selector_problem(value)
            if problem:
                shown = value if len(value) <= 120 else value[:120] + "…"
                raise ScenarioError(
                    f"{key} {shown!r}: {problem}",
                    file=scenario.file or None,
                    line=step.line or None,
                    where=f"scenario {scenario.name!r}, step {index} ({step.action})",
                    expected=_SELECTOR_EXPECTED,
                )


def check_paths(
    paths: Iterable[str | Path],
    *,
    base_url: str,
    variables: Mapping[str, str] | None,
    allow_local_files: bool = False,
) -> list[FileCheck]:
    """One `FileCheck` per scenario file under `paths` (and one per path that has none)."""
    checks: list[FileCheck] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file()
            )
            if not files:
                message = ScenarioError(
                    "no scenario file in this folder", file=path, expected="*.yaml or *.yml files"
                )
                checks.append(FileCheck(str(path), error=str(message)))
        elif path.exists():
            files = [path]
        else:
            message = ScenarioError("no such file or folder", file=path, expected="scenario files")
            checks.append(FileCheck(str(path), error=str(message)))
            continue
        for file in files:
            try:
                scenarios = load_file(file)
                for scenario in scenarios:
                    check_scenario(
                        scenario,
                        base_url=base_url,
                        variables=variables,
                        allow_local_files=allow_local_files,
                    )
            except ScenarioError as error:
                checks.append(FileCheck(str(file), error=str(error)))
            else:
                checks.append(FileCheck(str(file), scenarios=len(scenarios)))
    return checks
