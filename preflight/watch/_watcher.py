"""The watcher: turns what happens in a Playwright `BrowserContext` into events and a verdict.

Signals, cross-checked (each event's `sources` says which agreed):

* the in-page probe (`probe.js`), on every document: its own per-entry stamp in
  `history.state` (back < current < forward, equal = reload), navigation timing type,
  `navigation.activation`, `pageshow.persisted`, `popstate`, Navigation API `navigate`,
  wrapped `pushState`/`replaceState`, and clicks on customer-service / « order later »;
* Playwright: navigation requests (the ACN entry is a redirect no document ever shows),
  `framenavigated`, new pages, closed pages;
* Chromium only, over CDP: `Page.frameNavigated.type` (`BackForwardCacheRestore`) and
  `Page.navigatedWithinDocument`.

The probe reports through an exposed binding and also keeps its messages in a queue that
`poll()`/`settle()` read with `evaluate`: over WebDriver BiDi (stock Firefox) a back/forward-
cache restore gives Playwright no event at all, and a one-shot `evaluate` is what still works
on the restored page (measured with Playwright 1.64.1 and Firefox ESR 153).

Under Playwright's tracing (see `_tracing.py`), that polling is kept out of the trace, and each
event that matters is marked in it where it was seen: `poll()` and `settle()`, which run in the
caller's thread, write the marks the events since the last call left (never a callback: it
may run inside a Playwright call).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

from loguru import logger

from preflight.rules import Rules, url_matches, within_page
from preflight.watch._judge import Judge
from preflight.watch._messages import (
    FRAME_TYPES,
    Confirmation,
    CsClick,
    EligibilityError,
    Guard,
    Message,
    Navigate,
    OrderLater,
    Shown,
    parse_drained,
    parse_message,
)
from preflight.watch._scripts import BINDING, guard_script, probe_script
from preflight.watch._tracing import mark, tracing_on, untraced
from preflight.watch.events import Event, EventKind, NavKind, Outcome, Violation, Warning

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, CDPSession, Frame, Page, Request

EventHandler = Callable[[Event], None]
_SHOWN = ("doc", "pageshow", "popstate", "hashchange", "push", "replace")
_CDP_DOCUMENT = ("Navigation", "BackForwardCacheRestore")
_CDP_SAME_DOCUMENT = ("historyApi", "fragment", "other")
# settle(): a page counts as quiet once idle this long (what a page does right after an answer
# comes within a task or two), and busy pages are polled this often.
_SETTLE_IDLE_MS = 30
_SETTLE_PAUSE_S = 0.02
_HINT_TTL = 10.0  # seconds a Navigation API `navigate` hint stays a valid corroboration
_DRAIN = (
    "(seen) => window.__preflight ? window.__preflight.since(seen[window.__preflight.doc] || 0)"
    " : null"
)


@dataclass
class _PageState:
    index: int
    page: Page
    last_stamp: float | None = None
    url: str = ""
    on_merchant: bool = False
    merchant_seen: bool = False
    merchant_navs: int = 0
    closed: bool = False
    seen: OrderedDict[str, int] = field(default_factory=OrderedDict)  # doc → highest n handled
    hint: Navigate | None = None
    hint_at: float = 0.0
    cdp: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=20))
    frame_navs: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    # Main-frame URLs Playwright reported (never cleared): what corroborates a confirmation.
    nav_urls: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    cdp_session: CDPSession | None = None
    confirmation_url: str | None = None


def scrub(url: str, keep: str | None) -> str:
    """`url` without query values (they may hold personal data or one-time tokens), except
    the parameter the rules name as the session marker."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0]
    if not parts.query:
        return url
    # Built by hand: urlencode would percent-encode the "…" placeholder into "%E2%80%A6",
    # which is what a person then reads in the report.
    query = "&".join(
        f"{quote_plus(k)}={quote_plus(v) if k == keep else '…'}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit(parts._replace(query=query))


def trace_mark(event: Event, judged: Violation | Warning | None, rules: Rules) -> str | None:
    """What the trace shows for `event` (None: nothing): the session lost and why, the order
    put at risk, a history move that ended nothing, the session's start and the order's end.
    The URL is redacted (its query values are already gone): a path may hold typed data."""
    from preflight.privacy import allowed_params, redact

    if isinstance(judged, Violation):
        text = f"⚠ session lost: {judged.kind} — {judged.message}"
    elif isinstance(judged, Warning):
        text = f"⚠ order at risk: {judged.kind} — {judged.message}"
    elif event.kind == "navigation" and event.nav in ("back", "forward", "reload"):
        text = f"↺ {event.nav} seen — not a violation here"
    elif event.kind == "customer_service":
        text = "ⓘ customer service seen — not a violation here"
    elif event.kind == "acn_entry":
        text = "→ ACN entry: the session starts"
    elif event.kind == "confirmation":
        text = "✓ order confirmed: the session's rules end"
    elif event.kind == "order_later":
        text = "✓ « Commander plus tard » used"
    elif event.kind == "guard":
        what = event.detail.get("action") or event.detail.get("how") or "?"
        done = "stopped" if event.detail.get("answer") == "cancel" else "let through"
        text = f"⛨ guard: {what} {done}"
    else:
        return None
    if event.url:
        text += f" at {redact(event.url, allowed_params(rules))}"
    return text


def _same_doc_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0] == b.split("#", 1)[0]


