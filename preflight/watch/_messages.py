"""What a page may say to the watcher, as pydantic models: every probe message is checked here
before the watcher uses it.

The probe's messages come from a page, and a page's own script can write console lines or call
the probe's `send` with anything (`console.debug('__preflightReport:{"doc": "zz"}')`).
A message that does not fit its model is logged (its type and what was wrong, never its values)
and dropped: it cannot crash the watcher, and it cannot stand for something it is not. What a
message claims is evidence, not proof: the watcher still corroborates what would make a verdict
better (a confirmation) with what Playwright itself saw.

Before that, a message must be the probe's (issue #25): one that comes as a console line is
signed with its document's key, the probe's queue answers with a signature for the watcher's
nonce (`_keys.py`); anything else is dropped, logged at debug level without its content.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from preflight._validation import dotted
from preflight.watch._keys import Keys

# Bounds: a page cannot make the watcher keep (or log) megabytes. A URL may be long (a
# single-page shop's state in the query), a label or a selector may not.
_URL = Annotated[str, Field(max_length=200_000)]
_WORD = Annotated[str, Field(max_length=64)]
_TEXT = Annotated[str, Field(max_length=400)]
_NUMBER = int | float

ShownType = Literal["doc", "pageshow", "popstate", "hashchange", "push", "replace"]


class _Message(BaseModel):
    # Strict: "abc" is not a number and 1 is not a boolean. Unknown keys are ignored (a newer
    # probe may say more), but nothing the model does not name reaches the watcher.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    doc: Annotated[str, Field(min_length=1, max_length=64)]
    n: Annotated[int, Field(ge=1, le=10**12)]
    url: _URL = ""


class Shown(_Message):
    """A document or history entry shown: loaded, restored, or moved to within the document."""

    type: ShownType
    stamp: _NUMBER | None = None
    fresh: bool = False
    probe: Literal["new", "reload", "back", "forward", "same"] | None = None
    timing: _WORD | None = None
    activation: _WORD | None = None
    index: int | None = None
    length: int | None = None
    persisted: bool = False


class Navigate(_Message):
    """The Navigation API's `navigate`, while still on the page: a hint, not a verdict."""

    type: Literal["navigate"]
    navigationType: _WORD | None = None  # the DOM's names, as the probe sends them
    userInitiated: bool = False
    sameDocument: bool = False
    hashChange: bool = False
    direction: Literal["back", "forward"] | None = None


class CsClick(_Message):
    type: Literal["cs_click"]
    how: Literal["selector", "tel", "url", "text"]
    match: _TEXT = ""
    label: _TEXT = ""
    allowed: bool = True


class Guard(_Message):
    type: Literal["guard"]
    action: Literal["beforeunload", "traverse", "key", "customer_service"]
    key: _WORD | None = None
    answer: Literal["ok", "cancel"] | None = None


class OrderLater(_Message):
    type: Literal["order_later"]
    label: _TEXT = ""


class Submit(_Message):
    """A trusted click on the control of the rules' `order.confirmation_state`; `shown_before`:
    the state already showed then (that click cannot be what placed the order)."""

    type: Literal["submit"]
    shown_before: bool = False


class EligibilityError(_Message):
    type: Literal["eligibility_error"]


class Confirmation(_Message):
    type: Literal["confirmation"]
    number: _TEXT | None = None
    order_type: _TEXT | None = None
    date: _TEXT | None = None


Message = Annotated[
    Shown | Navigate | CsClick | Guard | OrderLater | Submit | EligibilityError | Confirmation,
    Field(discriminator="type"),
]
_MESSAGE: TypeAdapter[Message] = TypeAdapter(Message)
_TYPES = frozenset(get_args(ShownType)) | {
    "navigate", "cs_click", "guard", "order_later", "submit", "eligibility_error",
    "confirmation",
}  # fmt: skip

