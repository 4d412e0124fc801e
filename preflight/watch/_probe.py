"""Turning a probe message into events: which navigation a shown document is (the probe's
stamps cross-checked with navigation timing, `navigation.activation`, the Navigation API's hint,
CDP and Playwright's `framenavigated`), customer-service and « order later » clicks, the
guard's answers, and a confirmation the page reports, believed only on evidence the page
cannot script (issue #25):

* a document the browser loaded at a confirmation URL: Playwright saw a main-frame navigation
  request to that URL, and the probe's first message of that very document (sent before any
  page script ran) gives it as the URL the document was loaded at — a multi-page shop;
* otherwise (a single-page shop moving its URL with pushState) the URL must still be a
  confirmation URL `_STAYS_S` later, read by the watcher, and the number, type and date are
  then read by Playwright itself (its own isolated world), not taken from the probe: a
  `replaceState` to the confirmation URL with injected number elements, undone 300 ms later,
  is dropped and logged;
* a confirmation that is a state of the page (the rules' `order.confirmation_state`, no
  address of its own) needs a trusted click on its submit control — the probe's signed word,
  sent only for `isTrusted` clicks in the top document, saying whether the state already
  showed then — followed, within the rules' bound, by its selector and text found by
  Playwright itself: a page's script that draws the message, or clicks for the customer,
  confirms nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from preflight._playwright import playwright_error
from preflight.globs import url_matches, within_page
from preflight.rules import ConfirmationState, Rules
from preflight.watch._emit import scrub
from preflight.watch._messages import (
    Confirmation,
    CsClick,
    EligibilityError,
    Guard,
    Message,
    Navigate,
    OrderLater,
    Shown,
    Submit,
)
from preflight.watch._pages import _PageState, _same_doc_url
from preflight.watch._tracing import untraced
from preflight.watch.events import Event, NavKind

if TYPE_CHECKING:
    from playwright.sync_api import Page

_SHOWN = ("doc", "pageshow", "popstate", "hashchange", "push", "replace")

_CDP_DOCUMENT = ("Navigation", "BackForwardCacheRestore")

_CDP_SAME_DOCUMENT = ("historyApi", "fragment", "other")

_HINT_TTL = 10.0  # seconds a Navigation API `navigate` hint stays a valid corroboration

# How long a single-page confirmation's URL must stay before it is believed: longer than a
# script's quick there-and-back, short enough not to keep the seller waiting.
_STAYS_S = 1.0
_READ_TIMEOUT_MS = 1000
_VALUE_MAX = 80
_TEXT_MAX = 20_000
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


# What a page's script can make the probe say many times a second (its own history moves, the
# guard's answers, an eligibility error shown again): the probe sends at most 20 of them a
# second per document (probe.js `limited`); past this many a second per page, the watcher drops
# the rest of the second (issue #25: 20,000 guard messages were 20,004 fsynced events).
FLOOD_TYPES = frozenset({"push", "replace", "hashchange", "guard", "eligibility_error"})
FLOOD_PER_S = 50


def _floodable(msg: Message) -> bool:
    """A message a page's script alone can repeat: not a Back, Forward or Reload (they need
    the person's input), nor a document loaded."""
    if isinstance(msg, Shown) and msg.type == "popstate":
        return msg.probe not in ("back", "forward", "reload")
    return msg.type in FLOOD_TYPES


