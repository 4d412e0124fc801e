"""The start page: the check's results as cards, the manual checklist to tick, the rules of
the order, the ACN link (given or pasted, checked against the rules' entry URLs), and the
button that opens the order in the same tab.

A check that is not ready keeps the button disabled, says what to do on each ✗ card, and,
given `recheck` (the check run again), offers « Vérifier à nouveau »: the cards are redrawn
in place from its answer, so the page never reloads.

The checklist answers are recorded as the terminal's questions record them
(`check.ManualAnswers`, turned into results by `check.manual_checks`); the phone number is
checked here and dropped: only whether a valid one was given is kept, and, given
`fingerprint`, the customer's keyed fingerprint (`preflight.book.fingerprint`), never the
number. The page stores nothing in the browser: what it knows it posts to this server, on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.check import (
    CheckReport,
    ManualAnswers,
    check_title,
    is_french_phone,
    manual_checks,
)
from preflight.errors import PreflightError
from preflight.i18n import Lang, say
from preflight.order._server import Answer, PagesServer, json_answer
from preflight.order.render import render_page
from preflight.rules import Rules

_SYMBOL = {"pass": "✓", "fixed": "✓", "warn": "⚠", "fail": "✗"}
_MAX_LINK = 4096
# What to do about a failed check, by its id: another browser, or a cleaner one.
_TODO = {
    "browser_family": "order.start.todo.browser",
    "browser_version": "order.start.todo.browser",
    "cache": "order.start.todo.clean",
    "cookies": "order.start.todo.clean",
    "storage": "order.start.todo.clean",
    "merchant_session": "order.start.todo.clean",
}


@dataclass
class Card:
    id: str
    status: str
    symbol: str
    title: str
    message: str
    todo: str = ""


class StartPage:
    def __init__(
        self,
        rules: Rules,
        lang: Lang,
        *,
        link: str | None,
        check: CheckReport | None,
        recheck: Callable[[], CheckReport] | None = None,
        fingerprint: Callable[[str], str] | None = None,
        warnings: Callable[[], list[str]] | None = None,
        waiting_sim: Callable[[str], str | None] | None = None,
        orders_link: str = "",
    ) -> None:
        self.rules = rules
        # From the order book (`preflight.order.orders`): overdue orders, and this customer's
        # mobile order whose SIM is not marked activated (R10).
        self.warnings = warnings
        self.waiting_sim = waiting_sim
        self.orders_link = orders_link
        self.fingerprint = fingerprint
        self.customer: str | None = None
        self.lang: Lang = lang
        self.names = rules.names(lang)
        self.link = link or ""
        self.check = check
        self.recheck = recheck
        self._rechecking = threading.Lock()
        self.answers: ManualAnswers | None = None
        self.chosen: str | None = None
        self.opened = threading.Event()
        self.on_go: Callable[[], None] | None = None
        # The rules' checklist: yes/no items are boxes, a phone item is the phone field.
        self.checklist = rules.shop.checklist
        self.manual = {item.id for item in self.checklist}
        # The engine the order's window runs on (set when the page is opened): Firefox shows
        # its remote-control sign (a striped address bar, a robot), which the page explains.
        self.engine: str | None = None

    def t(self, key: str, **values: object) -> str:
        return say(key, self.lang, **self.names, **values)

    @property
    def ready(self) -> bool:
        return self.check is None or self.check.ready

    def routes(self, server: PagesServer) -> None:
        server.get["/"] = self.page
        server.post["/api/link"] = self.check_link
        server.post["/api/phone"] = self.check_phone
        server.post["/api/go"] = self.go
        server.post["/api/recheck"] = self.check_again

    # -- the page ------------------------------------------------------------------------
    def cards(self) -> list[Card]:
        if self.check is None:
            return []
        return [  # the checklist is asked below, as boxes: not shown twice
            Card(
                c.id,
                c.status,
                _SYMBOL.get(c.status, "?"),
                check_title(c.id, self.lang, self.names, self.checklist),
                c.message,
                self.t(_TODO.get(c.id, "order.start.todo.other")) if c.status == "fail" else "",
            )
            for c in self.check.checks
            if c.id not in self.manual
        ]

    def summary(self) -> str:
        if self.check is None:
            return self.t("order.start.check.none")
        if self.ready:
            return self.t("order.start.check.ready")
        return self.t("order.start.check.fix" if self.recheck else "order.start.check.not_ready")

    def boxes(self) -> list[tuple[str, str]]:
        # The items' wording as the check's report says a confirmed item.
        return [
            (item.id, item.done(self.lang)) for item in self.checklist if item.answer == "yes_no"
        ]

    def page(self, nonce: str) -> Answer:
        html = render_page(
            "start.html",
            self.lang,
            nonce,
            self.names,
            cards=self.cards(),
            summary=self.summary(),
            ready=self.ready,
            recheck=self.recheck is not None,
            boxes=self.boxes(),
            link=self.link,
            warnings=self.warnings() if self.warnings is not None else [],
            orders_link=self.orders_link,
            firefox=self.engine == "firefox",
        )
        return Answer(body=html.encode())

    # -- what the page posts -------------------------------------------------------------
    def _link_ok(self, link: object) -> tuple[bool, str]:
        text = link.strip() if isinstance(link, str) else ""
        web = text.startswith(("http://", "https://"))
        if web and len(text) <= _MAX_LINK and self.rules.is_entry(text):
            return True, self.t("order.start.link.ok")
        expected = self.rules.order.entry[0].rstrip("*")
        return False, self.t("order.start.link.bad", expected=expected)

    def check_link(self, data: Any) -> Answer:
        ok, message = self._link_ok(data.get("link") if isinstance(data, dict) else None)
        return json_answer({"ok": ok, "message": message})

    def check_phone(self, data: Any) -> Answer:
        phone = data.get("phone") if isinstance(data, dict) else None
        ok = isinstance(phone, str) and len(phone) < 64 and is_french_phone(phone)
        warning = None
        if ok and self.fingerprint is not None and isinstance(phone, str):
            try:
                self.customer = self.fingerprint(phone)
            except (OSError, ValueError) as error:  # no key: no second-SIM reminder
                logger.warning("customer fingerprint: {}", error)
            if self.customer is not None and self.waiting_sim is not None:
                warning = self.waiting_sim(self.customer)
        del phone  # checked, not kept
        said = {"ok": ok, "message": self.t(f"order.start.phone.{'ok' if ok else 'bad'}")}
        return json_answer({**said, "warning": warning} if warning else said)

    def go(self, data: Any) -> Answer:
        if not isinstance(data, dict):
            return json_answer({"ok": False}, 400)
        ok, message = self._link_ok(data.get("link"))
        if not ok or not self.ready:
            return json_answer({"ok": False, "message": message})
        given = data.get("answers") if isinstance(data.get("answers"), dict) else {}
        assert isinstance(given, dict)
        self.answers = ManualAnswers(
            answers={  # unticked: a "no"; a phone item: whether a valid number was given
                item.id: given.get("phone_given" if item.answer == "french_phone" else item.id)
                is True
                for item in self.checklist
            }
        )
        self.chosen = str(data["link"]).strip()
        self.opened.set()
        if self.on_go is not None:
            self.on_go()
        return json_answer({"ok": True})

    def check_again(self, data: Any) -> Answer:
        """Run the check again (« Vérifier à nouveau »): the new cards, for the page to draw."""
        if self.recheck is None:
            return json_answer({"ok": False}, 404)
        with self._rechecking:  # one at a time: each launches a browser
            try:
                self.check = self.recheck()
            # a browser that cannot start: said, the page stays
            except (PreflightError, OSError, playwright_error()) as error:
                logger.warning("check again: {}", error)
                return json_answer({"ok": False, "message": self.t("order.start.recheck.failed")})
        cards = [vars(card) for card in self.cards()]
        return json_answer(
            {"ok": True, "ready": self.ready, "summary": self.summary(), "cards": cards}
        )

    def checked(self) -> CheckReport | None:
        """The check with the checklist as answered on this page (None: no check ran)."""
        if self.check is None:
            return None
        kept = [c for c in self.check.checks if c.id not in self.manual]
        manual = manual_checks(self.answers, self.lang, self.checklist)
        return self.check.model_copy(update={"checks": kept + manual})
