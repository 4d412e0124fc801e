"""The shop's memory, and the ground truth tests compare verdicts with.

It holds the ACN sessions, the orders, the one-time step tokens and the espace-client logins,
all in memory behind one lock (uvicorn serves on its own thread while tests read the truth from
theirs).

How a session ends, the rule the whole demo exists for: every step page carries a token with a
sequence number in its order. A token is *shown* when its page is served (GET), when its page
reports itself (the `pageshow` beacon: a page restored from the back/forward cache or the HTTP
cache makes no request), or when the single-page app fetches its step. One physical showing
counts once: a served page reports its own load once more (its beacon, which may come late or,
when the page is left before its `pageshow`, never), and says whether its document came from
the HTTP cache (a further showing) or from the network (the serving already counted); a
restore from the back/forward cache is always a further showing. Any further showing is a
*replay*: the customer pressed Refresh (same sequence number as the current one), Back
(lower) or Forward (higher), and the ACN session ends silently — the page is served as usual,
the order goes on as a direct SFR order. Only the first ending is the order's cause; every
ending is appended to its events.

After the order is placed (saved for later or paid), a replay or a customer-service contact is
still recorded as an event (`after_order: true`) but no longer changes the attribution: the
order was already handed over with its ACN marker.

An order's `events` (each `{"kind", "step", "at"}`, oldest first), by kind:

    acn_entry | direct                  how the order began (landing page)
    reload | back | forward             a replay; `via` says how it reached the server:
                                        get, beacon (HTTP-cache showing), bfcache, fetch (app)
    customer_service                    a /sfr/assistance/* request; `what` = contact, rappel…
    eligible | not_eligible | validation_error | details_given | payment_chosen
    saved_for_later | paid              the order is placed
    confirmation_form                   the EI attributed it on the ACN side afterwards
    (any ending after the order is placed carries `after_order: true`)

No personal data lives in the truth: names, phones, addresses and bank details never reach it.
(A token's `view` keeps what its page re-displays after a validation error, e.g. the address
typed, and an order's `customer` the name, e-mail and address its summary and confirmation
echo, as real shops do; both are in memory only and never exported.)
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from preflight.demo_shop import flow

Mode = Literal["mpa", "spa", "react"]
# How the confirmation page reads: the shop's own (with `data-testid`s), or `plain`: other
# words and no test ids, as a site whose DOM preflight does not know (issue #23).
Wording = Literal["shop", "plain"]
WORDINGS: tuple[Wording, ...] = ("shop", "plain")
# Where the order's confirmation shows: its own page (an address), or `state`: in place, the
# address unchanged — the single-page app's « Commander plus tard » answered where it was
# clicked, as a store that empties its cart and shows a message does (issue #27).
ConfirmationKind = Literal["page", "state"]
CONFIRMATIONS: tuple[ConfirmationKind, ...] = ("page", "state")
Showing = Literal["get", "beacon", "fetch"]
EndCause = Literal["reload", "back", "forward", "customer_service", "direct"]
Status = Literal["in_progress", "saved_for_later", "paid"]


class UnknownToken(LookupError):
    """A step token the shop never issued (or issued before a reset), or for another step."""


@dataclass
class Token:
    value: str
    order_id: str
    seq: int
    step: str
    # How often the page was served (GET, or the app's fetch) and how often a fresh load of it
    # reported itself (a `pageshow` beacon, not persisted): counts, not a state, so that a
    # beacon arriving late, or never (the page left before its `pageshow`), changes nothing.
    served: int = 0
    loads_reported: int = 0
    # What the page shows besides the offer: a result, an error, the values to re-display.
    view: dict[str, Any] = field(default_factory=dict)
    # The next step's token its page links to, issued once, on first render.
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class Order:
    id: str
    number: str
    offer: str
    mode: Mode
    ei: str | None
    acn_session: str | None
    attributed: bool
    ended_by: EndCause | None = None
    ended_at: str | None = None
    status: Status = "in_progress"
    events: list[dict[str, Any]] = field(default_factory=list)
    confirmation_form: dict[str, str] | None = None
    placed_on: str | None = None
    wording: Wording = "shop"
    confirmation: ConfirmationKind = "page"
    # What the summary and confirmation echo (`nom`, `email`, `adresse`): never in as_truth().
    customer: dict[str, str] = field(default_factory=dict)
    step: str = "offre"
    current_seq: int = 0
    next_seq: int = 1
    # When the shop last heard of this order (a page, its data, a beacon, a form, a call):
    # `Truth.quiet_for` tells an oracle that nothing more is on its way.
    heard: float = field(default_factory=time.monotonic)

    def as_truth(self) -> dict[str, Any]:
        """The order as the truth API shows it (no personal data is ever held here)."""
        return {
            "id": self.id,
            "number": self.number,
            "offer": self.offer,
            "mode": self.mode,
            "ei": self.ei,
            "acn_session": self.acn_session,
            "attributed": self.attributed,
            "ended_by": self.ended_by,
            "ended_at": self.ended_at,
            "status": self.status,
            "events": copy.deepcopy(self.events),
            "confirmation_form": dict(self.confirmation_form) if self.confirmation_form else None,
            "step": self.step,
            "placed_on": self.placed_on,
            "confirmation": self.confirmation,
        }


@dataclass
class AcnSession:
    id: str
    ei: str
    offer: str
    mode: Mode
    wording: Wording = "shop"
    confirmation: ConfirmationKind = "page"


@dataclass(frozen=True)
class Shown:
    """What a handler needs to render a step: copies, safe to read outside the lock."""

    order: Order
    token: Token
    replay: EndCause | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Truth:
    """All the shop's state; every public method takes the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Order numbers keep growing across resets: a stale page from an earlier test can then
        # never be mistaken for a new order.
        self._numbers = itertools.count(1)
        self._clear()

    def _clear(self) -> None:
        self._orders: dict[str, Order] = {}
        self._tokens: dict[str, Token] = {}
        self._acn_sessions: dict[str, AcnSession] = {}
        self._logins: set[str] = set()

    # -- truth API --------------------------------------------------------------------------

    def orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [order.as_truth() for order in self._orders.values()]

    def reset(self) -> None:
        with self._lock:
            self._clear()

    def quiet_for(self, order_id: str) -> float | None:
        """Seconds since the shop last heard of order `order_id` (None: no such order)."""
        with self._lock:
            order = self._orders.get(order_id)
            return None if order is None else time.monotonic() - order.heard

    # -- ACN side ---------------------------------------------------------------------------

    def open_acn_session(
        self,
        *,
        ei: str,
        offer: str,
        mode: Mode,
        wording: Wording = "shop",
        confirmation: ConfirmationKind = "page",
    ) -> str:
        session_id = "acn-" + secrets.token_hex(8)
        with self._lock:
            self._acn_sessions[session_id] = AcnSession(
                session_id, ei, offer, mode, wording, confirmation
            )
        return session_id

    def record_confirmation_form(self, *, number: str, type_: str, date: str) -> bool:
        """Attribute an order after the fact (the ACN form); False when no order has `number`."""
        with self._lock:
            for order in self._orders.values():
                if order.number == number:
                    order.confirmation_form = {"number": number, "type": type_, "date": date}
                    order.events.append({"kind": "confirmation_form", "step": None, "at": _now()})
                    return True
            return False

    # -- SFR side: entering, showing, advancing ---------------------------------------------

    def enter(self, *, offer: str, mode: Mode, acn: str | None, how: Showing) -> Shown:
        """The landing page is shown: with an unused ACN id, a new attributed order; with a
        used one, a replay of the landing token; without (or with an unknown one), a direct
        order."""
        with self._lock:
            if acn and acn in self._tokens:
                return self._show(self._tokens[acn], how)
            session = self._acn_sessions.get(acn) if acn else None
            number = f"SFR-{next(self._numbers):06d}"
            order = Order(
                id="o-" + secrets.token_hex(6),
                number=number,
                offer=offer,
                mode=mode,
                ei=session.ei if session else None,
                acn_session=session.id if session else None,
                attributed=session is not None,
                wording=session.wording if session else "shop",
                confirmation=session.confirmation if session else "page",
            )
            if session is None:
                order.ended_by, order.ended_at = "direct", "offre"
                order.events.append({"kind": "direct", "step": "offre", "at": _now()})
                value = "d-" + secrets.token_hex(8)
            else:
                order.events.append({"kind": "acn_entry", "step": "offre", "at": _now()})
                value = session.id  # the landing's token is the ACN id itself (seq 0)
            self._orders[order.id] = order
            token = Token(value=value, order_id=order.id, seq=0, step="offre")
            self._tokens[value] = token
            return self._show(token, how)

    def show(self, value: str, *, step: str, how: Showing) -> Shown:
        """A step page (or, for the app, its data) is shown with token `value`."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.step != step:
                raise UnknownToken(value)
            return self._show(token, how)

    def beacon(
        self, value: str, *, persisted: bool = False, cached: bool | None = None
    ) -> EndCause | None:
        """A page reported its own showing (`pageshow`; `persisted` when restored from the
        back/forward cache; `cached` when the page says whether its document came from the
        HTTP cache, None when it cannot tell); returns the replay it was, if any."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None:
                raise UnknownToken(value)
            via = "bfcache" if persisted else "beacon"
            return self._show(token, "beacon", via=via, cached=cached).replay

    def _show(
        self, token: Token, how: Showing, *, via: str | None = None, cached: bool | None = None
    ) -> Shown:
        order = self._orders[token.order_id]
        order.heard = time.monotonic()
        shown_before = token.served > 0 or token.loads_reported > 0
        if how == "beacon" and via == "bfcache":
            # Restored from the back/forward cache: the page was shown before, by definition.
            replay = True
        elif how == "beacon":
            token.loads_reported += 1
            # The page says where its document came from: from the HTTP cache, a showing the
            # server never saw; from the network, the serving already counted. When it cannot
            # tell: one report per serving is the serving itself, one more a showing from the
            # HTTP cache (wrong when a load's own report was lost).
            replay = cached if cached is not None else token.loads_reported > max(token.served, 1)
        else:
            replay = shown_before
            token.served += 1
        cause: EndCause | None = None
        if replay:
            if token.seq == order.current_seq:
                cause = "reload"
            else:
                cause = "back" if token.seq < order.current_seq else "forward"
            self._end(order, cause, token.step, via=via or how)
        if replay or how != "beacon":
            # A load's own report changes nothing: its serving already moved the order there,
            # and the order may have gone on since (the beacon came late).
            order.current_seq = token.seq
            order.step = token.step
        return Shown(copy.deepcopy(order), copy.deepcopy(token), cause)

    def _end(self, order: Order, cause: EndCause, step: str, *, via: str | None = None) -> None:
        event: dict[str, Any] = {"kind": cause, "step": step, "at": _now()}
        if via:
            # How the showing reached the server (get, beacon, bfcache, fetch): evidence of
            # what the browser did, for tests and measurements.
            event["via"] = via
        if order.status != "in_progress":
            event["after_order"] = True
        elif order.ended_by is None:
            order.attributed = False
            order.ended_by, order.ended_at = cause, step
        order.events.append(event)

    def link(self, value: str, step: str, *, view: dict[str, Any] | None = None) -> str:
        """The token for `step` that the page of token `value` links to (issued once)."""
        with self._lock:
            token = self._tokens[value]
            self._orders[token.order_id].heard = time.monotonic()
            if step not in token.links:
                token.links[step] = self._issue(token.order_id, step, view or {}).value
            return token.links[step]

    def for_submit(self, value: str, *, step: str) -> Shown:
        """The order and token a form of `step` was submitted with (no showing)."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.step != step:
                raise UnknownToken(value)
            order = self._orders[token.order_id]
            order.heard = time.monotonic()
            return Shown(copy.deepcopy(order), copy.deepcopy(token), None)

    def advance(
        self,
        order_id: str,
        *,
        step: str,
        view: dict[str, Any],
        event: str | None = None,
        status: Status | None = None,
        placed_on: str | None = None,
        at_step: str | None = None,
        shown: bool = False,
        customer: dict[str, str] | None = None,
    ) -> str:
        """Issue the token of the page a submission leads to; record what happened.

        `shown=True` when the answer itself shows it (the app's validation errors); `customer`:
        what the step learnt of the customer, for the pages that echo it."""
        with self._lock:
            order = self._orders[order_id]
            order.heard = time.monotonic()
            order.customer.update(customer or {})
            if event:
                order.events.append({"kind": event, "step": at_step, "at": _now()})
            if status and order.status == "in_progress":
                order.status = status
                order.placed_on = placed_on
            token = self._issue(order_id, step, view)
            if shown:
                token.served += 1
                order.current_seq, order.step = token.seq, step
            return token.value

    def follow(
        self, order_id: str, outcome: flow.Outcome, *, at_step: str, shown: bool = False
    ) -> str:
        """`advance` to where a step's submission leads (`flow.submit`), on that page itself;
        an order placed or saved by it is dated today, in Paris."""
        return self.advance(
            order_id,
            step=outcome.step,
            view=outcome.view,
            event=outcome.event,
            status=outcome.status,
            placed_on=flow.today_paris() if outcome.status else None,
            at_step=at_step,
            shown=shown,
            customer=outcome.customer,
        )

    def _issue(self, order_id: str, step: str, view: dict[str, Any]) -> Token:
        order = self._orders[order_id]
        token = Token(
            value=secrets.token_urlsafe(12), order_id=order_id, seq=order.next_seq, step=step
        )
        token.view = dict(view)
        order.next_seq += 1
        self._tokens[token.value] = token
        return token

    def customer_service(self, order_id: str | None, what: str) -> bool:
        """A customer-service URL was requested with this order's cookie: the session ends."""
        with self._lock:
            order = self._orders.get(order_id or "")
            if order is None:
                return False
            order.heard = time.monotonic()
            self._end(order, "customer_service", order.step)
            order.events[-1]["what"] = what
            return True

    # -- espace client ----------------------------------------------------------------------

    def log_in(self) -> str:
        session = secrets.token_urlsafe(16)
        with self._lock:
            self._logins.add(session)
        return session

    def is_logged_in(self, session: str | None) -> bool:
        with self._lock:
            return session is not None and session in self._logins

    def log_out(self, session: str | None) -> None:
        with self._lock:
            self._logins.discard(session or "")
