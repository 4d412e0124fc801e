"""Replay a scenario in a browser context with the watcher attached, and judge it.

History steps are driven so they work on both engines and with the back/forward cache on or
off (see DEVELOPERS.md and RESEARCH.md): `page.go_back()` waits for a `load` that a bfcache
restore never fires (Chromium), and over WebDriver BiDi (stock Firefox) a restore is invisible
to Playwright altogether (`page.url` stale, waits hang). So `back`/`forward` are a trusted key
press (a user activation: browsers ignore script history moves without one) then
`history.back()`/`forward()` in the page, and the arrival is seen by polling one-shot
`evaluate`s — which keep working on a restored page — and by the watcher's `settle()`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from loguru import logger
from pydantic import BaseModel, Field

from preflight.errors import BrowserError, UsageError
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
from preflight.watch.events import Event, Outcome, Verdict

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, BrowserType, Page

STEP_TIMEOUT_S = 10.0
SETTLE_S = 3.0
_POLL_S = 0.05


def _pauses() -> Iterator[float]:
    """Pauses between the polls of one wait: short at first (most waits end within a few tens
    of milliseconds of the step), then every `_POLL_S`."""
    pause = 0.01
    while True:
        yield pause
        pause = min(_POLL_S, pause * 1.5)


class StepFailed(Exception):
    """A step that could not be done; the message says what was seen."""


class ViolationRow(BaseModel):
    kind: str
    url: str
    step: str | None = None


class Failure(BaseModel):
    """Why a scenario did not pass: a step that failed, or an expectation that did not hold."""

    message: str
    step: int | None = None  # 1-based index of the failing step
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
        row["violations"] = [v.model_dump() for v in self.violations]
        row["duration_s"] = round(self.duration_s, 3)
        row["failure"] = self.failure.model_dump() if self.failure else None
        return row


def describe_expectation(scenario: Scenario) -> str:
    expect = scenario.expect
    text = f"{expect.verdict}"
    if expect.violations:
        text += f" by [{', '.join(expect.violations)}]"
    elif expect.violations == []:
        text += " with no violation"
    if expect.warnings:
        text += f" with warnings [{', '.join(expect.warnings)}]"
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
    if ok:
        return None
    got: str = outcome.verdict
    if kinds:
        got += f" by [{', '.join(kinds)}]"
    if warnings:
        got += f" with warnings [{', '.join(warnings)}]"
    return f"expected {describe_expectation(scenario)}, got {got}"


def event_line(event: Event) -> str:
    parts = [f"#{event.seq}", event.kind]
    if event.nav:
        parts.append(f"({event.nav})")
    if event.url:
        parts.append(event.url)
    if event.step:
        parts.append(f"[step {event.step}]")
    return " ".join(parts)


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
) -> ScenarioResult:
    """Drive `scenario` in `context` (fresh, no page yet) with a watcher, and judge it.

    Never raises for what happens in the page: a failing step becomes the result's `failure`
    (with a masked screenshot in `artifacts` when given). Placeholders are filled from
    `variables` (scenario `vars` are defaults); an unknown one raises `ScenarioError`.
    """
    filled = fill_placeholders(scenario, {"BASE_URL": base_url.rstrip("/"), **(variables or {})})
    started = time.monotonic()
    timeline: list[str] = []

    def seen(event: Event) -> None:
        timeline.append(event_line(event))
        del timeline[:-30]
        if on_event is not None:
            on_event(event)

    watcher = Watcher(rules, on_event=seen)
    watcher.attach(context)
    context.set_default_timeout(step_timeout_s * 1000)
    page = context.new_page()
    driver = _Driver(page, watcher, rules, base_url, artifacts, filled.name, browser)
    failure: Failure | None = None
    try:
        for index, step in enumerate(filled.steps, start=1):
            watcher.step = step.name or f"{index} {step.action}"
            if on_step is not None:
                on_step(index, step)
            try:
                driver.run(step, index)
            except Exception as error:
                failure = Failure(
                    message=_one_line(error),
                    step=index,
                    action=step.action,
                    line=step.line or None,
                    screenshot=driver.shot(f"failed-step-{index}"),
                )
                logger.debug("{}: step {} failed: {}", filled.name, index, failure.message)
                break
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
        failure = Failure(message=mismatch, screenshot=driver.shot("unexpected-verdict"))
    elif failure is not None and mismatch is not None:
        failure = failure.model_copy(update={"message": f"{failure.message}; {mismatch}"})
    return ScenarioResult(
        scenario=scenario.name,
        file=scenario.file,
        browser=browser,
        verdict=outcome.verdict,
        expected=scenario.expect.verdict,
        passed=failure is None,
        violations=[ViolationRow(kind=v.kind, url=v.url, step=v.step) for v in outcome.violations],
        warnings=[w.kind for w in outcome.warnings],
        duration_s=time.monotonic() - started,
        failure=failure,
        timeline=timeline,
        outcome=outcome,
        sensitive_values=frozenset(driver.sensitive_values),
    )


# The field's tag, and whether one of the rules' sensitive selectors (bank details) matches it.
_TAG_AND_SENSITIVE = """(e, selectors) => [e.tagName, selectors.some((s) => {
    try { return e.matches(s); } catch (error) { return false; }
})]"""


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

    def run(self, step: Step, index: int) -> None:
        page = self.page
        if isinstance(step, Goto):
            # A first page load can be slow (a cold browser): not what step_timeout_s is about.
            page.goto(urljoin(self.base_url, step.url), wait_until="load", timeout=30_000)
            self._settle()
        elif isinstance(step, Click):
            page.click(step.selector, button=step.button, click_count=step.click_count)
            self._settle()
        elif isinstance(step, Fill):
            field = page.locator(step.selector).first
            tag, sensitive = field.evaluate(_TAG_AND_SENSITIVE, list(self.rules.privacy.sensitive))
            if sensitive and step.value:
                # Bank details typed here also land in a Playwright trace, if one is recorded:
                # the pytest plugin scrubs these values from it (microsoft/playwright#10526).
                self.sensitive_values.add(step.value)
            # Chrome's recorder writes a choice in a <select> as a `change` like any field's.
            if tag == "SELECT":
                field.select_option(step.value)
            else:
                field.fill(step.value)
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
        elif isinstance(step, Back | Forward):
            self._traverse(step.action)
        elif isinstance(step, Reload):
            self._reload()
        elif isinstance(step, ExpectUrl):
            self._wait_url(step.url, step.timeout_s, "expect_url")
        elif isinstance(step, ExpectText):
            self._expect_text(step)
        elif isinstance(step, Screenshot):
            name = step.file or f"step-{index}"
            if self.shot(name.removesuffix(".png"), full_page=step.full_page) is None:
                logger.debug("screenshot step {} skipped: no artifacts folder", index)
        else:  # pragma: no cover - every model has a branch above
            raise StepFailed(f"no driver for {step.action}")

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

    def _probe(self, script: str, arg: Any = None) -> Any:
        try:
            return self.page.evaluate(script, arg)
        except Exception as error:  # navigating: the caller polls again
            logger.trace("evaluate while navigating: {}", error)
            return None

    def _wait_url(self, glob: str, timeout_s: float, what: str) -> None:
        pattern = glob if "://" in glob or glob.startswith("*") else "*" + glob
        pauses = _pauses()
        deadline = time.monotonic() + timeout_s
        while True:
            href = self._probe("location.href")
            if isinstance(href, str) and url_matches(href, [pattern]):
                return
            if time.monotonic() >= deadline:
                raise StepFailed(f"{what}: the URL is {href}, expected one matching {glob}")
            time.sleep(next(pauses))

    def _expect_text(self, step: ExpectText) -> None:
        pauses = _pauses()
        deadline = time.monotonic() + step.timeout_s
        script = """([selector, text]) => {
            let el;
            try { el = document.querySelector(selector); } catch (e) { return "not-css"; }
            return el ? (el.innerText || el.textContent || "").includes(text) : null;
        }"""
        while True:
            found = self._probe(script, [step.selector, step.text]) if _css(step.selector) else None
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
        pauses = _pauses()
        deadline = time.monotonic() + step.timeout_s
        while True:
            done = self._probe(script, [step.selector, step.state])
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

    def _arrived(self, mark: str, before: str) -> bool:
        """True once the page shows another document (or, in a single-page app, another URL)
        and it has loaded."""
        state = self._probe(
            "mark => [location.href, window.__preflightReplayMark === mark, document.readyState]",
            mark,
        )
        if not state:
            return False
        href, same_document, ready = state
        if ready != "complete":
            return False
        return not same_document or href != before

    def _mark(self) -> tuple[str, str]:
        mark = secrets.token_hex(4)
        for _ in range(40):
            state = self._probe(
                "mark => { window.__preflightReplayMark = mark; return location.href; }", mark
            )
            if isinstance(state, str):
                return mark, state
            time.sleep(_POLL_S)
        raise StepFailed("the page does not answer (still loading?)")

    def _traverse(self, direction: str) -> None:
        mark, before = self._mark()
        # A trusted key press gives the page a user activation; Shift alone does nothing else.
        self.page.keyboard.press("Shift")
        self._probe(f"history.{direction}()")
        self._wait_arrival(mark, before, direction)

    def _reload(self) -> None:
        mark, before = self._mark()
        try:
            # `commit`, not `load`: on Firefox with the bfcache on, load waits can hang (BiDi).
            self.page.reload(wait_until="commit")
        except Exception as error:
            logger.debug("page.reload failed ({}); reloading from the page", error)
            self.page.keyboard.press("Shift")
            self._probe("location.reload()")
        self._wait_arrival(mark, before, "reload")

    def _wait_arrival(self, mark: str, before: str, what: str) -> None:
        pauses = _pauses()
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not self._arrived(mark, before):
            if time.monotonic() >= deadline:
                raise StepFailed(
                    f"{what}: nothing happened, the page is still {before}"
                    + (" (is there a page to go back to?)" if what == "back" else "")
                )
            time.sleep(next(pauses))
        self._settle()

    # --- evidence ------------------------------------------------------------------------------

    def shot(self, name: str, *, full_page: bool = False) -> str | None:
        """A screenshot with bank and personal fields masked, or None (no folder, no page)."""
        if self.artifacts is None:
            return None
        from preflight.report.privacy import mask_locators, screenshot_masks

        path = self.artifacts / f"{self.stem}-{name}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            masks = mask_locators(self.page, screenshot_masks(self.rules))
            self.page.screenshot(path=str(path), mask=masks, full_page=full_page, timeout=5000)
        except Exception as error:  # never let the evidence hide the real failure
            logger.debug("screenshot {} not taken: {}", path, error)
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
