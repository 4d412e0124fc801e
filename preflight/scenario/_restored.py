"""Steps on a page restored from the back/forward cache where Playwright cannot see the restore:
stock Firefox over WebDriver BiDi (Playwright 1.64.1, Firefox ESR 153).

Why: over BiDi, a Back or Forward that restores a page from the cache starts a navigation
(`browsingContext.navigationStarted`) that never commits nor loads — the spec defines no page
load events for a restore (w3c/webdriver-bidi#1019). Playwright keeps that navigation pending,
so every action and wait first waits "for navigation to finish…" until its timeout, with the
element on screen; Playwright's own suite expects the same timeout on stock Firefox
("goBack/goForward should work with bfcache-able pages", microsoft/playwright
tests/bidi/expectations/moz-firefox-nightly-page.txt). What does not wait for it, measured:
`evaluate`, `Locator.count()`/`evaluate_all()`, `page.mouse`, `page.keyboard`, screenshots.

So, while the page shows such a document (tagged by `arrived`), a step's target is found by
Playwright's own selector engines without waiting (`Locator.evaluate_all`: CSS, `text=`,
`role=`, `xpath=`, `>>` chains — every kind a step takes), polled until it is visible, enabled
and not covered, scrolled into view, and acted on with real input: `page.mouse` at the middle
of its box and `page.keyboard`, trusted events as a person's (never a click from script: the
watcher does not count untrusted clicks). A `select` sets its option and tells the page as
Playwright's own `select_option` does. The frames of a restored document are not announced
again (Playwright sees none), so a step in a frame fails with one clear message. The next
document loaded (a click's navigation, a reload) is an ordinary load for Playwright: from
there its own locators drive again. Chromium reports a restore over the DevTools protocol
(`Page.frameNavigated`, type `BackForwardCacheRestore`): its locators keep working.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight import history
from preflight._playwright import playwright_error
from preflight.scenario._drive import StepFailed, one_line
from preflight.scenario._forms import TAG_AND_SENSITIVE
from preflight.scenario._model import Check, Click, Fill, Press, Select, Step, WaitFor
from preflight.scenario._waits import STATE_OF

if TYPE_CHECKING:
    from preflight.scenario._drive import Driver

# Engines whose Playwright protocol (WebDriver BiDi) says nothing of a restore.
BLIND_TO_RESTORES = ("firefox",)

# Whether the page still shows the tagged document; first in every script run on its elements.
_STILL = "window.__preflightRestored === tag"

# The first element matched, made ready for real input: in view, visible, enabled, and the one
# a click at the middle of its box reaches (a label of it counts); where that middle is.
_AIM = f"""(elements, [tag]) => {{
    if (!({_STILL})) return {{state: "left"}};
    const e = elements[0];
    if (!e) return {{state: "missing"}};
    e.scrollIntoView({{block: "center", inline: "center", behavior: "instant"}});
    const r = e.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0
        && (!e.checkVisibility || e.checkVisibility({{visibilityProperty: true}}));
    if (!shown) return {{state: "hidden"}};
    if (e.matches(":disabled")) return {{state: "disabled"}};
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const root = e.getRootNode();
    const hit = (root.elementFromPoint ? root : document).elementFromPoint(x, y);
    const label = hit && hit.closest ? hit.closest("label") : null;
    if (!hit || !(hit === e || e.contains(hit) || (label && label.control === e))) {{
        const by = hit ? hit.tagName.toLowerCase() + (hit.id ? "#" + hit.id : "") : "nothing";
        return {{state: "covered", by}};
    }}
    return {{state: "ready", x, y, tag: e.tagName, checked: !!e.checked}};
}}"""

# A <select>'s option chosen by value, else by label, then `input` and `change` dispatched:
# what Playwright's `select_option` does on both engines (its events are untrusted too).
_SELECT = f"""(elements, [tag, value, label]) => {{
    if (!({_STILL})) return "left";
    const s = elements[0];
    if (!s || s.tagName !== "SELECT") return "not a <select>";
    const options = Array.from(s.options);
    const option = value !== null
        ? options.find((o) => o.value === value) || options.find((o) => o.label === value)
        : options.find((o) => o.label === label || o.textContent.trim() === label);
    if (!option) return "no such option";
    s.focus();
    option.selected = true;
    s.dispatchEvent(new Event("input", {{bubbles: true, composed: true}}));
    s.dispatchEvent(new Event("change", {{bubbles: true}}));
    return "done";
}}"""

_WORDS = {
    "missing": "is not on the page",
    "hidden": "is not visible",
    "disabled": "is disabled",
}


class _Left(Exception):
    """The page no longer shows the restored document: Playwright sees the new one."""


def arrived(driver: Driver, restored: bool) -> None:
    """After a Back or Forward: tag the document shown when it is a restore Playwright cannot
    see, so that the next steps are driven here until another document is shown."""
    driver.restored = None
    if not restored:
        return
    if driver.engine not in BLIND_TO_RESTORES:
        logger.debug("page restored from the back/forward cache; Playwright sees it")
        return
    tag = secrets.token_hex(4)
    tagging = "tag => { window.__preflightRestored = tag; return true; }"
    if driver.probe(tagging, tag, again=True) is True:  # ours: out of a trace
        driver.restored = tag
        logger.debug(
            "page restored from the back/forward cache, unseen by Playwright: "
            "its steps are driven with real input until another page loads"
        )


def run(driver: Driver, step: Step) -> bool:
    """Drive `step` on the restored document; False when this is not for it to drive (no
    restored document, a step that needs no element, or the page has moved on since)."""
    if driver.restored is None:
        return False
    frame = getattr(step, "frame", None)
    if frame and driver.probe(f"tag => {_STILL}", driver.restored, again=True) is not True:
        driver.restored = None  # another document since: Playwright sees its frames
        return False
    if frame:
        raise StepFailed(
            f"{step.action} in frame {frame}: the page was restored from the "
            "back/forward cache, and on Firefox Playwright sees none of its frames until a "
            "page is loaded again (w3c/webdriver-bidi#1019); steps in frames work after a "
            "step that loads a page, or with the cache off"
        )
    try:
        return _drive(driver, step)
    except _Left:
        driver.restored = None
        return False


def _drive(driver: Driver, step: Step) -> bool:
    page = driver.page
    if isinstance(step, Click):
        point = _aim(driver, step.action, step.selector)
        page.mouse.click(point["x"], point["y"], button=step.button, click_count=step.click_count)
        driver.settle()
    elif isinstance(step, Fill):
        _fill(driver, step)
    elif isinstance(step, Select):
        _aim(driver, step.action, step.selector)
        _select(driver, step.selector, step.value, step.label)
    elif isinstance(step, Check):
        point = _aim(driver, step.action, step.selector)
        if point["checked"] != step.checked:
            page.mouse.click(point["x"], point["y"])
            now = _on_elements(driver, step.selector, "(es) => !!(es[0] && es[0].checked)")
            if now != step.checked:
                raise StepFailed(f"check {step.selector}: a click did not change its state")
    elif isinstance(step, Press) and step.selector:
        _aim(driver, step.action, step.selector)
        _on_elements(driver, step.selector, "(es) => es[0] && es[0].focus()")
        page.keyboard.press(step.key)
        driver.settle()
    elif isinstance(step, WaitFor) and step.selector is not None:
        wait_state(driver, step.selector, step.state, step.timeout_s)
    else:
        return False
    return True


def _fill(driver: Driver, step: Fill) -> None:
    """Focus the field with a click, select what it holds and type the value key by key: the
    events of a person's typing, which every framework's state follows (React's included)."""
    point = _aim(driver, step.action, step.selector)
    sensitive = list(driver.rules.privacy.sensitive)
    script = f"(es, [tag, s]) => ({TAG_AND_SENSITIVE})(es[0], s)"
    found = _on_elements(driver, step.selector, script, sensitive)
    if isinstance(found, list) and found[1] and step.value:
        driver.sensitive_values.add(step.value)  # as `_forms.fill`: scrubbed from a trace
    if point["tag"] == "SELECT":
        _select(driver, step.selector, step.value, None)
        return
    keyboard = driver.page.keyboard
    driver.page.mouse.click(point["x"], point["y"])
    keyboard.press("ControlOrMeta+A")
    keyboard.press("Delete")
    if step.value:
        keyboard.type(step.value)


def _select(driver: Driver, selector: str, value: str | None, label: str | None) -> None:
    said = _on_elements(driver, selector, _SELECT, value, label)
    if said == "left":
        raise _Left
    if said != "done":
        raise StepFailed(f"select {selector}: {said} (on a page restored from the cache)")


def _aim(driver: Driver, action: str, selector: str) -> dict[str, Any]:
    """Poll until the first element `selector` matches is ready for real input; its middle."""
    waits = history.pauses()
    deadline = time.monotonic() + driver.step_timeout_s
    while True:
        state = _on_elements(driver, selector, _AIM)
        if isinstance(state, dict) and state.get("state") == "left":
            raise _Left
        if isinstance(state, dict) and state.get("state") == "ready":
            return state
        if time.monotonic() >= deadline:
            what = state.get("state") if isinstance(state, dict) else None
            words = _WORDS.get(str(what), "is not ready")
            if what == "covered":
                words = f"is covered by {state.get('by')}"
            raise StepFailed(
                f"{action} {selector}: {words} after {driver.step_timeout_s:g} s, on a page "
                f"restored from the back/forward cache (URL {driver.probe('location.href')})"
            )
        time.sleep(next(waits))


def wait_state(driver: Driver, selector: str, state: str, timeout_s: float) -> None:
    """`wait_for` a selector's state on the restored document."""
    script = f"(es, [tag, state]) => ({_STILL}) ? ({STATE_OF})(es[0] || null, state) : 'left'"
    waits = history.pauses()
    deadline = time.monotonic() + timeout_s
    while True:
        done = _on_elements(driver, selector, script, state)
        if done == "left":
            raise _Left
        if done is True:
            return
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"wait_for: {selector} not {state} after {timeout_s:g}s, on a page restored "
                f"from the back/forward cache (URL {driver.probe('location.href')})"
            )
        time.sleep(next(waits))


def _on_elements(driver: Driver, selector: str, script: str, *args: Any) -> Any:
    """`script(elements, [tag, *args])` on what `selector` matches now, without waiting; None
    while the page is between documents. A selector no engine can read fails the step."""
    try:
        return driver.page.locator(selector).evaluate_all(script, [driver.restored, *args])
    except playwright_error() as error:  # a document being replaced: the caller polls again
        if any(word in str(error) for word in _BAD_SELECTOR):
            raise StepFailed(f"{selector}: {one_line(error)}") from None
        logger.trace("evaluate_all on a restored page: {}", error)
        return None


# How Playwright says a selector cannot be read (a mistyped engine, an unclosed quote).
_BAD_SELECTOR = ("not a valid selector", "Unknown engine", "Unexpected token", "Unexpected end")
