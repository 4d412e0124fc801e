"""« Mes commandes »: the order book as a page of the seller's pages (issue #24).

Served by the same loopback server as the start and end pages (`_server`: its CSP, its
Origin check on every POST), linked from both, or alone (`preflight orders --page`). Newest
first; each row with its ending in words (`preflight.report.advice`, as the end page says it),
its status, its validation date, what to do next, « Marquer attribuée » and, for a placed
order, « Dossier de réclamation » (written into the order's report folder). The filters (à
attribuer, validation dépassée, perdues, ce mois-ci) run in the page, on the rows' data.

It also gives the start page its warnings: orders past their validation date, and a mobile
order of the same customer (the HMAC fingerprint) whose first SIM is not marked activated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from loguru import logger

from preflight.book import Book, Order
from preflight.errors import BookError, ReportError
from preflight.i18n import Lang, say
from preflight.order._server import Answer, PagesServer, json_answer
from preflight.order.render import render_page
from preflight.report import files
from preflight.report import html as report_html
from preflight.report.advice import advice
from preflight.report.claim import CLAIM_FILE, claim, render_claim
from preflight.report.dates import order_kind
from preflight.report.models import load_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from playwright.sync_api import Page as PlaywrightPage

ORDERS_PATH = "/commandes"
_PLACED = ("confirmed", "order_later", "at_risk")


@dataclass
class Row:
    id: int
    number: str
    title: str
    started: str
    type: str
    ending: str  # in words
    css: str
    status: str  # the key (`to_attribute`…), for the filters
    status_text: str
    due: str
    next: str
    todo: bool
    overdue: bool
    lost: bool
    this_month: bool
    claimable: bool


class OrdersPage:
    """The page and its two POSTs, on `server`; the book is opened per request."""

    def __init__(self, book: Path, lang: Lang, names: dict[str, str]) -> None:
        self.book = book
        self.lang: Lang = lang
        self.names = names

    def t(self, key: str, **values: object) -> str:
        return say(key, self.lang, **self.names, **values)

    def routes(self, server: PagesServer) -> None:
        server.get[ORDERS_PATH] = self.page
        server.post["/api/commandes/attribuer"] = self.mark_attributed
        server.post["/api/commandes/reclamation"] = self.write_claim

    # -- the page ------------------------------------------------------------------------
    def rows(self, today: dt.date | None = None) -> list[Row]:
        today = today or dt.date.today()
        with Book(self.book) as opened:
            orders = opened.orders()
        return [self.row(order, today) for order in orders]

    def row(self, order: Order, today: dt.date) -> Row:
        status = order.status(today)
        started = order.started_at.astimezone()
        return Row(
            id=order.id,
            number=order.number or "",
            title=self.t("orders.page.number", number=order.number or "—", type=order.type or "—"),
            started=self.t("orders.page.started", date=started.strftime("%d/%m/%Y %H:%M")),
            type=order.type or "—",
            ending=self._ending(order),
            css=_css(order),
            status=status,
            status_text=self.t(f"cli.orders.status.{status}"),
            due=order.validation_due.strftime("%d/%m/%Y") if order.validation_due else "—",
            next=self.t(f"orders.next.{status}"),
            todo=order.todo,
            overdue=status == "overdue",
            lost=order.ending == "lost",
            this_month=(started.year, started.month) == (today.year, today.month),
            claimable=bool(order.number) and order.ending in _PLACED,
        )

    def _ending(self, order: Order) -> str:
        """The ending as the end page said it; the book's word when the report is gone."""
        try:
            report = load_report(order.folder)
        except ReportError:
            return self.t(f"cli.orders.verdict.{order.ending or 'none'}")
        names = report.rules.names(self.lang)

        def t(key: str, **values: object) -> str:
            return say(key, self.lang, **names, **values)

        violations = [report_html.violation_text(v, {}, t) for v in report.violations]
        warnings = [report_html.warning_text(w, t) for w in report.warnings]
        return advice(report, violations, warnings, t).headline

    def page(self, nonce: str) -> Answer:
        try:
            rows, error = self.rows(), ""
        except BookError as failed:
            rows, error = [], self.t("orders.page.unreadable", detail=failed.detail or "")
        html = render_page(
            "orders.html", self.lang, nonce, self.names, rows=rows, error=error, orders_link=""
        )
        return Answer(body=html.encode())

    # -- what the page posts ---------------------------------------------------------------
    def _order(self, data: Any) -> tuple[Order | None, Answer | None]:
        number = data.get("number") if isinstance(data, dict) else None
        if not isinstance(number, str) or not number.strip() or len(number) > 64:
            return None, json_answer({"ok": False}, 400)
        try:
            with Book(self.book) as opened:
                return opened.find(number), None
        except BookError as error:
            logger.debug("orders page: {}", error)
            return None, json_answer({"ok": False, "message": self.t("orders.page.unknown")}, 404)

    def mark_attributed(self, data: Any) -> Answer:
        order, failed = self._order(data)
        if order is None or order.number is None:
            return failed or json_answer({"ok": False}, 400)
        try:
            with Book(self.book) as opened:
                marked = opened.mark(order.number, "attributed_on", dt.date.today())
        except BookError as error:
            logger.warning("orders page: {}", error)
            return json_answer({"ok": False, "message": self.t("orders.page.not_marked")})
        row = self.row(marked, dt.date.today())
        return json_answer(
            {"ok": True, "status": row.status, "status_text": row.status_text, "next": row.next}
        )

    def write_claim(self, data: Any) -> Answer:
        order, failed = self._order(data)
        if order is None:
            return failed or json_answer({"ok": False}, 400)
        target = order.folder / CLAIM_FILE
        try:
            found = claim(order.folder, self.lang)
            files.write_atomically(target, render_claim(found, self.lang).encode())
        except (ReportError, OSError) as error:
            logger.warning("claim: {}", error)
            return json_answer({"ok": False, "message": self.t("orders.page.no_claim")})
        edited = found.chain.status == "edited"
        key = "orders.page.claim_edited" if edited else "orders.page.claim_written"
        return json_answer({"ok": True, "message": self.t(key, path=str(target))})

    # -- the start page's warnings -----------------------------------------------------------
    def warnings(self, today: dt.date | None = None) -> list[str]:
        """Orders past their validation date, in one sentence each (none: the book unreadable)."""
        today = today or dt.date.today()
        try:
            with Book(self.book) as opened:
                orders = opened.orders()
        except BookError as error:
            logger.debug("start page warnings: {}", error)
            return []
        return [
            self.t("order.start.warn.overdue", number=o.number or "—",
                   date=o.validation_due.strftime("%d/%m/%Y") if o.validation_due else "—")
            for o in orders if o.status(today) == "overdue"
        ]  # fmt: skip

    def waiting_sim(self, customer: str) -> str | None:
        """The warning when this customer has a mobile order whose SIM is not marked activated."""
        try:
            with Book(self.book) as opened:
                orders = opened.orders()
        except BookError as error:
            logger.debug("second SIM reminder: {}", error)
            return None
        for order in orders:
            if (
                order.customer == customer
                and order_kind(order.type) == "mobile"
                and order.ending in _PLACED
                and order.sim_activated_on is None
            ):
                return self.t("order.start.warn.sim", number=order.number or "—")
        return None


def _css(order: Order) -> str:
    if order.ending in ("confirmed", "order_later"):
        return "attributed"
    return order.ending or "not_placed"


def show_orders(
    book: Path,
    lang: Lang,
    *,
    browser: str = "auto",
    rules_names: dict[str, str] | None = None,
    on_page: Callable[[PlaywrightPage], None] | None = None,
) -> None:
    """« Mes commandes » alone (`preflight orders --page`): the loopback server and a browser
    on it, as `preflight order` opens its start page; until the seller closes the page."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from preflight.browsers import choose, launch, spec_for
    from preflight.rules import load_rules

    names = rules_names or load_rules("default").names(lang)
    server = PagesServer()
    OrdersPage(book, lang, names).routes(server)
    with server, sync_playwright() as playwright:
        driven = cast("Browser", launch(playwright, spec_for(choose(browser)), headless=False))
        try:
            page = driven.new_context(no_viewport=True).new_page()
            page.goto(server.opening_url(ORDERS_PATH))
            if on_page is not None:
                on_page(page)
                return
            try:
                page.wait_for_event("close", timeout=0)
            except PlaywrightError as error:  # the browser closed with it
                logger.debug("orders page: {}", error)
        finally:
            if driven.is_connected():
                driven.close()
