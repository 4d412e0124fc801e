"""The pre-order checks (DESIGN.md R1–R3 and the seed's manual items), each a small function
returning a `CheckResult`, and `run_checks`, which runs them on a real browser.

R1 asks the running browser itself (`browser.version`, `navigator.userAgent`, Chromium's
`userAgentData` brands), or parses a user agent it cannot drive. R2/R3 work in one of two modes:

* a fresh, empty profile (the default): clean by construction, and still verified;
* a named profile (`profile=`), with the browser closed: the order sites' login state, cookies,
  site storage and the HTTP cache are found, removed, and the profile is opened again to verify
  that they are gone and that the merchant's account page shows the logged-out state.

Cleaning a named profile, per engine:

* Chromium: the DevTools protocol (`Network.clearBrowserCache`, `Storage.clearDataForOrigin`)
  and `context.clear_cookies`; in "all sites" mode the site-storage folders are removed while the
  browser is closed (the protocol clears storage only origin by origin).
* Firefox: WebDriver BiDi has no cache command (w3c/webdriver-bidi#798), so the `cache2` folder
  and the origins' folders under `storage/default/` are removed while the browser is closed;
  cookies through `context.clear_cookies`.

Opening a profile through Playwright has side effects that a user's own profile must not keep:
Playwright writes its automation prefs into a Firefox profile's `user.js` and copies `prefs.js`
to `prefs.js.playwright` (playwright 1.64 `writePreferences`, never undone), and the check's own
page loads add history. `_ProfileGuard` puts those files back byte for byte afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

from loguru import logger
from pydantic import BaseModel

from preflight.browsers import InstalledBrowser, LaunchSpec, choose, launch, spec_for
from preflight.errors import BrowserError, ProfileError, UsageError
from preflight.i18n import Catalogue, Lang, say
from preflight.rules import Rules
from preflight.useragent import BrowserIdentity, family_from_brands, identify_user_agent, warm_up

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

Status = Literal["pass", "warn", "fail", "fixed"]
Verdict = Literal["ready", "not_ready"]


class CheckResult(BaseModel):
    id: str
    status: Status
    message: str


class BrowserInfo(BaseModel):
    family: str
    version: str | None
    executable: str | None
    driver: str


class CheckReport(BaseModel):
    verdict: Verdict
    browser: BrowserInfo
    checks: list[CheckResult]

    @property
    def ready(self) -> bool:
        return self.verdict == "ready"


class ManualAnswers(BaseModel):
    """The EI's answers to the seed's manual items; `None` = not asked.

    The customer's phone number itself is never kept: only whether a valid one was given.
    """

    offers_explained: bool | None = None
    installation_explained: bool | None = None
    daytime_phone_given: bool | None = None
    customer_computer: bool | None = None


MANUAL_ITEMS = (
    "offers_explained",
    "installation_explained",
    "daytime_phone_given",
    "customer_computer",
)


_M: Catalogue = {
    # R1
    "family.pass": {
        "fr": "{name} : navigateur recommandé.",
        "en": "{name}: a recommended browser.",
    },
    "family.chromium": {
        "fr": "Chromium : la base libre de Chrome, accepté (versions de test) ; pour un client, "
        "préférez Google Chrome.",
        "en": "Chromium: Chrome's open-source base, accepted (test builds); for a customer, "
        "prefer Google Chrome.",
    },
    "family.ios": {
        "fr": "{name} sur iOS : tous les navigateurs d'iPhone/iPad sont Safari (WebKit) en "
        "dessous — passez la commande sur un ordinateur avec Chrome ou Firefox.",
        "en": "{name} on iOS: every iPhone/iPad browser is Safari (WebKit) underneath — order "
        "on a computer with Chrome or Firefox.",
    },
    "family.safari": {
        "fr": "Safari : à éviter pour les commandes SFR — utilisez Google Chrome ou "
        "Mozilla Firefox.",
        "en": "Safari: to be avoided for SFR orders — use Google Chrome or Mozilla Firefox.",
    },
    "family.other": {
        "fr": "{name} : navigateur non prévu par la procédure — utilisez Google Chrome ou "
        "Mozilla Firefox.",
        "en": "{name}: not a browser the order procedure allows — use Google Chrome or "
        "Mozilla Firefox.",
    },
    "version.pass": {"fr": "Version {version} : à jour.", "en": "Version {version}: up to date."},
    "version.esr": {
        "fr": "Version {version} : Firefox ESR {major}, version à support étendu maintenue par "
        "Mozilla — à jour.",
        "en": "Version {version}: Firefox ESR {major}, an extended-support release Mozilla still "
        "maintains — current.",
    },
    "version.old": {
        "fr": "Version {version} : trop ancienne (minimum {minimum}) — mettez le "
        "navigateur à jour.",
        "en": "Version {version}: too old (minimum {minimum}) — update the browser.",
    },
    "version.unknown": {
        "fr": "Version inconnue : vérifiez que le navigateur est à jour.",
        "en": "Unknown version: make sure the browser is up to date.",
    },
    "version.na": {
        "fr": "Version {version} : sans objet, ce navigateur n'est pas accepté.",
        "en": "Version {version}: not relevant, this browser is not accepted.",
    },
    # R2 / R3, fresh profile
    "fresh.cache": {
        "fr": "Cache vide : profil neuf ; {proof}",
        "en": "Empty cache: a fresh profile; {proof}",
    },
    "fresh.cookies": {
        "fr": "Aucun cookie : profil neuf (0 cookie compté).",
        "en": "No cookies: a fresh profile (0 cookies counted).",
    },
    "fresh.storage": {
        "fr": "Stockage des sites de commande vide ({origins}).",
        "en": "Order sites' storage empty ({origins}).",
    },
    "fresh.session": {
        "fr": "Aucune session SFR : profil neuf ; {proof}",
        "en": "No SFR session: a fresh profile; {proof}",
    },
    # R2 / R3, named profile
    "cache.fixed": {
        "fr": "Cache HTTP vidé ({found}) ; {proof}",
        "en": "HTTP cache cleared ({found}); {proof}",
    },
    "cache.pass": {
        "fr": "Cache HTTP déjà vide ; {proof}",
        "en": "HTTP cache already empty; {proof}",
    },
    "cache.fail": {
        "fr": "Cache HTTP encore utilisé après nettoyage : {proof}",
        "en": "HTTP cache still used after cleaning: {proof}",
    },
    "proof.network": {
        "fr": "{count} ressource(s) du site de commande rechargée(s) depuis le réseau.",
        "en": "{count} order-site resource(s) fetched again from the network.",
    },
    "proof.cached": {
        "fr": "{count} ressource(s) servie(s) depuis le cache : {urls}.",
        "en": "{count} resource(s) served from the cache: {urls}.",
    },
    "proof.none": {
        "fr": "aucune ressource du site de commande à recharger pour le prouver.",
        "en": "no order-site resource to fetch again to prove it.",
    },
    "proof.unreachable": {
        "fr": "page du site de commande injoignable pour le vérifier ({error}).",
        "en": "the order site's page could not be loaded to verify it ({error}).",
    },
    "cookies.fixed": {
        "fr": "{before} cookie(s) {scope} supprimé(s) ; 0 restant.",
        "en": "{before} {scope} cookie(s) removed; 0 left.",
    },
    "cookies.pass": {
        "fr": "Aucun cookie {scope} (0 compté).",
        "en": "No {scope} cookies (0 counted).",
    },
    "cookies.fail": {
        "fr": "{after} cookie(s) {scope} encore présent(s) après nettoyage.",
        "en": "{after} {scope} cookie(s) still there after cleaning.",
    },
    "scope.all": {"fr": "", "en": ""},
    "scope.order": {"fr": "des sites de commande", "en": "order-site"},
    "storage.fixed": {
        "fr": "Stockage des sites vidé ({found}) ; vérifié vide pour {origins}.",
        "en": "Site storage cleared ({found}); verified empty for {origins}.",
    },
    "storage.pass": {
        "fr": "Stockage des sites de commande vide ({origins}).",
        "en": "Order sites' storage empty ({origins}).",
    },
    "storage.fail": {
        "fr": "Stockage encore présent après nettoyage : {found}.",
        "en": "Storage still there after cleaning: {found}.",
    },
    "session.fixed": {
        "fr": "Session SFR fermée ({found}) ; {proof}",
        "en": "SFR session closed ({found}); {proof}",
    },
    "session.pass": {
        "fr": "Aucune session SFR ouverte ; {proof}",
        "en": "No open SFR session; {proof}",
    },
    "session.fail": {
        "fr": "Session SFR encore ouverte après nettoyage : {proof}",
        "en": "SFR session still open after cleaning: {proof}",
    },
    "account.logged_out": {
        "fr": "l'espace client affiche l'état déconnecté.",
        "en": "the account page shows the logged-out state.",
    },
    "account.logged_in": {
        "fr": "l'espace client affiche l'état connecté.",
        "en": "the account page shows the logged-in state.",
    },
    "account.unknown": {
        "fr": "aucun cookie de connexion ; l'état de l'espace client n'est pas décrit par les "
        "règles.",
        "en": "no login cookie; the rules do not describe the account page's state.",
    },
    "account.unreachable": {
        "fr": "aucun cookie de connexion ; espace client injoignable ({error}).",
        "en": "no login cookie; the account page could not be loaded ({error}).",
    },
    # Not driven: --user-agent
    "ua.manual": {
        "fr": "Non vérifiable sur un navigateur non piloté : {what}",
        "en": "Cannot be checked on a browser preflight does not drive: {what}",
    },
    "ua.cache": {
        "fr": "videz le cache à la main (Paramètres › Confidentialité › Effacer les données).",
        "en": "clear the cache by hand (Settings › Privacy › Clear browsing data).",
    },
    "ua.cookies": {
        "fr": "supprimez les cookies à la main (Paramètres › Confidentialité).",
        "en": "delete the cookies by hand (Settings › Privacy).",
    },
    "ua.session": {
        "fr": "déconnectez-vous de l'espace client SFR.",
        "en": "log out of the SFR account page.",
    },
    # Manual items
    "manual.offers_explained.pass": {
        "fr": "Offres, contenu et conditions de vente expliqués au client.",
        "en": "Offers, their content and the terms of sale explained to the customer.",
    },
    "manual.offers_explained.warn": {
        "fr": "À faire : informer le client des offres, de leur contenu et des "
        "conditions de vente.",
        "en": "To do: tell the customer about the offers, their content and the terms of sale.",
    },
    "manual.installation_explained.pass": {
        "fr": "Procédure d'installation expliquée (accès au local technique pour la Fibre).",
        "en": "Installation procedure explained (access to the technical room for Fibre).",
    },
    "manual.installation_explained.warn": {
        "fr": "À faire : expliquer la procédure d'installation (Fibre en immeuble : accès au local "
        "technique, clé souvent chez le concierge).",
        "en": "To do: explain the installation procedure (Fibre in a building: access to the "
        "technical room, key usually with the caretaker).",
    },
    "manual.daytime_phone_given.pass": {
        "fr": "Numéro de téléphone joignable en journée fourni (numéro français valide).",
        "en": "A daytime phone number was given (a valid French number).",
    },
    "manual.daytime_phone_given.warn": {
        "fr": "À faire : demander au client un numéro de téléphone joignable en journée.",
        "en": "To do: ask the customer for a phone number reachable during the day.",
    },
    "manual.customer_computer.pass": {
        "fr": "La commande est passée sur l'ordinateur du client.",
        "en": "The order is placed on the customer's own computer.",
    },
    "manual.customer_computer.warn": {
        "fr": "Attention : le client doit confirmer et payer lui-même, sur son propre ordinateur.",
        "en": "Careful: the customer must confirm and pay themselves, on their own computer.",
    },
    "manual.not_asked": {"fr": " (non demandé)", "en": " (not asked)"},
}


# --- R1: browser family and version --------------------------------------------------------


def check_browser_family(identity: BrowserIdentity, rules: Rules, lang: Lang) -> CheckResult:
    """Chrome and Firefox pass, Chromium passes with a note; iOS, Safari and others fail."""
    allowed = set(rules.browser.allowed)
    name = identity.name.removesuffix(" iOS")  # "Chrome Mobile iOS" → "Chrome Mobile … on iOS"
    if identity.ios:
        return CheckResult(
            id="browser_family", status="fail", message=say(_M, "family.ios", lang, name=name)
        )
    if identity.family == "chromium" and allowed & {"chromium", "chrome"}:
        return CheckResult(
            id="browser_family", status="pass", message=say(_M, "family.chromium", lang)
        )
    if identity.family in allowed:
        return CheckResult(
            id="browser_family", status="pass", message=say(_M, "family.pass", lang, name=name)
        )
    key = "family.safari" if identity.family == "safari" else "family.other"
    return CheckResult(id="browser_family", status="fail", message=say(_M, key, lang, name=name))


def check_browser_version(identity: BrowserIdentity, rules: Rules, lang: Lang) -> CheckResult:
    """Older than the rules' minimum warns; a Firefox ESR still maintained is current."""
    version = identity.version or "?"
    family = identity.family
    if identity.ios or (family not in rules.browser.allowed and family != "chromium"):
        return CheckResult(
            id="browser_version",
            status="warn",
            message=say(_M, "version.na", lang, version=version),
        )
    major = identity.major
    if major is None:
        return CheckResult(
            id="browser_version", status="warn", message=say(_M, "version.unknown", lang)
        )
    # The user agent carries no ESR marker: a maintained ESR major counts as current
    # (browser-update/browser-update#561).
    # An ESR that Mozilla no longer maintains is outdated like any other version.
    if family == "firefox" and major in rules.browser.firefox_esr_majors:
        message = say(_M, "version.esr", lang, version=version, major=major)
        return CheckResult(id="browser_version", status="pass", message=message)
    minimum = rules.browser.min_major.get(family)
    if minimum is None and family == "chromium":
        minimum = rules.browser.min_major.get("chrome")
    if minimum is not None and major < minimum:
        message = say(_M, "version.old", lang, version=version, minimum=minimum)
        return CheckResult(id="browser_version", status="warn", message=message)
    return CheckResult(
        id="browser_version", status="pass", message=say(_M, "version.pass", lang, version=version)
    )


