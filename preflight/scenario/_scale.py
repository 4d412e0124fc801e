"""Scale past one machine (issue #6): the shards of a suite, dealt the same on every CI
machine, and browsers of a remote Playwright server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from preflight._playwright import playwright_error
from preflight.errors import BrowserError, UsageError
from preflight.scenario._model import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserType

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str, *, option: str = "--shard") -> tuple[int, int]:
    """`"K/N"` as `(K, N)` with 1 ≤ K ≤ N; a `UsageError` naming `option` otherwise."""
    match = _SHARD.match(text)
    if match:
        k, n = int(match.group(1)), int(match.group(2))
        if 1 <= k <= n:
            return k, n
    raise UsageError(f"{option} {text!r}: expected K/N with 1 ≤ K ≤ N, e.g. 1/2 and 2/2")


def in_shard(ids: Iterable[str], shard: tuple[int, int]) -> set[str]:
    """The ids that shard K of N runs: the sorted, distinct ids dealt round-robin.

    Every CI machine computes the same deal from the same suite (no shared state), the N shards
    are disjoint and cover the suite, and their sizes differ by at most one.
    """
    k, n = shard
    return {key for i, key in enumerate(sorted(set(ids))) if i % n == k - 1}


def shard_scenarios(scenarios: Sequence[Scenario], shard: tuple[int, int]) -> list[Scenario]:
    """The scenarios of shard K of N (by file and name), in their original order."""

    def key(scenario: Scenario) -> str:
        return f"{scenario.file}::{scenario.name}"

    kept = in_shard((key(s) for s in scenarios), shard)
    return [s for s in scenarios if key(s) in kept]


def connect_browser(
    browser_type: BrowserType, ws_endpoint: str, launch_kwargs: Mapping[str, Any]
) -> Browser:
    """A browser of a remote Playwright server (`playwright launch-server`, or `run-server`).

    The launch options travel in the header pytest-playwright uses: a `launch-server` ignores
    them (it launched its own browser), a `run-server` launches with them (only with
    `--unsafe` for an executable path or arguments; otherwise its own Playwright builds).
    """
    headers = {"x-playwright-launch-options": json.dumps(dict(launch_kwargs))}
    try:
        return browser_type.connect(ws_endpoint, headers=headers, timeout=60_000)
    except playwright_error() as error:
        first = (str(error).strip().splitlines() or [repr(error)])[0]
        raise BrowserError(
            f"cannot use the remote browser at {ws_endpoint}: {first} — expected the ws:// "
            "endpoint of a Playwright server (playwright launch-server / run-server) "
            f"serving {browser_type.name}"
        ) from None
