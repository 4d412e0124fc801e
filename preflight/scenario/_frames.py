"""Steps on an element inside an iframe (a chat widget, a payment form), through Playwright's
locators, which wait for the frame and its element: the page's one-shot `evaluate`s only see
the top document."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from loguru import logger

from preflight import history
from preflight._playwright import playwright_error
from preflight.scenario._drive import StepFailed
from preflight.scenario._model import Check, Click, ExpectText, Press, Select, Step, WaitFor
from preflight.scenario._waits import wait_url

if TYPE_CHECKING:
    from preflight.scenario._drive import Driver


def run_in_frame(driver: Driver, step: Step) -> None:
    """A step on an element inside an iframe (a chat widget, a payment form): through
    Playwright's locators, which wait for the frame and its element. The page's own
    one-shot `evaluate`s (see `_css`) only see the top document."""
    frame = getattr(step, "frame", None)
    timeout_s = getattr(step, "timeout_s", 0)
    timeout_ms = driver.within(timeout_s) * 1000 if timeout_s else None
    if isinstance(step, Click):
        driver.locate(step.selector, frame).first.click(
            button=step.button, click_count=step.click_count
        )
        driver.settle()
    elif isinstance(step, Select):
        field = driver.locate(step.selector, frame).first
        if step.value is not None:
            field.select_option(value=step.value)
        else:
            field.select_option(label=step.label)
    elif isinstance(step, Check):
        driver.locate(step.selector, frame).first.set_checked(step.checked)
    elif isinstance(step, Press) and step.selector:
        driver.locate(step.selector, frame).first.press(step.key)
        driver.settle()
    elif isinstance(step, Press):
        driver.page.keyboard.press(step.key)  # the keyboard is the page's, frames included
        driver.settle()
    elif isinstance(step, WaitFor) and step.selector is not None:
        driver.locate(step.selector, frame).first.wait_for(state=step.state, timeout=timeout_ms)
    elif isinstance(step, WaitFor):
        wait_url(driver, str(step.url), step.timeout_s, "wait_for")
    elif isinstance(step, ExpectText):
        locator = driver.locate(step.selector, frame).first
        deadline = time.monotonic() + driver.within(step.timeout_s)
        pauses = history.pauses()
        while True:
            try:
                text = locator.inner_text(timeout=max(1, deadline - time.monotonic()) * 1000)
            except playwright_error() as error:  # not there (yet): said below, once out of time
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