_SECURE_PROBE_URL = "https://preflight.invalid/"


_IDENTITY_JS = """async () => ({
    ua: navigator.userAgent,
    brands: navigator.userAgentData
        ? (await navigator.userAgentData.getHighEntropyValues(["fullVersionList"])).fullVersionList
        : [],
})"""


def identify_running(
    browser: Browser | None, page: Page, engine: str, at: str | None = None
) -> BrowserIdentity:
    """Ask the running browser what it is: its version, its user agent and its brands.

    `userAgentData` exists only in a secure context, so the question is asked on an https page
    that Playwright fulfils itself (no network): `at`, when the caller has already routed it
    and shows it in `page`, else one of our own.
    """
    if at is None:
        page.route(_SECURE_PROBE_URL + "**", _fulfil_probe)
        try:
            page.goto(_SECURE_PROBE_URL)
            asked: dict[str, Any] = page.evaluate(_IDENTITY_JS)
        finally:
            page.unroute(_SECURE_PROBE_URL + "**", _fulfil_probe)
    else:
        asked = page.evaluate(_IDENTITY_JS)
    user_agent: str = asked["ua"]
    brands: list[dict[str, str]] = asked["brands"]
    parsed = identify_user_agent(user_agent)
    version = browser.version if browser is not None else parsed.version
    family = family_from_brands(brands) if engine == "chromium" else "firefox"
    if engine == "chromium" and family == "chromium" and not brands:
        family = parsed.family  # no brands at all: trust the user agent
    major = int(version.split(".")[0]) if version and version.split(".")[0].isdigit() else None
    return BrowserIdentity(
        family=family,
        name={
            "chrome": "Google Chrome",
            "chromium": "Chromium",
            "firefox": "Mozilla Firefox",
            "edge": "Microsoft Edge",
        }.get(family, parsed.name),
        version=version,
        major=major,
        os=parsed.os,
        ios=False,
        headless=parsed.headless,
    )


