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
* `attributed` — the order started from an ACN entry, a merchant page was seen inside the
  session, and nothing ended it. Without a merchant page inside the session (a wrong
  `order.merchant` pattern matches no page, and then no Back or Refresh counts) the order is
  `at_risk`: nothing was watched, so nothing proves it.

A page load that failed (network lost: the browser shows its error page) reached nothing: the
shop's server never got it. So the Reload of that error page (`retry`) ends nothing — it is the
first time the shop sees the request — provided the same page's load failed just before it,
with no page shown in between; a `retry` without that is judged as the Reload it is. A Back
from the error page shows again the page the customer was on: the shop counts that showing, so
it is the Back it looks like (issue #23; the demo shop's truth agrees).

Once the order is confirmed the session's rules stop: it was handed over with its ACN marker
(the seed forbids customer service *during* the order; the demo shop's truth agrees), so a
Back, a Refresh or a customer-service click after the confirmation is an event, not a violation
— in `preflight order`, which stops watching shortly after, and in a replay, which goes on.

Every outcome says its verdict in words (`reason`), and which rule patterns matched nothing
during the run (`coverage`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from preflight.globs import url_matches
from preflight.i18n import shop_names
from preflight.rules import URL_GLOB_KEYS
from preflight.watch.events import (
    CoverageGap,
    Event,
    OrderInfo,
    Outcome,
    ReasonKind,
    Verdict,
    Violation,
    ViolationKind,
    Warning,
    WarningKind,
)

if TYPE_CHECKING:
    from preflight.rules import Rules

# A slow shop can take seconds to show the page a customer-service click asked for.
_CLICK_OPENS_PAGE_WITHIN = timedelta(seconds=15)

# In English (report.json, --json, pytest); `{affiliate}`… are the rules' names (`[shop]`).
_MESSAGES: dict[str, str] = {
    "back": "Back was used during the order",
    "forward": "Forward was used during the order",
    "reload": "the page was reloaded during the order",
    "customer_service": "customer service was used during the order",
    "left_session": "the merchant was reached outside the {affiliate} session",
    "payment_without_order_later": "payment reached without {order_later}",
    "second_merchant_tab": "the order flow went on in a second tab",
    "eligibility_error": "the eligibility test failed",
}


_NO_ENTRY = (
    "the {affiliate} entry page was never seen (no URL matched order.entry): nothing proves the "
    "order started from the {affiliate} link"
)
_NO_MERCHANT = (
    "no merchant page was seen inside the {affiliate} session (no page after the {affiliate} "
    "entry matched order.merchant): nothing of the order was watched"
)
_CLEAN = (
    "the order started from the {affiliate} link, reached the merchant's site, and nothing ended it"
)


class Judge:
    def __init__(self, rules: Rules | None = None) -> None:
        # (key, glob) pairs not matched by any URL yet; without rules, no coverage is told.
        self._unmatched: dict[tuple[str, str], None] = {}
        self._globs: dict[str, list[str]] = {}
        if rules is not None:
            for table, key in URL_GLOB_KEYS:
                globs = rules.globs(table, key)
                self._globs[f"{table}.{key}"] = list(globs)
                self._unmatched.update({(f"{table}.{key}", glob): None for glob in globs})
        # Without rules: the seed's names.
        self._names = (
            rules.names("en")
            if rules is not None
            else shop_names("SFR", "ACN", ["Commander plus tard"], "en")
        )
        self.merchant_seen = False
        self.entry_seen = False
        self.confirmed = False
        self.order_later_used = False
        self.violations: list[Violation] = []
        self.warnings: list[Warning] = []
        self.order: OrderInfo | None = None
        self.events = 0
        self._warned: set[str] = set()
        self._cs_click_at: datetime | None = None
        # Pages whose last load failed, nothing shown there since: where a `retry` is one.
        self._failed_pages: set[int] = set()
        self.load_failures = 0

    @property
    def session_on(self) -> bool:
        return self.entry_seen and not self.confirmed

    def judge(self, event: Event, *, on_merchant: bool) -> Violation | Warning | None:
        """Record `event`; return the violation or warning it makes, if any.

        `on_merchant`: the event happened on (for a history move: landed on) a merchant page.
        """
        self.events += 1
        kind = event.kind
        self._cover(event)
        if on_merchant and self.session_on:
            self.merchant_seen = True
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
        elif kind == "load_failed":
            self._failed_pages.add(event.page)
            if self.session_on:
                self.load_failures += 1
        elif kind == "navigation" and event.nav == "retry":
            # Only the reload of this page's own failed load is a retry; else a Refresh.
            failed = event.page in self._failed_pages
            self._failed_pages.discard(event.page)
            if not failed and self.session_on and on_merchant:
                return self._violate("reload", event)
        elif kind == "navigation" and event.nav in ("back", "forward", "reload"):
            self._failed_pages.discard(event.page)
            # Within the page (an in-page anchor undone): seen and kept as an event, no step
            # of the order is shown again.
            within_page = event.detail.get("within_page") == "true"
            if self.session_on and on_merchant and not within_page:
                return self._violate(event.nav, event)
        elif kind == "navigation":
            self._failed_pages.discard(event.page)  # a page shown: its error page is gone
        elif kind == "customer_service":
            # After the confirmation the order is placed: nothing it does ends the session.
            if not self.confirmed and (self.session_on or on_merchant):
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

    def _cover(self, event: Event) -> None:
        if not self._unmatched:
            return
        urls = [event.url]
        if event.kind == "customer_service" and event.detail.get("how") == "url":
            urls.append(event.detail.get("match", ""))  # the link's address: cs urls apply
        for pair in [p for p in self._unmatched if any(url_matches(u, [p[1]]) for u in urls)]:
            del self._unmatched[pair]

    def coverage(self) -> list[CoverageGap]:
        """The keys none of whose globs matched a URL of the run, in the rules' order."""
        gaps: list[CoverageGap] = []
        for key, globs in self._globs.items():
            if not globs or any((key, glob) not in self._unmatched for glob in globs):
                continue
            shown = ", ".join(f"`{glob}`" for glob in globs)
            if key == "order.entry":
                message = f"{key}: never seen (no URL of this run matched {shown})"
            elif key == "customer_service.urls":
                count = f"{len(globs)} pattern" + ("s" if len(globs) > 1 else "")
                message = f"{key}: matched nothing ({count}: {shown})"
            else:
                message = f"{key}: no page of this run matched {shown}"
            gaps.append(CoverageGap(key=key, patterns=list(globs), message=message))
        return gaps

    def _opened_by_last_click(self, event: Event) -> bool:
        """A customer-service page reached just after a customer-service click (the link's
        page, the chat's popup) is that click's doing, not a second action."""
        clicked = self._cs_click_at
        return clicked is not None and (event.at - clicked) <= _CLICK_OPENS_PAGE_WITHIN

    def _found_in(self, kind: ViolationKind | WarningKind, event: Event) -> dict[str, Any]:
        """A violation's or warning's fields but its kind: where and when `event` was, and
        what `kind` means, in the rules' names."""
        return {
            "url": event.url,
            "at": event.at,
            "step": event.step,
            "event_seq": event.seq,
            "message": _MESSAGES[kind].format(**self._names),
        }

    def _violate(self, kind: ViolationKind, event: Event) -> Violation:
        violation = Violation(kind=kind, **self._found_in(kind, event))
        self.violations.append(violation)
        return violation

    def _warn(self, kind: WarningKind, event: Event) -> Warning | None:
        if kind in self._warned:
            return None  # one warning of a kind says it; the events keep every occurrence
        self._warned.add(kind)
        warning = Warning(kind=kind, **self._found_in(kind, event))
        self.warnings.append(warning)
        return warning

    def outcome(self) -> Outcome:
        warnings = self.warnings
        if self.confirmed:
            # A failed eligibility test that a later attempt got past risks nothing: its event
            # and support bundle stay, the warning goes.
            warnings = [w for w in warnings if w.kind != "eligibility_error"]
        verdict: Verdict
        kind: ReasonKind
        if self.violations:
            verdict, kind, first = "lost", "violation", self.violations[0]
            reason = first.message + (f" (step {first.step})" if first.step else "")
        elif warnings:
            verdict, kind, reason = "at_risk", "warning", warnings[0].message
        elif not self.entry_seen:
            verdict, kind, reason = "at_risk", "no_entry", _NO_ENTRY.format(**self._names)
        elif not self.merchant_seen:
            verdict, kind, reason = "at_risk", "no_merchant", _NO_MERCHANT.format(**self._names)
        else:
            verdict, kind = "attributed", "clean"
            reason = _CLEAN.format(**self._names) + (
                "; the order was confirmed" if self.confirmed else ""
            )
        return Outcome(
            verdict=verdict,
            reason=reason,
            reason_kind=kind,
            entry_seen=self.entry_seen,
            merchant_seen=self.merchant_seen,
            completed=self.confirmed or self.order_later_used,
            confirmed=self.confirmed,
            coverage=self.coverage(),
            violations=list(self.violations),
            warnings=list(warnings),
            order=self.order,
            events=self.events,
            load_failures=self.load_failures,
        )
