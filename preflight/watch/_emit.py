"""Emitting an event: number it, scrub its URL, judge it, keep its trace mark, hand it on.

An `on_event` handler that raises never breaks a Playwright callback: the error is kept and
raised again from the watcher's `poll()`, `settle()` or `outcome()`, in the caller's thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

from loguru import logger

from preflight.rules import Rules
from preflight.watch._judge import Judge
from preflight.watch._pages import _PageState
from preflight.watch.events import Event, EventKind, NavKind, Violation, Warning

EventHandler = Callable[[Event], None]


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
    elif event.kind == "navigation" and event.nav == "retry":
        text = "↻ reload of a failed load: a retry, not a violation"
    elif event.kind == "load_failed":
        text = f"⚡ page load failed ({event.detail.get('error', '?')}): network lost"
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


def page_step(rules: Rules, url: str) -> str | None:
    """The step of the merchant's page at `url`: the name the rules give it (`order.steps`),
    else its address's last path segment (/sfr/eligibilite → "eligibilite"); None off the
    merchant's site."""
    if not rules.is_merchant(url):
        return None
    named = rules.step_name(url)
    if named is not None:
        return named
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        return None
    return path.rsplit("/", 1)[-1] or None


class Emitter:
    """The one way an event leaves the watcher; the sequence, the recent events and the trace
    marks not written yet are its."""

    def __init__(self, rules: Rules, judge: Judge, on_event: EventHandler | None) -> None:
        self.rules = rules
        self.on_event = on_event
        self.step: str | None = None
        # A watched order names its steps by the page shown (`Watcher(page_steps=True)`); a
        # scenario replay sets `step` itself, to its own steps.
        self.page_steps = False
        self._judge = judge
        self._seq = 0
        self._callback_error: BaseException | None = None
        self.recent: deque[Event] = deque(maxlen=50)
        # Trace marks of the events not written yet (Watcher.trace_marks); bounded like `recent`.
        self._marks: deque[str] = deque(maxlen=50)

    @property
    def count(self) -> int:
        return self._seq

    def take_marks(self) -> list[str]:
        """The trace marks kept since the last call, now forgotten."""
        marks = list(self._marks)
        self._marks.clear()
        return marks

    def failed(self, error: BaseException) -> None:
        """Keep a callback's error (the first one) to raise it again in the caller's thread."""
        if self._callback_error is None:
            self._callback_error = error

    # --- events -------------------------------------------------------------------------------
    def emit(
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
        if self.page_steps and kind == "navigation" and nav != "fragment":
            # The page this move shows — after a Back, the one gone back to, not the one left:
            # before the event is judged, so that its violation names that step too.
            shown = page_step(self.rules, url)
            if shown is not None:
                self.step = shown
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
            except Exception as error:  # any: a caller's callback; raised again by poll()
                logger.exception("on_event failed: {}", error)
                if self._callback_error is None:
                    self._callback_error = error
        return event

    def raise_callback_error(self) -> None:
        error, self._callback_error = self._callback_error, None
        if error is not None:
            raise error