# --- Manual items ----------------------------------------------------------------------------

# French numbers a person answers during the day: 01–05 (landlines), 06–07 (mobiles), 09
# (VoIP boxes); 08 numbers are services, not people. National (0X…) or international (+33 / 0033).
_FRENCH_PHONE = re.compile(r"^(?:0|\+33|0033)(?:\(0\))?([1-79])(\d{8})$")


def is_french_phone(text: str) -> bool:
    """True for a French phone number a person can answer, written the usual ways."""
    compact = re.sub(r"[\s.\-/]", "", text.strip())
    return bool(_FRENCH_PHONE.match(compact))


def manual_checks(answers: ManualAnswers | None, lang: Lang) -> list[CheckResult]:
    """One result per manual item: pass when the EI confirmed it, warn otherwise."""
    answers = answers or ManualAnswers()
    results = []
    for item in MANUAL_ITEMS:
        value = getattr(answers, item)
        status: Status = "pass" if value else "warn"
        message = say(_M, f"manual.{item}.{status}", lang)
        if value is None:
            message += say(_M, "manual.not_asked", lang)
        results.append(CheckResult(id=item, status=status, message=message))
    return results


# --- Where the order sites are -----------------------------------------------------------------


@dataclass(frozen=True)
class OrderSites:
    """The order sites of the rules: cookie domains, and the origins known exactly."""

    domains: tuple[str, ...]
    origins: tuple[str, ...]
    account_url: str
    login_cookies: tuple[str, ...]
    merchant_domains: tuple[str, ...]

    def owns_host(self, host: str) -> bool:
        host = host.lstrip(".").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def is_merchant_host(self, host: str) -> bool:
        host = host.lstrip(".").lower()
        return any(host == d or host.endswith("." + d) for d in self.merchant_domains)


