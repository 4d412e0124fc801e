"""The driver's small base: one page of one replay with the watcher on it, and what every kind
of step uses (a locator in the page or in a frame, settling after an action, a one-shot
`evaluate`, the URL the page really shows, a masked screenshot); `StepFailed` says what a step
could not do. Each kind of step is driven by its own module, given this driver: `_forms`,
`_waits`, `_moves` (history), `_frames`, `_restored` (a page restored from the back/forward
cache on Firefox); `_replay` dispatches the steps."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight import history
from preflight._playwright import playwright_error
from preflight.rules import Rules
from preflight.watch import Watcher

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Request, Response

STEP_TIMEOUT_S = 10.0

# No scenario runs longer than this by default (issue #25): every step's waits are cut to what
# is left of it, a page that stopped answering is closed.
SCENARIO_TIMEOUT_S = 300.0

SETTLE_S = 3.0

_POLL_S = 0.05

# How long a failure's screenshot waits for a slow page to load before its second try.
LOAD_WAIT_MS = 15_000


class StepFailed(Exception):
    """A step that could not be done; the message says what was seen."""


CALL_LOG_TAIL = 3


def one_line(error: BaseException) -> str:
    """Playwright's message on one line: its first line, then its call log's first entry (what
    was waited for: `waiting for locator("#x")`) and its last few (what happened at the end:
    the click done, then `waiting for navigation…`). A timeout's cause is in those last lines:
    a slow page is not a missing button (issue #27)."""
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[0].removeprefix("Error: ")
    if "Call log:" in lines:
        log = [line.lstrip("- ") for line in lines[lines.index("Call log:") + 1 :]]
        if log:
            shown = log[:1] + (["…"] if len(log) > CALL_LOG_TAIL + 1 else [])
            shown += log[1:][-CALL_LOG_TAIL:]
            head += " — call log: " + "; ".join(shown)
    return head


class Driver:
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
        # Values that may be the customer's (`known_values`): masked wherever the page shows them.
        self.known: frozenset[str] = frozenset()
        browser_type = page.context.browser.browser_type if page.context.browser else None
        self.engine = browser_type.name if browser_type else browser
        self.allow_local_files = False
        self.step_timeout_s = STEP_TIMEOUT_S
        # Set while the page shows a document restored from the back/forward cache that
        # Playwright cannot see (`_restored`): the tag written on that document.
        self.restored: str | None = None
        # How long one question to the page may wait (`history.probe`): a page whose script
        # spins answers none, and the step then fails within its own time limit.
        self.ask_s = STEP_TIMEOUT_S
        # When the scenario must be over (`time.monotonic()`): see `within`.
        self.deadline = float("inf")
        # The main document's last response (status, URL): a failure says « HTTP 500 ».
        self.document: tuple[int, str] | None = None
        # The main document asked for and not answered yet: a page waiting for a slow server
        # does not answer questions either, but it is loading, not spinning (#25, #27).
        self.awaited: set[Request] = set()
        page.on("request", self._seen_request)
        page.on("response", self._seen_response)
        page.on("requestfailed", self._request_failed)

    def _main_document(self, request: Request) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except playwright_error() as error:  # a frame gone meanwhile: not the main document
            logger.trace("request: {}", error)
            return False

    def _seen_request(self, request: Request) -> None:
        if self._main_document(request):
            self.awaited.add(request)

    def _request_failed(self, request: Request) -> None:
        self.awaited.discard(request)

    def _seen_response(self, response: Response) -> None:
        self.awaited.discard(response.request)
        if self._main_document(response.request):
            self.document = (response.status, response.url)

    def loading(self) -> bool:
        """Whether the main document is still awaited from the server (a slow page)."""
        return bool(self.awaited)

    def why(self, error: BaseException) -> str:
        """What a failed step's message says: Playwright's message with its call log's ends,
        the page's HTTP status when it was not 2xx/3xx, and the URL the page shows."""
        text = one_line(error)
        if self.document is not None and self.document[0] >= 400:
            text += f"; the page answered HTTP {self.document[0]}"
        if "URL " not in text:
            text += f" (URL {self.page.url})"  # not `href()`: the page may be mid-navigation
        return text

    def within(self, seconds: float) -> float:
        """`seconds`, cut to what is left of the scenario's time (at least a moment, so that
        the wait fails with its own words)."""
        return max(0.1, min(seconds, self.deadline - time.monotonic()))

    def locate(self, selector: str, frame: str | None) -> Locator:
        """`selector` in the page, or in the document of the <iframe> `frame` names (any
        origin: Playwright reaches into cross-origin frames)."""
        if frame is None:
            return self.page.locator(selector)
        return self.page.frame_locator(frame).locator(selector)

    def settle(self) -> None:
        self.watcher.settle(timeout=SETTLE_S)

    def href(self) -> str:
        """The URL the page really shows (`page.url` goes stale on a BiDi bfcache restore)."""
        for _ in range(40):
            href = self.probe("location.href")
            if isinstance(href, str):
                return href
            time.sleep(_POLL_S)  # the document is being replaced: ask again
        raise StepFailed("cannot read the page's URL: it is still between two documents")

    def probe(self, script: str, arg: Any = None, *, again: bool = False) -> Any:
        """One question to the page (`preflight.history.probe`), within the step's time limit;
        `again` for a poll's repeats, which are left out of a Playwright trace: the step's
        group shows its first look at the page, not every poll."""
        return history.probe(self.page, script, arg, again=again, timeout_s=self.ask_s)

    def shot(self, name: str, *, full_page: bool = False, required: bool = False) -> str | None:
        """A screenshot with bank and personal fields masked, and every text of the page that
        holds a known customer value (a summary's « Bonjour <name> »), or None (no folder, no
        page).

        Written through `write_inside` (inside the artifacts folder, no link followed, atomic,
        owner-only). A `screenshot:` step (`required`) that cannot be taken or written fails
        with the reason; a failure screenshot only logs it, never hiding the real failure.
        """
        if self.artifacts is None:
            return None
        from preflight.errors import PreflightError, ReportError
        from preflight.report.files import resolve_inside, write_inside

        file = f"{self.stem}-{name}.png"
        try:
            resolve_inside(self.artifacts, file)  # a bad name is refused before the picture
            masks = self._masks()
            # A `screenshot:` step is the scenario's own: give Firefox time to paint the masks
            # on a loaded machine (5 s failed once in a full run at load 9, a payment frame);
            # a failure's picture stays quick, the real failure must not wait for it.
            wait_ms = 15_000 if required else 5_000
            try:
                png = self.page.screenshot(mask=masks, full_page=full_page, timeout=wait_ms)
            except playwright_error() as error:
                if required:
                    raise
                # A page still loading (a click's navigation slower than the step's timeout):
                # Chromium takes no screenshot until the new document commits, so the failure
                # had none (issue #27). Give the page its load, then try once more.
                logger.debug("screenshot {} deferred: {}", file, error)
                self.page.wait_for_load_state("load", timeout=LOAD_WAIT_MS)
                masks = self._masks()  # its frames
                png = self.page.screenshot(mask=masks, full_page=full_page, timeout=wait_ms)
            path = write_inside(self.artifacts, file, png)
        except ReportError as error:
            if required:
                raise StepFailed(f"screenshot not written: {error}") from None
            logger.debug("screenshot {} not written: {}", file, error)
            return None
        # A page that does not answer, or gone: never let the evidence hide the real failure.
        except (PreflightError, playwright_error()) as error:
            if required:
                raise StepFailed(f"screenshot not taken: {one_line(error)}") from None
            logger.debug("screenshot {} not taken: {}", file, error)
            return None
        return str(path)

    def _masks(self) -> list[Locator]:
        from preflight.privacy import mask_locators, screenshot_masks, text_masks

        fields = mask_locators(self.page, screenshot_masks(self.rules))
        return fields + text_masks(self.page, self.known)
