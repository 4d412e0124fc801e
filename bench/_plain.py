"""The same scenario steps driven by plain Playwright: no probe, no watcher, Playwright's own
waits. The floor the watcher's overhead is measured against (figure 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from preflight.scenario import (
    Back,
    Click,
    ExpectText,
    ExpectUrl,
    Fill,
    Forward,
    Goto,
    Reload,
    Scenario,
    Step,
    fill_placeholders,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


def _glob(url: str) -> str:
    # The scenario format's `*` matches any run of characters; Playwright's glob needs `**`.
    return url.replace("**", "*").replace("*", "**")


def drive(
    context: BrowserContext,
    scenario: Scenario,
    base_url: str,
    on_step: Callable[[int, Step], object] | None = None,
) -> None:
    """Run every step of `scenario` in a new page of `context`; raise if one cannot be done.
    `on_step` is told each step before it is driven (`bench.protocol` marks them)."""
    filled = fill_placeholders(scenario, {"BASE_URL": base_url.rstrip("/")})
    page = context.new_page()
    base = base_url.rstrip("/") + "/"
    for index, step in enumerate(filled.steps, start=1):
        if on_step is not None:
            on_step(index, step)
        if isinstance(step, Goto):
            page.goto(urljoin(base, step.url), wait_until="load")
        elif isinstance(step, Click):
            page.click(step.selector)
        elif isinstance(step, Fill):
            page.fill(step.selector, step.value)
            # What a hand-written script must add for a field bound to `change` on Firefox
            # (its fill never fires one; Chromium's fires it when the field is left).
            page.dispatch_event(step.selector, "change")
        elif isinstance(step, ExpectText):
            page.locator(step.selector).filter(has_text=step.text).first.wait_for(
                timeout=step.timeout_s * 1000
            )
        elif isinstance(step, ExpectUrl):
            page.wait_for_url(_glob(step.url), timeout=step.timeout_s * 1000)
        elif isinstance(step, Back):
            page.go_back(wait_until="load")
        elif isinstance(step, Forward):
            page.go_forward(wait_until="load")
        elif isinstance(step, Reload):
            page.reload(wait_until="load")
        else:
            raise NotImplementedError(f"the plain driver has no {step.action} step")
    page.close()