class ProbeMessages:
    """Handles each probe message once, per page; what it emits goes through `emit`, and where a
    shown page lands goes on to `url_events` (what the rules say of that URL)."""

    def __init__(
        self,
        rules: Rules,
        guard: bool,
        emit: Callable[..., Event],
        url_events: Callable[[_PageState, str, NavKind, bool], None],
    ) -> None:
        self.rules = rules
        self.guard = guard
        self._emit = emit
        self._url_events = url_events
        self._merchant_urls: dict[str, int] = {}  # merchant document URL → first page showing it

    # --- probe messages -----------------------------------------------------------------------
    def handle(self, state: _PageState, msg: Message, *, via: str, top: bool = True) -> bool:
        """Handle one probe message once; True when it was new."""
        if top:
            if msg.n <= state.seen.get(msg.doc, 0):
                return False
            # Messages of one document arrive in order as console lines; from the queue they
            # come in order too, so the highest number handled is enough to skip repeats.
            state.seen[msg.doc] = msg.n
            state.seen.move_to_end(msg.doc)
            while len(state.seen) > 30:
                state.seen.popitem(last=False)
        if _floodable(msg) and not state.within_rate(FLOOD_PER_S):
            return False  # a flood the probe should have coalesced (see probe.js `limited`)
        url = msg.url
        if isinstance(msg, Shown):
            self._shown(state, msg, via)
        elif isinstance(msg, Navigate):
            state.hint, state.hint_at = msg, time.monotonic()
        elif isinstance(msg, CsClick):
            detail = {"how": msg.how, "match": msg.match, "label": msg.label}
            if not top:
                detail["frame"] = "true"
            if msg.how == "url":  # a link's address: no query values, as for any URL
                detail["match"] = scrub(detail["match"], self.rules.order.session_param)
            # Only the guard can stop a click: without it, a page saying "cancelled" is lying.
            if msg.allowed or not self.guard:
                self._emit("customer_service", state, url, sources=["probe:click"], detail=detail)
            else:
                self._emit(
                    "guard", state, url, sources=["probe:click"],
                    detail={**detail, "action": "customer_service", "answer": "cancel"},
                )  # fmt: skip
        elif isinstance(msg, Guard):
            detail = {
                k: v
                for k, v in (("action", msg.action), ("key", msg.key), ("answer", msg.answer))
                if v is not None
            }
            if msg.action != "customer_service":  # the cs_click message says it
                self._emit("guard", state, url, sources=["probe:guard"], detail=detail)
        elif isinstance(msg, OrderLater):
            self._emit("order_later", state, url, sources=["probe:click"])
        elif isinstance(msg, Submit):
            self._submitted(state, msg)
        elif isinstance(msg, EligibilityError):
            self._emit("eligibility_error", state, url, sources=["probe:dom"])
        elif isinstance(msg, Confirmation):
            self._confirmation(state, msg)
        return True

    def _confirmation(self, state: _PageState, msg: Confirmation) -> None:
        url = msg.url
        globs = self.rules.order.confirmation
        if not globs or not url_matches(url, globs):
            logger.warning(
                "dropped a confirmation the page reported on page {}: not a confirmation URL",
                state.index,
            )
            return
        if state.confirmed_url is not None and _same_doc_url(state.confirmed_url, url):
            return  # said already (the probe's late read without the number)
        if self._loaded_at(state, msg.doc, url):
            detail = {
                k: v
                for k, v in (
                    ("number", msg.number), ("order_type", msg.order_type), ("date", msg.date)
                )
                if v is not None
            }  # fmt: skip
            self._confirmed(state, url, ["probe:dom", "playwright:request"], detail)
        elif state.pending_confirmation is None:
            logger.debug("page {}: a confirmation URL without a load, checked soon", state.index)
            state.pending_confirmation = (url, time.monotonic())

    def _loaded_at(self, state: _PageState, doc: str, url: str) -> bool:
        """Whether document `doc` is one the browser loaded at `url` (see the module
        docstring): the probe's first word of it, and a navigation request Playwright saw."""
        loaded = state.doc_urls.get(doc)
        return (
            loaded is not None
            and _same_doc_url(loaded, url)
            and any(_same_doc_url(seen, url) for seen in state.doc_requests)
        )

    def confirm_pending(self, state: _PageState, url_now: str) -> bool:
        """Judge a single-page confirmation once its URL stayed; True while still waiting.
        Called from the thread that drives the page (Playwright reads the number)."""
        pending = state.pending_confirmation
        if pending is None:
            return False
        url, at = pending
        globs = self.rules.order.confirmation
        if not (_same_doc_url(url_now, url) and url_matches(url_now, globs)):
            state.pending_confirmation = None
            logger.warning(
                "dropped a confirmation the page reported on page {}: its URL did not stay",
                state.index,
            )
            return False
        if time.monotonic() - at < _STAYS_S:
            return True
        state.pending_confirmation = None
        detail = self._read(state.page)
        self._confirmed(state, url_now, ["playwright:url", "playwright:dom"], detail)
        return False

    def _submitted(self, state: _PageState, msg: Submit) -> None:
        if self.rules.order.confirmation_state is None:
            return
        if msg.shown_before:
            state.submitted_at = None
            logger.warning(
                "page {}: order.confirmation_state already showed when its submit control was "
                "clicked: that click confirms nothing",
                state.index,
            )
            return
        state.submitted_at = time.monotonic()

    def confirm_state(self, state: _PageState, url_now: str) -> None:
        """Judge a state confirmation after its submit click: Playwright looks for the state,
        until the rules' bound. Called from the thread that drives the page."""
        wanted, at = self.rules.order.confirmation_state, state.submitted_at
        if wanted is None or at is None:
            return
        if time.monotonic() - at > wanted.within:
            state.submitted_at = None
            logger.warning(
                "page {}: order.confirmation_state did not show within {:g} s of its submit "
                "click: not confirmed",
                state.index,
                wanted.within,
            )
            return
        if state.pending_confirmation is not None or url_matches(
            url_now, self.rules.order.confirmation
        ):
            return  # the click led to a confirmation page: its address decides
        if _state_shown(state.page, wanted):
            detail = {**self._read(state.page), "how": "state"}
            self._confirmed(state, url_now, ["probe:trusted_click", "playwright:dom"], detail)

    def _confirmed(
        self, state: _PageState, url: str, sources: list[str], detail: dict[str, str]
    ) -> None:
        state.confirmation_url = None
        state.pending_confirmation = None
        state.submitted_at = None
        state.confirmed_url = url
        self._emit("confirmation", state, url, sources=sources, detail=detail)

    def _read(self, page: Page) -> dict[str, str]:
        """The confirmation's number, type and date as Playwright reads them (its isolated
        world: the page's redefined built-ins do not reach it), by the rules' selectors, else
        their text patterns on the page's visible text."""
        order = self.rules.order
        text: str | None = None
        found: dict[str, str] = {}
        for key, selector, patterns in (
            ("number", order.order_number, order.order_number_text),
            ("order_type", order.order_type, order.order_type_text),
            ("date", order.order_date, order.order_date_text),
        ):
            value = _read_selector(page, selector) if selector else None
            if value is None and patterns:
                if text is None:
                    text = _read_selector(page, "body", _TEXT_MAX) or ""
                value = _by_patterns(text, patterns)
            if value:
                found[key] = value
        return found

    def _shown(self, state: _PageState, msg: Shown, via: str) -> None:
        url = msg.url
        if msg.type == "doc":
            # The probe's first word of a document, before any page script ran: where the
            # browser loaded it (what a confirmation's multi-page evidence needs).
            state.doc_urls[msg.doc] = url
            while len(state.doc_urls) > 30:
                state.doc_urls.popitem(last=False)
        nav, sources, detail = self._classify(state, msg, via)
        if msg.stamp is not None:
            state.last_stamp = float(msg.stamp)
        if nav is None:
            return
        if msg.type in ("doc", "pageshow"):
            state.load_failed = None  # a document of the shop's shown: the error page is gone
        merchant = self.rules.is_merchant(url)
        state.on_merchant = merchant
        if nav in ("back", "forward") and within_page(state.url, url):
            # A Back or Forward that only undoes (or redoes) an in-page anchor: the same
            # document, nothing loaded or replayed, so no step of the order is shown again —
            # the demo shop's truth agrees (the matrix found it: no-false-alarm, step 8).
            detail["within_page"] = "true"
        state.url = url
        # What counts is where the move lands: a merchant page shown again is what the merchant
        # sees replayed; a Back from the merchant to the ACN shop replays nothing of it (the
        # demo shop's truth agrees), and is kept as an event, not a violation.
        self._emit(
            "navigation", state, url, nav=nav, sources=sources, detail=detail,
            on_merchant=merchant,
        )  # fmt: skip
        self._url_events(state, url, nav, merchant)

    def _classify(
        self, state: _PageState, msg: Shown, via: str
    ) -> tuple[NavKind | None, list[str], dict[str, str]]:
        kind, url, stamp = msg.type, msg.url, msg.stamp
        fresh, timing, activation = msg.fresh, msg.timing, msg.activation
        sources: list[str] = []
        detail: dict[str, str] = {}
        nav: NavKind | None
        same_document = kind in ("popstate", "hashchange", "push", "replace")
        if same_document:
            detail["same_document"] = "true"
        if kind in ("push", "replace"):
            self._shown_elsewhere(state, url)  # remembered, for a tab that loads it again
        if kind == "push":
            return (
                "spa_push",
                ["probe:pushState", *self._cdp_agrees(state, url, ("historyApi",))],
                detail,
            )
        if kind == "replace":
            return "spa_replace", ["probe:replaceState"], detail
        ref = state.last_stamp
        failed = state.load_failed is not None  # this page showed the browser's error page
        if failed:
            detail["after_load_failed"] = "true"
        if fresh:
            if kind == "doc" and failed and timing == "reload":
                # The error page reloaded: its entry never had a document of the shop's (so no
                # stamp), and the shop's server sees this request for the first time.
                nav = "retry"
                sources.append("playwright:requestfailed")
                self._shown_elsewhere(state, url)
            elif kind == "doc" and timing in ("reload", "back_forward"):
                # An entry without our stamp (the site stored a non-object state): trust timing.
                nav = "reload" if timing == "reload" else self._hint_direction(state) or "back"
                sources.append("probe:timing")
                detail["unstamped"] = "true"
            elif kind == "doc":
                nav = "navigate"
                sources.append("probe:stamp")
                shown_in = self._shown_elsewhere(state, url)
                if shown_in is not None:
                    # A merchant page already shown in another tab, loaded again in this one
                    # (a duplicated tab, a link opened twice): the server sees the same page
                    # shown twice, exactly as for a reload.
                    nav = "reload"
                    sources.append("watcher:duplicate")
                    detail["duplicate_of_page"] = str(shown_in)
            elif kind == "pageshow":
                # A page restored from the cache whose entry had no stamp (the site stored a
                # non-object state): a traversal all the same, its direction from the
                # Navigation API when it told.
                nav = self._hint_direction(state) or "back"
                detail["unstamped"] = "true"
            else:
                nav = "fragment"
                sources.append("probe:stamp")
        elif stamp is None:
            return None, [], {}
        elif ref is None:
            probe = msg.probe
            nav = probe if probe in ("back", "forward", "reload") else "navigate"
            sources.append("probe:session")
        elif stamp == ref and failed:
            # The page shown before the error page, shown again: a Back from the error page
            # (from the cache or not: the shop counts that showing), or the Reload of a page
            # whose Refresh had failed — a replay either way.
            nav = "reload" if kind == "doc" and timing == "reload" else "back"
            sources.append("probe:stamp")
        elif stamp == ref:
            if kind != "doc":
                return None, [], {}  # the same entry shown again without a load: nothing moved
            nav = "reload"
            sources.append("probe:stamp")
        else:
            nav = "back" if stamp < ref else "forward"
            sources.append("probe:stamp")
        if nav in ("back", "forward", "reload") and msg.probe == nav and ref is not None:
            sources.append("probe:session")
        if kind == "doc" and timing:
            expected = {
                "reload": "reload", "retry": "reload", "back": "back_forward",
                "forward": "back_forward",
            }  # fmt: skip
            if expected.get(str(nav), "navigate") == timing:
                sources.append("probe:timing")
            else:
                detail["timing"] = str(timing)
        if kind == "doc" and activation:
            agrees = {
                "reload": ("reload",), "retry": ("reload",), "back": ("traverse",),
                "forward": ("traverse",),
            }  # fmt: skip
            if activation in agrees.get(str(nav), ("push", "replace")):
                sources.append("probe:activation")
            else:
                detail["activation"] = str(activation)
        if kind == "pageshow":
            sources.append("probe:pageshow")
            detail["bfcache"] = "true"
        if nav in ("back", "forward") and self._hint_direction(state) == nav:
            sources.append("probe:navigate")
        if nav == "reload" and self._hint_type(state) == "reload":
            sources.append("probe:navigate")
        if kind in ("doc", "pageshow"):
            sources.extend(self._cdp_agrees(state, url, _CDP_DOCUMENT))
            if any(_same_doc_url(seen, url) for seen in state.frame_navs):
                sources.append("playwright:framenavigated")
                state.frame_navs.clear()
        elif kind in ("popstate", "hashchange"):
            sources.extend(self._cdp_agrees(state, url, _CDP_SAME_DOCUMENT))
        if via == "queue":
            sources.append("probe:queue")  # its console line did not bring it: read with evaluate
        state.hint = None
        return nav, sources, detail

    def _shown_elsewhere(self, state: _PageState, url: str) -> int | None:
        if not self.rules.is_merchant(url):
            return None
        key = url.split("#", 1)[0]
        first = self._merchant_urls.setdefault(key, state.index)
        if len(self._merchant_urls) > 1000:  # a long order: forget the oldest pages
            self._merchant_urls.pop(next(iter(self._merchant_urls)))
        return first if first != state.index else None

    def _hint_type(self, state: _PageState) -> str | None:
        if state.hint is None or time.monotonic() - state.hint_at > _HINT_TTL:
            return None
        return state.hint.navigationType

    def _hint_direction(self, state: _PageState) -> NavKind | None:
        if self._hint_type(state) != "traverse" or state.hint is None:
            return None
        return state.hint.direction

    def _cdp_agrees(self, state: _PageState, url: str, wanted: tuple[str, ...]) -> list[str]:
        for i, (kind, seen) in enumerate(state.cdp):
            if _same_doc_url(seen, url) and kind in wanted:
                for _ in range(i + 1):  # older signals can no longer match anything
                    state.cdp.popleft()
                return [f"cdp:{kind}"]
        return []


