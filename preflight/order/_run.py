"""A watched order, start to end: what `preflight order` runs.

Open the browser, watch its context, go to the ACN link, stream events to the report (and to
the caller, for live alerts), take the step screenshots and the support bundle, and end when the
browser or its last page is closed, when the confirmation has been shown for a short grace, or
at the time limit. The verdict comes from what happened.

`drive(page, watcher)` lets a caller act as the customer (tests, demos); without it the person
at the keyboard does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from preflight.browsers import choose, launch, spec_for
from preflight.errors import Terminated, UsageError
from preflight.i18n import Lang
from preflight.order.typed import TypedValues
from preflight.report import ReportWriter
from preflight.report.advice import EXIT_CODES, Ending, ending_of
from preflight.report.writer import seller_of
from preflight.rules import Rules
from preflight.watch import Event, Outcome, Watcher

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

Ended = Literal["confirmation", "closed", "timeout", "interrupted"]
EventCallback = Callable[[Event, Watcher], None]
Driver = Callable[["Page", Watcher], None]
# Ctrl+C or SIGTERM: the verdict of a watch cut short proves nothing, so no verdict's code.
EXIT_INTERRUPTED = 130
_TICK_MS = 200  # how often the loop reads the probes' queues and looks for the end
# No watch runs longer than this by default (issue #25): `--timeout`'s default, in its help.
ORDER_TIMEOUT_S = 7200.0
# Worth a picture in the report's timeline: each step reached, and what went wrong.
_SNAP_NAVS = ("navigate", "spa_push", "retry")
_SNAP_KINDS = ("customer_service", "eligibility_error", "confirmation", "left_session")


class OrderPages(Protocol):
    """The seller's pages around a watched order (`preflight.order.SellerPages`)."""

    show_start: bool

    @property
    def link(self) -> str | None:
        """The link the seller opened the order with from the start page (None: not yet)."""

    def open_start(self, page: Page) -> bool: ...

    def watch(
        self, context: BrowserContext, watcher: Watcher, folder: Callable[[], Path]
    ) -> None: ...

    def end(self, context: BrowserContext, result: OrderResult) -> None: ...


class OrderRecorder(Protocol):
    """Keeps the order somewhere as it happens (`preflight.book.BookRecorder`): told when the
    report folder exists, at each event, and once the report is finished."""

    def started(self, folder: Path, browser: Mapping[str, str], link: str | None) -> None: ...

    def linked(self, link: str) -> None:
        """The order's link, once known (given, or pasted on the start page)."""

    def event(self, event: Event, watcher: Watcher) -> None: ...

    def finished(self, result: OrderResult) -> None: ...


@dataclass
class OrderResult:
    outcome: Outcome
    ended: Ended
    incomplete: bool
    folder: Path
    html: Path | None

    @property
    def ending(self) -> Ending:
        """How the order ended (`preflight.report.advice`): what the seller is told."""
        return ending_of(self.outcome)

    @property
    def exit_code(self) -> int:
        if self.ended == "interrupted":
            return EXIT_INTERRUPTED
        return EXIT_CODES[self.ending]


