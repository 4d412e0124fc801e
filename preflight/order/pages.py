"""The seller's pages of a watched order: the start page, the live panel, the end page.

`SellerPages` is what `run_order` is given (`pages=`): it serves the pages on loopback
(`preflight.order._server`), shows the start page in the order's tab before anything is
watched, adds the live panel to the watched context, and shows the end page once the report
is finished. `on_start`/`on_end` let a caller (a test, the screenshot script) act on those
pages instead of a person; without `on_end`, the end page stays until the seller closes it or
the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from preflight.check import CheckReport, ManualAnswers
from preflight.i18n import Lang
from preflight.order._server import Answer, PagesServer
from preflight.order.end import end_view, render_end
from preflight.order.orders import ORDERS_PATH, OrdersPage
from preflight.order.panel import BINDING, Panel, panel_script
from preflight.order.start import StartPage
from preflight.report import files
from preflight.report.models import load_report
from preflight.rules import Rules

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from preflight.order._run import OrderResult
    from preflight.watch import Watcher

PageHook = Callable[["Page"], None]
START_PATH = "/"
END_PATH = "/fin"
REPORT_PATH = "/rapport"
CHECK_FILE = "check.json"
# The report's own policy (it has its inline style, no script at all).
_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class SellerPages:
    """See the module docstring. Use as a context manager (it owns the loopback server)."""

    def __init__(
        self,
        rules: Rules,
        lang: Lang = "fr",
        *,
        link: str | None = None,
        check: CheckReport | None = None,
        recheck: Callable[[], CheckReport] | None = None,
        start: bool = True,
        on_end: PageHook | None = None,
        fingerprint: Callable[[str], str] | None = None,
        book: Path | None = None,
    ) -> None:
        self.rules = rules
        self.lang: Lang = lang
        self.show_start = start
        self.on_end = on_end
        self.server = PagesServer()
        # « Mes commandes », with the order book (issue #24): a page of its own, linked from
        # the start and end pages, and the start page's warnings.
        self.orders = OrdersPage(book, lang, rules.names(lang)) if book is not None else None
        self.start_page = StartPage(
            rules, lang, link=link, check=check, recheck=recheck, fingerprint=fingerprint,
            warnings=self.orders.warnings if self.orders else None,
            waiting_sim=self.orders.waiting_sim if self.orders else None,
            orders_link=ORDERS_PATH if self.orders else "",
        )  # fmt: skip
        self.start_page.routes(self.server)
        if self.orders is not None:
            self.orders.routes(self.server)
        self.start_page.on_go = self._record_checklist
        self._folder: Callable[[], Path] | None = None
        self.panel: Panel | None = None
        self.end_page: Page | None = None
        self._disposables: list[Any] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> SellerPages:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def answers(self) -> ManualAnswers | None:
        """The checklist as the seller ticked it on the start page (None: not sent)."""
        return self.start_page.answers

    @property
    def check(self) -> CheckReport | None:
        """The check as last run: given, or run again from the start page."""
        return self.start_page.check

    @property
    def customer(self) -> str | None:
        """The customer's fingerprint from the phone typed on the start page (None: none)."""
        return self.start_page.customer

    @property
    def link(self) -> str | None:
        """The ACN link the order was opened with from the start page."""
        return self.start_page.chosen

    # -- what run_order calls ------------------------------------------------------------------
    def open_start(self, page: Page) -> bool:
        """Show the start page in the order's tab; True when shown (the seller opens the order
        from it, in the same tab)."""
        if not self.show_start:
            return False
        browser = page.context.browser
        self.start_page.engine = browser.browser_type.name if browser is not None else None
        page.goto(self.server.opening_url(START_PATH))
        return True

    def watch(self, context: BrowserContext, watcher: Watcher, folder: Callable[[], Path]) -> None:
        """Add the live panel to the watched context (before the watcher's own scripts)."""
        self._folder = folder
        browser = context.browser
        engine = browser.browser_type.name if browser is not None else "chromium"
        self.panel = Panel(watcher, self.lang, folder, engine=engine)
        self._disposables.append(context.expose_binding(BINDING, self.panel.on_binding))
        script = panel_script(
            self.lang, own_origin=self.server.origin, secret=self.panel.keys.secret
        )
        self._disposables.append(context.add_init_script(script))

    def _record_checklist(self) -> None:
        # In the report folder, as `preflight check --json` writes it: the check with the
        # checklist's answers (the phone number is not in it, only whether one was given).
        checked = self.start_page.checked()
        if checked is None or self._folder is None:
            return
        try:
            files.write_atomically(
                self._folder() / CHECK_FILE, checked.model_dump_json(indent=2).encode()
            )
        except OSError as error:
            logger.warning("checklist not recorded: {}", error)

    def unwatch(self) -> None:
        for disposable in self._disposables:
            try:
                disposable.dispose()
            except PlaywrightError as error:  # the context may be closed already
                logger.debug("panel dispose: {}", error)
        self._disposables.clear()

    def end(self, context: BrowserContext, result: OrderResult) -> None:
        """Show the end page in a new tab of the order's browser, then leave it to the seller
        (or to `on_end`). A watch cut short (`--timeout`, Ctrl+C) says so on it."""
        self.unwatch()
        report = load_report(result.folder)
        html = result.html
        view = end_view(
            report, result.folder, self.lang, has_report=html is not None, ended=result.ended
        )
        view.orders_link = ORDERS_PATH if self.orders is not None else ""
        self.server.get[END_PATH] = lambda nonce: Answer(
            body=render_end(view, self.lang, nonce).encode()
        )
        if html is not None:
            self.server.get[REPORT_PATH] = lambda nonce: Answer(
                body=html.read_bytes(), headers={"Content-Security-Policy": _REPORT_CSP}
            )
        page = context.new_page()
        self.end_page = page
        try:
            page.goto(self.server.opening_url(END_PATH))
            page.bring_to_front()
        except PlaywrightError:
            if page.is_closed():
                return  # closed by the seller before it finished loading: done with it
            raise
        if self.on_end is not None:
            self.on_end(page)
            return
        # Until the seller closes the page or the browser (Ctrl+C, once more, ends it too).
        # One wait for the page's own `close`: polling raised TargetClosedError when the page
        # closed during a tick (issue #23: every order whose end page the seller closed).
        try:
            page.wait_for_event("close", timeout=0)
        except PlaywrightError as error:  # the browser went with it: the seller is done too
            logger.debug("end page: {}", error)
