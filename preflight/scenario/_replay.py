"""Replay a scenario in a browser context with the watcher attached, and judge it: step after
step, each in its own trace group when traced, then the watcher's outcome against what the
scenario expects. Each kind of step is driven by its own module on a small base (`_drive`):
`_forms`, `_waits`, `_moves` (history: why `back` is a key press, not `page.go_back()`),
`_frames`, `_restored` (steps on a page restored from the cache that Playwright cannot see);
the result and its judging are `_results`', where a `goto` may go `_gotos`', and shards and
remote browsers `_scale`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from preflight._playwright import playwright_error
from preflight.errors import PageUnresponsive, PreflightError
from preflight.privacy import allowed_params, redact
from preflight.rules import Rules
from preflight.scenario import _model as steps
from preflight.scenario import _restored as restored
from preflight.scenario._drive import (
    SCENARIO_TIMEOUT_S,
    SETTLE_S,
    STEP_TIMEOUT_S,
    Driver,
    StepFailed,
    one_line,
)
from preflight.scenario._forms import fill
from preflight.scenario._frames import run_in_frame
from preflight.scenario._gotos import check_gotos, goto_url
from preflight.scenario._loader import fill_placeholders
from preflight.scenario._model import Scenario, Step
from preflight.scenario._moves import reload, traverse
from preflight.scenario._results import (
    Failure,
    ScenarioResult,
    ViolationRow,
    event_line,
    first_unexpected,
    judge,
    known_values,
    step_of,
)
from preflight.scenario._waits import expect_text, wait_selector, wait_url
from preflight.watch import Watcher
from preflight.watch._ask import answers
from preflight.watch._tracing import group, group_end, label, tracing_on
from preflight.watch.events import Event

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

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


def step_title(step: Step, index: int) -> str:
    """The step's trace group name: its `name`, else `N action target` (`3 click #valider`).
    The target is the selector, URL, key or glob; never a typed value or a checked text (they
    may be the customer's). Bounded, one line: the caller redacts it."""
    if step.name:
        return label(step.name)
    target = ""
    if isinstance(step, steps.Goto | steps.ExpectUrl):
        target = step.url
    elif isinstance(step, steps.Press):
        target = f"{step.key} {step.selector}" if step.selector else step.key
    elif isinstance(step, steps.WaitFor):
        target = step.selector if step.selector is not None else str(step.url)
    elif isinstance(step, steps.Screenshot):
        target = step.file or ""
    elif isinstance(step, steps.Click | steps.Fill | steps.Select | steps.Check | steps.ExpectText):
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
    on_step: Callable[[int, Step], bool | None] | None = None,
    step_timeout_s: float = STEP_TIMEOUT_S,
    allow_local_files: bool = False,
    scenario_timeout_s: float = SCENARIO_TIMEOUT_S,
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
    # lines) is redacted of URL values and of every value the scenario types, selects, expects
    # or fills in from a variable (issues #13, #25); screenshots mask where the page shows them.
    allowed, known = allowed_params(rules), known_values(filled, variables)

    def safe(text: str) -> str:
        return redact(text, allowed, known)

    started = time.monotonic()
    timeline: list[str] = []

    def seen(event: Event) -> None:
        timeline.append(event_line(event))
        del timeline[:-30]
        if on_event is not None:
            on_event(event)

    watcher = Watcher(rules, on_event=seen)
    watcher.attach(context, also=NO_EXTERNAL_APPS)
    context.set_default_timeout(step_timeout_s * 1000)
    page = context.new_page()
    driver = Driver(page, watcher, rules, base_url, artifacts, filled.name, browser)
    driver.allow_local_files = allow_local_files
    driver.known = known
    driver.step_timeout_s = step_timeout_s
    driver.deadline = started + scenario_timeout_s
    failure: Failure | None = None
    # Under Playwright's tracing, each step is a group of the trace (see watch/_tracing.py).
    traced = tracing_on(context)
    try:
        for index, step in enumerate(filled.steps, start=1):
            watcher.step = step.name or f"{index} {step.action}"
            if on_step is not None and on_step(index, step) is False:
                break  # the caller ends the replay here: judged on what was seen
            left = driver.deadline - time.monotonic()
            if left <= 0:
                failure = Failure(
                    message=f"cut short: the scenario's time limit ({scenario_timeout_s:g} s) "
                    f"was reached before step {index}",
                    step=index,
                    action=step.action,
                    line=step.line or None,
                )
                break
            # Playwright's own waits (click, fill…) end with the step, or with the scenario;
            # so do the replayer's own on a restored page (`_restored`).
            limit = min(step_timeout_s, left)
            context.set_default_timeout(limit * 1000)
            driver.ask_s = driver.step_timeout_s = limit
            grouped = traced and group(context, safe(step_title(step, index)))
            try:
                _run_step(driver, step, index)
            except (StepFailed, PreflightError, playwright_error()) as error:
                failure = _failed(driver, error, step, index, scenario_timeout_s, safe)
                logger.debug("{}: step {} failed: {}", filled.name, index, failure.message)
                break
            finally:
                if grouped:
                    watcher.trace_marks()  # what the step's last moments brought: in its group
                    group_end(context)
        watcher.step = None
        try:
            watcher.settle(timeout=SETTLE_S)
            # A last step that led to the confirmation: its page is judged once read, within
            # the step's time limit (on a loaded machine the read took longer than SETTLE_S,
            # and a recording's `completed: true` then failed for nothing).
            if failure is None and watcher.confirming:
                watcher.settle(timeout=driver.within(step_timeout_s))
        except playwright_error() as error:  # a page closed under the watcher: judge what it saw
            logger.debug("settle: {}", error)
        outcome = watcher.outcome()
    finally:
        watcher.detach()  # closes a page that does not answer (its script spins)
    mismatch = judge(scenario, outcome)
    # A run cut short by a failed step never reached the pages its patterns are for: saying
    # they « matched nothing » would send QA to the rules for nothing (issue #27).
    coverage = [gap.message for gap in outcome.coverage] if failure is None else []
    if failure is None and mismatch is not None:
        failure = Failure(
            message=mismatch,
            step=step_of(filled, first_unexpected(scenario, outcome)),
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
        coverage=coverage,
        duration_s=time.monotonic() - started,
        failure=failure,
        timeline=[safe(line) for line in timeline],
        outcome=outcome,
        sensitive_values=frozenset(driver.sensitive_values) | known,
    )


def _failed(
    driver: Driver,
    error: Exception,
    step: Step,
    index: int,
    scenario_timeout_s: float,
    safe: Callable[[str], str],
) -> Failure:
    """A failed step: what went wrong, and a screenshot — unless the page stopped answering
    (its script spins: no picture can be taken), which is closed instead."""
    unresponsive = isinstance(error, PageUnresponsive)
    # A page waiting for its next document answers nothing meanwhile, yet it is not stuck: it
    # is photographed as it is (the slow page's failure keeps its screenshot).
    stuck = unresponsive or (not driver.loading() and not answers(driver.page, 1.0))
    message = driver.why(error) if not stuck else f"{one_line(error)} (URL {driver.page.url})"
    if time.monotonic() >= driver.deadline:
        message += f"; cut short: the scenario's time limit ({scenario_timeout_s:g} s) was reached"
    if stuck:
        message += (
            "; the page was closed"
            if unresponsive
            else ("; the page did not answer (its script is busy) and was closed")
        )
        _close(driver.page)
    return Failure(
        message=safe(message),
        step=index,
        action=step.action,
        line=step.line or None,
        screenshot=None if stuck else driver.shot(f"failed-step-{index}"),
    )


def _close(page: Page) -> None:
    try:
        page.close(run_before_unload=False)
    except playwright_error() as error:  # already gone with its browser
        logger.debug("closing an unresponsive page: {}", error)


def _run_step(driver: Driver, step: Step, index: int) -> None:
    """One step: the page's own actions here, each other kind of step by its module."""
    page = driver.page
    if restored.run(driver, step):  # a page restored from the cache, unseen by Playwright
        return
    if getattr(step, "frame", None) and not isinstance(step, steps.Fill):
        run_in_frame(driver, step)
    elif isinstance(step, steps.Goto):
        # A first page load can be slow (a cold browser): not what step_timeout_s is about.
        url = goto_url(driver.base_url, step.url, allow_local_files=driver.allow_local_files)
        if url is None:  # refused by check_gotos before the first step
            raise StepFailed(f"goto {step.url}: not an http(s) URL")
        page.goto(url, wait_until="load", timeout=driver.within(30.0) * 1000)
        driver.settle()
    elif isinstance(step, steps.Click):
        page.click(step.selector, button=step.button, click_count=step.click_count)
        driver.settle()
    elif isinstance(step, steps.Fill):
        fill(driver, step)
    elif isinstance(step, steps.Select):
        if step.value is not None:
            page.select_option(step.selector, value=step.value)
        else:
            page.select_option(step.selector, label=step.label)
    elif isinstance(step, steps.Check):
        page.set_checked(step.selector, step.checked)
    elif isinstance(step, steps.Press):
        if step.selector:
            page.press(step.selector, step.key)
        else:
            page.keyboard.press(step.key)
        driver.settle()
    elif isinstance(step, steps.WaitFor):
        if step.url is not None:
            wait_url(driver, step.url, step.timeout_s, "wait_for")
        else:
            wait_selector(driver, step)
    elif isinstance(step, steps.Back):
        traverse(driver, "back")
    elif isinstance(step, steps.Forward):
        traverse(driver, "forward")
    elif isinstance(step, steps.Reload):
        reload(driver)
    elif isinstance(step, steps.ExpectUrl):
        wait_url(driver, step.url, step.timeout_s, "expect_url")
    elif isinstance(step, steps.ExpectText):
        expect_text(driver, step)
    elif isinstance(step, steps.Screenshot):
        name = step.file or f"step-{index}"
        if driver.shot(name.removesuffix(".png"), full_page=step.full_page, required=True) is None:
            logger.debug("screenshot step {} skipped: no artifacts folder", index)
    else:  # pragma: no cover - every model has a branch above
        raise StepFailed(f"no driver for {step.action}")
