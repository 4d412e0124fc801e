"""The verdict: events in, violations and warnings out, one `Outcome` at any time.

It keeps only what the verdict needs (never the event list: a long order has thousands).
Rules (issue #4 "Verdict"):

* `lost` — a session-ending action while the ACN session is on (after the ACN entry, before
  the confirmation): back, forward or reload landing on a merchant page (a Back to the ACN
  shop replays nothing on the merchant's side), a customer-service click or page; or the merchant
  reached without an ACN entry before it (`left_session`), or the session marker gone.
* `at_risk` — only warnings: payment reached without « Commander plus tard », a second tab on
  the merchant's order flow, a failed eligibility test (unless the order was confirmed after
  it); or no ACN entry seen at all.
* `attributed` — the order started from an ACN entry and nothing ended the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from preflight.watch.events import (
    Event,
    OrderInfo,
    Outcome,
    Verdict,
    Violation,
    ViolationKind,
    Warning,
    WarningKind,
)

# A slow shop can take seconds to show the page a customer-service click asked for.
_CLICK_OPENS_PAGE_WITHIN = timedelta(seconds=15)

_MESSAGES: dict[str, str] = {
    "back": "Back was used during the order",
    "forward": "Forward was used during the order",
    "reload": "the page was reloaded during the order",
    "customer_service": "customer service was used during the order",
    "left_session": "the merchant was reached outside the ACN session",
    "payment_without_order_later": "payment reached without « Commander plus tard »",
    "second_merchant_tab": "the order flow went on in a second tab",
    "eligibility_error": "the eligibility test failed",
}


class Judge:
    def __init__(self) -> None:
        self.entry_seen = False
        self.confirmed = False
        self.order_later_used = False
        self.violations: list[Violation] = []
        self.warnings: list[Warning] = []
        self.order: OrderInfo | None = None
        self.events = 0
        self._warned: set[str] = set()
        self._cs_click_at: datetime | None = None

    @property
    def session_on(self) -> bool:
        return self.entry_seen and not self.confirmed

    def judge(self, event: Event, *, on_merchant: bool) -> Violation | Warning | None:
        """Record `event`; return the violation or warning it makes, if any.

        `on_merchant`: the event happened on (for a history move: landed on) a merchant page.
        """
        self.events += 1
        kind = event.kind
        if kind == "acn_entry":
            self.entry_seen = True
            self.confirmed = False
        elif kind == "order_later":
            self.order_later_used = True
        elif kind == "confirmation":
            self.confirmed = True
            self.order = OrderInfo(
                number=event.detail.get("number") or None,
                type=event.detail.get("order_type") or None,
                date=event.detail.get("date") or None,
            )
        elif kind == "navigation" and event.nav in ("back", "forward", "reload"):
            if self.session_on and on_merchant:
                return self._violate(event.nav, event)
        elif kind == "customer_service":
            if self.session_on or on_merchant:
                if event.detail.get("how") == "page" and self._opened_by_last_click(event):
                    return None  # the page that click opened: one action, one violation
                violation = self._violate("customer_service", event)
                if event.detail.get("how") != "page":
                    self._cs_click_at = event.at
                return violation
        elif kind == "left_session":
            return self._violate("left_session", event)
        elif kind == "payment_reached":
            if not self.order_later_used:
                return self._warn("payment_without_order_later", event)
        elif kind == "eligibility_error":
            return self._warn("eligibility_error", event)
        elif kind == "new_tab" and event.detail.get("second_merchant_tab") == "true":
            return self._warn("second_merchant_tab", event)
        return None

    def _opened_by_last_click(self, event: Event) -> bool:
        """A customer-service page reached just after a customer-service click (the link's
        page, the chat's popup) is that click's doing, not a second action."""
        clicked = self._cs_click_at
        return clicked is not None and (event.at - clicked) <= _CLICK_OPENS_PAGE_WITHIN

    def _violate(self, kind: ViolationKind, event: Event) -> Violation:
        violation = Violation(
            kind=kind,
            url=event.url,
            at=event.at,
            step=event.step,
            event_seq=event.seq,
            message=_MESSAGES[kind],
        )
        self.violations.append(violation)
        return violation

    def _warn(self, kind: WarningKind, event: Event) -> Warning | None:
        if kind in self._warned:
            return None  # one warning of a kind says it; the events keep every occurrence
        self._warned.add(kind)
        warning = Warning(
            kind=kind,
            url=event.url,
            at=event.at,
            step=event.step,
            event_seq=event.seq,
            message=_MESSAGES[kind],
        )
        self.warnings.append(warning)
        return warning

    def outcome(self) -> Outcome:
        warnings = self.warnings
        if self.confirmed:
            # A failed eligibility test that a later attempt got past risks nothing: its event
            # and support bundle stay, the warning goes.
            warnings = [w for w in warnings if w.kind != "eligibility_error"]
        verdict: Verdict
        if self.violations:
            verdict = "lost"
        elif warnings or not self.entry_seen:
            verdict = "at_risk"
        else:
            verdict = "attributed"
        return Outcome(
            verdict=verdict,
            entry_seen=self.entry_seen,
            violations=list(self.violations),
            warnings=list(warnings),
            order=self.order,
            events=self.events,
        )
