"""What the rules' URLs and the session cookie say: the merchant reached without an ACN entry,
the order going on in a second tab, a customer-service or payment page, the confirmation page
to come, and the session cookie gone."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from preflight._playwright import playwright_error
from preflight.globs import url_matches
from preflight.rules import Rules
from preflight.watch._judge import Judge
from preflight.watch._pages import _PageState
from preflight.watch._tracing import untraced
from preflight.watch.events import Event, NavKind

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


class Session:
    """The ACN session as the rules see it, across the watched pages (the watcher's own dict)."""

    def __init__(
        self,
        rules: Rules,
        judge: Judge,
        pages: dict[Page, _PageState],
        emit: Callable[..., Event],
    ) -> None:
        self.rules = rules
        self._judge = judge
        self._pages = pages
        self._emit = emit
        self._left_reported = False
        self._cookie_seen = False

    def entered(self) -> None:
        """An ACN entry: the session starts again, its cookie not seen yet."""
        self._left_reported = False
        self._cookie_seen = False

    def url_events(self, state: _PageState, url: str, nav: NavKind, merchant: bool) -> None:
        rules = self.rules
        arrived = nav in ("navigate", "spa_push", "spa_replace", "retry")
        if merchant:
            if not self._judge.entry_seen and not self._left_reported:
                self._left_reported = True
                self._emit(
                    "left_session", state, url, sources=["rules:merchant"],
                    detail={"reason": "no_acn_entry"}, on_merchant=True,
                )  # fmt: skip
            if not state.merchant_seen:
                state.merchant_seen = True
                self._emit("merchant_reached", state, url, on_merchant=True)
            if arrived:
                state.merchant_navs += 1
                self._check_second_tab(state, url)
        if arrived and rules.is_customer_service_url(url):
            self._emit(
                "customer_service", state, url, sources=["rules:url"],
                detail={"how": "page"}, on_merchant=merchant,
            )  # fmt: skip
        if arrived and url_matches(url, rules.order.payment):
            self._emit("payment_reached", state, url, sources=["rules:url"], on_merchant=merchant)
        if arrived and url_matches(url, rules.order.confirmation):
            state.confirmation_url = url

    def _check_second_tab(self, state: _PageState, url: str) -> None:
        # A page opened from the order (legal notice, help) is fine; the order flow going on
        # in a second tab — more than one merchant page there while another tab is on the
        # merchant too — is what risks the session.
        if state.index == self._primary_index() or state.merchant_navs < 2:
            return
        others = [
            s for s in self._pages.values() if s is not state and not s.closed and s.on_merchant
        ]
        if others:
            self._emit(
                "new_tab", state, url, sources=["rules:merchant"],
                detail={"second_merchant_tab": "true"}, on_merchant=True,
            )  # fmt: skip

    def _primary_index(self) -> int:
        for state in self._pages.values():
            if state.merchant_seen:
                return state.index
        return 1

    def check_cookie(self, context: BrowserContext | None, *, seen: bool = False) -> None:
        """Whether the session cookie is still there; `seen`: a page's probe just saw it in its
        `document.cookie`, which answers without asking the browser (one protocol call less
        each settle). Not seen there, the browser's cookies tell (an HttpOnly cookie)."""
        name = self.rules.order.session_cookie
        if not name or context is None or not self._judge.session_on or self._left_reported:
            return
        if seen:
            self._cookie_seen = True
            return
        try:
            cookies = untraced(context, "cookies")
            present = any(cookie.get("name") == name for cookie in cookies)
        except playwright_error() as error:  # the context is closing
            logger.trace("cookies: {}", error)
            return
        if present:
            self._cookie_seen = True
        elif self._cookie_seen:
            self._left_reported = True
            state = next((s for s in self._pages.values() if s.on_merchant), None)
            if state is not None:
                self._emit(
                    "left_session", state, state.url, sources=["cookie"],
                    detail={"reason": "session_cookie_gone", "cookie": name}, on_merchant=True,
                )  # fmt: skip
