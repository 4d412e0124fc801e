"""R1: the browser's family and version, asked of the running browser or read from a user agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.check._model import CheckResult
from preflight.check._sites import _PROBE_GLOB, _PROBE_PATH, OrderSites, _fulfil_probe
from preflight.i18n import Lang, say
from preflight.rules import Rules
from preflight.useragent import BrowserIdentity, family_from_brands, identify_user_agent

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


# --- R1: browser family and version --------------------------------------------------------


def check_browser_family(identity: BrowserIdentity, rules: Rules, lang: Lang) -> CheckResult:
    """Chrome and Firefox pass, Chromium passes with a note; iOS, Safari and others fail."""
    allowed = set(rules.browser.allowed)
    name = identity.name.removesuffix(" iOS")  # "Chrome Mobile iOS" → "Chrome Mobile … on iOS"
    if identity.ios:
        return CheckResult(
            id="browser_family", status="fail", message=say("check.family.ios", lang, name=name)
        )
    if identity.family == "chromium" and allowed & {"chromium", "chrome"}:
        return CheckResult(
            id="browser_family", status="pass", message=say("check.family.chromium", lang)
        )
    if identity.family in allowed:
        return CheckResult(
            id="browser_family", status="pass", message=say("check.family.pass", lang, name=name)
        )
    key = "check.family.safari" if identity.family == "safari" else "check.family.other"
    message = say(key, lang, name=name, merchant=rules.shop.merchant_name)
    return CheckResult(id="browser_family", status="fail", message=message)


def check_browser_version(identity: BrowserIdentity, rules: Rules, lang: Lang) -> CheckResult:
    """Older than the rules' minimum warns; a Firefox ESR still maintained is current."""
    version = identity.version or "?"
    family = identity.family
    if identity.ios or (family not in rules.browser.allowed and family != "chromium"):
        return CheckResult(
            id="browser_version",
            status="warn",
            message=say("check.version.na", lang, version=version),
        )
    major = identity.major
    if major is None:
        return CheckResult(
            id="browser_version", status="warn", message=say("check.version.unknown", lang)
        )
    # The user agent carries no ESR marker: a maintained ESR major counts as current
    # (browser-update/browser-update#561).
    # An ESR that Mozilla no longer maintains is outdated like any other version.
    if family == "firefox" and major in rules.browser.firefox_esr_majors:
        message = say("check.version.esr", lang, version=version, major=major)
        return CheckResult(id="browser_version", status="pass", message=message)
    minimum = rules.browser.min_major.get(family)
    if minimum is None and family == "chromium":
        minimum = rules.browser.min_major.get("chrome")
    if minimum is not None and major < minimum:
        message = say("check.version.old", lang, version=version, minimum=minimum)
        return CheckResult(id="browser_version", status="warn", message=message)
    return CheckResult(
        id="browser_version",
        status="pass",
        message=say("check.version.pass", lang, version=version),
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