class Watcher:
    """Watch one browser context during an order; see the module docstring for how."""

    def __init__(
        self,
        rules: Rules,
        *,
        guard: bool = False,
        on_event: EventHandler | None = None,
        lang: Literal["fr", "en"] = "fr",
    ) -> None:
        self.rules = rules
        self.guard = guard
        self.on_event = on_event
        self.lang: Literal["fr", "en"] = lang
        self.step: str | None = None
        self._judge = Judge(rules)
        self._seq = 0
        self._pages: dict[Page, _PageState] = {}
        self._context: BrowserContext | None = None
        self._disposables: list[Any] = []
        self._chromium: bool | None = False  # None: not known (a persistent context)
        self._left_reported = False
        self._cookie_seen = False
        self._callback_error: BaseException | None = None
        self.recent: deque[Event] = deque(maxlen=50)
        self._merchant_urls: dict[str, int] = {}  # merchant document URL → first page showing it
        # Trace marks of the events not written yet (see trace_marks); bounded like `recent`.
        self._marks: deque[str] = deque(maxlen=50)

    # --- public API -------------------------------------------------------------------------
    @property
    def violations(self) -> list[Violation]:
        return list(self._judge.violations)

    @property
    def warnings(self) -> list[Warning]:
        return list(self._judge.warnings)

    @property
    def events_count(self) -> int:
        return self._seq

    @property
    def entry_seen(self) -> bool:
        return self._judge.entry_seen

    @property
    def confirmed(self) -> bool:
        return self._judge.confirmed

    def outcome(self) -> Outcome:
        self._raise_callback_error()
        return self._judge.outcome()

    def attach(self, context: BrowserContext) -> None:
        """Watch `context`; call before its pages are created (pages already open are watched
        from their next navigation on)."""
        if self._context is not None:
            raise RuntimeError("this watcher is already attached")
        self._context = context
        browser = context.browser
        # A persistent context has no `browser`: CDP is then tried once, and kept if it works.
        self._chromium = None if browser is None else browser.browser_type.name == "chromium"
        self._disposables.append(context.expose_binding(BINDING, self._on_binding))
        self._disposables.append(context.add_init_script(probe_script(self.rules)))
        if self.guard:
            self._disposables.append(context.add_init_script(guard_script(self.rules, self.lang)))
        context.on("page", self._on_page)
        context.on("request", self._on_request)
        for page in context.pages:
            self._on_page(page)

    def detach(self) -> None:
        context = self._context
        if context is None:
            return
        self.trace_marks()
        context.remove_listener("page", self._on_page)
        context.remove_listener("request", self._on_request)
        for state in self._pages.values():
            state.page.remove_listener("framenavigated", self._frame_handler(state))
            if state.cdp_session is not None:
                try:
                    state.cdp_session.detach()
                except Exception as error:  # the page may be gone already
                    logger.debug("CDP detach: {}", error)
        for disposable in self._disposables:
            try:
                disposable.dispose()
            except Exception as error:  # the context may be closed already
                logger.debug("dispose: {}", error)
        self._disposables.clear()
        self._context = None

    def poll(self) -> bool:
        """Read what the probes queued that the binding did not bring (see the module
        docstring); True when every open page is loaded and nothing new came."""
        quiet = self._drain(idle_ms=0)
        self._check_session_cookie()
        self.trace_marks()
        self._raise_callback_error()
        return quiet

    def _drain(self, idle_ms: float) -> bool:
        """One round over the open pages; True when each is loaded, brought nothing new, has
        no request of its own out and has done nothing for `idle_ms`."""
        quiet = True
        for state in list(self._pages.values()):
            if state.closed or state.page.is_closed():
                continue
            try:
                status = untraced(state.page, "evaluate", _DRAIN, dict(state.seen))
            except Exception as error:  # navigating, or closing: the next round will tell
                logger.trace("drain page {}: {}", state.index, error)
                quiet = False
                continue
            if status is None:
                # No probe here: about:blank (settled) or a document still being created.
                if state.page.url not in ("about:blank", ""):
                    quiet = False
                continue
            drained = parse_drained(status)
            if drained is None:
                continue  # a page that broke its probe's answer: nothing to read from it
            for raw in drained.msgs:
                msg = parse_message(raw, via="queue")
                if msg is not None and self._handle(state, msg, via="queue"):
                    quiet = False
            if drained.readyState != "complete":
                quiet = False
            elif state.confirmation_url and _same_doc_url(drained.url, state.confirmation_url):
                quiet = False  # the probe reads the order number once rendered
            elif drained.busy or drained.idle_ms < idle_ms:
                quiet = False  # a request of the page's own is out, or it just came back
        return quiet

    def settle(self, timeout: float = 2.0) -> None:
        """Wait until the probe has reported the last navigation on every open page, so that
        the events are complete before judging.

        The probe says when its page is loaded, has no request of its own out (fetch, XHR:
        what a single-page shop's next step waits for) and has been idle for a moment; a
        navigation an action started has already committed when Playwright's action returns.
        So a page where nothing is going on settles in one round, and a busy one is polled
        every `_SETTLE_PAUSE_S` until it is quiet (no fixed sleep)."""
        deadline = time.monotonic() + timeout
        while not self._drain(idle_ms=_SETTLE_IDLE_MS):
            if time.monotonic() >= deadline:
                logger.debug("settle: still busy after {}s", timeout)
                break
            self._pause(_SETTLE_PAUSE_S)
        self._check_session_cookie()
        self.trace_marks()
        self._raise_callback_error()

    def trace_marks(self) -> int:
        """Write the trace marks the events since the last call left, when the context is
        traced (else drop them); how many were written. Call it from the thread that drives
        the page, never from a Playwright callback."""
        context, marks = self._context, list(self._marks)
        self._marks.clear()
        if context is None or not marks or not tracing_on(context):
            return 0
        for text in marks:
            mark(context, text)
        return len(marks)

    def page_index(self, page: Page) -> int:
        state = self._pages.get(page)
        return state.index if state else 0

    # --- Playwright callbacks -----------------------------------------------------------------
    def _pause(self, seconds: float) -> None:
        # Waiting inside a Playwright call lets the sync API dispatch the pending events.
        for state in self._pages.values():
            if not state.closed and not state.page.is_closed():
                try:
                    untraced(state.page, "wait_for_timeout", seconds * 1000)
                    return
                except Exception as error:
                    logger.trace("pause: {}", error)
        time.sleep(seconds)

    def _on_page(self, page: Page) -> None:
        if page in self._pages:
            return
        state = _PageState(index=len(self._pages) + 1, page=page)
        self._pages[page] = state
        page.on("framenavigated", self._frame_handler(state))
        page.on("close", lambda _page: self._on_close(state))
        if self._chromium is not False and self._context is not None:
            self._attach_cdp(state)
        if state.index > 1:
            self._emit("new_tab", state, page.url)

    def _frame_handlers(self) -> dict[int, Callable[[Frame], None]]:
        if not hasattr(self, "_fh"):
            self._fh: dict[int, Callable[[Frame], None]] = {}
        return self._fh

    def _frame_handler(self, state: _PageState) -> Callable[[Frame], None]:
        handlers = self._frame_handlers()
        if state.index not in handlers:

            def handler(frame: Frame) -> None:
                if frame.parent_frame is None:
                    state.frame_navs.append(frame.url)
                    state.nav_urls.append(frame.url)

            handlers[state.index] = handler
        return handlers[state.index]

    def _attach_cdp(self, state: _PageState) -> None:
        assert self._context is not None
        try:
            session = self._context.new_cdp_session(state.page)
            session.send("Page.enable")
        except Exception as error:  # not fatal: the probe is the main source
            logger.debug("no CDP session for page {}: {}", state.index, error)
            if self._chromium is None:
                self._chromium = False
            return
        self._chromium = True
        state.cdp_session = session

        main: dict[str, str] = {}

        def navigated(params: dict[str, Any]) -> None:
            frame = params.get("frame", {})
            logger.trace("CDP frameNavigated {} {}", params.get("type"), frame.get("url"))
            if not frame.get("parentId"):
                main["id"] = str(frame.get("id", ""))
                state.cdp.append((str(params.get("type", "Navigation")), str(frame.get("url", ""))))

        def within(params: dict[str, Any]) -> None:
            # A frame's own pushState or fragment move is not the order's (issue #11).
            if main.get("id") and params.get("frameId") != main["id"]:
                return
            state.cdp.append(
                (str(params.get("navigationType", "other")), str(params.get("url", "")))
            )

        session.on("Page.frameNavigated", navigated)
        session.on("Page.navigatedWithinDocument", within)

    def _on_close(self, state: _PageState) -> None:
        # After detach() the order is over (its report finished): a page closing then is not
        # part of it. The listener stays registered (a lambda per page), so say it here.
        if state.closed or self._context is None:
            return
        state.closed = True
        self._emit("page_closed", state, state.url)

    def _on_request(self, request: Request) -> None:
        try:
            if not request.is_navigation_request() or not self.rules.is_entry(request.url):
                return
            frame = request.frame
            if frame.parent_frame is not None:
                return
            state = self._pages.get(frame.page)
        except Exception as error:  # a request of a page already gone
            logger.trace("request: {}", error)
            return
        if state is None:
            return
        self._left_reported = False
        self._cookie_seen = False
        self._emit("acn_entry", state, request.url, sources=["playwright:request"])

    def _on_binding(self, source: dict[str, Any], raw: Any) -> None:
        page = source.get("page")
        state = self._pages.get(page) if page is not None else None
        if state is None or self._context is None:
            return  # not ours, or a call that was already on its way when we detached
        msg = parse_message(raw, via="binding")
        if msg is None:
            return
        frame = source.get("frame")
        if frame is not None and frame.parent_frame is not None and msg.type not in FRAME_TYPES:
            # A frame's own loads and history moves are not the order's: its document may be
            # a chat or payment widget that navigates, reloads and goes back by itself.
            logger.trace("frame message {} not the order's: ignored", msg.type)
            return
        try:
            self._handle(state, msg, via="binding", top=frame is None or frame.parent_frame is None)
        except Exception as error:  # never let a bad message break the page's promise chain
            logger.exception("probe message: {}", error)
            if self._callback_error is None:
                self._callback_error = error

    # --- probe messages -----------------------------------------------------------------------
    def _handle(self, state: _PageState, msg: Message, *, via: str, top: bool = True) -> bool:
        """Handle one probe message once; True when it was new."""
        if top:
            if msg.n <= state.seen.get(msg.doc, 0):
                return False
            # Messages of one document arrive in order over the binding; from the queue they
            # come in order too, so the highest number handled is enough to skip repeats.
            state.seen[msg.doc] = msg.n
            state.seen.move_to_end(msg.doc)
            while len(state.seen) > 30:
                state.seen.popitem(last=False)
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
        elif isinstance(msg, EligibilityError):
            self._emit("eligibility_error", state, url, sources=["probe:dom"])
        elif isinstance(msg, Confirmation):
            if not self._confirmation_seen(state, url):
                # A page can say anything; what makes the order attributed must be seen by
                # Playwright too (issue #13: a forged confirmation said ATTRIBUTED).
                logger.warning(
                    "dropped a confirmation the page reported on page {}: Playwright saw no"
                    " confirmation page there",
                    state.index,
                )
                return True
            state.confirmation_url = None
            detail = {
                k: v
                for k, v in (
                    ("number", msg.number), ("order_type", msg.order_type), ("date", msg.date)
                )
                if v is not None
            }  # fmt: skip
            self._emit("confirmation", state, url, sources=["probe:dom"], detail=detail)
        return True

    def _confirmation_seen(self, state: _PageState, url: str) -> bool:
        """Whether the page really is on a confirmation page: the URL the probe gives matches
        the rules' confirmation globs, and so does one Playwright itself knows for the page
        (its URL now, or a main-frame navigation it reported) — a page cannot forge those."""
        globs = self.rules.order.confirmation
        if not globs or not url_matches(url, globs):
            return False
        try:
            now = state.page.url
        except Exception as error:  # closing
            logger.trace("page url: {}", error)
            now = ""
        return any(url_matches(seen, globs) for seen in (now, *state.nav_urls))

    def _shown(self, state: _PageState, msg: Shown, via: str) -> None:
        url = msg.url
        nav, sources, detail = self._classify(state, msg, via)
        if msg.stamp is not None:
            state.last_stamp = float(msg.stamp)
        if nav is None:
            return
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
        if fresh:
            if kind == "doc" and timing in ("reload", "back_forward"):
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
            expected = {"reload": "reload", "back": "back_forward", "forward": "back_forward"}
            if expected.get(str(nav), "navigate") == timing:
                sources.append("probe:timing")
            else:
                detail["timing"] = str(timing)
        if kind == "doc" and activation:
            agrees = {"reload": ("reload",), "back": ("traverse",), "forward": ("traverse",)}
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
            sources.append("probe:queue")  # the binding did not bring it: read with evaluate
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

    def _url_events(self, state: _PageState, url: str, nav: NavKind, merchant: bool) -> None:
        rules = self.rules
        arrived = nav in ("navigate", "spa_push", "spa_replace")
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

    def _check_session_cookie(self) -> None:
        name = self.rules.order.session_cookie
        if not name or self._context is None or not self._judge.session_on or self._left_reported:
            return
        try:
            cookies = untraced(self._context, "cookies")
            present = any(cookie.get("name") == name for cookie in cookies)
        except Exception as error:  # the context is closing
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

    # --- events -------------------------------------------------------------------------------
    def _emit(
        self,
        kind: EventKind,
        state: _PageState,
        url: str,
        *,
        nav: NavKind | None = None,
        sources: list[str] | None = None,
        detail: dict[str, str] | None = None,
        on_merchant: bool | None = None,
    ) -> Event:
        self._seq += 1
        event = Event(
            seq=self._seq,
            kind=kind,
            url=scrub(url, self.rules.order.session_param),
            page=state.index,
            step=self.step,
            nav=nav,
            sources=sources or [],
            detail=detail or {},
        )
        merchant = state.on_merchant if on_merchant is None else on_merchant
        judged = self._judge.judge(event, on_merchant=merchant)
        text = trace_mark(event, judged, self.rules)
        if text is not None:
            self._marks.append(text)
        self.recent.append(event)
        logger.debug("event {} {} {} {}", event.seq, kind, nav or "", event.url)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception as error:  # raised again from poll()/settle()/outcome()
                logger.exception("on_event failed: {}", error)
                if self._callback_error is None:
                    self._callback_error = error
        return event

    def _raise_callback_error(self) -> None:
        error, self._callback_error = self._callback_error, None
        if error is not None:
            raise error