def order_sites(rules: Rules) -> OrderSites:
    """The order sites named by `order.entry`, `order.merchant` and `merchant_session`."""
    domains: list[str] = [d.lower().lstrip(".") for d in rules.merchant_session.domains]
    origins: list[str] = []
    for pattern in [rules.merchant_session.account_url, *rules.order.entry, *rules.order.merchant]:
        parts = urlsplit(pattern)
        host = (parts.hostname or "").lower()
        if not host:
            continue
        # "*.sfr.fr" names the domain sfr.fr and all its hosts.
        domain = host[2:] if host.startswith("*.") else host
        if "*" not in domain and domain not in domains:
            domains.append(domain)
        if "*" not in parts.netloc and parts.scheme in ("http", "https"):
            origin = f"{parts.scheme}://{parts.netloc.lower()}"
            if origin not in origins:
                origins.append(origin)
    return OrderSites(
        domains=tuple(domains),
        origins=tuple(origins),
        account_url=rules.merchant_session.account_url,
        login_cookies=tuple(rules.merchant_session.login_cookies),
        merchant_domains=tuple(d.lower().lstrip(".") for d in rules.merchant_session.domains),
    )


# --- Looking at a profile from inside the browser ----------------------------------------------

_PROBE_PATH = "/__preflight__/probe"
_PROBE_GLOB = "**" + _PROBE_PATH
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


def _fulfil_probe(route: Route) -> None:
    route.fulfill(body="<!doctype html><title>probe</title>", content_type="text/html")


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
        except Exception as error:  # no network, DNS, refused: said in the result, not fatal
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


# Chromium's site-storage folders inside a profile (`Default/`), removed in "all sites" mode.
_CHROMIUM_STORAGE_DIRS = (
    "Local Storage",
    "Session Storage",
    "IndexedDB",
    "Service Worker",
    "WebStorage",
    "File System",
    "blob_storage",
)


def _firefox_origin(folder: str) -> str | None:
    """`http+++localhost+8765` → `http://localhost:8765`; not a web origin → None."""
    match = re.fullmatch(r"(https?)\+\+\+([^+^]+)(?:\+(\d+))?(\^.*)?", folder)
    if not match:
        return None
    scheme, host, port, _attrs = match.groups()
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _chromium_origin(folder: str) -> str | None:
    """`http_localhost_8765.indexeddb.leveldb` → `http://localhost:8765`."""
    match = re.fullmatch(r"(https?)_(.+?)_(\d+)\.indexeddb\.(leveldb|blob)", folder)
    if not match:
        return None
    scheme, host, port, _ = match.groups()
    default = "443" if scheme == "https" else "80"
    return f"{scheme}://{host}" + ("" if port in ("0", default) else f":{port}")


