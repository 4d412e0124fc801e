"""Putting a value in a form control so that the page's own state sees it (React's value
tracker on Firefox included), and the `fill` step, which also notes what was typed in a bank
detail field (a trace is scrubbed of it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.scenario._model import Fill
from preflight.watch._tracing import untraced

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from preflight.scenario._drive import Driver

# The field's tag, and whether one of the rules' sensitive selectors (bank details) matches it.
TAG_AND_SENSITIVE = """(e, selectors) => [e.tagName, selectors.some((s) => {
    try { return e.matches(s); } catch (error) { return false; }
})]"""


# React wraps each input's own `value` property to remember what it rendered (its "value
# tracker"), and drops an `input` event when the element's value equals what it remembers. So:
# set the wrapped property to something else (the tracker follows), put the real value through
# the prototype's setter (the tracker does not see it), and tell the page as an edit does.
# On a page without React both setters are the same one: the value ends the same, one more
# `input` event is sent. (Skyvern-AI/rustwright#187; RESEARCH.md, "Driving forms…")
# Then `change`, the commit a person's edit ends with: Chromium's edit fires it when the field
# loses focus; a value assigned from script never does on Firefox, so fields bound to `change`
# (Vue's v-model.lazy, `onchange`, jQuery's .change()) got nothing there (issue #27). It is sent
# at once rather than on blur: a step that submits with Enter never leaves the field.
_SYNC_FRAMEWORK_STATE = """(e, value) => {
    const proto = e instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
        : HTMLInputElement.prototype;
    const set = Object.getOwnPropertyDescriptor(proto, "value").set;
    if (e.value !== value) return false;
    e.value = value === "" ? " " : "";
    set.call(e, value);
    e.dispatchEvent(new Event("input", {bubbles: true}));
    e.dispatchEvent(new Event("change", {bubbles: true}));
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
    then replays the edit past the tracker. That evaluate is ours, not the user's: it is left
    out of a Playwright trace, where the step shows `fill` alone (each traced action costs DOM
    snapshots, and over BiDi 500 ms of unthrottled screencast: issue #27).
    A <select> takes a choice (Chrome's recorder writes it as a `change` like any field's):
    `select_option` fires the `change` React listens to, on both engines. (`check` clicks and
    `press` sends keys: real input that React sees on both engines, measured; nothing to add.)
    """
    if tag == "SELECT":
        field.select_option(value)
        return
    field.fill(value)
    if engine == "firefox" and tag in _TEXT_TAGS:
        _on_first(field, _SYNC_FRAMEWORK_STATE, value)


def _on_first(field: Locator, script: str, arg: object) -> Any:
    """`script(element, arg)` on the first element `field` matches now (None when there is
    none), out of a trace. Through `evaluate_all`, not `evaluate`: over WebDriver BiDi a
    locator's `evaluate` takes a handle on the element, adopts it into the page's world,
    describes and disposes of it — about ten round trips, where `evaluate_all` takes three
    (measured with DEBUG=pw:protocol, Playwright 1.64.1, issue #27). `evaluate_all` neither
    waits nor retries: when the document goes away under it (a navigation the previous step
    started: « Execution context was destroyed », seen on the React shop's payment page on
    Firefox), the locator's own `evaluate`, which waits for the element in the new document,
    is asked instead."""
    try:
        return untraced(
            field, "evaluate_all", f"(es, a) => es.length ? ({script})(es[0], a) : null", arg
        )
    except playwright_error() as error:
        logger.trace("fill: looking at the field again after {}", error)
    return untraced(field, "evaluate", script, arg)


# What Playwright's `fill` says of a <select> (or any element it cannot type into), at once,
# without waiting: the step then looks at the field and picks the option instead.
_NOT_FILLABLE = "Element is not an <input>, <textarea> or [contenteditable] element"

# After the edit, one look at the field: its tag and whether one of the rules' sensitive
# selectors matches it; on Firefox the same call replays the edit past React's tracker (above).
_LOOK_AND_SYNC = f"""(e, [selectors, value, sync]) => {{
    const found = ({TAG_AND_SENSITIVE})(e, selectors);
    const text = found[0] === "INPUT" || found[0] === "TEXTAREA";
    if (sync && text) ({_SYNC_FRAMEWORK_STATE})(e, value);
    return found;
}}"""


def fill(driver: Driver, step: Fill) -> None:
    """Playwright's `fill` first (it waits for the field as its actions do), then one look at
    the field (`_LOOK_AND_SYNC`): over WebDriver BiDi each look costs three protocol calls, and
    a look before the edit and another after it cost six (issue #27). A <select>, which `fill`
    refuses at once, is looked at and given its option (`fill_control`)."""
    field = driver.locate(step.selector, step.frame).first
    # Our own look at the field, not the user's: out of a trace, as in `fill_control`.
    sensitive_selectors = list(driver.rules.privacy.sensitive)
    try:
        field.fill(step.value)
    except playwright_error() as error:
        if _NOT_FILLABLE not in str(error):
            raise
        found = _on_first(field, TAG_AND_SENSITIVE, sensitive_selectors)
        tag, sensitive = (str(found[0]), bool(found[1])) if found else ("", False)
        if tag != "SELECT":
            raise
        _typed(driver, step.value, sensitive=sensitive)
        fill_control(field, tag, step.value, driver.engine)
        return
    sync = driver.engine == "firefox"
    try:
        found = _on_first(field, _LOOK_AND_SYNC, [sensitive_selectors, step.value, sync])
    except playwright_error():
        # The value is typed and the field could not be looked at: it is kept out of a
        # trace as if it were bank details (masking more, never less).
        _typed(driver, step.value, sensitive=True)
        raise
    _typed(driver, step.value, sensitive=found is None or bool(found[1]))


def _typed(driver: Driver, value: str, *, sensitive: bool) -> None:
    if sensitive and value:
        # Bank details typed here also land in a Playwright trace, if one is recorded:
        # the pytest plugin scrubs these values from it (microsoft/playwright#10526).
        driver.sensitive_values.add(value)
