"""Tell which browser a user-agent string (or a running browser's brands) belongs to.

Used by R1 for a browser preflight cannot drive (`preflight check --user-agent UA`: the
customer's Safari, a phone) and to name the family of a driven Chromium-engine browser, whose
user agent says "Chrome" for Chrome, Chromium and Edge alike (the brands tell them apart).

Parsing is ua-parser's (`ua_parser.parse`), the maintained port of the uap-core regexes; this
module only maps its family names onto the families the rules speak of.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

import ua_parser
from pydantic import BaseModel

from preflight.families import Family

# ua-parser's user-agent families, as the rules' families. Anything else is "other".
_FAMILY_OF: dict[str, Family] = {
    "Chrome": "chrome",
    "Chrome Mobile": "chrome",
    "Chrome Mobile WebView": "other",  # an app's embedded view, not the Chrome browser
    "HeadlessChrome": "chrome",
    "Chromium": "chromium",
    "Firefox": "firefox",
    "Firefox Mobile": "firefox",
    "Firefox Beta": "firefox",
    "Firefox Alpha": "firefox",
    "Firefox Nightly": "firefox",
    "Firefox ESR": "firefox",
    "Chrome Mobile iOS": "chrome",  # CriOS: WebKit underneath (`ios`)
    "Firefox iOS": "firefox",  # FxiOS: WebKit underneath (`ios`)
    "Edge": "edge",
    "Edge Mobile": "edge",
    "Safari": "safari",
    "Mobile Safari": "safari",
    "Mobile Safari UI/WKWebView": "safari",
    "Opera": "opera",
    "Opera Mobile": "opera",
    "Opera Mini": "opera",
    "Opera GX": "opera",
    "Samsung Internet": "samsung",
}
# Every browser on iOS/iPadOS is Safari's engine (WebKit) under another name.
_IOS_NAMES = ("iOS", "iPadOS")
_IOS_MARKERS = re.compile(r"\b(CriOS|FxiOS|EdgiOS|OPiOS)/|\((iPhone|iPad|iPod)\b")


class BrowserIdentity(BaseModel):
    """What a user agent (or a running browser) says it is."""

    family: Family
    name: str  # as the parser or the browser names itself, e.g. "Chrome Mobile iOS"
    version: str | None = None
    major: int | None = None
    os: str | None = None
    ios: bool = False  # on iOS/iPadOS: WebKit underneath, whatever the name
    headless: bool = False


def warm_up() -> threading.Thread:
    """Build the parser in the background: its first use compiles every pattern it knows (a
    few hundred milliseconds), which the check overlaps with the browser's start."""
    thread = threading.Thread(target=ua_parser.parse, args=("",), name="ua-parser", daemon=True)
    thread.start()
    return thread


def identify_user_agent(user_agent: str) -> BrowserIdentity:
    """Parse a user-agent string. An unknown string gives family `other`."""
    # A non-UTF-8 command line reaches Python as lone surrogates, which the parser cannot
    # encode: they become "?".
    user_agent = user_agent.encode("utf-8", "replace").decode("utf-8")
    result = ua_parser.parse(user_agent)
    agent = result.user_agent
    os_name = result.os.family if result.os else None
    ios = (os_name in _IOS_NAMES) or bool(_IOS_MARKERS.search(user_agent))
    if agent is None:
        return BrowserIdentity(family="other", name="unknown", os=os_name, ios=ios)
    name = agent.family
    family = _FAMILY_OF.get(name, "other")
    version = ".".join(p for p in (agent.major, agent.minor, agent.patch, agent.patch_minor) if p)
    return BrowserIdentity(
        family=family,
        name=name,
        version=version or None,
        major=int(agent.major) if agent.major and agent.major.isdigit() else None,
        os=os_name,
        ios=ios,
        headless=name.startswith("Headless") or "Headless" in user_agent,
    )


# Brand names a Chromium-engine browser puts in `navigator.userAgentData.brands`.
_BRANDS: tuple[tuple[str, Family], ...] = (
    ("Google Chrome", "chrome"),
    ("Microsoft Edge", "edge"),
    ("Opera", "opera"),
    ("Samsung Internet", "samsung"),
)


def family_from_brands(brands: Iterable[Mapping[str, str]]) -> Family:
    """The family a Chromium-engine browser announces in its brands.

    Chrome lists "Google Chrome", Edge "Microsoft Edge"; a plain Chromium build (Debian's,
    Playwright's) lists only "Chromium" beside a GREASE brand like "Not:A-Brand".
    """
    names = {str(b.get("brand", "")) for b in brands}
    for brand, family in _BRANDS:
        if any(name.startswith(brand) for name in names):
            return family
    return "chromium" if "Chromium" in names else "other"