@dataclass
class ProfileDir:
    """A browser profile folder named by the user, of one engine."""

    path: Path  # Chromium: the user-data folder (with `Local State`)
    engine: Literal["chromium", "firefox"]
    name: str = "Default"  # Chromium: the profile inside it (`Default`, `Profile 1`…)

    @property
    def chromium_profile(self) -> Path:
        return self.path / self.name

    def launch_args(self) -> list[str]:
        """Browser arguments that open this profile (Chromium opens `Default` by itself)."""
        if self.engine == "chromium" and self.name != "Default":
            return [f"--profile-directory={self.name}"]
        return []

    def cache_dirs(self) -> list[Path]:
        """Where this profile's HTTP cache lives."""
        if self.engine == "chromium":
            dirs = [self.chromium_profile / "Cache"]
            # Linux: the user-data folder ~/.config/<browser> keeps its cache in
            # ~/.cache/<browser>/<profile>/Cache.
            config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
            if self.path.parent.resolve() == config.resolve():
                cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                dirs.append(cache / self.path.name / self.name / "Cache")
            return dirs
        dirs = [self.path / "cache2"]
        # A profile in the standard place keeps its cache in the OS cache folder, under the
        # same folder name; a profile elsewhere keeps it inside (measured with Firefox 153).
        for profiles_root, cache_root in _firefox_cache_roots():
            if self.path.parent.resolve() == profiles_root.resolve():
                dirs.append(cache_root / self.path.name / "cache2")
        return dirs

    def cache_entries(self) -> int:
        count = 0
        for cache in self.cache_dirs():
            entries = cache / "entries" if self.engine == "firefox" else cache / "Cache_Data"
            if entries.is_dir():
                count += sum(
                    1 for f in entries.iterdir() if f.is_file() and not f.name.startswith("index")
                )
        return count

    def storage_folders(self, sites: OrderSites | None) -> list[Path]:
        """Site-storage folders on disk: all web origins', or only the order sites'."""
        found: list[Path] = []
        if self.engine == "firefox":
            root = self.path / "storage" / "default"
            if root.is_dir() and self._inside(root):
                for folder in sorted(root.iterdir()):
                    origin = _firefox_origin(folder.name)
                    if origin and (
                        sites is None or sites.owns_host(urlsplit(origin).hostname or "")
                    ):
                        found.append(folder)
            return found
        if sites is None:
            return [
                d for name in _CHROMIUM_STORAGE_DIRS if (d := self.chromium_profile / name).exists()
            ]
        idb = self.chromium_profile / "IndexedDB"
        if idb.is_dir() and self._inside(idb):
            for folder in sorted(idb.iterdir()):
                origin = _chromium_origin(folder.name)
                if origin and sites.owns_host(urlsplit(origin).hostname or ""):
                    found.append(folder)
        return found

    def _inside(self, folder: Path) -> bool:
        """False when `folder` is a link (or under one) to outside the profile: what it points
        to was not named, so its entries are never listed, let alone removed."""
        return folder.resolve().is_relative_to(self.path.resolve())

    def stored_origins(self, sites: OrderSites) -> list[str]:
        """Order-site origins this profile may hold data for: those with storage folders on
        disk and, for Chromium (whose storage folders do not all name their origin), those in
        its history — the rules' globs leave ports open (`http://127.0.0.1:*/…`)."""
        origins = []
        for folder in self.storage_folders(sites):
            origin = (
                _firefox_origin(folder.name)
                if self.engine == "firefox"
                else _chromium_origin(folder.name)
            )
            if origin and origin not in origins:
                origins.append(origin)
        if self.engine == "chromium":
            for origin in _history_origins(self.chromium_profile / "History"):
                if sites.owns_host(urlsplit(origin).hostname or "") and origin not in origins:
                    origins.append(origin)
        return origins


def _history_origins(history: Path) -> list[str]:
    """The web origins in a Chromium history database, read from a copy (never the file the
    browser owns). Only origins are kept: the pages visited are not."""
    if not history.is_file():
        return []
    with tempfile.TemporaryDirectory(prefix="preflight-history-") as tmp:
        copy = Path(tmp) / "History"
        shutil.copyfile(history, copy)
        try:
            with contextlib.closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as db:
                rows = db.execute("SELECT url FROM urls").fetchall()
        except sqlite3.Error as error:
            logger.debug("cannot read the history database: {}", error)
            return []
    origins: dict[str, None] = {}
    for (url,) in rows:
        parts = urlsplit(str(url))
        host = parts.hostname  # without any user:password@
        if parts.scheme in ("http", "https") and host:
            host = f"[{host}]" if ":" in host else host
            origins[f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")] = None
    return list(origins)


def _firefox_cache_roots() -> list[tuple[Path, Path]]:
    home = Path.home()
    if sys.platform == "darwin":
        return [
            (
                home / "Library/Application Support/Firefox/Profiles",
                home / "Library/Caches/Firefox/Profiles",
            )
        ]
    if sys.platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA", home / "AppData/Roaming"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData/Local"))
        return [(appdata / "Mozilla/Firefox/Profiles", local / "Mozilla/Firefox/Profiles")]
    cache = Path(os.environ.get("XDG_CACHE_HOME", home / ".cache"))
    return [(home / ".mozilla/firefox", cache / "mozilla/firefox")]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


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


# --- A named profile: refuse what must not be touched, and leave no trace ------------------------


def profile_engine(path: str | Path) -> Literal["chromium", "firefox"] | None:
    """Which engine a profile folder belongs to, by the files each one writes."""
    folder = Path(path).expanduser()
    if (folder / "prefs.js").is_file() or (folder / "times.json").is_file():
        return "firefox"
    if (folder / "Local State").is_file() or (folder / "Default").is_dir():
        return "chromium"
    return "chromium" if _is_chromium_subprofile(folder) else None


def _is_chromium_subprofile(folder: Path) -> bool:
    return (folder / "Preferences").is_file() and (folder.parent / "Local State").is_file()


