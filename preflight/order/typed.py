"""What the seller typed for the customer, learnt so that the report's screenshots hide it where
the shop echoes it back (« Bonjour <name> (<email>) », the address on a summary or confirmation
page; issue #25).

A scenario's values are known beforehand; in `preflight order` the seller types them in the
browser. So the order learns them from the rules' personal and bank fields
(`rules.privacy.personal`, `.sensitive`), in memory only: never written, never logged. The
fields are gone once their page is left, so they are read while they are there, two ways:

* by the page, the moment it may leave: a small script in every frame reads the fields' values
  on each click, submit and change (capture phase, before the shop's own handlers) and hands
  them to an exposed binding. A driver that fills and clicks at once (tests, demos) leaves the
  order's loop no moment to read the page, and the body of the request that carries them is not
  given on Firefox (WebDriver BiDi gives no request body): the click is that moment;
* by the loop, at most every READ_EVERY_S: one bounded read per frame. A person types slowly,
  and may leave a page some other way (a key the shop listens to).

CSS selectors only: the page runs them (a Playwright-only selector is skipped). A page can call
the binding itself: that only adds values to hide, up to MAX_VALUES.

`preflight.privacy.text_masks` masks every element whose text holds one of the values.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from preflight.watch._tracing import bounded

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Frame, Page

    from preflight.rules import Rules

BINDING = "__preflightTyped"
READ_EVERY_S = 0.75
# A page that spins or throws must not hold the watch: each frame's read is bounded.
READ_TIMEOUT_MS = 1000.0
# Bounds on what a page can make the order keep.
MAX_VALUES = 100
MAX_VALUE_CHARS = 200
MAX_MESSAGE_CHARS = 100_000
MAX_FIELDS = 50

# The fields the selectors match in this document, as JSON `[[field, value], …]` (a string:
# Playwright hands a string result back without another call into the page); a field is named
# by its selector and rank, to tell its next value from another field's.
_READ = f"""(selectors) => {{
  const found = [];
  for (const selector of selectors) {{
    let fields;
    try {{ fields = document.querySelectorAll(selector); }} catch (e) {{ continue; }}
    let rank = 0;
    for (const field of fields)
      if (typeof field.value === "string" && field.value && found.length < {MAX_FIELDS})
        found.push([selector + " " + rank++, field.value]);
  }}
  return JSON.stringify(found);
}}"""
# In every frame: the same read at each click, submit and change, before the page reacts.
_SCRIPT = """(() => {
  const send = window.%(binding)s;
  if (typeof send !== "function" || !/^https?:$/.test(location.protocol)) return;
  const read = %(read)s;
  const selectors = %(selectors)s;
  const now = () => {
    try {
      const found = read(selectors);
      if (found !== "[]") send(found);
    } catch (e) {}
  };
  for (const type of ["click", "submit", "change"]) addEventListener(type, now, true);
})();"""


class TypedValues:
    """The customer's values as typed in the order's browser; see the module docstring."""

    def __init__(self, rules: Rules) -> None:
        self.selectors = list(dict.fromkeys([*rules.privacy.sensitive, *rules.privacy.personal]))
        self._values: dict[str, None] = {}  # insertion-ordered: the oldest go first
        self._latest: dict[str, str] = {}  # each field's last value read
        self._read_at = 0.0
        self._disposables: list[Any] = []  # what `attach` added, to take away

    @property
    def values(self) -> list[str]:
        return list(self._values)

    def attach(self, context: BrowserContext) -> None:
        """Read the fields at each click, submit and change in `context`'s pages from now on."""
        if not self.selectors:
            return
        self._disposables.append(context.expose_binding(BINDING, self._on_binding))
        script = _SCRIPT % {
            "binding": BINDING,
            "read": _READ,
            "selectors": json.dumps(self.selectors),
        }
        self._disposables.append(context.add_init_script(script))

    def detach(self) -> None:
        for disposable in self._disposables:
            try:
                disposable.dispose()
            except PlaywrightError as error:  # the context is closed already
                logger.debug("dispose: {}", error)
        self._disposables.clear()

    def read(self, pages: Iterable[Page]) -> None:
        """Read the fields on `pages` (every frame), unless read less than READ_EVERY_S ago."""
        if not self.selectors or time.monotonic() - self._read_at < READ_EVERY_S:
            return
        for page in pages:
            for frame in page.frames:
                self._read_frame(frame)
        self._read_at = time.monotonic()

    def _read_frame(self, frame: Frame) -> None:
        # Bounded here, not by Playwright's own timeout: over WebDriver BiDi a frame whose page
        # spins never answered a `wait_for_function(timeout=1000)` (an order held for minutes,
        # measured on Firefox: the read hung on the spinning page's widget frame).
        try:
            found = bounded(
                frame, "evaluate", _READ, self.selectors,
                timeout_s=READ_TIMEOUT_MS / 1000, traced=False,
            )  # fmt: skip
        except (PlaywrightError, TimeoutError) as error:  # going, spinning, throwing: next time
            logger.trace("typed values not read: {}", type(error).__name__)
            return
        self.learn(found)

    def _on_binding(self, source: Any, found: Any) -> None:
        self.learn(found)

    def learn(self, found: Any) -> None:
        """Keep the values of a read (JSON `[[field, value], …]`); anything else is ignored."""
        if not isinstance(found, str) or len(found) > MAX_MESSAGE_CHARS:
            return
        try:
            pairs = json.loads(found)
        except ValueError:  # the page's own JSON, or anything a page sent: nothing to learn
            return
        for pair in pairs[:MAX_FIELDS] if isinstance(pairs, list) else []:
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                self._keep(pair[0][:MAX_VALUE_CHARS], " ".join(pair[1].split()))

    def _keep(self, field: str, value: str) -> None:
        if not value or len(value) > MAX_VALUE_CHARS:
            return
        # Read while typed: « Cami », then « Camille Martin » in the same field. The whole value
        # hides whatever holds it; its beginning would only hide more, and take others' room.
        before = self._latest.get(field)
        if before is not None and before != value and value.startswith(before):
            self._values.pop(before, None)
        if len(self._latest) >= MAX_VALUES and field not in self._latest:
            del self._latest[next(iter(self._latest))]
        self._latest[field] = value
        self._values.pop(value, None)
        self._values[value] = None
        while len(self._values) > MAX_VALUES:  # the latest are the likeliest to be shown next
            del self._values[next(iter(self._values))]
