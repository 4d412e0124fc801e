"""A browser preflight can drive, on a seller's computer (`preflight setup`).

The installed Chrome or Firefox is used when there is one (`choose("auto")`: Chrome, then
Firefox, then Chromium — the same pick as `preflight check` and `preflight order`). Only when
none is found is Playwright's own Chromium downloaded (`python -m playwright install
chromium`): one browser is enough for an order, and it is the smallest download that
`preflight check` accepts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from preflight.browsers import InstalledBrowser, choose, discover
from preflight.errors import BrowserInstallFailed, BrowserNotFound

# What Playwright downloads when no browser is found.
PLAYWRIGHT_ENGINES: tuple[str, ...] = ("chromium",)
# A slow connection downloads ~170 MB in minutes; a dead one fails in seconds (DNS, refused).
INSTALL_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Readiness:
    """What `ensure_browser` found or did."""

    browser: InstalledBrowser  # the one the orders will use
    others: list[InstalledBrowser]  # the other drivable browsers found
    installed: tuple[str, ...] = ()  # what Playwright downloaded now; () when nothing was
    default: str = "unknown"  # the system's default browser family


def ensure_browser(
    *,
    env: Mapping[str, str] | None = None,
    root: Path | None = None,
    on_install: Callable[[tuple[str, ...]], None] | None = None,
    timeout: float = INSTALL_TIMEOUT,
) -> Readiness:
    """The browser the orders will use; Playwright's Chromium downloaded first if none is found.

    `env` and `root` are `discover()`'s (tests: a machine with no browser). `on_install` is
    told before a download starts, which may take minutes. Raises `BrowserInstallFailed` when
    the download fails.
    """
    env = os.environ if env is None else env
    try:
        return _ready(env, root)
    except BrowserNotFound:
        pass
    if on_install is not None:
        on_install(PLAYWRIGHT_ENGINES)
    install_playwright_browsers(PLAYWRIGHT_ENGINES, env=env, timeout=timeout)
    try:
        ready = _ready(env, root)
    except BrowserNotFound as error:
        raise BrowserInstallFailed(
            "Playwright's browser was installed but cannot be found", cause=str(error)
        ) from error
    return Readiness(ready.browser, ready.others, PLAYWRIGHT_ENGINES, ready.default)


def _ready(env: Mapping[str, str], root: Path | None) -> Readiness:
    found = discover(env=env, root=root)
    chosen = choose("auto", installed=found)
    others = [b for b in found if b.drivable and b != chosen]
    default = next((b.family for b in found if b.default), "unknown")
    return Readiness(chosen, others, (), default)


def install_playwright_browsers(
    engines: tuple[str, ...], *, env: Mapping[str, str], timeout: float = INSTALL_TIMEOUT
) -> None:
    """`python -m playwright install ENGINES`, with this Python (the one preflight runs in)."""
    command = [sys.executable, "-m", "playwright", "install", *engines]
    logger.info("running {}", " ".join(command))
    try:
        done = subprocess.run(
            command,
            env=dict(env),
            # One stream, in the order written: the first error is the cause.
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BrowserInstallFailed(
            "the browser download did not finish", cause=f"stopped after {timeout:.0f} s"
        ) from error
    except OSError as error:
        raise BrowserInstallFailed("cannot run Playwright's installer", cause=str(error)) from error
    logger.debug("playwright install said: {}", done.stdout)
    if done.returncode != 0:
        raise BrowserInstallFailed("the browser download failed", cause=failure_reason(done.stdout))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failure_reason(output: str) -> str:
    """The one line of Playwright's installer output that says why (its first `Error:`).

    Playwright prints a stack trace per attempt, three attempts, then a summary; the first
    error names the cause ("getaddrinfo ENOTFOUND cdn.playwright.dev")."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    for line in lines:
        if line.startswith("Error:"):
            return line.removeprefix("Error:").strip()[:300]
    last = next((line for line in reversed(lines) if line), "")
    return last[:300] or "no reason given"
