"""Chrome DevTools Recorder recordings (@puppeteer/replay's JSON schema) into scenarios.

Each recorded step becomes one of ours where the meaning is the same; a step that cannot be
mapped (hover, scroll, a JavaScript wait, a custom step) is never dropped silently: it is
listed in `Imported.unmapped` and written as a YAML comment where it stood.

Selectors: Chrome offers alternatives per step (`aria/Name[role="button"]`, `text/…`,
`xpath/…`, `pierce/…`, CSS); we keep the most robust one Playwright can use: a test id or an
id, then role + name (`aria/`, its role recorded or implied by the step's CSS alternative:
`main a` is a link), then text, then other CSS, then XPath. A chain through shadow roots keeps
every part (`#host >> #inside`).
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

from preflight._validation import dotted
from preflight.errors import ScenarioError
from preflight.scenario._loader import read_capped
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
from preflight.scenario._writer import unsafe_character
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
        raw = read_capped(path)
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
        where = dotted(first["loc"])
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
        _refuse_control_characters(raw, number, file)
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


def _refuse_control_characters(raw: _ChromeStep, number: int, file: str) -> None:
    """A step type or selector holding a newline or another control character: refused, never
    carried into the scenario (one held a YAML line of its own, issue 13)."""
    fields = [("type", raw.type)] + [
        ("selectors", part)
        for alternative in raw.selectors or []
        for part in ([alternative] if isinstance(alternative, str) else alternative)
    ]
    for key, text in fields:
        character = unsafe_character(text)
        if character is not None:
            raise ScenarioError(
                f"a control character ({ascii(character)[1:-1]}) in its {key}",
                file=file,
                where=f"step {number}",
                expected=f"a {key.removesuffix('s')} without control or line-break characters",
            )


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
# The last compound of a CSS selector: its tag and what follows it (attributes, classes…).
_LAST_COMPOUND = re.compile(r"(?:^|[\s>+~])(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<rest>[^\s>+~]*)$")
_INPUT_TYPE = re.compile(r"""\[type=['"]?(?P<type>[a-z]+)""")
_TAG_ROLES = {"a": "link", "button": "button", "select": "combobox", "textarea": "textbox"}
_INPUT_ROLES = {
    "checkbox": "checkbox",
    "radio": "radio",
    "submit": "button",
    "button": "button",
    "reset": "button",
    "number": "spinbutton",
    "range": "slider",
    **{kind: "textbox" for kind in ("text", "email", "tel", "url", "password")},
    "search": "searchbox",
}


def _best_selector(raw: _ChromeStep, label: str, file: str) -> str:
    """The most robust Playwright selector among the recorded alternatives.

    An alternative is a chain: each part is looked up inside the element the previous one
    found, through its shadow root (Chrome's recorder splits a selector where it crosses one).
    The chain becomes Playwright's `a >> b`: each part stays a whole selector of its own (a
    part may be a list with commas, or an aria/ one), and Playwright looks up `b` inside what
    `a` matched, its open shadow root included. So the shadow host is kept: `#inside` alone
    could match another element of the same id elsewhere in the page."""
    alternatives = [
        [alternative] if isinstance(alternative, str) else list(alternative)
        for alternative in raw.selectors or []
    ]
    role = _implied_role(alternatives)
    candidates: list[tuple[int, str]] = []
    for parts in alternatives:
        if not parts or not all(part.strip() for part in parts):
            continue  # an empty alternative (or part) selects nothing
        converted = [_playwright_selector(part, role=role) for part in parts]
        if any(c is None for c in converted):
            continue
        chain = [c for c in converted if c is not None]
        rank = max(r for r, _ in chain)
        candidates.append((rank, " >> ".join(selector for _, selector in chain)))
    if not candidates:
        raise ScenarioError(
            "no selector", file=file, where=label, expected='selectors: [["#id"], …]'
        )
    return min(candidates, key=lambda c: c[0])[1]


def _implied_role(alternatives: list[list[str]]) -> str | None:
    """The ARIA role the step's CSS alternatives imply (`main a` → link), for an `aria/Name`
    recorded without one; None when they imply none or disagree."""
    roles: set[str] = set()
    for parts in alternatives:
        last = parts[-1].strip() if parts else ""
        if not last or last.startswith(_PREFIXES[:3]):
            continue
        match = _LAST_COMPOUND.search(last.removeprefix("pierce/"))
        tag = (match.group("tag") or "").lower() if match else ""
        if tag == "input":
            kind = _INPUT_TYPE.search(match.group("rest")) if match else None
            role = _INPUT_ROLES.get(kind.group("type") if kind else "text")
        else:
            role = _TAG_ROLES.get(tag)
        if role:
            roles.add(role)
    return roles.pop() if len(roles) == 1 else None


_PREFIXES = ("aria/", "text/", "xpath/", "pierce/")


def _attribute_string(value: str) -> str:
    # As Playwright's own getByRole writes a name: backslash and double quote escaped.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text_selector(text: str) -> str:
    """`text=…` as Playwright reads it: case-insensitive, a substring. Unquoted when that reads
    back as the same text; else quoted as Playwright's getByText writes it, because unquoted a
    ` >> ` in the text would start a new selector, a leading quote make it an exact match and
    a leading slash a regular expression."""
    risky = ">>" in text or text != text.strip() or text[:1] in "\"'/`"
    if not risky:
        return f"text={text}"
    return f"internal:text={json.dumps(text, ensure_ascii=False)}i"


def _playwright_selector(selector: str, *, role: str | None = None) -> tuple[int, str] | None:
    """(rank, Playwright selector) for one recorded selector; lower rank is better; None when
    it selects nothing. `role`: the role the step's other alternatives imply, for an
    `aria/Name` without one."""
    if not selector.partition("/")[2].strip() and selector.startswith(_PREFIXES):
        return None  # a prefix with nothing after it selects nothing
    if selector.startswith("aria/"):
        name = selector.removeprefix("aria/")
        match = _ROLE.match(name)
        if match:
            name, role = match.group("name"), match.group("role")
        if role:
            # Exact (`s`), as Chrome's aria/ query matches the whole accessible name.
            return (2, f"role={role}[name={_attribute_string(name)}s]")
        return (5, _text_selector(name))
    if selector.startswith("text/"):
        return (3, _text_selector(selector.removeprefix("text/")))
    if selector.startswith("xpath/"):
        return (6, f"xpath={selector.removeprefix('xpath/')}")
    # pierce/ searches every shadow root of the page, as Playwright's CSS does, so it is kept
    # as plain CSS; it ranks below the same CSS chained through its host, which says where.
    pierce = selector.startswith("pierce/")
    selector = selector.removeprefix("pierce/")
    return ((1 if _STRONG_CSS.match(selector) else 4) + pierce, selector)


def _slug(title: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", title.strip().lower(), flags=re.UNICODE).strip("-")
    return slug or "recording"
