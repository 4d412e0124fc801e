"""The steps that wait for the page: `wait_for` (a URL or an element's state), `expect_url`,
`expect_text`. CSS selectors are checked with one-shot `evaluate`s, which keep working on a
page restored from the back/forward cache over WebDriver BiDi; other selectors go through
Playwright's own waits."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from preflight import history
from preflight.globs import url_matches
from preflight.scenario._drive import StepFailed
from preflight.scenario._model import ExpectText, WaitFor
from preflight.watch._tracing import untraced

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from preflight.scenario._drive import Driver


def _css(selector: str) -> bool:
    """Whether `selector` may be plain CSS. CSS selectors are checked with one-shot `evaluate`s:
    they work on a page restored from the back/forward cache over WebDriver BiDi, where
    Playwright's own waits hang (Playwright 1.64, Firefox ESR 153). Other engines (text=,
    role=, xpath=) go through Playwright."""
    return not re.match(r"^[a-z_-]+=", selector) and not selector.startswith(("//", ".."))


# Whether an element (or null) is in a `wait_for` state; also on a restored page (`_restored`).
STATE_OF = """(el, state) => {
    const visible = !!el && (el.checkVisibility ? el.checkVisibility()
        : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length));
    return {visible: visible, attached: !!el, hidden: !visible, detached: !el}[state];
}"""


def wait_url(driver: Driver, glob: str, timeout_s: float, what: str) -> None:
    pattern = glob if "://" in glob or glob.startswith("*") else "*" + glob
    pauses = history.pauses()
    deadline = time.monotonic() + driver.within(timeout_s)
    again = False
    while True:
        href, again = driver.probe("location.href", again=again), True
        if isinstance(href, str) and url_matches(href, [pattern]):
            return
        if time.monotonic() >= deadline:
            raise StepFailed(f"{what}: the URL is {href}, expected one matching {glob}")
        time.sleep(next(pauses))


def expect_text(driver: Driver, step: ExpectText) -> None:
    """Passes when one of the elements `step.selector` matches holds the text, as Playwright's
    `locator(sel).filter(has_text=…)` finds it: a shop's first `section` may be a cart drawer,
    the summary the second (issue #27)."""
    pauses = history.pauses()
    deadline = time.monotonic() + driver.within(step.timeout_s)
    script = """([selector, text]) => {
            let all;
            try { all = document.querySelectorAll(selector); } catch (e) { return "not-css"; }
            if (!all.length) return null;
            for (const el of all) {
                if ((el.innerText || el.textContent || "").includes(text)) return true;
            }
            return all.length;
        }"""
    css, again = _css(step.selector), False
    while True:
        found = driver.probe(script, [step.selector, step.text], again=again) if css else None
        if found == "not-css" or not css:
            matched = driver.page.locator(step.selector)
            count = _count(matched, again)
            holding = _count(matched.filter(has_text=step.text), again) if count else 0
            found = True if holding else (count or None)
        again = True
        if found is True:
            return
        if time.monotonic() >= deadline:
            where = "the page" if step.selector == "body" else step.selector
            if found is None:
                state = "is not on the page"
            elif isinstance(found, int) and found > 1:
                state = f"matches {found} elements, none contains {step.text!r}"
            else:
                state = f"does not contain {step.text!r}"
            raise StepFailed(f"expect_text: {where} {state} (URL {driver.probe('location.href')})")
        time.sleep(next(pauses))


def _count(locator: Locator, again: bool) -> int:
    """`locator.count()`; a poll's repeats are left out of a Playwright trace, as `probe`'s."""
    return int(untraced(locator, "count")) if again else locator.count()


def wait_selector(driver: Driver, step: WaitFor) -> None:
    assert step.selector is not None
    timeout_s = driver.within(step.timeout_s)
    if not _css(step.selector):
        driver.page.wait_for_selector(step.selector, state=step.state, timeout=timeout_s * 1000)
        return
    script = f"""([selector, state]) => {{
            let el;
            try {{ el = document.querySelector(selector); }} catch (e) {{ return "not-css"; }}
            return ({STATE_OF})(el, state);
        }}"""
    pauses = history.pauses()
    deadline = time.monotonic() + timeout_s
    again = False
    while True:
        done, again = driver.probe(script, [step.selector, step.state], again=again), True
        if done == "not-css":  # a Playwright extension (:has-text, >>): Playwright waits
            driver.page.wait_for_selector(step.selector, state=step.state, timeout=timeout_s * 1000)
            return
        if done is True:
            return
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"wait_for: {step.selector} not {step.state} after {step.timeout_s:g}s "
                f"(URL {driver.probe('location.href')})"
            )
        time.sleep(next(pauses))
