"""The watcher: turns what happens in a Playwright `BrowserContext` into events and a verdict.

Signals, cross-checked (each event's `sources` says which agreed):

* the in-page probe (`probe.js`), on every document: its own per-entry stamp in
  `history.state` (back < current < forward, equal = reload), navigation timing type,
  `navigation.activation`, `pageshow.persisted`, `popstate`, Navigation API `navigate`,
  wrapped `pushState`/`replaceState`, and trusted clicks on customer-service, « order later »
  and a state confirmation's submit control;
* Playwright: navigation requests (the ACN entry is a redirect no document ever shows),
  a page's own load that failed (`requestfailed`: the network lost, the browser's error page
  shown — `chrome-error://chromewebdata/` on Chromium, `about:neterror?…` on Firefox, where
  the probe sees the failed URL as its location and keeps quiet), `framenavigated`, new
  pages, closed pages;
* Chromium only, over CDP: `Page.frameNavigated.type` (`BackForwardCacheRestore`) and
  `Page.navigatedWithinDocument`.

The probe reports through console lines of its own, signed (`probe.js` `deliver`): a console
message is an event Playwright hands on, where an exposed binding's call waited for Python's
answer, which Playwright carried back into the page — a protocol call per message (issue #27).
It also keeps its messages in a queue that `poll()`/`settle()` read with `evaluate`: over
WebDriver BiDi (stock Firefox) a back/forward-cache restore gives Playwright no event at all,
and a one-shot `evaluate` is what still works on the restored page (measured with Playwright
1.64.1 and Firefox ESR 153). `settle()` asks
each page once: the probe answers when its page is quiet (no poll loop: over BiDi each round
trip costs, issue #27) — after what no probe sees has ended: the requests of every frame and
the navigations whose document has not come, from Playwright's events (`_requests.py`).

Under Playwright's tracing (see `_tracing.py`), that question is kept out of the trace, and each
event that matters is marked in it where it was seen: `poll()` and `settle()`, which run in the
caller's thread, write the marks the events since the last call left (never a callback: it
may run inside a Playwright call).

The watcher is the public face; each concern is a collaborator it holds, not a base class:
`_probe.py` turns probe messages into events, `_session.py` says what the rules' URLs and
the session cookie mean, `_emit.py` numbers, scrubs, judges, marks and hands on each event,
`_cdp.py` is Chromium's own signals, `_pages.py` what is kept of each page. This module keeps
the signal sources wired to one context: the probe's console lines and queue, Playwright's
events.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.errors import PageUnresponsive
from preflight.i18n import Lang
from preflight.rules import Rules
from preflight.watch._ask import ASK_S, answers, ask
from preflight.watch._cdp import attach_cdp
from preflight.watch._emit import Emitter, EventHandler, scrub
from preflight.watch._judge import Judge
from preflight.watch._keys import Keys
from preflight.watch._messages import FRAME_TYPES, parse_drained, parse_message, parse_signed
from preflight.watch._pages import _PageState, _same_doc_url
from preflight.watch._probe import ProbeMessages
from preflight.watch._requests import Outstanding, counted
from preflight.watch._scripts import CHANNEL, guard_script, probe_script
from preflight.watch._session import Session
from preflight.watch._tracing import mark, tracing_on, untraced
from preflight.watch.events import Event, Outcome, Violation, Warning

if TYPE_CHECKING:
    from playwright.sync_api import (
        BrowserContext,
        ConsoleMessage,
        Frame,
        Page,
        Request,
        Response,
    )

# A navigation request given up for another one (a second click, a download): no error page.
_ABORTED = ("ERR_ABORTED", "NS_BINDING_ABORTED", "NS_ERROR_ABORT")

__all__ = ["EventHandler", "Watcher", "scrub"]

# settle(): a page counts as quiet once idle this long (what a page does right after an answer
# comes within a task or two). A page waits that out itself (the probe's `quiet`) and answers
# once quiet, within _QUIET_MAX_S; a re-check the watcher still needs (a confirmation to read)
# waits _SETTLE_PAUSE_S in the page first.
_SETTLE_IDLE_MS = 30
_SETTLE_PAUSE_S = 0.02
_QUIET_MAX_S = 1.0
# settle(): how long each pause lasts at most while a frame has a request out (its end, an
# event, may come any time: the pause is the driver's timer, no call to the browser).
_OUT_STEP_S = 0.02
# The least a question to a page may wait for its answer, even at a deadline: a loaded machine's
# ordinary answer, not a spinning page's.
_ASK_MIN_S = 0.5
# The probe's queue since what was read of this document, once the page is quiet (`probe.js`).
_DRAIN = (
    "([seen, nonce, idle, least, most]) => window.__preflight ?"
    " window.__preflight.quiet(seen[window.__preflight.doc] || 0, nonce, idle, least, most)"
    " : null"
)


class Watcher:
    """Watch one browser context during an order; see the module docstring for how."""

    def __init__(
        self,
        rules: Rules,
        *,
        guard: bool = False,
        on_event: EventHandler | None = None,
        lang: Lang = "fr",
        page_steps: bool = False,
    ) -> None:
        self.rules = rules
        self.guard = guard
        self.lang: Lang = lang
        self._judge = Judge(rules)
        self._pages: dict[Page, _PageState] = {}
        self._context: BrowserContext | None = None
        self._disposables: list[Any] = []
        self._chromium: bool | None = False  # None: not known (a persistent context)
        self._keys = Keys()  # what signs the probe's messages (see _keys.py)
        self._events = Emitter(rules, self._judge, on_event)
        self._events.page_steps = page_steps
        self._session = Session(rules, self._judge, self._pages, self._events.emit)
        self._probe = ProbeMessages(rules, guard, self._events.emit, self._session.url_events)
        # The last round of questions (`_drain`) found the session cookie in a page's own view.
        self._cookie_in_page = False
        # What the pages' frames have out, as Playwright reported it: what settle() waits for
        # beyond the probes' answers (see _requests.py).
        self._out = Outstanding()

    # --- public API -------------------------------------------------------------------------
    @property
    def step(self) -> str | None:
        """The scenario step (or order page) the next events belong to."""
        return self._events.step

    @step.setter
    def step(self, step: str | None) -> None:
        self._events.step = step

    @property
    def on_event(self) -> EventHandler | None:
        return self._events.on_event

    @on_event.setter
    def on_event(self, handler: EventHandler | None) -> None:
        self._events.on_event = handler

    @property
    def recent(self) -> deque[Event]:
        return self._events.recent

    @property
    def violations(self) -> list[Violation]:
        return list(self._judge.violations)

    @property
    def warnings(self) -> list[Warning]:
        return list(self._judge.warnings)

    @property
    def events_count(self) -> int:
        return self._events.count

    @property
    def entry_seen(self) -> bool:
        return self._judge.entry_seen

    @property
    def confirmed(self) -> bool:
        return self._judge.confirmed

    @property
    def unresponsive(self) -> list[Page]:
        """The open pages that did not answer the last question asked (their script spins)."""
        return [s.page for s in self._pages.values() if s.unresponsive and not s.closed]

    def close_unresponsive(self, *, quiet: bool = False) -> int:
        """Close the open pages that did not answer the last question asked: a page whose
        script spins holds every later call on it (a screenshot, a trace, the watcher's own
        detach) until closed. Call at the end of a watch; how many were closed. `quiet`: no
        `page_closed` event for them."""
        closed = 0
        for state in self._pages.values():
            if not state.unresponsive or state.closed or state.page.is_closed():
                continue
            logger.warning("page {}: closed, it does not answer (its script is busy)", state.index)
            state.closed = quiet
            try:
                state.page.close(run_before_unload=False)
                closed += 1
            except playwright_error() as error:  # gone with its browser meanwhile
                logger.debug("closing page {}: {}", state.index, error)
        return closed

    @property
    def load_failed(self) -> bool:
        """An open page shows the browser's error page: its own load failed (network lost)."""
        return any(s.load_failed is not None and not s.closed for s in self._pages.values())

    @property
    def confirming(self) -> bool:
        """An open page is at a confirmation not yet read (its number, or a single-page
        confirmation's URL that must stay a moment)."""
        return any(
            (s.confirmation_url is not None or s.pending_confirmation is not None) and not s.closed
            for s in self._pages.values()
        )

    def outcome(self) -> Outcome:
        self._raise_callback_error()
        return self._judge.outcome()

    def attach(self, context: BrowserContext, *, also: str = "") -> None:
        """Watch `context`; call before its pages are created (pages already open are watched
        from their next navigation on). `also`: a script of the caller's for every document,
        run after the watcher's own (the replayer's), in the same init script: each one costs
        a protocol call per context on Firefox and per frame of another site on Chromium
        (issue #27); it goes when the watcher is detached."""
        if self._context is not None:
            raise RuntimeError("this watcher is already attached")
        self._context = context
        browser = context.browser
        # A persistent context has no `browser`: CDP is then tried once, and kept if it works.
        self._chromium = None if browser is None else browser.browser_type.name == "chromium"
        scripts = [probe_script(self.rules, self._keys.secret, guard=self.guard)]
        if self.guard:
            scripts.append(guard_script(self.rules, self.lang))
        scripts[-1] += f"\n;{also}" if also else ""
        for script in scripts:
            self._disposables.append(context.add_init_script(script))
        context.on("page", self._on_page)
        context.on("console", self._on_console)
        context.on("request", self._on_request)
        context.on("requestfailed", self._on_request_failed)
        context.on("requestfinished", self._on_request_finished)
        context.on("response", self._on_response)
        for page in context.pages:
            self._on_page(page)

    def detach(self) -> None:
        context = self._context
        if context is None:
            return
        # Disposing of the probe's script waits on every page: a page that
        # spins would hold it for good, so each is asked first, and closed if it does not answer
        # (the watch is over: no event for it).
        for state in self._pages.values():
            if not state.closed and not state.page.is_closed():
                state.unresponsive = not answers(state.page, _ASK_MIN_S)
        self.close_unresponsive(quiet=True)
        self.trace_marks()
        context.remove_listener("page", self._on_page)
        context.remove_listener("console", self._on_console)
        context.remove_listener("request", self._on_request)
        context.remove_listener("requestfailed", self._on_request_failed)
        context.remove_listener("requestfinished", self._on_request_finished)
        context.remove_listener("response", self._on_response)
        self._out.clear()
        for state in self._pages.values():
            state.page.remove_listener("framenavigated", self._frame_handler(state))
            if state.cdp_session is not None:
                try:
                    state.cdp_session.detach()
                except playwright_error() as error:  # the page may be gone already
                    logger.debug("CDP detach: {}", error)
        for disposable in self._disposables:
            try:
                disposable.dispose()
            except playwright_error() as error:  # the context may be closed already
                logger.debug("dispose: {}", error)
        self._disposables.clear()
        self._context = None

    def poll(self, timeout_s: float = ASK_S) -> bool:
        """Read what the probes queued that their console lines did not bring (see the module
        docstring); True when every open page is loaded and nothing new came. A page whose
        script keeps it busy is asked for `timeout_s` at most (`_ask.py`, at least
        `_ASK_MIN_S`), then skipped."""
        quiet = self._drain(idle_ms=0, deadline=time.monotonic() + min(ASK_S, timeout_s))
        self._check_session_cookie()
        self.trace_marks()
        self._raise_callback_error()
        return quiet

    def _drain(self, idle_ms: float, deadline: float, least_s: float = 0.0) -> bool:
        """One round over the open pages; True when each is loaded, brought nothing new, has
        no request of its own out and has done nothing for `idle_ms`. With `idle_ms`, each page
        answers once it is so (the probe waits for it, `least_s` at least, within
        `_QUIET_MAX_S` and the deadline): one question per page instead of a poll loop. Each
        page is asked until `deadline` at most (at least `_ASK_MIN_S`): a page that spins does
        not answer."""
        quiet = True
        self._cookie_in_page = False
        for state in list(self._pages.values()):
            if state.closed or state.page.is_closed():
                continue
            nonce = self._keys.nonce()
            wait = max(_ASK_MIN_S, deadline - time.monotonic())
            # The page's own wait ends _ASK_MIN_S before the question's: its answer still has
            # that long to come back on a loaded machine.
            most = min(_QUIET_MAX_S, wait - _ASK_MIN_S) if idle_ms else 0.0
            least = min(least_s, most)
            arg = [dict(state.seen), nonce, idle_ms, least * 1000, most * 1000]
            try:
                status = ask(state.page, _DRAIN, arg, timeout_s=wait, traced=False)
            except PageUnresponsive as error:
                if not state.unresponsive:
                    logger.warning("page {}: {}", state.index, error)
                state.unresponsive = True
                quiet = False
                continue
            except playwright_error() as error:  # navigating, or closing: the next round will tell
                logger.trace("drain page {}: {}", state.index, error)
                quiet = False
                continue
            state.unresponsive = False
            if status is None:
                # No probe here: about:blank or an error page (settled), or a document still
                # being created.
                if state.load_failed is None and state.page.url not in ("about:blank", ""):
                    quiet = False
                continue
            drained = parse_drained(status, self._keys, nonce)
            if drained is None:
                continue  # a page that broke its probe's answer: nothing to read from it
            if drained.cookie:
                self._cookie_in_page = True
            for raw in drained.msgs:
                msg = parse_message(raw, via="queue")
                if msg is not None and self._probe.handle(state, msg, via="queue"):
                    quiet = False
            self._probe.confirm_state(state, drained.url)
            if drained.readyState != "complete":
                quiet = False
            elif state.confirmation_url and _same_doc_url(drained.url, state.confirmation_url):
                quiet = False  # the probe reads the order number once rendered
            if self._probe.confirm_pending(state, drained.url):
                quiet = False  # a single-page confirmation whose URL must stay a moment
            elif drained.busy or drained.idle_ms < idle_ms:
                quiet = False  # a request of the page's own is out, or it just came back
        return quiet

    def settle(self, timeout: float = 2.0) -> None:
        """Wait until the probe has reported the last navigation on every open page, so that
        the events are complete before judging.

        The probe says when its page is loaded, has no request of its own out (fetch, XHR:
        what a single-page shop's next step waits for) and has been idle for a moment. What
        it cannot see, Playwright's events do (`_requests.py`): a request out in any frame (a
        payment frame's, whose answer the frame then posts to the page, which navigates), a
        main-frame navigation sent whose document has not come (one a script started by
        itself, from a timer or a message: the old document, quiet, would answer). Those are
        waited for first, without asking the pages (the driver's own timer: no call reaches
        the browser), until `_SETTLE_IDLE_MS` after the last one ended; then one question per
        page: the probe answers once its page is quiet (no poll loop, no fixed sleep; over
        WebDriver BiDi each round trip costs). Another round comes only when the answers
        leave something out: a request the round brought, or what the watcher itself waits on
        (a confirmation's number, a single-page confirmation's URL that must stay a moment, a
        page between two documents), after `_SETTLE_PAUSE_S`. Every wait ends at the
        deadline."""
        deadline = time.monotonic() + timeout
        least = 0.0
        while True:
            started = time.monotonic()
            self._await_requests(deadline)
            quiet = self._drain(idle_ms=_SETTLE_IDLE_MS, deadline=deadline, least_s=least)
            if quiet and self._out.wait_s(time.monotonic(), _SETTLE_IDLE_MS / 1000) <= 0:
                break
            if time.monotonic() >= deadline:
                logger.debug("settle: still busy after {}s", timeout)
                break
            least = _SETTLE_PAUSE_S
            # A round no page waited in (none has its probe yet, one was between documents):
            # the pause is taken here; the next question brings the events meanwhile.
            time.sleep(max(0.0, _SETTLE_PAUSE_S - (time.monotonic() - started)))
        self._check_session_cookie()
        self.trace_marks()
        self._raise_callback_error()

    def _await_requests(self, deadline: float) -> None:
        """Wait, until `deadline` at most, while a frame has a request out (within its bound)
        or one ended less than `_SETTLE_IDLE_MS` ago. The pause is the driver's own timer on an
        open page (`wait_for_timeout`: nothing is sent to the browser, and Playwright's events
        arrive meanwhile); left out of the trace."""
        while True:
            now = time.monotonic()
            wait = min(self._out.wait_s(now, _SETTLE_IDLE_MS / 1000), _OUT_STEP_S, deadline - now)
            if wait <= 0:
                return
            page = next((s.page for s in self._pages.values() if not s.closed), None)
            if page is None:
                return
            try:
                untraced(page, "wait_for_timeout", wait * 1000)
            except playwright_error() as error:  # the page closed meanwhile
                logger.trace("settle's wait: {}", error)
                return

    def trace_marks(self) -> int:
        """Write the trace marks the events since the last call left, when the context is
        traced (else drop them); how many were written. Call it from the thread that drives
        the page, never from a Playwright callback."""
        context, marks = self._context, self._events.take_marks()
        if context is None or not marks or not tracing_on(context):
            return 0
        for text in marks:
            mark(context, text)
        return len(marks)

    def page_index(self, page: Page) -> int:
        state = self._pages.get(page)
        return state.index if state else 0

    # --- Playwright callbacks -----------------------------------------------------------------
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
            self._events.emit("new_tab", state, page.url)

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
                    self._out.committed(state.page, frame.url, time.monotonic())

            handlers[state.index] = handler
        return handlers[state.index]

    def _attach_cdp(self, state: _PageState) -> None:
        assert self._context is not None
        if attach_cdp(self._context, state):
            self._chromium = True
        elif self._chromium is None:  # a persistent context: not Chromium, then
            self._chromium = False

    def _on_close(self, state: _PageState) -> None:
        # After detach() the order is over (its report finished): a page closing then is not
        # part of it. The listener stays registered (a lambda per page), so say it here.
        self._out.closed(state.page)
        if state.closed or self._context is None:
            return
        state.closed = True
        self._events.emit("page_closed", state, state.url)

    def _on_request(self, request: Request) -> None:
        try:
            frame = request.frame  # raises for a service worker's request: no page's
            state = self._pages.get(frame.page)
            top = frame.parent_frame is None
            navigation = request.is_navigation_request()
        except playwright_error() as error:  # a request of a page already gone
            logger.trace("request: {}", error)
            return
        if state is None:
            return
        document = navigation and top
        if counted(request.resource_type, navigation=navigation, top=top):
            self._out.sent(
                request,
                state.page,
                time.monotonic(),
                navigation_url=request.url if document else None,
                redirected_from=request.redirected_from,
            )
        if not document:
            return
        state.doc_requests.append(request.url)
        if not self.rules.is_entry(request.url):
            return
        self._session.entered()
        self._events.emit("acn_entry", state, request.url, sources=["playwright:request"])

    def _on_request_finished(self, request: Request) -> None:
        self._out.finished(request, time.monotonic())

    def _on_response(self, response: Response) -> None:
        if not self._out.navigating(response.request):
            return
        disposition = response.headers.get("content-disposition", "")
        self._out.answered(
            response.request,
            response.status,
            attachment=disposition.strip().lower().startswith("attachment"),
            now=time.monotonic(),
        )

    def _on_request_failed(self, request: Request) -> None:
        self._out.failed(request, time.monotonic())
        try:
            if not request.is_navigation_request() or request.frame.parent_frame is not None:
                return
            state = self._pages.get(request.frame.page)
            failure = request.failure or ""
        except playwright_error() as error:  # a request of a page already gone
            logger.trace("requestfailed: {}", error)
            return
        if state is None or any(code in failure for code in _ABORTED):
            return
        if state.load_failed == request.url:
            return  # the browser retrying by itself while still offline: one loss
        state.load_failed = request.url
        # The browser's error code only: it names the failure, nothing of the customer's.
        self._events.emit(
            "load_failed", state, request.url, sources=["playwright:requestfailed"],
            detail={"error": failure[:80]}, on_merchant=self.rules.is_merchant(request.url),
        )  # fmt: skip

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "debug":
            return  # the page's own lines; the probe writes with `console.debug`
        text = message.text
        if not text.startswith(CHANNEL):
            return
        page = message.page
        state = self._pages.get(page) if page is not None else None
        if state is None or self._context is None:
            return  # not ours (a worker's), or a line that was on its way when we detached
        said = parse_signed(text[len(CHANNEL) :], self._keys)
        if said is None:
            return
        msg, top = said
        if not top and msg.type not in FRAME_TYPES:
            # A frame's own loads and history moves are not the order's: its document may be
            # a chat or payment widget that navigates, reloads and goes back by itself.
            logger.trace("frame message {} not the order's: ignored", msg.type)
            return
        try:
            self._probe.handle(state, msg, via="console", top=top)
        except Exception as error:  # any: raised again by poll(); the page goes on
            logger.exception("probe message: {}", error)
            self._events.failed(error)

    def _check_session_cookie(self) -> None:
        # The watcher's polling keeps its name (tests/test_trace.py finds it in a trace's stacks).
        # A page's last answer that showed the cookie saves asking the browser (issue #27).
        self._session.check_cookie(self._context, seen=self._cookie_in_page)

    def _raise_callback_error(self) -> None:
        self._events.raise_callback_error()