def open_profile(path: str | Path, engine: Literal["chromium", "firefox"]) -> ProfileDir:
    """The profile at `path`, if it is a closed profile of `engine`; ProfileError otherwise."""
    folder = Path(path).expanduser()
    where = "--profile"
    if not folder.is_dir():
        raise ProfileError(
            "no such folder",
            file=folder,
            where=where,
            expected="an existing browser profile folder",
        )
    name = "Default"
    if engine == "chromium" and _is_chromium_subprofile(folder):
        # `…/google-chrome/Profile 1`: the browser opens the user-data folder above it.
        folder, name = folder.parent, folder.name
    kind = profile_engine(folder)
    is_chromium, is_firefox = kind == "chromium", kind == "firefox"
    wanted = (
        "a Chromium/Chrome profile (with `Local State` or `Default/`)"
        if engine == "chromium"
        else ("a Firefox profile (with `prefs.js` or `times.json`)")
    )
    if (engine == "chromium" and not is_chromium) or (engine == "firefox" and not is_firefox):
        other = (
            " (this is a Firefox profile)"
            if is_firefox
            else " (this is a Chromium profile)"
            if is_chromium
            else ""
        )
        raise ProfileError(
            f"not a profile of the chosen browser{other}", file=folder, where=where, expected=wanted
        )
    holder = _lock_holder(folder, engine)
    if holder:
        raise ProfileError(
            f"the profile is in use ({holder})",
            file=folder,
            where=where,
            expected="the browser closed first",
        )
    return ProfileDir(path=folder, engine=engine, name=name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_holder(folder: Path, engine: str) -> str | None:
    """Who holds the profile, if a running browser does (stale locks are ignored)."""
    if sys.platform.startswith("win"):
        return _windows_lock_holder(folder, engine)
    if engine == "chromium":
        lock = folder / "SingletonLock"
        if not lock.is_symlink() and not lock.exists():
            return None
        target = os.readlink(lock) if lock.is_symlink() else ""
        host, _, pid = target.rpartition("-")  # "hostname-1234"
        if host and host != socket.gethostname():
            return f"SingletonLock held by {host}"
        if pid.isdigit() and not _pid_alive(int(pid)):
            return None
        return f"SingletonLock, process {pid or '?'}"
    lock = folder / "lock"
    if lock.is_symlink():
        target = os.readlink(lock)  # "127.0.0.1:+1234"
        pid = target.rpartition("+")[2]
        if pid.isdigit() and _pid_alive(int(pid)):
            return f"lock, process {pid}"
    parent = folder / ".parentlock"
    if parent.is_file():
        import fcntl  # POSIX only; Windows is handled above

        with parent.open("rb+") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return ".parentlock held"
            fcntl.lockf(handle, fcntl.LOCK_UN)
    return None


def _windows_lock_holder(folder: Path, engine: str) -> str | None:
    """A running browser keeps its lock file open without sharing: opening it fails."""
    lock = folder / ("lockfile" if engine == "chromium" else "parent.lock")
    if not lock.is_file():
        return None
    try:
        with lock.open("ab"):
            return None
    except PermissionError:
        return f"{lock.name} held"


# Files of a named profile that opening it through Playwright would change and that the user
# keeps: Firefox prefs (Playwright writes user.js and prefs.js.playwright), and the history
# the check's own page loads add. Bookmarks and passwords are not written; tests prove it.
_KEEP = {
    "firefox": (
        "user.js",
        "prefs.js",
        "prefs.js.playwright",
        "places.sqlite*",
        "favicons.sqlite*",
        "sessionstore.jsonlz4",
        "sessionstore-backups",
    ),
    "chromium": (
        "{profile}/History*",
        "{profile}/Favicons*",
        "{profile}/Top Sites*",
        "{profile}/Visited Links",
        "{profile}/Shortcuts*",
        "{profile}/Network Action Predictor*",
        "{profile}/Sessions",
    ),
}


@contextlib.contextmanager
def _profile_guard(profile: ProfileDir) -> Iterator[None]:
    """Put the kept files back byte for byte, and remove those that were not there."""
    patterns = [p.format(profile=glob.escape(profile.name)) for p in _KEEP[profile.engine]]
    backup = Path(tempfile.mkdtemp(prefix="preflight-keep-"))
    before: set[str] = set()
    try:
        for pattern in patterns:
            for source in profile.path.glob(pattern):
                rel = source.relative_to(profile.path)
                before.add(str(rel))
                target = backup / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir() and not source.is_symlink():
                    shutil.copytree(source, target, symlinks=True)
                else:
                    shutil.copy2(source, target, follow_symlinks=False)
        yield
    finally:
        for pattern in patterns:
            for now in profile.path.glob(pattern):
                if str(now.relative_to(profile.path)) not in before:
                    _remove(now)
        for kept in before:
            source, target = backup / kept, profile.path / kept
            _remove(target)
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target, follow_symlinks=False)
        shutil.rmtree(backup, ignore_errors=True)


# --- Results --------------------------------------------------------------------------------------


def _proof(state: PageState, lang: Lang) -> str:
    if state.account == "unreachable":
        return say(_M, "proof.unreachable", lang, error=state.error)
    if state.from_cache:
        return say(
            _M, "proof.cached", lang, count=len(state.from_cache), urls=", ".join(state.from_cache)
        )
    if state.from_network:
        return say(_M, "proof.network", lang, count=len(state.from_network))
    return say(_M, "proof.none", lang)


def _account(state: ProfileState, lang: Lang) -> str:
    if state.pages.account == "unreachable":
        return say(_M, "account.unreachable", lang, error=state.pages.error)
    return say(_M, f"account.{state.pages.account}", lang)


def _stored(state: ProfileState) -> list[str]:
    items = [f"{origin}: {item}" for origin, found in state.pages.storage.items() for item in found]
    return items + [f"{folder}/" for folder in state.storage_folders]


def _session_open(state: ProfileState) -> bool:
    return bool(state.login_cookies) or state.pages.account == "logged_in"


def _cache_ok(state: ProfileState) -> bool:
    return not state.pages.from_cache and not state.cache_entries


