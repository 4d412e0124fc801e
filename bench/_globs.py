"""Figure `globs`: one long URL matched against every glob of the default rules, as the watcher
does on each navigation — the old regex matcher (a `.*` per star, quadratic here) against the
segment-wise one (issue 13). No browser: the matching is the whole of it."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable

from bench._stats import Figure, Summary, timed
from preflight.globs import url_matches
from preflight.rules import load_rules

URL_BYTES = 100_000


def _old_match(url: str, globs: list[str]) -> bool:
    """The matcher before issue 13, kept here as the baseline."""
    for glob in globs:
        parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
        if re.compile("".join(parts)).fullmatch(url):
            return True
    return False


def measure(repeats: int = 3) -> list[Figure]:
    rules = load_rules("default")
    groups = [
        rules.order.entry,
        rules.order.merchant,
        rules.order.payment,
        rules.order.confirmation,
        rules.customer_service.urls,
    ]
    # A return URL wrapped again at each redirect, on the merchant's site, no payment in it:
    # every `.sfr.fr/` in it is one more place the old regex restarts its `.*paiement` scan.
    hop = "https%3A//www.sfr.fr/r?next="

    def long_url(size: int) -> str:
        return ("https://www.sfr.fr/r?next=" + hop * (size // len(hop) + 1))[:size]

    url, twice = long_url(URL_BYTES), long_url(2 * URL_BYTES)

    def every_group(match: Callable[[str, list[str]], bool], target: str = url) -> None:
        for globs in groups:
            match(target, globs)

    before = [timed(lambda: every_group(_old_match)) for _ in range(repeats)]
    after = [timed(lambda: every_group(url_matches)) for _ in range(max(repeats, 20))]
    doubled = [timed(lambda: every_group(url_matches, twice)) for _ in range(max(repeats, 20))]
    ratio = statistics.median(before) / statistics.median(after)
    # Linear: twice the URL, about twice the time (a quadratic matcher would take four times).
    growth = statistics.median(doubled) / statistics.median(after)
    count = sum(len(g) for g in groups)
    return [
        Figure(
            id="globs_before",
            browser="-",
            title=f"{URL_BYTES // 1000} KB URL against the default rules' {count} globs, old regex",
            unit="µs",
            value=Summary.of([s * 1e6 for s in before]),
            repeats=len(before),
        ),
        Figure(
            id="globs_after",
            browser="-",
            title=f"{URL_BYTES // 1000} KB URL against the default rules' {count} globs, segments",
            unit="µs",
            value=Summary.of([s * 1e6 for s in after]),
            target="linear in the URL: a URL twice as long takes < 3× the time",
            met=growth < 3,
            note=f"{ratio:.0f}× faster than the old regex; twice the URL: {growth:.1f}× the time",
            repeats=len(after),
        ),
    ]
