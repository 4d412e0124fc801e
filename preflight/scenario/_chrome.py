"""Chrome DevTools Recorder recordings (@puppeteer/replay's JSON schema) into scenarios.

Each recorded step becomes one of ours where the meaning is the same; a step that cannot be
mapped (hover, scroll, a JavaScript wait, a custom step) is never dropped silently: it is
listed in `Imported.unmapped` and written as a YAML comment where it stood.

Selectors: Chrome offers alternatives per step (`aria/Name[role="button"]`, `text/…`,
`xpath/…`, `pierce/…`, CSS); we keep the most robust one Playwright can use: a test id or an
id, then role + name, then text, then other CSS, then XPath.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from preflight.errors import ScenarioError
from preflight.scenario._model import (
    Click,
    Expect,
    Fill,
    Goto,
    Press,
    Scenario,
    Step,
    WaitFor,
)
from preflight.watch.events import Verdict

Selector = str | list[str]


class _ChromeStep(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    selectors: list[Selector] | None = None
    target: str | None = None
    frame: list[int] | None = None
    url: str | None = None
    value: str | None = None
    key: str | None = None
    button: Literal["primary", "auxiliary", "secondary", "back", "forward"] | None = None
    visible: bool | None = None
    count: int | None = None
    width: int | None = None
    height: int | None = None
    assertedEvents: list[dict[str, Any]] | None = None  # the schema's own name


class _Recording(BaseModel):
    model_config = ConfigDict(extra="allow")

    title: str = "recording"
    steps: list[_ChromeStep]


@dataclass
class Imported:
    """A scenario from a recording, with what could not be mapped (by step number)."""

    scenario: Scenario
    unmapped: list[str] = field(default_factory=list)
    # Comment lines to write before our step j (or after the last step, at key len(steps)).
    comments: dict[int, list[str]] = field(default_factory=dict)


def read_recording(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(
            "no such file", file=path, expected="a Chrome DevTools Recorder JSON export"
        ) from None
    except OSError as error:
        raise ScenarioError(
            f"cannot be read ({error.strerror})", file=path, where="the file", expected="a file"
        ) from None
    try:
        # utf-8-sig: an editor on Windows may have saved it with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text", file=path, line=line, expected="UTF-8") from None
    try:
        data = json.loads(text)
    except RecursionError:  # the json module recurses once per level of nesting
        raise ScenarioError(
            "nested too deep", file=path, line=1, expected="a Chrome DevTools Recorder JSON export"
        ) from None
    except json.JSONDecodeError as error:
        raise ScenarioError(
            f"not valid JSON: {error.msg}",
            file=path,
            line=error.lineno,
            expected="a Chrome DevTools Recorder JSON export",
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            "not a recording", file=path, line=1, expected='{"title": …, "steps": [...]}'
        )
    return data


def import_recording(
    data: dict[str, Any],
    *,
    file: str = "<recording>",
    base_url: str | None = None,
    merchant: str | None = None,
    verdict: Verdict = "attributed",
    name: str | None = None,
    sensitive: Sequence[str] = (),
) -> Imported:
    """Our scenario for a Chrome Recorder recording. URLs under `base_url` become relative and
    those under `merchant` become `${MERCHANT}/…`, so the scenario runs against any port.
    A value typed in a sensitive field (`sensitive` selectors, or one whose selector names a
    bank, card or password field) becomes a `${SECRET_n}` placeholder, never the value."""
    try:
        recording = _Recording.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ScenarioError(
            f"{where}: {first['msg']}",
            file=file,
            where=f"key {where}" if where else "the recording",
            expected="a Chrome DevTools Recorder export (@puppeteer/replay schema)",
        ) from None
    steps: list[Step] = []
    unmapped: list[str] = []
    comments: dict[int, list[str]] = {}

    def note(text: str, *, dropped: bool) -> None:
        comments.setdefault(len(steps), []).append(text)
        if dropped:
            unmapped.append(text)

    urls = _Urls(base_url, merchant)
    secrets = 0
    for number, raw in enumerate(recording.steps, start=1):
        label = f"step {number} ({raw.type})"
        if raw.frame or (raw.target not in (None, "main")):
            note(f"{label}: in a frame or another tab — not imported", dropped=True)
            continue
        if raw.type == "setViewport":
            note(
                f"{label}: viewport {raw.width}x{raw.height} — the browser context decides",
                dropped=False,
            )
        elif raw.type == "navigate":
            if not raw.url:
                raise ScenarioError(
                    "no url", file=file, where=label, expected="navigate with a url"
                )
            steps.append(Goto.model_validate({"url": urls.relative(raw.url)}))
        elif raw.type in ("click", "doubleClick"):
            selector = _best_selector(raw, label, file)
            button = {"secondary": "right", "auxiliary": "middle"}.get(raw.button or "", "left")
            count = 2 if raw.type == "doubleClick" else 1
            steps.append(
                Click.model_validate({"selector": selector, "button": button, "click_count": count})
            )
            steps.extend(_navigation_waits(raw, urls))
        elif raw.type == "change":
            selector = _best_selector(raw, label, file)
            value = raw.value or ""
            if _is_sensitive(raw, selector, sensitive):
                secrets += 1
                value = f"${{SECRET_{secrets}}}"
                note(
                    f"{label}: the value typed in {selector} is a secret: give --var "
                    f"SECRET_{secrets}=… when replaying",
                    dropped=False,
                )
            steps.append(Fill.model_validate({"selector": selector, "value": value}))
        elif raw.type == "keyDown":
            if not raw.key:
                raise ScenarioError("no key", file=file, where=label, expected="keyDown with a key")
            steps.append(Press.model_validate({"key": raw.key}))
            steps.extend(_navigation_waits(raw, urls))
        elif raw.type == "keyUp":
            continue  # the matching keyDown became a whole key press
        elif raw.type == "waitForElement":
            if raw.count not in (None, 1):
                note(f"{label}: count {raw.count} not checked, only presence", dropped=False)
            state = "hidden" if raw.visible is False else "visible"
            steps.append(
                WaitFor.model_validate(
                    {"selector": _best_selector(raw, label, file), "state": state}
                )
            )
        elif raw.type in ("hover", "scroll", "waitForExpression", "close", "customStep"):
            note(f"{label}: {_why_not(raw.type)} — not imported", dropped=True)
        else:
            note(f"{label}: unknown step type — not imported", dropped=True)
    if not steps:
        raise ScenarioError(
            "no step could be imported",
            file=file,
            where="steps",
            expected="navigate, click, change… steps",
        )
    scenario = Scenario.model_validate(
        {
            "name": name or _slug(recording.title),
            "description": f"Imported from the Chrome DevTools Recorder: {recording.title}",
            "steps": steps,
            "expect": Expect(verdict=verdict),
            "file": file,
        }
    )
    return Imported(scenario=scenario, unmapped=unmapped, comments=comments)


_SENSITIVE_WORDS = re.compile(r"iban|bic|card|carte|cc-|password|mot-de-passe|cvv|cvc", re.I)


def _is_sensitive(raw: _ChromeStep, chosen: str, sensitive: Sequence[str]) -> bool:
    alternatives = [chosen] + [
        part for alt in raw.selectors or [] for part in ([alt] if isinstance(alt, str) else alt)
    ]
    return any(alt in sensitive or _SENSITIVE_WORDS.search(alt) for alt in alternatives)


def _why_not(kind: str) -> str:
    return {
        "hover": "a hover changes nothing in an order flow we replay",
        "scroll": "Playwright scrolls to each element by itself",
        "waitForExpression": "a JavaScript expression is not part of the format",
        "close": "the replay closes the page itself",
        "customStep": "a custom step needs its own code",
    }[kind]


class _Urls:
    def __init__(self, base_url: str | None, merchant: str | None) -> None:
        self.prefixes = [
            (prefix.rstrip("/"), replacement)
            for prefix, replacement in ((merchant, "${MERCHANT}"), (base_url, ""))
            if prefix
        ]

    def relative(self, url: str) -> str:
        for prefix, replacement in self.prefixes:
            if url == prefix or url.startswith(prefix + "/"):
                return replacement + (url[len(prefix) :] or "/")
        return url

    def glob(self, url: str) -> str:
        """A URL glob that survives per-visit values (step tokens, session ids in the query)."""
        parts = urlsplit(url)
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return "*" + urlsplit(bare).path + ("*" if parts.query else "")


def _navigation_waits(raw: _ChromeStep, urls: _Urls) -> list[Step]:
    waits: list[Step] = []
    for event in raw.assertedEvents or []:
        if event.get("type") == "navigation" and isinstance(event.get("url"), str):
            waits.append(WaitFor.model_validate({"url": urls.glob(event["url"])}))
    return waits[-1:]  # the page it ends on


_ROLE = re.compile(r'^(?P<name>.*?)\[role="(?P<role>[a-z]+)"\]$')
_STRONG_CSS = re.compile(r"^(#[\w-]+|\[data-testid=['\"]?[^\]]+['\"]?\])$")


def _best_selector(raw: _ChromeStep, label: str, file: str) -> str:
    """The most robust Playwright selector among the recorded alternatives."""
    candidates: list[tuple[int, str]] = []
    for alternative in raw.selectors or []:
        parts = [alternative] if isinstance(alternative, str) else list(alternative)
        if not parts:
            continue
        # A chain crosses shadow roots: Playwright's CSS pierces open ones, so the last part
        # alone finds the element.
        last = parts[-1]
        if not last.strip():
            continue  # an empty alternative selects nothing
        candidates.extend(_playwright_selector(last, chained=len(parts) > 1))
    if not candidates:
        raise ScenarioError(
            "no selector", file=file, where=label, expected='selectors: [["#id"], …]'
        )
    return min(candidates, key=lambda c: c[0])[1]


_PREFIXES = ("aria/", "text/", "xpath/", "pierce/")


def _playwright_selector(selector: str, *, chained: bool) -> list[tuple[int, str]]:
    """(rank, Playwright selector) for one recorded alternative; lower rank is better."""
    if not selector.partition("/")[2].strip() and selector.startswith(_PREFIXES):
        return []  # a prefix with nothing after it selects nothing
    if selector.startswith("aria/"):
        name = selector.removeprefix("aria/")
        match = _ROLE.match(name)
        if match:
            role_name = match.group("name").replace('"', '\\"')
            return [(2, f'role={match.group("role")}[name="{role_name}"]')]
        return [(5, f"text={name}")]
    if selector.startswith("text/"):
        return [(3, f"text={selector.removeprefix('text/')}")]
    if selector.startswith("xpath/"):
        return [(6, f"xpath={selector.removeprefix('xpath/')}")]
    if selector.startswith("pierce/"):
        selector = selector.removeprefix("pierce/")
    rank = 1 if _STRONG_CSS.match(selector) else 4
    return [(rank + (1 if chained else 0), selector)]


def _slug(title: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", title.strip().lower(), flags=re.UNICODE).strip("-")
    return slug or "recording"