def fresh_results(state: ProfileState, lang: Lang) -> list[CheckResult]:
    """Results for a fresh profile: clean by construction, and verified."""
    origins = ", ".join(state.pages.storage) or "—"
    stored = _stored(state)
    warn_if_unverified: Status = "warn" if state.pages.account == "unreachable" else "pass"
    return [
        CheckResult(
            id="cache",
            status="fail" if not _cache_ok(state) else warn_if_unverified,
            message=say(_M, "fresh.cache", lang, proof=_proof(state.pages, lang)),
        ),
        CheckResult(
            id="cookies",
            status="pass" if state.cookies == 0 else "fail",
            message=say(_M, "fresh.cookies", lang)
            if state.cookies == 0
            else say(_M, "cookies.fail", lang, after=state.cookies, scope=""),
        ),
        CheckResult(
            id="storage",
            status="pass" if not stored else "fail",
            message=say(_M, "fresh.storage", lang, origins=origins)
            if not stored
            else say(_M, "storage.fail", lang, found="; ".join(stored)),
        ),
        CheckResult(
            id="sfr_session",
            status="fail" if _session_open(state) else warn_if_unverified,
            message=say(_M, "fresh.session", lang, proof=_account(state, lang)),
        ),
    ]


def profile_results(
    before: ProfileState, after: ProfileState, lang: Lang, *, only_order_sites: bool
) -> list[CheckResult]:
    """Results for a named profile: what was found, what was removed, what is verified now."""
    scope = say(_M, "scope.order" if only_order_sites else "scope.all", lang)

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
        say(_M, "cache.fixed", lang, found=found_cache, proof=proof),
        say(_M, "cache.pass", lang, proof=proof),
        say(_M, "cache.fail", lang, proof=proof),
    )
    cookies = result(
        "cookies",
        before.cookies > 0,
        after.cookies == 0,
        say(_M, "cookies.fixed", lang, before=before.cookies, scope=scope).replace("  ", " "),
        say(_M, "cookies.pass", lang, scope=scope).replace("  ", " "),
        say(_M, "cookies.fail", lang, after=after.cookies, scope=scope).replace("  ", " "),
    )
    origins = ", ".join(after.pages.storage) or "—"
    stored_before, stored_after = _stored(before), _stored(after)
    storage = result(
        "storage",
        bool(stored_before),
        not stored_after,
        say(_M, "storage.fixed", lang, found="; ".join(stored_before), origins=origins),
        say(_M, "storage.pass", lang, origins=origins),
        say(_M, "storage.fail", lang, found="; ".join(stored_after)),
    )
    account = _account(after, lang)
    found_session = ", ".join(
        [
            *(f"cookie {name}" for name in before.login_cookies),
            *(["logged in"] if before.pages.account == "logged_in" else []),
        ]
    )
    session = result(
        "sfr_session",
        _session_open(before),
        not _session_open(after),
        say(_M, "session.fixed", lang, found=found_session, proof=account),
        say(_M, "session.pass", lang, proof=account),
        say(_M, "session.fail", lang, proof=account),
    )
    if after.pages.account == "unreachable":
        # Nothing left to see, but the page that proves it could not be loaded: not a pass.
        cache, session = (_unproven(r) for r in (cache, session))
    return [cache, cookies, storage, session]


def _unproven(result: CheckResult) -> CheckResult:
    return result if result.status == "fail" else result.model_copy(update={"status": "warn"})


def verdict_of(checks: Sequence[CheckResult]) -> Verdict:
    return "not_ready" if any(c.status == "fail" for c in checks) else "ready"


# --- Running them ---------------------------------------------------------------------------------


def check_user_agent(user_agent: str, rules: Rules, lang: Lang) -> list[CheckResult]:
    """R1 from a user-agent string; R2/R3 cannot be checked on a browser that is not driven."""
    if not user_agent.strip():
        raise UsageError("--user-agent: empty — expected the browser's user-agent string")
    identity = identify_user_agent(user_agent)
    results = [
        check_browser_family(identity, rules, lang),
        check_browser_version(identity, rules, lang),
    ]
    for check, what in (
        ("cache", "ua.cache"),
        ("cookies", "ua.cookies"),
        ("sfr_session", "ua.session"),
    ):
        message = say(_M, "ua.manual", lang, what=say(_M, what, lang))
        results.append(CheckResult(id=check, status="warn", message=message))
    return results


def run_checks(
    rules: Rules,
    *,
    browser: str = "auto",
    executable: str | Path | None = None,
    profile: str | Path | None = None,
    only_order_sites: bool = False,
    user_agent: str | None = None,
    lang: Lang = "en",
    manual: ManualAnswers | None = None,
    installed: list[InstalledBrowser] | None = None,
    headless: bool = True,
    playwright: Playwright | None = None,
) -> CheckReport:
    """Run every pre-order check and say whether the browser is ready for the order.

    `playwright`: a running Playwright to launch the browser with (a test's, say); without it,
    one is started and stopped here.
    """
    if user_agent is not None and profile is not None:
        raise UsageError(
            "--user-agent and --profile: choose one — a user agent names a browser "
            "preflight does not drive, so it has no profile to clean"
        )
    if only_order_sites and profile is None:
        raise UsageError("--only-order-sites needs --profile DIR — a fresh profile has no data")
    manual_results = manual_checks(manual, lang)
    if user_agent is not None:
        results = check_user_agent(user_agent, rules, lang)
        identity = identify_user_agent(user_agent)
        info = BrowserInfo(
            family=identity.family, version=identity.version, executable=None, driver="user-agent"
        )
        checks = results + manual_results
        return CheckReport(verdict=verdict_of(checks), browser=info, checks=checks)

    if profile is not None and browser == "auto" and executable is None:
        browser = profile_engine(profile) or browser  # the browser that made the profile
    warm_up()  # the user-agent parser's start overlaps the browser's
    chosen = choose(browser, executable=executable, installed=installed)
    if chosen.engine is None or not chosen.drivable:
        raise BrowserError(f"{chosen.family} cannot be driven: use --user-agent to check it")
    sites = order_sites(rules)
    if profile is None:
        identity, checks = _check_fresh(chosen, rules, sites, lang, headless, playwright)
    else:
        folder = open_profile(profile, chosen.engine)
        identity, checks = _check_profile(
            chosen, folder, rules, sites, lang, only_order_sites, headless, playwright
        )
    r1 = [
        check_browser_family(identity, rules, lang),
        check_browser_version(identity, rules, lang),
    ]
    all_checks = r1 + checks + manual_results
    info = BrowserInfo(
        family=identity.family,
        version=identity.version,
        executable=chosen.executable,
        driver=chosen.driver,
    )
    return CheckReport(verdict=verdict_of(all_checks), browser=info, checks=all_checks)


