"""Cleaning a profile's order-site data: live (cookies; Chromium's cache and storage through
the DevTools protocol) and offline, with the browser closed (Firefox's cache, storage folders)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from loguru import logger

from preflight.check._profiles import ProfileDir, _remove
from preflight.check._sites import OrderSites

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


# --- Cleaning -----------------------------------------------------------------------------------


def _clear_cookies(context: BrowserContext, sites: OrderSites, *, only_order_sites: bool) -> None:
    if not only_order_sites:
        context.clear_cookies()
        return
    for domain in sites.domains:
        context.clear_cookies(domain=re.compile(rf"^\.?(.+\.)?{re.escape(domain)}$"))


def _clear_live_chromium(context: BrowserContext, origins: Sequence[str]) -> None:
    """Chromium: the HTTP cache and each order origin's storage, through the DevTools protocol.

    The HTTP cache has no per-site clearing in either engine; it is cleared as a whole (it holds
    copies of pages, nothing the user made)."""
    page = context.pages[0] if context.pages else context.new_page()
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("Network.clearBrowserCache")
        for origin in origins:
            cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    finally:
        cdp.detach()


def clean_offline(profile: ProfileDir, sites: OrderSites, *, only_order_sites: bool) -> None:
    """What can only be cleared with the browser closed: Firefox's cache folder (no BiDi
    command, w3c/webdriver-bidi#798) and site-storage folders."""
    if profile.engine == "firefox":
        for cache in profile.cache_dirs():
            _remove(cache)
        folders = profile.storage_folders(sites if only_order_sites else None)
    else:
        # Chromium's cache and per-origin storage go through CDP while it runs; only "all
        # sites" storage needs the folders removed.
        folders = [] if only_order_sites else profile.storage_folders(None)
    for folder in folders:
        logger.debug("removing {}", folder)
        _remove(folder)
