"""Replay a scenario in a browser context with the watcher attached, and judge it.

History steps are driven so they work on both engines and with the back/forward cache on or
off (see DEVELOPERS.md and RESEARCH.md): `page.go_back()` waits for a `load` that a bfcache
restore never fires (Chromium), and over WebDriver BiDi (stock Firefox) a restore is invisible
to Playwright altogether (`page.url` stale, waits hang). So `back`/`forward` are a trusted key
press (a user activation: browsers ignore script history moves without one) then
`history.back()`/`forward()` in the page, and the arrival is seen by polling one-shot
`evaluate`s — which keep working on a restored page — and by the watcher's `settle()`. That
move is shared with hand-written tests: `preflight.history` (`go_back`, `go_forward`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from loguru import logger
from pydantic import BaseModel, Field

from preflight import history
from preflight.errors import BrowserError, ScenarioError, UsageError
from preflight.history import Direction
from preflight.privacy import allowed_params, redact
from preflight.rules import Rules, url_matches
from preflight.scenario._loader import fill_placeholders
from preflight.scenario._model import (
    Back,
    Check,
    Click,
    ExpectText,
    ExpectUrl,
    Fill,
    Forward,
    Goto,
    Press,
    Reload,
    Scenario,
    Screenshot,
    Select,
    Step,
    WaitFor,
)
from preflight.watch import Watcher
from preflight.watch._tracing import group, group_end, label, tracing_on, untraced
from preflight.watch.events import Event, Outcome, Verdict

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, BrowserType, Locator, Page

STEP_TIMEOUT_S = 10.0
SETTLE_S = 3.0
_POLL_S = 0.05

# What `goto` opens without --allow-local-files: web pages. `file:` would let a step read the
# machine's files (a screenshot of /etc/shadow, `expect_text` on it) and `chrome://version`
# shows the browser's command line (issue 13); `about:`, `data:`, `javascript:`,
# `view-source:` and extension pages are no order flow either.
WEB_SCHEMES = ("http", "https")
# What a browser strips from a URL before parsing it (WHATWG URL: leading and trailing C0
# controls and spaces, every tab and newline): checked as the browser will read it.
_URL_STRIPPED = "".join(chr(c) for c in range(0x21))

# A click on a `tel:`, `mailto:` or `sms:` link hands the URL to another application: the page
# stays. Over WebDriver BiDi (stock Firefox, Playwright 1.64.1) that navigation starts and never
# ends, and Playwright then waits for it before every later action of the page ("waiting for
# navigation to finish…", until the step times out). So a replayed browser, which has no such
# application anyway, cancels that default action once the page's own handlers (the shop's,
# the probe's, the guard's) have all seen the click: last, at the window, while bubbling.
# Both engines alike, so a scenario means the same on each. Not in `preflight order`: the EI's
# own browser opens their phone app as it should.
NO_EXTERNAL_APPS = """addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (link && /^(tel|mailto|sms):$/i.test(link.protocol)) event.preventDefault();
});"""


def goto_url(base_url: str, url: str, *, allow_local_files: bool = False) -> str | None:
    """The absolute URL a `goto` opens (relative ones joined to `base_url`), or None when its
    scheme is not allowed: only http(s) unless `allow_local_files`."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip(_URL_STRIPPED))
    joined = urljoin(base_url.rstrip("/") + "/", cleaned)
    if allow_local_files or urlsplit(joined).scheme.lower() in WEB_SCHEMES:
        return joined
    return None


def check_gotos(scenario: Scenario, base_url: str, *, allow_local_files: bool = False) -> None:
    """Refuse, before anything runs, a `goto` (placeholders filled) that would open a local
    file or a browser page."""
    for index, step in enumerate(scenario.steps, start=1):
        if not isinstance(step, Goto):
            continue
        if goto_url(base_url, step.url, allow_local_files=allow_local_files) is not None:
            continue
        shown = step.url if len(step.url) <= 120 else step.url[:120] + "…"
        scheme = urlsplit(goto_url(base_url, step.url, allow_local_files=True) or "").scheme
        raise ScenarioError(
            f"goto {shown!r}: the {scheme or '?'}: scheme is not allowed",
            file=scenario.file,
            line=step.line or None,
            where=f"step {index} (goto)",
            expected="an http: or https: URL — local files and browser pages only with "
            "--allow-local-files",
        )