def run_order(
    link: str | None,
    rules: Rules,
    *,
    browser: str = "auto",
    executable: str | Path | None = None,
    guard: bool = True,
    headless: bool = False,
    report_dir: str | Path | None = None,
    lang: Lang = "fr",
    timeout: float = ORDER_TIMEOUT_S,
    grace: float = 2.0,
    drive: Driver | None = None,
    on_event: EventCallback | None = None,
    playwright: Playwright | None = None,
    pages: OrderPages | None = None,
    on_result: Callable[[OrderResult], None] | None = None,
    launched: Browser | None = None,
    book: OrderRecorder | None = None,
) -> OrderResult:
    """Watch one order from `link`; see the module docstring.

    `launched`: a browser already running to open the order in, instead of launching one (a
    test's, with the back/forward cache on as preflight launches it): the order gets a context
    of its own there, closed at the end, and the browser is left running.

    `pages`: the seller's pages (`preflight.order.SellerPages`): a start page in the order's
    tab, from which the seller opens the order, a live panel, and an end page once the report
    is finished. `on_result` is called with the result before the end page is shown (the
    terminal says the verdict while the end page is on screen). Without `link`, the start
    page asks for it (so `pages` must show one).

    `book`: where the order is kept as it happens (`preflight.book.BookRecorder`): a killed
    order stays there, unfinished.

    `timeout`: the watch ends after this many seconds, even when a page's script spins (each
    question to a page has its own time limit; see `preflight.watch._ask`): the order then
    ends as not placed unless it was confirmed or saved for later."""
    if link is None:
        if pages is None or not pages.show_start:
            raise UsageError(
                "LINK: missing — expected the ACN link (https://…), or the start page to ask "
                "for it (not --headless)"
            )
    elif not link.startswith(("http://", "https://")):
        raise UsageError(f"LINK {link!r}: not a web address — expected the ACN link (https://…)")
    elif not rules.is_entry(link):
        logger.warning("the link does not match the rules' ACN entry URLs: {}", link)
    chosen = choose(browser, executable=executable)
    # The back/forward cache stays on, on both engines: this is the customer's real order, and
    # it must behave as in their own browser. On Firefox that makes a restored page invisible
    # to Playwright over WebDriver BiDi (page.url stale, waits hang); the watcher does not need
    # Playwright's navigation events for it (the probe's queue is read with `evaluate`), and
    # the report's screenshots have their own time limit.
    # A program playing the customer (`drive`) clicks in the page's iframes through Playwright;
    # a person's own clicks reach them whatever the browser's process model.
    spec = spec_for(chosen, bfcache=True, frame_input=drive is not None)
    contexts_before = list(launched.contexts) if launched is not None else []

    def work(p: Playwright) -> OrderResult:
        # With the seller's pages, Ctrl+C must leave the browser to show the end page: by
        # default Playwright's driver closes its browsers on SIGINT (the terminal sends it to
        # the driver too); here preflight closes it once the seller is done.
        driven = cast("Browser", launch(p, spec, headless=headless, handle_sigint=pages is None))
        try:
            return watch(driven)
        finally:
            # Whatever ends the watch — an error included — the browser goes before the
            # driver: stopping Playwright with a navigation's tasks still pending prints
            # asyncio's "Task was destroyed" lines after our own message (seen on Firefox).
            if driven.is_connected():
                try:
                    driven.close()
                except PlaywrightError as error:  # going away by itself as we close it
                    logger.debug("closing the browser: {}", error)

    def watch(driven: Browser) -> OrderResult:
        info = {
            "family": chosen.family,
            "version": driven.version,
            "driver": chosen.driver,
            "engine": spec.engine,
            "guard": "on" if guard else "off",
        }
        writer = ReportWriter(report_dir, rules, browser_info=info, lang=lang)
        if book is not None:
            book.started(writer.folder, info, link)
        session = _Session(writer, on_event, book, TypedValues(rules))
        session.link = lambda: link or (pages.link if pages is not None else None)
        stopped_by_system = False
        watcher = Watcher(rules, guard=guard, on_event=session.event, lang=lang, page_steps=True)
        session.watcher = watcher
        context: BrowserContext | None = None
        try:
            context = driven.new_context(no_viewport=not headless)
            if not headless:
                # The guard's questions are for the person at the keyboard. Without a listener
                # Playwright dismisses every dialog itself (the guard would silently refuse);
                # with one that does not answer, the browser keeps the dialog open for the
                # user (measured under Xvfb on Chromium 156 and Firefox ESR 153).
                context.on("dialog", _leave_to_user)
            # The start page is shown before anything is watched: it is not the order's.
            page = context.new_page() if pages is not None else None
            started = pages is not None and page is not None and pages.open_start(page)
            if pages is not None:
                pages.watch(context, watcher, lambda: writer.folder)
            watcher.attach(context)
            session.typed.attach(context)
            page = page or context.new_page()
            session.context = context
            try:
                if not started and link is not None:
                    page.goto(link, wait_until="commit")
            except PlaywrightError as error:
                if not driven.is_connected():
                    raise
                watcher.detach()  # before the report is closed: closing is no event
                writer.close()  # the report says incomplete: nothing was watched
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise UsageError(
                    f"LINK {link}: cannot be reached ({first}) — expected the ACN shop to answer"
                ) from None
            if drive is not None:
                drive(page, watcher)
            ended = session.loop(timeout=timeout, grace=grace)
        except KeyboardInterrupt as stop:
            ended = "interrupted"
            # SIGTERM is the system's stop, not the seller's: no end page to wait on.
            stopped_by_system = isinstance(stop, Terminated)
        except UsageError:
            raise  # the link cannot be reached: the report is closed, `work` closes the rest
        except PlaywrightError as error:
            if driven.is_connected() and _any_page_open(context):
                raise
            # The browser, or every page of the order, closed (or killed) mid-order — by the
            # seller as early as the start page, while the watch was being set up.
            logger.debug("the order's pages went away: {}", error)
            ended = "closed"
        if driven.is_connected():
            try:
                watcher.settle(1.0)
                session.flush()
            except PlaywrightError as error:  # closing while we looked: what we have stands
                logger.debug("final settle: {}", error)
        outcome = watcher.outcome()
        incomplete = ended in ("interrupted",) or (ended == "closed" and not watcher.confirmed)
        watcher.detach()  # before the report is finished: closing the browser is no event
        session.typed.detach()
        html = writer.finish(outcome, incomplete=incomplete, ending=ending_of(outcome))
        result = OrderResult(outcome, ended, incomplete, writer.folder, html)
        if book is not None:
            book.finished(result)
        if on_result is not None:
            on_result(result)
        # Cut short too (--timeout, Ctrl+C): the end page says so, with the verdict so far.
        if pages is not None and context is not None and driven.is_connected():
            try:
                if not stopped_by_system:
                    pages.end(context, result)
            except KeyboardInterrupt:
                pass  # the seller is done with the end page (or pressed Ctrl+C again)
            except PlaywrightError as error:  # the browser closed by the seller: that is the end
                if driven.is_connected() and _any_page_open(context):
                    raise
                logger.debug("end page: {}", error)
        return result

    if launched is not None:
        try:
            return watch(launched)
        finally:
            for context in [c for c in launched.contexts if c not in contexts_before]:
                try:
                    context.close()
                except PlaywrightError as error:  # the browser went away meanwhile
                    logger.debug("closing the order's context: {}", error)
    if playwright is not None:
        return work(playwright)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        return work(started)


