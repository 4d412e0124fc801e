"""What a step is called where a person reads it — a matrix row, a recorded step's `name` —
when its scenario gives it no `name`: its action and its target (« click Continuer », « fill
code postal »), bounded and on one line, never a value typed or chosen.

The target's words are, best first: the element's accessible name, label or text as the page
shows it (`target`, given by whoever has the page: the recorder), else what the selector itself
says — a role's or text engine's name, an `aria-label`, `placeholder`, `title` or `alt`, a test
id, a `name` attribute, an id — else the selector as written.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from preflight.scenario._model import ExpectText, ExpectUrl, Fill, Goto, Scenario, Select, Step
from preflight.watch._tracing import label

NAME_LIMIT = 48

# The quoted name of a role or text engine (`role=button[name="Continuer"]`, `text="Payer"`,
# `internal:label="Code postal"i`), and attributes that are words meant for a person.
_QUOTED = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
_NAMED = re.compile(r"\[name\s*=\s*" + _QUOTED)
_ENGINE_TEXT = re.compile(r"^(?:internal:)?(?:text|label|placeholder|alt|title)\s*=\s*(.+)$", re.S)
_WORDS_ATTR = re.compile(r"\[(?:aria-label|placeholder|title|alt)\s*[*^$|~]?=\s*" + _QUOTED)
_ID_ATTR = re.compile(
    r"""\[(?:data-testid|data-test-id|data-test|data-qa|name)\s*=\s*["']?([^"'\]]+)"""
)
_TESTID = re.compile(r"^(?:internal:)?(?:data-)?testid\s*=\s*[\"']?([^\"']+)")
_ID = re.compile(r"#([\w-]+)")


def step_name(scenario: Scenario, index: int, target: str | None = None) -> str:
    """Step `index` (1-based) of `scenario` as a person reads it: its `name`, else its action
    and `target` (the element's accessible name read in the page) or what its selector says."""
    step = scenario.steps[index - 1]
    if step.name:
        return label(step.name, NAME_LIMIT)
    words = target or _target_words(step, _typed(scenario))
    return label(f"{step.action} {words}".strip(), NAME_LIMIT)


def _typed(scenario: Scenario) -> list[str]:
    """The values the scenario types or chooses: what a name must never show."""
    values: list[str] = []
    for step in scenario.steps:
        if isinstance(step, Fill):
            values.append(step.value)
        elif isinstance(step, Select):
            values.extend(v for v in (step.value, step.label) if v)
    return [v.strip().casefold() for v in values if v.strip()]


def _target_words(step: Step, typed: list[str]) -> str:
    if isinstance(step, Goto):
        return urlsplit(step.url).path or step.url.split("?")[0]
    if isinstance(step, ExpectUrl):
        return step.url.split("?")[0]
    if isinstance(step, ExpectText):
        text = step.text.casefold()
        if "${" not in step.text and not any(v in text or text in v for v in typed):
            return step.text
        return selector_words(step.selector) if step.selector != "body" else ""
    selector = getattr(step, "selector", None)
    if isinstance(selector, str):
        return selector_words(selector)
    key = getattr(step, "key", None)  # press
    return str(key) if key else ""


def selector_words(selector: str) -> str:
    """What a Playwright selector says of its element, for a person: `role=button[name="Payer"]`
    → Payer, `text=Commander la Fibre` → Commander la Fibre, `#code-postal` → code postal."""
    last = selector.split(">>")[-1].strip()
    for pattern in (_NAMED, _WORDS_ATTR):
        found = pattern.search(last)
        if found:
            return _unquote(found.group(1) if found.group(1) is not None else found.group(2))
    engine = _ENGINE_TEXT.match(last)
    if engine:
        text = engine.group(1).strip()
        quoted = re.fullmatch(_QUOTED + r"[is]?", text)
        if quoted:
            return _unquote(quoted.group(1) if quoted.group(1) is not None else quoted.group(2))
        return text
    ids = [found.group(1) for found in (_TESTID.search(last), _ID_ATTR.search(last)) if found]
    ids += _ID.findall(last)[-1:]  # the element's own id, not an ancestor's
    if ids:
        return re.sub(r"[-_]+", " ", ids[0]).strip()
    return last


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
