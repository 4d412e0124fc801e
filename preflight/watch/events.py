"""The watcher's vocabulary: events, violations, warnings and the verdict.

Everything the watcher sees becomes an `Event`; events are judged into `Violation`s (the ACN
session is over), `Warning`s (the order is at risk) and one `Outcome`. These models are what
the report, the scenario replayer and the pytest plugin consume: add fields, never rename.

No event carries personal data: URLs are stored without query values except the ones the rules
name (the ACN session parameter), and no typed value is ever recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

EventKind = Literal[
    "navigation",  # a page changed document or history entry; `nav` says how
    "customer_service",  # a click on (or a page of) the merchant's customer service
    "new_tab",  # a new page (tab or popup) opened in the watched context
    "page_closed",
    "acn_entry",  # an ACN entry URL was loaded (the order's legitimate start)
    "merchant_reached",  # a page of the merchant's order site was loaded
    "left_session",  # the merchant was reached without the ACN entry, or its marker is gone
    "payment_reached",
    "order_later",  # « Commander plus tard » used
    "eligibility_error",  # the eligibility test failed (R7: a support bundle is written)
    # The order's confirmation was seen (order number/type/date if known): its page, or a state
    # of the page after a person's click on its submit control (`detail.how` = "state").
    "confirmation",
    "guard",  # the guard intercepted something (detail says what, and the user's answer)
    # A page's own load failed (network lost): the browser shows its error page, the shop's
    # server never got the request; `detail.error` is the browser's error code.
    "load_failed",
    "note",  # anything else worth a line in the timeline (browser closed, probe missing…)
]
NavKind = Literal[
    "navigate",
    "back",
    "forward",
    "reload",
    "spa_push",
    "spa_replace",
    "spa_traverse",
    "fragment",  # a new history entry for an in-page anchor: no load, no request
    # A Reload of a page whose own load failed: the shop's server sees that request for the
    # first time, so it ends nothing (issue #23).
    "retry",
]
ViolationKind = Literal["back", "forward", "reload", "customer_service", "left_session"]
WarningKind = Literal["payment_without_order_later", "second_merchant_tab", "eligibility_error"]
Verdict = Literal["attributed", "at_risk", "lost"]
# Why the verdict is what it is: its first violation, its first warning, no ACN entry seen, no
# merchant page seen inside the ACN session, or a clean order.
ReasonKind = Literal["violation", "warning", "no_entry", "no_merchant", "clean"]


def now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    seq: int = Field(description="order of arrival, from 1")
    at: datetime = Field(default_factory=now)
    kind: EventKind
    url: str = ""
    page: int = Field(0, description="which page of the context (1 = the first)")
    step: str | None = Field(None, description="the scenario step or flow step, if known")
    nav: NavKind | None = None
    # Which signals agreed on this event, e.g. ["probe:stamp", "probe:timing", "cdp"].
    sources: list[str] = []
    detail: dict[str, str] = {}


_Kind = TypeVar("_Kind", bound=str)


class _Finding(BaseModel, Generic[_Kind]):
    """What the judge finds in one event: its kind, where and when, and what it means."""

    kind: _Kind
    url: str
    at: datetime
    step: str | None = None
    event_seq: int
    message: str = ""


class Violation(_Finding[ViolationKind]):
    """An action that ended the ACN session: the order will not be attributed."""


class Warning(_Finding[WarningKind]):
    """Something that puts the order at risk without ending the session."""


class OrderInfo(BaseModel):
    number: str | None = None
    type: str | None = None
    date: str | None = None


class CoverageGap(BaseModel):
    """A rules key whose URL globs matched nothing during the run: a blind spot, said at the
    end of the run (a wrong pattern matches no page, and silently judges nothing)."""

    key: str = Field(description="the rules key, e.g. order.merchant")
    patterns: list[str] = Field(description="the key's globs, none of which matched")
    message: str


class Outcome(BaseModel):
    verdict: Verdict
    # The verdict in words, e.g. "at_risk: the ACN entry page was never seen (…)".
    reason: str = ""
    reason_kind: ReasonKind = "clean"
    entry_seen: bool
    # A merchant page was seen inside the ACN session: what makes `attributed` mean something.
    merchant_seen: bool = False
    # The order got to its end: its confirmation (a page or a state), or « Commander plus tard ».
    completed: bool = False
    # The confirmation was seen (`completed` without it: « Commander plus tard » only).
    confirmed: bool = False
    coverage: list[CoverageGap] = []
    violations: list[Violation] = []
    warnings: list[Warning] = []
    order: OrderInfo | None = None
    events: int = Field(0, description="how many events were seen")
    # Page loads that failed during the order (network lost, error page shown).
    load_failures: int = 0