class StepFailed(Exception):
    """A step that could not be done; the message says what was seen."""


class ViolationRow(BaseModel):
    kind: str
    url: str
    step: str | None = None


class Failure(BaseModel):
    """Why a scenario did not pass: a step that failed, or an expectation that did not hold."""

    message: str
    # A failed step: its 1-based index, action and line. An expectation that did not hold:
    # action "expect", the line of `expect:`, and the step during which the first violation
    # the scenario does not expect was seen (None when what is wrong is something missing).
    step: int | None = None
    action: str | None = None
    line: int | None = None
    screenshot: str | None = None


class ScenarioResult(BaseModel):
    scenario: str
    file: str
    browser: str
    verdict: Verdict | None
    expected: Verdict
    passed: bool
    violations: list[ViolationRow]
    warnings: list[str] = []
    # The verdict in words, the order's end reached, and the rule patterns that matched nothing.
    reason: str = ""
    completed: bool = False
    coverage: list[str] = []
    duration_s: float
    failure: Failure | None = None
    # The last events, one line each: what a failure message shows.
    timeline: list[str] = []
    # The watcher's full outcome (for a report); not part of the JSON row.
    outcome: Outcome | None = Field(None, exclude=True)
    # Values typed into bank-detail fields, kept only so that artifacts (a Playwright trace)
    # can be scrubbed of them; never dumped, never shown.
    sensitive_values: frozenset[str] = Field(default=frozenset(), exclude=True, repr=False)

    def public(self) -> dict[str, Any]:
        """The `--json` row of issue #5, plus `failure` (null when it passed)."""
        keys = ("scenario", "file", "browser", "verdict", "expected", "passed")
        row: dict[str, Any] = {key: getattr(self, key) for key in keys}
        row["reason"] = self.reason
        row["completed"] = self.completed
        row["coverage"] = list(self.coverage)
        row["violations"] = [v.model_dump() for v in self.violations]
        row["duration_s"] = round(self.duration_s, 3)
        row["failure"] = self.failure.model_dump() if self.failure else None
        return row


def never_matched(results: Iterable[ScenarioResult]) -> list[str]:
    """The rules keys (order.merchant…) that no result of a run matched: a wrong pattern, or
    a flow no scenario covers. Results without an outcome (a browser that did not start) tell
    nothing either way."""
    runs = [{gap.key for gap in r.outcome.coverage} for r in results if r.outcome is not None]
    return sorted(set.intersection(*runs)) if runs else []


def describe_expectation(scenario: Scenario) -> str:
    expect = scenario.expect
    text = f"{expect.verdict}"
    if expect.violations:
        text += f" by [{', '.join(expect.violations)}]"
    elif expect.violations == []:
        text += " with no violation"
    if expect.warnings:
        text += f" with warnings [{', '.join(expect.warnings)}]"
    if expect.completed is not None:
        text += ", the order completed" if expect.completed else ", the order not completed"
    return text


def collapse(kinds: Sequence[str]) -> list[str]:
    """Consecutive repeats of a kind count once: one click on « Service client » is seen both
    as the click and as the page it opens, and the scenario states actions, not evidence."""
    return [kind for i, kind in enumerate(kinds) if i == 0 or kinds[i - 1] != kind]


def judge(scenario: Scenario, outcome: Outcome) -> str | None:
    """None when `outcome` is what the scenario expects; else an assertion-style message."""
    expect = scenario.expect
    kinds = [v.kind for v in outcome.violations]
    warnings = [w.kind for w in outcome.warnings]
    ok = outcome.verdict == expect.verdict
    if expect.violations is not None and collapse(kinds) != collapse(expect.violations):
        ok = False
    if expect.warnings is not None and warnings != list(expect.warnings):
        ok = False
    if expect.completed is not None and outcome.completed != expect.completed:
        ok = False
    if ok:
        return None
    got: str = outcome.verdict
    if kinds:
        got += f" by [{', '.join(kinds)}]"
    if warnings:
        got += f" with warnings [{', '.join(warnings)}]"
    if expect.completed is not None:
        got += ", the order completed" if outcome.completed else ", the order not completed"
    if outcome.reason_kind in ("no_entry", "no_merchant"):
        got += f": {outcome.reason}"  # a kind list says the other reasons already
    return f"expected {describe_expectation(scenario)}, got {got}"


