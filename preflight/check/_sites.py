"""Where the order sites are (from the rules), and the empty probe page preflight serves on
them to read a page in a secure context before any site script runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from preflight.rules import Rules

if TYPE_CHECKING:
    from playwright.sync_api import Route


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


_PROBE_PATH = "/__preflight__/probe"
_PROBE_GLOB = "**" + _PROBE_PATH


def _fulfil_probe(route: Route) -> None:
    route.fulfill(body="<!doctype html><title>probe</title>", content_type="text/html")
