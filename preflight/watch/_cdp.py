"""Chromium's own signals, over a CDP session per page: `Page.frameNavigated` (its `type` tells
a back/forward-cache restore) and `Page.navigatedWithinDocument`, kept in the page's state for
the probe's messages to be cross-checked with. Other engines have no CDP: the probe and
Playwright's events are what they give."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.watch._pages import _PageState

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


def attach_cdp(context: BrowserContext, state: _PageState) -> bool:
    """Open a CDP session on `state`'s page and keep what it reports in `state.cdp`; False when
    the page has none (not Chromium)."""
    try:
        session = context.new_cdp_session(state.page)
        session.send("Page.enable")
    except playwright_error() as error:  # not fatal: the probe is the main source
        logger.debug("no CDP session for page {}: {}", state.index, error)
        return False
    state.cdp_session = session

    main: dict[str, str] = {}

    def navigated(params: dict[str, Any]) -> None:
        frame = params.get("frame", {})
        logger.trace("CDP frameNavigated {} {}", params.get("type"), frame.get("url"))
        if not frame.get("parentId"):
            main["id"] = str(frame.get("id", ""))
            state.cdp.append((str(params.get("type", "Navigation")), str(frame.get("url", ""))))

    def within(params: dict[str, Any]) -> None:
        # A frame's own pushState or fragment move is not the order's (issue #11).
        if main.get("id") and params.get("frameId") != main["id"]:
            return
        state.cdp.append((str(params.get("navigationType", "other")), str(params.get("url", ""))))

    session.on("Page.frameNavigated", navigated)
    session.on("Page.navigatedWithinDocument", within)
    return True
