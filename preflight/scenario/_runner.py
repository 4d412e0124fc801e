"""What a run of scenarios needs before its first browser: the browsers asked for, the shop
and rules (the demo shop's when no base URL is given), a reachable base URL, placeholders and
`goto`s checked. `preflight replay` runs on the pytest plugin (`_pytest_run`).

The worker processes below (one Playwright and one browser per engine per worker, each cell
in a fresh context) are only `preflight matrix -j`'s now, until the matrix runs on the plugin
too (#26 item 1, its second part).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from loguru import logger

from preflight._playwright import playwright_error
from preflight.browsers import choose, discover, spec_for
from preflight.errors import BrowserError, UsageError
from preflight.i18n import Lang
from preflight.rules import Rules, load_rules
from preflight.scenario._gotos import check_gotos
from preflight.scenario._loader import fill_placeholders
from preflight.scenario._model import Scenario
from preflight.scenario._results import ScenarioResult, not_replayed

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

ENGINES = ("chromium", "firefox")


@dataclass(frozen=True)
class RunSettings:
    """Everything a worker needs to replay one scenario (picklable)."""

    rules: Rules
    base_url: str
    variables: dict[str, str]
    report: Path | None = None
    artifacts: Path | None = None
    headed: bool = False
    bfcache: bool = False
    step_timeout_s: float = 10.0
    connect: str | None = None  # a remote Playwright server's ws:// endpoint (issue #6)
    allow_local_files: bool = False  # `goto` to file: and browser pages (issue 13)
    lang: Lang = "fr"  # of the reports written (`--report`)


@dataclass
class _Browsers:
    """One worker's Playwright and browsers, launched on first use."""

    headed: bool
    bfcache: bool
    connect: str | None = None
    playwright: Playwright | None = None
    browsers: dict[str, Browser] = field(default_factory=dict)

    def get(self, name: str) -> Browser:
        if name not in self.browsers:
            from playwright.sync_api import sync_playwright

            from preflight.browsers import launch

            if self.playwright is None:
                self.playwright = sync_playwright().start()
            spec = spec_for(choose(name), bfcache=self.bfcache, frame_input=True)
            if self.connect:
                from preflight.scenario._scale import connect_browser

                browser_type = getattr(self.playwright, spec.engine)
                kwargs = spec.launch_kwargs(headless=not self.headed)
                self.browsers[name] = connect_browser(browser_type, self.connect, kwargs)
            else:
                browser = launch(self.playwright, spec, headless=not self.headed)
                self.browsers[name] = browser  # type: ignore[assignment]
        return self.browsers[name]

    def close(self) -> None:
        for browser in self.browsers.values():
            try:
                browser.close()
            except playwright_error() as error:  # already gone
                logger.debug("closing a browser: {}", error)
        self.browsers.clear()
        if self.playwright is not None:
            self.playwright.stop()
            self.playwright = None


def asked_browsers(raw: str) -> list[str]:
    """`chromium, firefox` → the names as written (`auto` stays `auto`), none looked for."""
    return [name.strip() for name in raw.split(",") if name.strip()]


def browser_names(raw: str) -> list[str]:
    """`chromium,firefox` → the names; `auto` → every engine installed here."""
    names = asked_browsers(raw)
    if names == ["auto"]:
        found = {b.engine for b in discover() if b.drivable}
        names = [engine for engine in ENGINES if engine in found]
        if not names:
            raise BrowserError("no Chromium or Firefox found — run `preflight browsers`")
        return names
    for name in names:
        choose(name)  # a clear error now, not in a worker later
    if not names:
        raise UsageError("--browser: expected a list like chromium,firefox")
    return names


def _broken(scenario: Scenario, browser: str, message: str, started: float) -> ScenarioResult:
    return not_replayed(scenario, browser, message, time.monotonic() - started)


# --- worker processes --------------------------------------------------------------------------

_WORKER: _Browsers | None = None