def _clean(text: str, limit: int = _VALUE_MAX) -> str:
    """A value read from the page: one line, no markup or control characters, bounded."""
    return " ".join(_UNSAFE.sub(" ", text).split())[:limit]


def _read_selector(page: Page, selector: str, limit: int = _VALUE_MAX) -> str | None:
    try:
        first = page.locator(selector).first
        if not untraced(first, "count"):
            return None
        value = untraced(first, "inner_text", timeout=_READ_TIMEOUT_MS)
    except playwright_error() as error:  # an invalid selector, a page navigating or closing
        logger.debug("confirmation read: {}", type(error).__name__)
        return None
    if not isinstance(value, str):
        return None
    return _clean(value, limit) or None


def _state_shown(page: Page, wanted: ConfirmationState) -> bool:
    """Whether the page shows the rules' confirmation state, as Playwright reads it: its
    selector visible, and one of its patterns in the visible text (each when given)."""
    if wanted.selector is not None:
        try:
            if not untraced(page.locator(wanted.selector).filter(visible=True), "count"):
                return False
        except playwright_error() as error:  # an invalid selector, a page navigating or closing
            logger.debug("confirmation state: {}", type(error).__name__)
            return False
    if wanted.text:
        text = _read_selector(page, "body", _TEXT_MAX) or ""
        if not any(re.search(pattern, text, re.IGNORECASE) for pattern in wanted.text):
            return False
    return True


def _by_patterns(text: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        try:
            found = re.search(pattern, text, re.IGNORECASE)
        except re.error:  # a JavaScript-only pattern: the probe's concern
            continue
        if found and found.groups() and isinstance(found.group(1), str):
            value = _clean(found.group(1))
            if value:
                return value
    return None
