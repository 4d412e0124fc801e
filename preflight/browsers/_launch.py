"""Launch one browser through Playwright: the options of each way of driving it (`LaunchSpec`,
`spec_for`), choosing one by name or path (`choose`), and `launch` itself, with the flags and
prefs that keep the back/forward cache as a user's browser has it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight._playwright import playwright_error
from preflight.errors import BrowserError, BrowserNotFound, UsageError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

from preflight.browsers._found import (
    ENGINE_OF,
    Driver,
    Engine,
    InstalledBrowser,
    _driver_for,
    discover,
    executable_version,
    family_from_name,
)
from preflight.families import Family

# Chromium's own network chatter (component updates, sync, safe browsing) is refused by a
# closed network, many connections at a time; these flags keep it quiet.
CHROMIUM_QUIET_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]
# Playwright launches Chromium with the back/forward cache off; a real user's browser has it
# on (microsoft/playwright#14996). `bfcache=True` removes that default flag.
CHROMIUM_BFCACHE_OFF_FLAG = "--disable-back-forward-cache"
# Firefox: with these prefs a history traversal is a full load that Playwright sees; without
# them a bfcache restore is invisible over WebDriver BiDi (page.url stays stale, waits hang).
FIREFOX_BFCACHE_OFF_PREFS: dict[str, Any] = {
    "browser.sessionhistory.max_total_viewers": 0,
    "fission.bfcacheInParent": False,
}

# Firefox: Playwright 1.64.1 over WebDriver BiDi cannot deliver a click or a key to an iframe
# of another site, which Firefox runs in a process of its own (measured with Firefox ESR 153:
# the click lands on the <iframe> element of the parent page, the frame sees nothing; `fill`,
# done by script, works). With this pref web content is not split by site: a frame of another
# origin stays cross-origin for every web API, only its process is shared. Used where a program
# drives the frames (replay, tests), never on a profile of the user's.
FIREFOX_FRAME_INPUT_PREFS: dict[str, Any] = {"fission.webContentIsolationStrategy": 0}


@dataclass(frozen=True)
class LaunchSpec:
    """How to launch one browser through Playwright."""

    engine: Engine
    family: Family
    driver: Driver
    executable: str | None = None
    channel: str | None = None
    args: list[str] = field(default_factory=list)
    ignore_default_args: list[str] = field(default_factory=list)
    firefox_user_prefs: dict[str, Any] = field(default_factory=dict)

    def launch_kwargs(self, *, headless: bool = True) -> dict[str, Any]:
        """Keyword arguments for `BrowserType.launch` / `launch_persistent_context`."""
        kwargs: dict[str, Any] = {"headless": headless}
        if self.executable and self.driver != "playwright-bundled":
            kwargs["executable_path"] = self.executable
        if self.channel:
            kwargs["channel"] = self.channel
        if self.args:
            kwargs["args"] = list(self.args)
        if self.ignore_default_args:
            kwargs["ignore_default_args"] = list(self.ignore_default_args)
        if self.firefox_user_prefs:
            kwargs["firefox_user_prefs"] = dict(self.firefox_user_prefs)
        return kwargs


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def spec_for(
    browser: InstalledBrowser, *, bfcache: bool = False, frame_input: bool = False
) -> LaunchSpec:
    """The launch options for an installed browser.

    `bfcache=True` keeps the back/forward cache on, as in a real user's browser.
    `frame_input=True`: a program will click and type in iframes of other origins (see
    `FIREFOX_FRAME_INPUT_PREFS`); no effect on Chromium.
    """
    engine = browser.engine
    if engine is None or not browser.drivable:
        raise BrowserError(f"{browser.family} cannot be driven: {browser.note or 'no driver'}")
    channel = {"channel=chrome": "chrome", "channel=moz-firefox": "moz-firefox"}.get(browser.driver)
    if engine == "chromium":
        args = list(CHROMIUM_QUIET_ARGS)
        if _is_root():
            args.append("--no-sandbox")  # Chromium refuses to start sandboxed as root
        return LaunchSpec(
            engine="chromium",
            family=browser.family,
            driver=browser.driver,
            executable=browser.executable,
            channel=channel,
            args=args,
            ignore_default_args=[CHROMIUM_BFCACHE_OFF_FLAG] if bfcache else [],
        )
    prefs = {} if bfcache else dict(FIREFOX_BFCACHE_OFF_PREFS)
    if frame_input:
        prefs.update(FIREFOX_FRAME_INPUT_PREFS)
    return LaunchSpec(
        engine="firefox",
        family="firefox",
        driver=browser.driver,
        executable=browser.executable,
        channel=channel,
        firefox_user_prefs=prefs,
    )


_ALIASES: dict[str, tuple[Family, ...]] = {
    "auto": ("chrome", "firefox", "chromium"),
    "chromium": ("chromium", "chrome", "edge"),
    "chrome": ("chrome",),
    "firefox": ("firefox",),
    "edge": ("edge",),
    "safari": ("safari",),
}


def choose(
    name: str = "auto",
    *,
    executable: str | Path | None = None,
    installed: list[InstalledBrowser] | None = None,
) -> InstalledBrowser:
    """Pick the browser to drive: by family name (`auto` prefers Chrome, then Firefox), or
    the given executable."""
    if name not in _ALIASES:
        raise UsageError(
            f"unknown browser {name!r} — expected one of: {', '.join(sorted(_ALIASES))}"
        )
    if executable is not None:
        return _from_executable(Path(executable), name)
    pool = installed if installed is not None else discover(families=_ALIASES[name])
    for family in _ALIASES[name]:
        # Playwright's own build first: it is the one Playwright is tested with.
        matches = [b for b in pool if b.family == family and b.drivable]
        matches.sort(key=lambda b: b.driver != "playwright-bundled")
        if matches:
            return matches[0]
    wanted = " or ".join(_ALIASES[name])
    raise BrowserNotFound(
        f"no {wanted} browser found on this machine — install Google Chrome or Mozilla Firefox, "
        "or run `playwright install chromium firefox`, or give --executable PATH"
    )


def _from_executable(path: Path, name: str) -> InstalledBrowser:
    if not path.is_file():
        raise UsageError(f"--executable {path}: no such file — expected a browser executable")
    if not os.access(path, os.X_OK):
        raise UsageError(f"--executable {path}: not executable — expected a browser executable")
    family = family_from_name(path.name)
    if family == "unknown" and name in ENGINE_OF:
        family = name
    if family == "unknown":
        raise UsageError(
            f"--executable {path}: cannot tell which browser this is — add --browser "
            "chrome|chromium|firefox|edge"
        )
    version, esr = executable_version(path)
    return InstalledBrowser(
        family=family,
        version=version,
        executable=str(path),
        driver=_driver_for(family) if family != "chrome" else "executable",
        esr=esr,
    )


def launch(
    playwright: Playwright,
    spec: LaunchSpec,
    *,
    headless: bool = True,
    user_data_dir: str | Path | None = None,
    handle_sigint: bool = True,
    **context_options: Any,
) -> Browser | BrowserContext:
    """Launch `spec`: a `Browser`, or a persistent context when `user_data_dir` is given.
    `handle_sigint=False`: Ctrl+C does not close the browser (the caller does)."""
    browser_type = getattr(playwright, spec.engine)
    kwargs = spec.launch_kwargs(headless=headless)
    if not handle_sigint:
        kwargs["handle_sigint"] = False
    try:
        if user_data_dir is not None:
            return browser_type.launch_persistent_context(  # type: ignore[no-any-return]
                str(user_data_dir), **kwargs, **context_options
            )
        return browser_type.launch(**kwargs)  # type: ignore[no-any-return]
    except playwright_error() as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise BrowserError(
            f"cannot launch {spec.family} ({spec.executable or spec.channel or 'bundled'}): "
            f"{first_line}"
        ) from error