def first_unexpected(scenario: Scenario, outcome: Outcome) -> str | None:
    """The step (as the watcher names it) during which the first violation the scenario does
    not expect was seen; None when the mismatch is something missing, not something seen."""
    wanted = list(scenario.expect.violations or [])
    matched, previous = 0, None
    for violation in outcome.violations:
        if violation.kind == previous:
            continue  # repeated evidence of one action (see `collapse`)
        previous = violation.kind
        if matched < len(wanted) and wanted[matched] == violation.kind:
            matched += 1
            continue
        return violation.step
    return None


def _step_of(scenario: Scenario, title: str | None) -> int | None:
    """The 1-based index of the step the watcher named `title` (see `replay_scenario`)."""
    for index, step in enumerate(scenario.steps, start=1):
        if title is not None and title == (step.name or f"{index} {step.action}"):
            return index
    return None


def typed_values(scenario: Scenario) -> frozenset[str]:
    """Every value a (placeholder-filled) scenario types: what must leave no trace anywhere."""
    return frozenset(step.value for step in scenario.steps if isinstance(step, Fill) and step.value)


def event_line(event: Event) -> str:
    parts = [f"#{event.seq}", event.kind]
    if event.nav:
        parts.append(f"({event.nav})")
    if event.url:
        parts.append(event.url)
    if event.step:
        parts.append(f"[step {event.step}]")
    return " ".join(parts)


def step_title(step: Step, index: int) -> str:
    """The step's trace group name: its `name`, else `N action target` (`3 click #valider`).
    The target is the selector, URL, key or glob; never a typed value or a checked text (they
    may be the customer's). Bounded, one line: the caller redacts it."""
    if step.name:
        return label(step.name)
    target = ""
    if isinstance(step, Goto | ExpectUrl):
        target = step.url
    elif isinstance(step, Press):
        target = f"{step.key} {step.selector}" if step.selector else step.key
    elif isinstance(step, WaitFor):
        target = step.selector if step.selector is not None else str(step.url)
    elif isinstance(step, Screenshot):
        target = step.file or ""
    elif isinstance(step, Click | Fill | Select | Check | ExpectText):
        target = step.selector
    frame = getattr(step, "frame", None)
    if frame:
        target += f" in {frame}"
    return label(f"{index} {step.action} {target}".rstrip())


