"""The proofs read from the pages (storage per origin, cookies, the merchant's account page,
what came from the cache) and the R2/R3 results they give."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from loguru import logger

from preflight._playwright import playwright_error
from preflight.check._model import CheckResult, Status
from preflight.check._sites import _PROBE_GLOB, _PROBE_PATH, OrderSites, _fulfil_probe
from preflight.i18n import Lang, say
from preflight.rules import Rules

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


# --- Looking at a profile from inside the browser ----------------------------------------------

_STORAGE_JS = """async () => {
    const [idb, names] = await Promise.all([
        indexedDB.databases().then(ds => ds.map(d => d.name), () => []),
        (self.caches ? caches.keys() : Promise.resolve([])).catch(() => []),
    ]);
    return {local: localStorage.length, idb, caches: names};
}"""
_RESOURCES_JS = """() => performance.getEntriesByType("navigation").concat(
    performance.getEntriesByType("resource")).map(e => ({
        url: e.name, transferSize: e.transferSize, decodedBodySize: e.decodedBodySize}))"""


@dataclass
class PageState:
    """What the order sites' pages show: storage per origin, the account page, the cache."""

    storage: dict[str, list[str]] = field(default_factory=dict)  # origin -> what is stored
    account: Literal["logged_in", "logged_out", "unknown", "unreachable"] = "unknown"
    error: str = ""
    from_network: list[str] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)


def _storage_of(page: Page, origin: str) -> list[str]:
    """What `origin` stores (localStorage, IndexedDB, Cache Storage), read on an empty page of
    that origin that Playwright fulfils itself (`_fulfil_probe`, routed by the caller: one route
    for every origin, since each route and unroute costs a round trip), so that no site script
    runs first."""
    if page.url != origin + _PROBE_PATH:  # the check may have asked the browser there already
        page.goto(origin + _PROBE_PATH)
    found: dict[str, Any] = page.evaluate(_STORAGE_JS)
    items = []
    if found["local"]:
        items.append(f"localStorage: {found['local']}")
    items += [f"IndexedDB {name}" for name in found["idb"]]
    items += [f"Cache Storage {name}" for name in found["caches"]]
    return items


def _look_at_pages(
    context: BrowserContext,
    sites: OrderSites,
    rules: Rules,
    origins: Sequence[str],
    page: Page | None = None,
) -> PageState:
    state = PageState()
    page = page or context.new_page()
    try:
        page.route(_PROBE_GLOB, _fulfil_probe)
        try:
            for origin in origins:
                state.storage[origin] = _storage_of(page, origin)
        finally:
            page.unroute(_PROBE_GLOB, _fulfil_probe)
        try:
            page.goto(sites.account_url, wait_until="load", timeout=20_000)
        except playwright_error() as error:  # no network, DNS, refused: said
            state.account = "unreachable"
            state.error = _first_line(error)
            return state
        session = rules.merchant_session
        if session.logged_in and page.locator(session.logged_in).count():
            state.account = "logged_in"
        elif session.logged_out and page.locator(session.logged_out).count():
            state.account = "logged_out"
        account_host = urlsplit(sites.account_url).netloc
        network: dict[str, bool] = {}
        for entry in page.evaluate(_RESOURCES_JS):
            if urlsplit(entry["url"]).netloc != account_host:
                continue  # other origins report no sizes without Timing-Allow-Origin
            if entry["transferSize"] == 0 and entry["decodedBodySize"] == 0:
                continue  # nothing transferred either way (an empty or opaque body)
            # transferSize is 0 when the body came from a cache. One load may fetch a URL twice
            # (the logo as <img> and as favicon); the second is served by the first: a URL
            # counts as fetched from the network when any of its loads was.
            url = entry["url"]
            network[url] = network.get(url, False) or entry["transferSize"] > 0
        state.from_network = [url for url, fetched in network.items() if fetched]
        state.from_cache = [url for url, fetched in network.items() if not fetched]
    finally:
        page.close()
    return state


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line.removeprefix("Page.goto: ")  # Playwright's prefix says nothing to the EI


@dataclass
class ProfileState:
    cookies: int
    login_cookies: list[str]  # names only: values are never read out
    pages: PageState
    cache_entries: int | None = None  # on disk, for a named profile
    storage_folders: list[str] = field(default_factory=list)  # on disk, for a named profile


def _order_cookies(context: BrowserContext, sites: OrderSites) -> list[dict[str, Any]]:
    return [dict(c) for c in context.cookies() if sites.owns_host(str(c.get("domain", "")))]


def inspect_context(
    context: BrowserContext,
    sites: OrderSites,
    rules: Rules,
    *,
    only_order_sites: bool,
    origins: Sequence[str],
    page: Page | None = None,
) -> ProfileState:
    """Count cookies (all of them, or the order sites'), find login cookies, read storage and
    load the account page (in `page`, closed after, or a new one). Cookies are counted first,
    before any page could set one."""
    all_cookies = context.cookies()
    order = _order_cookies(context, sites)
    # Login state: the rules' login cookies or, when the rules name none, every cookie of the
    # merchant's domains (names only: values are never read out).
    login = sorted(
        {
            str(c["name"])
            for c in order
            if sites.is_merchant_host(str(c["domain"]))
            and (not sites.login_cookies or c["name"] in sites.login_cookies)
        }
    )
    count = len(order) if only_order_sites else len(all_cookies)
    return ProfileState(
        cookies=count,
        login_cookies=login,
        pages=_look_at_pages(context, sites, rules, origins, page),
    )