# What a frame inside the page may report: a customer-service click there (a chat or call-back
# widget is usually a frame from another origin), which its probe sends only for a trusted
# click on an element of that frame matching the rules' selectors, texts or links; and the
# guard's answers. How the top-level document was reached, « order later », the confirmation
# (and its submit click) and the eligibility test are the top frame's alone (issues #11, #25):
# a frame's own loads and history moves are not the order's, and an ad's frame must not say the
# order was saved.
FRAME_TYPES = frozenset({"cs_click", "guard"})


class Drained(BaseModel):
    """What `window.__preflight.since(n)` answers when the watcher reads the probe's queue."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    doc: Annotated[str, Field(max_length=64)]
    readyState: Literal["loading", "interactive", "complete"]
    url: _URL
    msgs: Annotated[list[Any], Field(max_length=1000)]
    busy: bool = False
    idle_ms: _NUMBER = 0
    # The rules' session cookie seen in `document.cookie` (True), or not seen (None: HttpOnly,
    # another domain's, or gone — the watcher asks the browser then).
    cookie: Literal[True] | None = None


def _why(error: ValidationError) -> str:
    # Where and what kind of error, never the input: a page's values may be anything.
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    where = dotted(first["loc"]) or "message"
    return f"{where}: {first['msg']}"


_TEXT_MAX = 2_000_000  # characters of JSON a page may send in one message or answer


def _decoded(raw: Any) -> Any:
    """The probe sends JSON text (see probe.js `deliver`); anything else is checked as is."""
    if not isinstance(raw, str):
        return raw
    if len(raw) > _TEXT_MAX:
        raise ValueError(f"{len(raw)} characters, more than {_TEXT_MAX}")
    return json.loads(raw)


def parse_message(raw: Any, *, via: str) -> Message | None:
    """`raw` as a message, or None (logged) when it is not one."""
    try:
        raw = _decoded(raw)
    except (ValueError, RecursionError) as error:  # JSONDecodeError included; deep nesting
        logger.warning("dropped a page message ({}): not JSON ({})", via, type(error).__name__)
        return None
    try:
        return _MESSAGE.validate_python(raw)
    except ValidationError as error:
        kind = raw.get("type") if isinstance(raw, dict) else None
        # The type is named only when it is one of ours: the log keeps nothing the page wrote.
        named = kind if kind in _TYPES else "?" if isinstance(raw, dict) else type(raw).__name__
        logger.warning("dropped a page message ({}, type {}): {}", via, named, _why(error))
        return None


def parse_signed(raw: Any, keys: Keys) -> tuple[Message, bool] | None:
    """A message the probe sent as a console line (`{body, mac}`, the channel's mark taken
    off) and whether a top-level document sent it; None (logged) when it is not one, or not
    signed with its document's key: a page's own console line."""
    body: Any = None
    mac: Any = None
    data: Any = None
    try:
        outer = _decoded(raw)
        if isinstance(outer, dict):
            body, mac = outer.get("body"), outer.get("mac")
        data = _decoded(body) if isinstance(body, str) else None
    except (ValueError, RecursionError):
        data = None
    doc = data.get("doc") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(doc, str) or not keys.said(doc, body, mac):
        logger.debug("dropped a page message (console): not signed by preflight's probe")
        return None
    msg = parse_message(data, via="console")
    # Signed, so the probe's own word: a frame's probe says it is not the top document's.
    return None if msg is None else (msg, data.get("top") is True)


def parse_drained(raw: Any, keys: Keys, nonce: str) -> Drained | None:
    """The probe's queue as read by the watcher, or None (logged) when it is not that, or not
    signed for `nonce`: a document without preflight's probe answering in its place."""
    try:
        outer = _decoded(raw)
        body = outer.get("body") if isinstance(outer, dict) else None
        if not isinstance(body, str):
            raise ValueError("no body")
        drained = Drained.model_validate(_decoded(body))
    except (ValueError, RecursionError) as error:  # not JSON, too long or too deep
        if isinstance(error, ValidationError):
            logger.warning("dropped what the page's probe answered: {}", _why(error))
        else:
            logger.warning("dropped what the page's probe answered: not JSON")
        return None
    if not keys.answered(drained.doc, nonce, body, outer.get("mac")):
        logger.debug("dropped what the page answered for the probe: not signed by the probe")
        return None
    return drained