def replay_scenario(
    context: BrowserContext,
    scenario: Scenario,
    *,
    rules: Rules,
    base_url: str,
    variables: Mapping[str, str] | None = None,
    browser: str = "",
    artifacts: Path | None = None,
    on_event: Callable[[Event], None] | None = None,
    on_step: Callable[[int, Step], None] | None = None,
    step_timeout_s: float = STEP_TIMEOUT_S,
    allow_local_files: bool = False,
) -> ScenarioResult:
    """Drive `scenario` in `context` (fresh, no page yet) with a watcher, and judge it.

    Never raises for what happens in the page: a failing step becomes the result's `failure`
    (with a masked screenshot in `artifacts` when given). Placeholders are filled from
    `variables` (scenario `vars` are defaults); an unknown one raises `ScenarioError`, and so
    does a `goto` to anything but http(s) without `allow_local_files`.
    """
    filled = fill_placeholders(scenario, {"BASE_URL": base_url.rstrip("/"), **(variables or {})})
    check_gotos(filled, base_url, allow_local_files=allow_local_files)
    # What leaves this function (messages quoting `location.href`, violation URLs, the event
    # lines) is redacted of URL values and of everything the scenario types (issue #13).
    allowed, typed = allowed_params(rules), typed_values(filled)

    def safe(text: str) -> str:
        return redact(text, allowed, typed)

    started = time.monotonic()
    timeline: list[str] = []

    def seen(event: Event) -> None:
        timeline.append(event_line(event))
        del timeline[:-30]
        if on_event is not None:
            on_event(event)

    watcher = Watcher(rules, on_event=seen)
    watcher.attach(context)
    context.add_init_script(NO_EXTERNAL_APPS)
    context.set_default_timeout(step_timeout_s * 1000)
    page = context.new_page()
    driver = _Driver(page, watcher, rules, base_url, artifacts, filled.name, browser)
    driver.allow_local_files = allow_local_files
    failure: Failure | None = None
    # Under Playwright's tracing, each step is a group of the trace (see watch/_tracing.py).
    traced = tracing_on(context)
    try:
        for index, step in enumerate(filled.steps, start=1):
            watcher.step = step.name or f"{index} {step.action}"
            if on_step is not None:
                on_step(index, step)
            grouped = traced and group(context, safe(step_title(step, index)))
            try:
                driver.run(step, index)
            except Exception as error:
                failure = Failure(
                    message=safe(_one_line(error)),
                    step=index,
                    action=step.action,
                    line=step.line or None,
                    screenshot=driver.shot(f"failed-step-{index}"),
                )
                logger.debug("{}: step {} failed: {}", filled.name, index, failure.message)
                break
            finally:
                if grouped:
                    watcher.trace_marks()  # what the step's last moments brought: in its group
                    group_end(context)
        watcher.step = None
        try:
            watcher.settle(timeout=SETTLE_S)
        except Exception as error:  # a page closed under the watcher: judge what it saw
            logger.debug("settle: {}", error)
        outcome = watcher.outcome()
    finally:
        watcher.detach()
    mismatch = judge(scenario, outcome)
    if failure is None and mismatch is not None:
        failure = Failure(
            message=mismatch,
            step=_step_of(filled, first_unexpected(scenario, outcome)),
            action="expect",
            line=scenario.expect_line or None,
            screenshot=driver.shot("unexpected-verdict"),
        )
    elif failure is not None and mismatch is not None:
        failure = failure.model_copy(update={"message": f"{failure.message}; {mismatch}"})
    return ScenarioResult(
        scenario=scenario.name,
        file=scenario.file,
        browser=browser,
        verdict=outcome.verdict,
        expected=scenario.expect.verdict,
        passed=failure is None,
        violations=[
            ViolationRow(kind=v.kind, url=safe(v.url), step=safe(v.step) if v.step else None)
            for v in outcome.violations
        ],
        warnings=[w.kind for w in outcome.warnings],
        reason=safe(outcome.reason),  # it names the step, whose name may quote what it types
        completed=outcome.completed,
        coverage=[gap.message for gap in outcome.coverage],
        duration_s=time.monotonic() - started,
        failure=failure,
        timeline=[safe(line) for line in timeline],
        outcome=outcome,
        sensitive_values=frozenset(driver.sensitive_values),
    )


# The field's tag, and whether one of the rules' sensitive selectors (bank details) matches it.
_TAG_AND_SENSITIVE = """(e, selectors) => [e.tagName, selectors.some((s) => {
    try { return e.matches(s); } catch (error) { return false; }
})]"""


# React wraps each input's own `value` property to remember what it rendered (its "value
# tracker"), and drops an `input` event when the element's value equals what it remembers. So:
# set the wrapped property to something else (the tracker follows), put the real value through
# the prototype's setter (the tracker does not see it), and tell the page as an edit does.
# On a page without React both setters are the same one: the value ends the same, one more
# `input` event is sent. (Skyvern-AI/rustwright#187; RESEARCH.md, "Driving forms…")
_SYNC_FRAMEWORK_STATE = """(e, value) => {
    const proto = e instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
        : HTMLInputElement.prototype;
    const set = Object.getOwnPropertyDescriptor(proto, "value").set;
    if (e.value !== value) return false;
    e.value = value === "" ? " " : "";
    set.call(e, value);
    e.dispatchEvent(new Event("input", {bubbles: true}));
    return true;
}"""
# Inputs whose value is text a user edits (fill refuses the others: checkbox, radio, file…).
_TEXT_TAGS = ("INPUT", "TEXTAREA")


