"""What a report may keep: URLs without other people's query values, and masked screenshots.

The watcher never records typed values, but a GET form puts whatever was typed into the URL
(`?nom=Dupont&iban=FR76…`). So every URL that reaches a report keeps the values of a few
named parameters only (the ACN session marker, the step token, the shop mode) and every other
value becomes `***`. Fragments shaped like a query (`#nom=…`) get the same treatment; fragments
that are routes (`#/coordonnees`) stay. A password in the URL's user-info is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from preflight.watch.events import Event

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from preflight.rules import Rules

HIDDEN = "***"
# `acn`: the ACN session marker of the demo shop; `t`: its one-time step token; `mode`: its
# multi-page or single-page switch. None of them can hold what a customer typed.
ALWAYS_ALLOWED = frozenset({"t", "acn", "mode"})


def allowed_params(rules: Rules | None) -> frozenset[str]:
    """The query parameters whose values a report keeps: the fixed few plus the rules' marker."""
    extra = {rules.order.session_param} if rules and rules.order.session_param else set()
    return ALWAYS_ALLOWED | extra


def redact_url(url: str, allowed: Iterable[str] = ALWAYS_ALLOWED) -> str:
    """`url` with every query value not in `allowed` replaced by `***` (names stay)."""
    if "?" not in url and "#" not in url and "@" not in url:
        return url  # the common case, and not-URL strings such as "about:blank"
    keep = frozenset(allowed)
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN  # not parseable: keeping it could keep anything
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{HIDDEN if user else ''}@{host}" if userinfo else host
    query = _redact_pairs(parts.query, keep)
    fragment = parts.fragment
    if "=" in fragment or "&" in fragment:
        route, mark, rest = fragment.rpartition("?")
        fragment = (
            f"{route}{mark}{_redact_pairs(rest, keep)}" if mark else _redact_pairs(rest, keep)
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _redact_pairs(query: str, keep: frozenset[str]) -> str:
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        if unquote_plus(name) in keep:
            pairs.append(pair)
        elif equals:
            pairs.append(f"{name}={HIDDEN}")
        elif pair:
            # A bare word (`?jean.dupont@example.fr`) may itself be the typed value.
            pairs.append(HIDDEN)
        else:
            pairs.append(pair)
    return "&".join(pairs)


def _looks_like_url(value: str) -> bool:
    return "://" in value or value.startswith(("/", "about:", "data:", "blob:", "tel:", "mailto:"))


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")


def redact_text(text: str, allowed: Iterable[str] = ALWAYS_ALLOWED) -> str:
    """`text` with every URL in it redacted (messages may quote the page they happened on)."""
    if _looks_like_url(text) and not any(c.isspace() for c in text):
        return redact_url(text, allowed)
    if "://" not in text:
        return text
    keep = frozenset(allowed)
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0), keep), text)


def redact_event(event: Event, allowed: Iterable[str] = ALWAYS_ALLOWED) -> Event:
    """A copy of `event` whose URL, and every URL in its detail values, is redacted."""
    keep = frozenset(allowed)
    detail = {key: redact_text(value, keep) for key, value in event.detail.items()}
    url = redact_url(event.url, keep)
    if url == event.url and detail == event.detail:
        return event
    return event.model_copy(update={"url": url, "detail": detail})


def mask_locators(page: Page, selectors: Iterable[str]) -> list[Locator]:
    """One locator per selector in every frame of `page` (payment fields often live in iframes)."""
    wanted = list(dict.fromkeys(selectors))
    return [frame.locator(selector) for frame in page.frames for selector in wanted]


def screenshot_masks(rules: Rules, *, for_support: bool = False) -> list[str]:
    """Selectors to mask: bank details always, personal fields too.

    In the support bundle's screenshot the fields the help desk asks for — the service address
    and the daytime phone (`rules.privacy.address` / `.phone`) — stay visible; every other
    personal field (name, email…) is still masked: the help desk gets what it needs, no more.
    """
    visible = {rules.privacy.address, rules.privacy.phone} if for_support else set()
    personal = [selector for selector in rules.privacy.personal if selector not in visible]
    return list(rules.privacy.sensitive) + personal
