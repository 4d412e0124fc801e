"""What the pages' frames still have out: the requests Playwright reported sent and not yet
ended, and the main-frame navigations whose document has not come (issue #27).

`settle()` asks each page's probe whether its page is quiet, and the probe knows only its own
document's `fetch` and XHR. What a page does next may come from elsewhere: a frame's request,
then its message to the page, then the page's navigation (a payment provider's form); a
navigation a script started by itself (a timer's history move), whose request is out while the
old document, quiet, still answers. Playwright's events see all of it, in every frame: a
request's `request`, `requestfinished` and `requestfailed`; a navigation's document, once the
main frame commits it (`framenavigated`), or none (a 204 or 205, a download: its `response`).

Kept here as plain bookkeeping on hashable keys (Playwright's `Request` objects in the
watcher), with the time given by the caller: tests need no browser.

A request out longer than `OUT_MAX_S` no longer counts (a long poll, an EventSource, a slow
beacon, a server that never answers a navigation): it would otherwise hold every settle to its
time limit. 1.5 s is the probe's own bound for a page's requests (`OUT_MAX_MS` in probe.js), so
both sides give up on a request at the same age; it is ten times what a demo shop page or a
frame's request takes on a loaded machine, and under the 2 to 3 s a settle is given.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

OUT_MAX_S = 1.5
# At most this many kept (a page may send requests that never end): the oldest go first.
_KEPT = 1000
# A navigation's answer after which no document comes (RFC 9110: no content, reset content).
_NO_DOCUMENT = (204, 205)


# Besides the main frame's navigations, the requests whose end a script can act on and the
# probe does not count: the probe counts its own document's `fetch` and XHR; a frame's are what
# it posts to the page from; a script runs once loaded, an EventSource brings messages. A
# beacon (`ping`; on Firefox a `document` that is no navigation), an image, a style sheet, a
# font, a favicon (`other`) hand no script anything to act on.
_IN_FRAMES = frozenset({"fetch", "xhr", "eventsource", "script"})
_IN_MAIN_FRAME = frozenset({"eventsource", "script"})


def counted(resource_type: str, *, navigation: bool, top: bool) -> bool:
    """Whether settle() waits for a request of this Playwright `resource_type`: a navigation
    (a frame's document, or the main frame's next one), or one in the kinds above."""
    return navigation or resource_type in (_IN_MAIN_FRAME if top else _IN_FRAMES)


@dataclass
class _Out:
    page: Hashable
    sent_at: float
    # A main-frame navigation: it ends with its document (or without one), not its response.
    document_url: str | None = None


def _doc(url: str) -> str:
    return url.split("#", 1)[0]


class Outstanding:
    """The requests out, per page, and when the last one ended."""

    def __init__(self, bound_s: float = OUT_MAX_S) -> None:
        self.bound_s = bound_s
        self._out: dict[Hashable, _Out] = {}
        self._last_end: float | None = None

    def sent(
        self,
        key: Hashable,
        page: Hashable,
        now: float,
        *,
        navigation_url: str | None = None,
        redirected_from: Hashable | None = None,
    ) -> None:
        """A request sent by a frame of `page`; `navigation_url`: the main frame's navigation
        to that URL. A redirect's next request takes the place of the one redirected."""
        if redirected_from is not None:
            self._out.pop(redirected_from, None)
        self._out[key] = _Out(page, now, navigation_url)
        while len(self._out) > _KEPT:
            del self._out[next(iter(self._out))]

    def navigating(self, key: Hashable) -> bool:
        """Whether `key` is a main-frame navigation out."""
        out = self._out.get(key)
        return out is not None and out.document_url is not None

    def answered(self, key: Hashable, status: int, *, attachment: bool, now: float) -> None:
        """A response came: a navigation that will show no document ends here."""
        no_document = status in _NO_DOCUMENT or (attachment and not 300 <= status < 400)
        if no_document and self.navigating(key):
            self._end(key, now)

    def finished(self, key: Hashable, now: float) -> None:
        """`requestfinished`: a subresource ends; a navigation waits for its document (or its
        redirect's next request)."""
        out = self._out.get(key)
        if out is not None and out.document_url is None:
            self._end(key, now)

    def failed(self, key: Hashable, now: float) -> None:
        """`requestfailed`: it ends, navigation or not (the browser's error page, if any, is
        the watcher's concern)."""
        if key in self._out:
            self._end(key, now)

    def committed(self, page: Hashable, url: str, now: float) -> bool:
        """The main frame of `page` committed a document at `url`: the navigations to it end.
        False when none was out for it (a document from the back/forward cache, a same-document
        move)."""
        doc = _doc(url)
        ended = [
            key
            for key, out in self._out.items()
            if out.page == page and out.document_url is not None and _doc(out.document_url) == doc
        ]
        for key in ended:
            self._end(key, now)
        return bool(ended)

    def closed(self, page: Hashable) -> None:
        """A page closed: what it had out will never be reported ended."""
        for key in [key for key, out in self._out.items() if out.page == page]:
            del self._out[key]

    def clear(self) -> None:
        self._out.clear()
        self._last_end = None

    def wait_s(self, now: float, idle_s: float) -> float:
        """How long before the pages can be quiet: 0 when nothing counted is out and the last
        request ended `idle_s` ago or more; else the time until the next change that could make
        them so — the idle time left, or the soonest a request out reaches the bound (its end
        may come sooner: the caller looks again meanwhile)."""
        waits = [out.sent_at + self.bound_s - now for out in self._out.values()]
        out = [wait for wait in waits if wait > 0]
        if out:
            return min(out)
        if self._last_end is None:
            return 0.0
        return max(0.0, self._last_end + idle_s - now)

    def count(self, now: float) -> int:
        """How many requests count as out at `now` (within the bound)."""
        return sum(1 for out in self._out.values() if now - out.sent_at < self.bound_s)

    def _end(self, key: Hashable, now: float) -> None:
        del self._out[key]
        self._last_end = now if self._last_end is None else max(self._last_end, now)