def fill_control(field: Locator, tag: str, value: str, engine: str) -> None:
    """Put `value` in a form control so that the page's own state (React's, Preact's, Vue's or
    none) sees it, as it sees a user's typing.

    Chromium: Playwright's `fill` edits through the DevTools protocol (`Input.insertText`), a
    real edit that every framework sees; nothing more to do (and nothing slower).
    Firefox (stock, over WebDriver BiDi, Playwright 1.64): `fill` assigns the value from
    script, which React's value tracker swallows: its state stays empty and a controlled form
    answers "required" (measured on the demo shop's React variant; `keyboard.insert_text` does
    the same). Typing each key (`press_sequentially`) works but costs a key round trip per
    character; so `fill` still does the waiting, focusing and clearing, and one `evaluate`
    then replays the edit past the tracker. The value goes to the page as an argument, in the
    same trace action as `fill`'s own: the trace scrubber finds it there like any typed value.
    A <select> takes a choice (Chrome's recorder writes it as a `change` like any field's):
    `select_option` fires the `change` React listens to, on both engines. (`check` clicks and
    `press` sends keys: real input that React sees on both engines, measured; nothing to add.)
    """
    if tag == "SELECT":
        field.select_option(value)
        return
    field.fill(value)
    if engine == "firefox" and tag in _TEXT_TAGS:
        field.evaluate(_SYNC_FRAMEWORK_STATE, value)


def _css(selector: str) -> bool:
    """Whether `selector` may be plain CSS. CSS selectors are checked with one-shot `evaluate`s:
    they work on a page restored from the back/forward cache over WebDriver BiDi, where
    Playwright's own waits hang (Playwright 1.64, Firefox ESR 153). Other engines (text=,
    role=, xpath=) go through Playwright."""
    return not re.match(r"^[a-z_-]+=", selector) and not selector.startswith(("//", ".."))


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    # Playwright's messages carry a call log after the first line; its first entry says what
    # was being waited for (`waiting for locator("#x")`): keep the gist, not the log.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[0].removeprefix("Error: ")
    if "Call log:" in lines:
        after = lines[lines.index("Call log:") + 1 :]
        if after:
            head += " " + after[0].lstrip("- ")
    return head


