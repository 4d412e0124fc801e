"""Step names from what a person read on the target: « click Continuer », « fill Code postal »,
« check J'accepte les conditions ».

The recorder names each step it writes, so that a run's events, a failure and the matrix's rows
say which step in words rather than « 14 click ». A name is the action's word (the scenario's
own vocabulary: `click`, `fill`, `select`, `check`/`uncheck`, `press Enter`, `goto`) and the
target's accessible name, label, placeholder or caption as the page gave it — never a typed
value: a field is named by its label, and a known value (or the shape of an e-mail, phone,
IBAN or card number) that a label happens to show is redacted. One line, bounded; names are
unique within a scenario (« click Continuer (2) »), since the watcher names a step by its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from preflight.privacy import redact
from preflight.scenario._model import Check, Click, Fill, Goto, Press, Select, Step
from preflight.watch._tracing import label

# A target's words in a name: enough to tell « Continuer » from « Valider mes coordonnées ».
TARGET_LIMIT = 60


def step_name(step: Step, target: str | None, known: Iterable[str] = ()) -> str | None:
    """The name of `step` whose target reads `target` (None when the step has no target a
    person would name: history moves, or a target with no words)."""
    words = label(target or "", TARGET_LIMIT)
    if isinstance(step, Goto):
        verb, words = "goto", label(urlsplit(step.url).path or step.url, TARGET_LIMIT)
    elif isinstance(step, Press):
        verb = f"press {label(step.key, 20)}"
    elif isinstance(step, Check):
        verb = "check" if step.checked else "uncheck"
    elif isinstance(step, Click | Fill | Select):
        verb = step.action
    else:
        return None
    if not words and not isinstance(step, Press):
        return None
    return redact(f"{verb} {words}".rstrip(), known=known)


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