def _any_page_open(context: BrowserContext | None) -> bool:
    return context is not None and any(not page.is_closed() for page in context.pages)


def _leave_to_user(dialog: Any) -> None:
    logger.debug("dialog left to the user: {}", dialog.type)


class _Session:
    """The loop's memory: the report writer, the pictures still to take, and what the
    customer typed (`preflight.order.typed`), which those pictures hide wherever it shows."""

    def __init__(
        self,
        writer: Any,
        on_event: EventCallback | None,
        book: OrderRecorder | None,
        typed: TypedValues,
    ) -> None:
        self.writer = writer
        self.typed = typed
        self.on_event = on_event
        self.book = book
        self.link: Callable[[], str | None] = lambda: None
        self._linked = False
        self.watcher: Watcher | None = None
        self.context: BrowserContext | None = None
        self.todo: list[Event] = []

    def event(self, event: Event) -> None:
        # Called from Playwright callbacks: write the line now (durable), take pictures later
        # from the loop, never from inside a callback. The watcher names the steps by the page
        # shown (`page_steps=True`).
        if not self._linked and event.kind == "acn_entry":
            self._know_link()
        self.writer.on_event(event)
        snap = event.kind in _SNAP_KINDS or (
            event.kind == "navigation" and (event.nav in _SNAP_NAVS or self._is_violation(event))
        )
        if snap:
            self.todo.append(event)
        if self.book is not None and self.watcher is not None:
            self.book.event(event, self.watcher)
        if self.on_event is not None and self.watcher is not None:
            self.on_event(event, self.watcher)

    def _know_link(self) -> None:
        # The seller id is in the link's query, which the events carry redacted.
        link = self.link()
        if link is None:
            return
        self._linked = True
        self.writer.seller = seller_of(link)
        if self.book is not None:
            self.book.linked(link)

    def _is_violation(self, event: Event) -> bool:
        return self.watcher is not None and any(
            v.event_seq == event.seq for v in self.watcher.violations
        )

    def _page(self, index: int) -> Page | None:
        if self.context is None or self.watcher is None:
            return None
        for page in self.context.pages:
            if self.watcher.page_index(page) == index and not page.is_closed():
                return page
        return None

    def flush(self) -> None:
        # The fields are gone once their page is left: read them while they are there.
        self.typed.read(self.open_pages())
        todo, self.todo = self.todo, []
        # A picture shows the page as it is now: for an event that a later one on the same page
        # has overtaken (a fast customer, or a driver that ran several steps between two
        # ticks), it would show another step under this one's name — no picture is better.
        newest = {event.page: event.seq for event in todo}
        # One bundle per page and flush: the error shown and hidden again in between (a page
        # doing it in a loop, issue #25) would give the same picture each time.
        errors = {e.page: e.seq for e in todo if e.kind == "eligibility_error"}
        for event in todo:
            page = self._page(event.page)
            if page is None:
                continue
            if event.kind == "eligibility_error":
                if event.seq == errors[event.page]:
                    # R7: the address and phone are read from the page by the report, only now.
                    self.writer.support_bundle(page, address=None, phone=None)
            elif event.seq == newest[event.page]:
                self.writer.screenshot(page, event, known=self.typed.values)

    def open_pages(self) -> list[Page]:
        if self.context is None:
            return []
        return [p for p in self.context.pages if not p.is_closed()]

    def loop(self, *, timeout: float, grace: float) -> Ended:
        assert self.watcher is not None
        start = time.monotonic()
        confirmed_at: float | None = None
        while True:
            pages = self.open_pages()
            if not pages:
                return "closed"
            # A page whose script spins is asked until the time limit at most (`_ask.py`).
            self.watcher.poll(timeout_s=start + timeout - time.monotonic())
            self.flush()
            now = time.monotonic()
            if self.watcher.confirmed and confirmed_at is None:
                confirmed_at = now
            if confirmed_at is not None and now - confirmed_at >= grace:
                return "confirmation"
            if now - start >= timeout:
                return "timeout"
            # Waiting inside Playwright lets it deliver the events meanwhile.
            try:
                pages[0].wait_for_timeout(_TICK_MS)
            except PlaywrightError as error:  # that page closed meanwhile: look again
                logger.debug("tick: {}", error)