class _Driver:
    """Does one step at a time on the page; raises with a plain message when it cannot."""

    def __init__(
        self,
        page: Page,
        watcher: Watcher,
        rules: Rules,
        base_url: str,
        artifacts: Path | None,
        scenario: str,
        browser: str,
    ) -> None:
        self.page = page
        self.watcher = watcher
        self.rules = rules
        self.base_url = base_url.rstrip("/") + "/"
        self.artifacts = artifacts
        self.stem = f"{scenario}-{browser}" if browser else scenario
        self.sensitive_values: set[str] = set()
        browser_type = page.context.browser.browser_type if page.context.browser else None
        self.engine = browser_type.name if browser_type else browser
        self.allow_local_files = False

    def run(self, step: Step, index: int) -> None:
        page = self.page
        if getattr(step, "frame", None) and not isinstance(step, Fill):
            self._run_in_frame(step)
        elif isinstance(step, Goto):
            # A first page load can be slow (a cold browser): not what step_timeout_s is about.
            url = goto_url(self.base_url, step.url, allow_local_files=self.allow_local_files)
            if url is None:  # refused by check_gotos before the first step
                raise StepFailed(f"goto {step.url}: not an http(s) URL")
            page.goto(url, wait_until="load", timeout=30_000)
            self._settle()
        elif isinstance(step, Click):
            page.click(step.selector, button=step.button, click_count=step.click_count)
            self._settle()
        elif isinstance(step, Fill):
            field = self._locate(step.selector, step.frame).first
            tag, sensitive = field.evaluate(_TAG_AND_SENSITIVE, list(self.rules.privacy.sensitive))
            if sensitive and step.value:
                # Bank details typed here also land in a Playwright trace, if one is recorded:
                # the pytest plugin scrubs these values from it (microsoft/playwright#10526).
                self.sensitive_values.add(step.value)
            fill_control(field, tag, step.value, self.engine)
        elif isinstance(step, Select):
            if step.value is not None:
                page.select_option(step.selector, value=step.value)
            else:
                page.select_option(step.selector, label=step.label)
        elif isinstance(step, Check):
            page.set_checked(step.selector, step.checked)
        elif isinstance(step, Press):
            if step.selector:
                page.press(step.selector, step.key)
            else:
                page.keyboard.press(step.key)
            self._settle()
        elif isinstance(step, WaitFor):
            if step.url is not None:
                self._wait_url(step.url, step.timeout_s, "wait_for")
            else:
                self._wait_selector(step)
        elif isinstance(step, Back):
            self._traverse("back")
        elif isinstance(step, Forward):
            self._traverse("forward")
        elif isinstance(step, Reload):
            self._reload()
        elif isinstance(step, ExpectUrl):
            self._wait_url(step.url, step.timeout_s, "expect_url")
        elif isinstance(step, ExpectText):
            self._expect_text(step)
        elif isinstance(step, Screenshot):
            name = step.file or f"step-{index}"
            if (
                self.shot(name.removesuffix(".png"), full_page=step.full_page, required=True)
                is None
            ):
                logger.debug("screenshot step {} skipped: no artifacts folder", index)
        else:  # pragma: no cover - every model has a branch above
            raise StepFailed(f"no driver for {step.action}")

    # --- elements in frames ------------------------------------------------------------------

    def _locate(self, selector: str, frame: str | None) -> Locator:
        """`selector` in the page, or in the document of the <iframe> `frame` names (any
        origin: Playwright reaches into cross-origin frames)."""
        if frame is None:
            return self.page.locator(selector)
        return self.page.frame_locator(frame).locator(selector)

    def _run_in_frame(self, step: Step) -> None:
        """A step on an element inside an iframe (a chat widget, a payment form): through
        Playwright's locators, which wait for the frame and its element. The page's own
        one-shot `evaluate`s (see `_css`) only see the top document."""
        frame = getattr(step, "frame", None)
        timeout_ms = getattr(step, "timeout_s", 0) * 1000 or None
        if isinstance(step, Click):
            self._locate(step.selector, frame).first.click(
                button=step.button, click_count=step.click_count
            )
            self._settle()
        elif isinstance(step, Select):
            field = self._locate(step.selector, frame).first
            if step.value is not None:
                field.select_option(value=step.value)
            else:
                field.select_option(label=step.label)
        elif isinstance(step, Check):
            self._locate(step.selector, frame).first.set_checked(step.checked)
        elif isinstance(step, Press) and step.selector:
            self._locate(step.selector, frame).first.press(step.key)
            self._settle()
        elif isinstance(step, Press):
            self.page.keyboard.press(step.key)  # the keyboard is the page's, frames included
            self._settle()
        elif isinstance(step, WaitFor) and step.selector is not None:
            self._locate(step.selector, frame).first.wait_for(state=step.state, timeout=timeout_ms)
        elif isinstance(step, WaitFor):
            self._wait_url(str(step.url), step.timeout_s, "wait_for")
        elif isinstance(step, ExpectText):
            locator = self._locate(step.selector, frame).first
            deadline = time.monotonic() + step.timeout_s
            pauses = history.pauses()
            while True:
                try:
                    text = locator.inner_text(timeout=max(1, deadline - time.monotonic()) * 1000)
                except Exception as error:  # not there (yet): said below, once out of time
                    logger.trace("expect_text in frame: {}", error)
                    text = None
                if text is not None and step.text in text:
                    return
                if time.monotonic() >= deadline:
                    state = "is not there" if text is None else f"does not contain {step.text!r}"
                    raise StepFailed(f"expect_text: {step.selector} in frame {frame} {state}")
                time.sleep(next(pauses))
        else:  # pragma: no cover - the model puts `frame` only on the steps above
            raise StepFailed(f"{step.action}: cannot run in a frame")

    # --- waiting -------------------------------------------------------------------------------

    def _settle(self) -> None:
        self.watcher.settle(timeout=SETTLE_S)

    def href(self) -> str:
        """The URL the page really shows (`page.url` goes stale on a BiDi bfcache restore)."""
        last: Exception | None = None
        for _ in range(40):
            try:
                return str(self.page.evaluate("location.href"))
            except Exception as error:  # the document is being replaced: ask again
                last = error
                time.sleep(_POLL_S)
        raise StepFailed(f"cannot read the page's URL: {last}")

    def _probe(self, script: str, arg: Any = None, *, again: bool = False) -> Any:
        """One `evaluate`; `again` for a poll's repeats, which are left out of a Playwright
        trace: the step's group shows its first look at the page, not every poll."""
        try:
            if again:
                return untraced(self.page, "evaluate", script, arg)
            return self.page.evaluate(script, arg)
        except Exception as error:  # navigating: the caller polls again
            logger.trace("evaluate while navigating: {}", error)
            return None

    def _wait_url(self, glob: str, timeout_s: float, what: str) -> None:
        pattern = glob if "://" in glob or glob.startswith("*") else "*" + glob
        pauses = history.pauses()
        deadline = time.monotonic() + timeout_s
        again = False
        while True:
            href, again = self._probe("location.href", again=again), True
            if isinstance(href, str) and url_matches(href, [pattern]):
                return
            if time.monotonic() >= deadline:
                raise StepFailed(f"{what}: the URL is {href}, expected one matching {glob}")
            time.sleep(next(pauses))

    def _expect_text(self, step: ExpectText) -> None:
        pauses = history.pauses()
        deadline = time.monotonic() + step.timeout_s
        script = """([selector, text]) => {
            let el;
            try { el = document.querySelector(selector); } catch (e) { return "not-css"; }
            return el ? (el.innerText || el.textContent || "").includes(text) : null;
        }"""
        again = False
        while True:
            css = _css(step.selector)
            found = self._probe(script, [step.selector, step.text], again=again) if css else None
            again = True
            if found == "not-css" or not _css(step.selector):
                locator = self.page.locator(step.selector).first
                found = step.text in (locator.inner_text(timeout=step.timeout_s * 1000) or "")
            if found is True:
                return
            if time.monotonic() >= deadline:
                where = "the page" if step.selector == "body" else step.selector
                state = "is not on the page" if found is None else f"does not contain {step.text!r}"
                raise StepFailed(
                    f"expect_text: {where} {state} (URL {self._probe('location.href')})"
                )
            time.sleep(next(pauses))

    def _wait_selector(self, step: WaitFor) -> None:
        assert step.selector is not None
        if not _css(step.selector):
            self.page.wait_for_selector(
                step.selector, state=step.state, timeout=step.timeout_s * 1000
            )
            return
        script = """([selector, state]) => {
            let el;
            try { el = document.querySelector(selector); } catch (e) { return "not-css"; }
            const visible = !!el && (el.checkVisibility ? el.checkVisibility()
                : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length));
            return {visible: visible, attached: !!el, hidden: !visible, detached: !el}[state];
        }"""
        pauses = history.pauses()
        deadline = time.monotonic() + step.timeout_s
        again = False
        while True:
            done, again = self._probe(script, [step.selector, step.state], again=again), True
            if done == "not-css":  # a Playwright extension (:has-text, >>): Playwright waits
                self.page.wait_for_selector(
                    step.selector, state=step.state, timeout=step.timeout_s * 1000
                )
                return
            if done is True:
                return
            if time.monotonic() >= deadline:
                raise StepFailed(
                    f"wait_for: {step.selector} not {step.state} after {step.timeout_s:g}s "
                    f"(URL {self._probe('location.href')})"
                )
            time.sleep(next(pauses))

    def _traverse(self, direction: Direction) -> None:
        try:
            history.traverse(self.page, direction, timeout=STEP_TIMEOUT_S)
        except BrowserError as error:
            raise StepFailed(str(error)) from None
        self._settle()

    def _reload(self) -> None:
        try:
            history.reload(self.page, timeout=STEP_TIMEOUT_S)
        except BrowserError as error:
            raise StepFailed(str(error)) from None
        self._settle()

    # --- evidence ------------------------------------------------------------------------------

    def shot(self, name: str, *, full_page: bool = False, required: bool = False) -> str | None:
        """A screenshot with bank and personal fields masked, or None (no folder, no page).

        Written through `write_inside` (inside the artifacts folder, no link followed, atomic,
        owner-only). A `screenshot:` step (`required`) that cannot be taken or written fails
        with the reason; a failure screenshot only logs it, never hiding the real failure.
        """
        if self.artifacts is None:
            return None
        from preflight.errors import ReportError
        from preflight.privacy import mask_locators, screenshot_masks
        from preflight.report.files import resolve_inside, write_inside

        file = f"{self.stem}-{name}.png"
        try:
            resolve_inside(self.artifacts, file)  # a bad name is refused before the picture
            masks = mask_locators(self.page, screenshot_masks(self.rules))
            png = self.page.screenshot(mask=masks, full_page=full_page, timeout=5000)
            path = write_inside(self.artifacts, file, png)
        except ReportError as error:
            if required:
                raise StepFailed(f"screenshot not written: {error}") from None
            logger.debug("screenshot {} not written: {}", file, error)
            return None
        except Exception as error:  # never let the evidence hide the real failure
            if required:
                raise StepFailed(f"screenshot not taken: {_one_line(error)}") from None
            logger.debug("screenshot {} not taken: {}", file, error)
            return None
        return str(path)