# --- Results --------------------------------------------------------------------------------------


def _proof(state: PageState, lang: Lang) -> str:
    if state.account == "unreachable":
        # The protocol's own error is for QA (-v, and PageState.error), never the seller's words.
        logger.info("order site unreachable: {}", state.error)
        return say("check.proof.unreachable", lang)
    if state.from_cache:
        return say(
            "check.proof.cached",
            lang,
            count=len(state.from_cache),
            urls=", ".join(state.from_cache),
        )
    if state.from_network:
        return say("check.proof.network", lang, count=len(state.from_network))
    return say("check.proof.none", lang)


def _account(state: ProfileState, lang: Lang) -> str:
    if state.pages.account == "unreachable":
        return say("check.account.unreachable", lang)
    return say(f"check.account.{state.pages.account}", lang)


def _stored(state: ProfileState) -> list[str]:
    items = [f"{origin}: {item}" for origin, found in state.pages.storage.items() for item in found]
    return items + [f"{folder}/" for folder in state.storage_folders]


def _session_open(state: ProfileState) -> bool:
    return bool(state.login_cookies) or state.pages.account == "logged_in"


def _cache_ok(state: ProfileState) -> bool:
    return not state.pages.from_cache and not state.cache_entries


def fresh_results(state: ProfileState, lang: Lang, merchant: str = "SFR") -> list[CheckResult]:
    """Results for a fresh profile: clean by construction, and verified."""
    origins = ", ".join(state.pages.storage) or "—"
    stored = _stored(state)
    warn_if_unverified: Status = "warn" if state.pages.account == "unreachable" else "pass"
    return [
        CheckResult(
            id="cache",
            status="fail" if not _cache_ok(state) else warn_if_unverified,
            message=say("check.fresh.cache", lang, proof=_proof(state.pages, lang)),
        ),
        CheckResult(
            id="cookies",
            status="pass" if state.cookies == 0 else "fail",
            message=say("check.fresh.cookies", lang)
            if state.cookies == 0
            else say("check.cookies.fail", lang, after=state.cookies, scope=""),
        ),
        CheckResult(
            id="storage",
            status="pass" if not stored else "fail",
            message=say("check.fresh.storage", lang, origins=origins)
            if not stored
            else say("check.storage.fail", lang, found="; ".join(stored)),
        ),
        CheckResult(
            id="merchant_session",
            status="fail" if _session_open(state) else warn_if_unverified,
            message=say(
                "check.fresh.session", lang, proof=_account(state, lang), merchant=merchant
            ),
        ),
    ]


def profile_results(
    before: ProfileState,
    after: ProfileState,
    lang: Lang,
    *,
    only_order_sites: bool,
    merchant: str = "SFR",
) -> list[CheckResult]:
    """Results for a named profile: what was found, what was removed, what is verified now."""
    scope = say("check.scope.order", lang) if only_order_sites else ""

    def result(
        check: str, was_dirty: bool, clean_now: bool, fixed: str, passed: str, failed: str
    ) -> CheckResult:
        if not clean_now:
            return CheckResult(id=check, status="fail", message=failed)
        return CheckResult(
            id=check,
            status="fixed" if was_dirty else "pass",
            message=fixed if was_dirty else passed,
        )

    proof = _proof(after.pages, lang)
    found_cache = ", ".join(
        part
        for part in (
            f"{before.cache_entries} entries" if before.cache_entries else "",
            f"{len(before.pages.from_cache)} cached resource(s)" if before.pages.from_cache else "",
        )
        if part
    )
    cache = result(
        "cache",
        not _cache_ok(before),
        _cache_ok(after),
        say("check.cache.fixed", lang, found=found_cache, proof=proof),
        say("check.cache.pass", lang, proof=proof),
        say("check.cache.fail", lang, proof=proof),
    )
    cookies = result(
        "cookies",
        before.cookies > 0,
        after.cookies == 0,
        say("check.cookies.fixed", lang, before=before.cookies, scope=scope).replace("  ", " "),
        say("check.cookies.pass", lang, scope=scope).replace("  ", " "),
        say("check.cookies.fail", lang, after=after.cookies, scope=scope).replace("  ", " "),
    )
    origins = ", ".join(after.pages.storage) or "—"
    stored_before, stored_after = _stored(before), _stored(after)
    storage = result(
        "storage",
        bool(stored_before),
        not stored_after,
        say("check.storage.fixed", lang, found="; ".join(stored_before), origins=origins),
        say("check.storage.pass", lang, origins=origins),
        say("check.storage.fail", lang, found="; ".join(stored_after)),
    )
    account = _account(after, lang)
    found_session = ", ".join(
        [
            *(f"cookie {name}" for name in before.login_cookies),
            *(["logged in"] if before.pages.account == "logged_in" else []),
        ]
    )
    session = result(
        "merchant_session",
        _session_open(before),
        not _session_open(after),
        say("check.session.fixed", lang, found=found_session, proof=account, merchant=merchant),
        say("check.session.pass", lang, proof=account, merchant=merchant),
        say("check.session.fail", lang, proof=account, merchant=merchant),
    )
    if after.pages.account == "unreachable":
        # Nothing left to see, but the page that proves it could not be loaded: not a pass.
        cache, session = (_unproven(r) for r in (cache, session))
    return [cache, cookies, storage, session]


def _unproven(result: CheckResult) -> CheckResult:
    return result if result.status == "fail" else result.model_copy(update={"status": "warn"})