def _die_with_parent(parent: int) -> None:
    """A worker ends when the `preflight replay` that started it does, however that ends.

    Issue 13: after a SIGKILL of the parent, workers stayed blocked on the pool's pipe, whose
    write end they hold themselves, and kept their Playwright drivers and browsers alive. Linux
    sends PR_SET_PDEATHSIG's signal when the parent dies; SIGTERM's default action ends the
    worker at once, and its Playwright driver, seeing its stdin close, closes the browsers it
    launched. Elsewhere the parent's own clean-up (below) is what there is."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above: nobody to wait for
        os._exit(1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl+C reaches the whole process group: the parent decides and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_init(
    headed: bool, bfcache: bool, connect: str | None = None, parent: int | None = None
) -> None:
    global _WORKER
    if parent is not None:
        _die_with_parent(parent)
    _WORKER = _Browsers(headed=headed, bfcache=bfcache, connect=connect)
    atexit.register(_WORKER.close)


def rules_default(base_url: str | None) -> str:
    """The builtin rules of a run that names none: the demo shop's when it is the demo shop."""
    return "demo" if base_url is None else "default"


@contextmanager
def demo_or_given(
    base_url: str | None,
    rules_source: str | None,
    variables: Mapping[str, str],
) -> Iterator[tuple[str, Rules, dict[str, str]]]:
    """The base URL, rules and variables of a run: the demo shop's when no base URL is given."""
    values = dict(variables)
    if base_url is None:
        from preflight.demo_shop import DemoShop

        with DemoShop(port=0) as shop:
            # BASE_URL is the base URL, in the rules as in the scenarios (as under pytest).
            values = {"BASE_URL": shop.acn_url, "MERCHANT": shop.sfr_url, **values}
            values = {"DEMO_PORT": str(shop.port), **values}
            rules = load_rules(rules_source or rules_default(base_url), variables=values)
            yield shop.acn_url, rules, values
        return
    values = {"BASE_URL": base_url.rstrip("/"), **values}
    rules = load_rules(rules_source or rules_default(base_url), variables=values)
    yield base_url, rules, {**rules.vars, **values}


def ensure_reachable(base_url: str, timeout_s: float = 10.0) -> None:
    """Refuse a base URL whose host does not resolve or whose port refuses connections.

    For the CLI, before any browser starts: a mistyped host or port is one message, not every
    scenario failed on its first step. Only the connection is tried: an HTTP error page is a
    shop that answers, and a host that is merely slow is left to the scenarios' time limits.
    """
    where = f"--base-url {base_url}"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where}: not a web address — expected http(s)://host[:port]/…")
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"{where}: bad port — expected a number from 1 to 65535") from None
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except socket.gaierror as error:
        raise UsageError(
            f"{where}: unknown host {host} ({error.strerror}) — expected a host this machine finds"
        ) from None
    except TimeoutError:
        logger.warning(
            "{}:{} did not answer within {:.0f} s; replaying anyway", host, port, timeout_s
        )
    except OSError as error:
        raise UsageError(
            f"{where}: cannot be reached ({error.strerror or error}) — "
            f"expected a shop answering on {host}:{port}"
        ) from None


def check_placeholders(
    scenarios: Sequence[Scenario],
    base_url: str,
    variables: Mapping[str, str],
    *,
    allow_local_files: bool = False,
) -> None:
    """Unknown placeholders, and a `goto` to a local file or a browser page, are bad input:
    refused before launching anything."""
    for scenario in scenarios:
        filled = fill_placeholders(scenario, {"BASE_URL": base_url, **variables})
        # A base URL that is no web address is the run's fault, not the scenario's: said by
        # ensure_reachable (CLI), and refused again by replay_scenario whoever calls it.
        if urlsplit(base_url).scheme in ("http", "https"):
            check_gotos(filled, base_url, allow_local_files=allow_local_files)


def _stop_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Interrupted (Ctrl+C, SIGTERM): end the workers now rather than wait for the scenario
    each is in (issue 13: 15 s). SIGTERM kills a worker outright (see `_die_with_parent`);
    its Playwright driver then closes its browsers. `_processes` is the executor's own map of
    workers (CPython 3.11–3.13): there is no public way to reach them."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError) as error:  # already gone
            logger.debug("terminating a worker: {}", error)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
