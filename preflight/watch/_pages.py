"""What the watcher keeps of each page it watches: its number in the order, where it is, what
its probe last said, and the signals Playwright and CDP gave for it that a probe message may
still need to corroborate."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from preflight.watch._messages import Navigate

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page


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
    # Main-frame navigation requests Playwright saw: documents the browser loaded (a page's
    # own pushState or replaceState makes none).
    doc_requests: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    # doc → the URL its document was loaded at, as the probe said it before any page script
    # ran (its first message): what a later replaceState cannot change.
    doc_urls: OrderedDict[str, str] = field(default_factory=OrderedDict)
    # A confirmation the page reported without a document loaded at its URL (a single-page
    # shop's): its URL and when; believed once the URL has stayed (see _probe.py).
    pending_confirmation: tuple[str, float] | None = None
    confirmed_url: str | None = None
    cdp_session: CDPSession | None = None
    confirmation_url: str | None = None
    # The URL of this page's last document load, when it failed and nothing was shown since:
    # the page shows the browser's error page (issue #23).
    load_failed: str | None = None
    # The page did not answer the watcher's last question: its script keeps it busy (#25).
    unresponsive: bool = False


def _same_doc_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0] == b.split("#", 1)[0]
