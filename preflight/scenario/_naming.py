"""What a step is called where a person reads it — a matrix row, a recorded step's `name` —
when its scenario gives it no `name`: its action and its target (« click Continuer », « fill
code postal », « uncheck J'accepte », « press Enter Code postal »), bounded and on one line,
never a value typed or chosen. One rule for the recorder and the matrix.

The target's words are, best first: the element's accessible name, label or text as the page
shows it (`target`, given by whoever has the page: the recorder, `recorded_name`), else what
the selector itself says — a role's or text engine's name, an `aria-label`, `placeholder`,
`title` or `alt`, a test id, a `name` attribute, an id — else the selector as written.
The recorder's names are unique within its scenario (« click Continuer (2) »), since the
watcher finds a step by its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from preflight.privacy import redact
from preflight.scenario._model import (
    Check,
    Click,
    ExpectText,
    ExpectUrl,
    Fill,
    Goto,
    Press,
    Scenario,
    Select,
    Step,
)
from preflight.watch._tracing import label

NAME_LIMIT = 48
# A target's words in a recorded name: enough to tell « Continuer » from « Valider mes
# coordonnées ».
TARGET_LIMIT = 60

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
    return label(f"{_verb(step)} {words}".strip(), NAME_LIMIT)


def _verb(step: Step) -> str:
    """The action's word: `check`/`uncheck` as the box ends, `press Enter`, else the action."""
    if isinstance(step, Press):
        return f"press {label(step.key, 20)}"
    if isinstance(step, Check):
        return "check" if step.checked else "uncheck"
    return step.action


def recorded_name(step: Step, target: str | None, known: Iterable[str] = ()) -> str | None:
    """The name the recorder writes for `step` whose target reads `target` in the page (None
    when a person would not name it: a history move, or a target with no words). A label that
    shows a value typed in the recording (`known`) or the shape of an e-mail, phone, IBAN or
    card number is redacted."""
    words = label(target or "", TARGET_LIMIT)
    if isinstance(step, Goto):
        words = label(_target_words(step, []), TARGET_LIMIT)  # its path: never its query
    elif not isinstance(step, Press | Check | Click | Fill | Select):
        return None
    if not words and not isinstance(step, Press):
        return None
    return redact(f"{_verb(step)} {words}".rstrip(), known=known)


def unique(names: Sequence[str | None]) -> list[str | None]:
    """`names` with the second « click Continuer » written « click Continuer (2) »."""
    seen: dict[str, int] = {}
    out: list[str | None] = []
    taken = {name for name in names if name}
    for name in names:
        if not name:
            out.append(name)
            continue
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            out.append(name)
            continue
        n = seen[name]
        while f"{name} ({n})" in taken:
            n += 1
        seen[name] = n
        taken.add(f"{name} ({n})")
        out.append(f"{name} ({n})")
    return out


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
    return ""  # a press without a selector: its key is in the verb


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