# --- scale past one machine: shards and remote browsers (issue #6) ---------------------------

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str, *, option: str = "--shard") -> tuple[int, int]:
    """`"K/N"` as `(K, N)` with 1 ≤ K ≤ N; a `UsageError` naming `option` otherwise."""
    match = _SHARD.match(text)
    if match:
        k, n = int(match.group(1)), int(match.group(2))
        if 1 <= k <= n:
            return k, n
    raise UsageError(f"{option} {text!r}: expected K/N with 1 ≤ K ≤ N, e.g. 1/2 and 2/2")


def in_shard(ids: Iterable[str], shard: tuple[int, int]) -> set[str]:
    """The ids that shard K of N runs: the sorted, distinct ids dealt round-robin.

    Every CI machine computes the same deal from the same suite (no shared state), the N shards
    are disjoint and cover the suite, and their sizes differ by at most one.
    """
    k, n = shard
    return {key for i, key in enumerate(sorted(set(ids))) if i % n == k - 1}


def shard_scenarios(scenarios: Sequence[Scenario], shard: tuple[int, int]) -> list[Scenario]:
    """The scenarios of shard K of N (by file and name), in their original order."""

    def key(scenario: Scenario) -> str:
        return f"{scenario.file}::{scenario.name}"

    kept = in_shard((key(s) for s in scenarios), shard)
    return [s for s in scenarios if key(s) in kept]


def connect_browser(
    browser_type: BrowserType, ws_endpoint: str, launch_kwargs: Mapping[str, Any]
) -> Browser:
    """A browser of a remote Playwright server (`playwright launch-server`, or `run-server`).

    The launch options travel in the header pytest-playwright uses: a `launch-server` ignores
    them (it launched its own browser), a `run-server` launches with them (only with
    `--unsafe` for an executable path or arguments; otherwise its own Playwright builds).
    """
    headers = {"x-playwright-launch-options": json.dumps(dict(launch_kwargs))}
    try:
        return browser_type.connect(ws_endpoint, headers=headers, timeout=60_000)
    except Exception as error:
        first = (str(error).strip().splitlines() or [repr(error)])[0]
        raise BrowserError(
            f"cannot use the remote browser at {ws_endpoint}: {first} — expected the ws:// "
            "endpoint of a Playwright server (playwright launch-server / run-server) "
            f"serving {browser_type.name}"
        ) from None