def _open_browser(playwright: Any, spec: LaunchSpec, headless: bool) -> Browser:
    return cast("Browser", launch(playwright, spec, headless=headless))


def _open_profile(
    playwright: Any, spec: LaunchSpec, folder: Path, headless: bool
) -> BrowserContext:
    return cast("BrowserContext", launch(playwright, spec, headless=headless, user_data_dir=folder))


def _with_playwright(work: Callable[[Any], Any], playwright: Playwright | None) -> Any:
    if playwright is not None:
        return work(playwright)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        return work(started)


def _check_fresh(
    chosen: InstalledBrowser,
    rules: Rules,
    sites: OrderSites,
    lang: Lang,
    headless: bool,
    playwright: Playwright | None,
) -> tuple[BrowserIdentity, list[CheckResult]]:
    spec = spec_for(chosen)

    def work(playwright: Any) -> tuple[BrowserIdentity, list[CheckResult]]:
        driven = _open_browser(playwright, spec, headless)
        try:
            context = driven.new_context()
            page = context.new_page()
            identity = identify_fresh(driven, page, spec.engine, sites)
            state = inspect_context(
                context, sites, rules, only_order_sites=False, origins=sites.origins, page=page
            )
            context.close()
        finally:
            driven.close()
        return identity, fresh_results(state, lang)

    return _with_playwright(work, playwright)  # type: ignore[no-any-return]


def identify_fresh(driven: Browser, page: Page, engine: str, sites: OrderSites) -> BrowserIdentity:
    """The identity of a freshly launched browser, asked on the first https order site's
    storage page when there is one (a secure context, and one page load fewer: the storage
    check finds the page already there)."""
    secure = next((o for o in sites.origins if o.startswith("https://")), None)
    if secure is None:
        return identify_running(driven, page, engine)
    page.route(_PROBE_GLOB, _fulfil_probe)
    try:
        page.goto(secure + _PROBE_PATH)
        return identify_running(driven, page, engine, at=page.url)
    finally:
        page.unroute(_PROBE_GLOB, _fulfil_probe)


def _check_profile(
    chosen: InstalledBrowser,
    folder: ProfileDir,
    rules: Rules,
    sites: OrderSites,
    lang: Lang,
    only_order_sites: bool,
    headless: bool,
    playwright: Playwright | None,
) -> tuple[BrowserIdentity, list[CheckResult]]:
    spec = spec_for(chosen)
    spec = dataclasses.replace(spec, args=[*spec.args, *folder.launch_args()])
    origins = list(dict.fromkeys([*sites.origins, *folder.stored_origins(sites)]))

    def stored_on_disk() -> list[str]:
        # Chromium's storage folders exist in every used profile: its evidence is the pages'.
        if folder.engine == "chromium":
            return []
        chosen_sites = sites if only_order_sites else None
        return [str(f.relative_to(folder.path)) for f in folder.storage_folders(chosen_sites)]

    def sweep(context: BrowserContext) -> None:
        _clear_cookies(context, sites, only_order_sites=only_order_sites)
        if folder.engine == "chromium":
            _clear_live_chromium(context, origins)

    def work(playwright: Any) -> tuple[BrowserIdentity, list[CheckResult]]:
        # Cache entries on disk are counted before the browser opens and adds its own.
        cache_before = folder.cache_entries()
        storage_before = stored_on_disk()
        context = _open_profile(playwright, spec, folder.path, headless)
        try:
            page = context.new_page()
            identity = identify_running(context.browser, page, spec.engine)
            page.close()
            before = inspect_context(
                context,
                sites,
                rules,
                only_order_sites=only_order_sites,
                origins=origins,
            )
            sweep(context)
        finally:
            context.close()
        before.cache_entries, before.storage_folders = cache_before, storage_before
        clean_offline(folder, sites, only_order_sites=only_order_sites)
        context = _open_profile(playwright, spec, folder.path, headless)
        try:
            after = inspect_context(
                context,
                sites,
                rules,
                only_order_sites=only_order_sites,
                origins=origins,
            )
            # The verification itself loaded the account page: sweep what it left.
            sweep(context)
        finally:
            context.close()
        clean_offline(folder, sites, only_order_sites=only_order_sites)
        after.cache_entries = None  # the verification's own load refilled it; proven by the fetch
        after.storage_folders = []
        return identity, profile_results(before, after, lang, only_order_sites=only_order_sites)

    with _profile_guard(folder):
        identity, results = _with_playwright(work, playwright)
    return identity, results
