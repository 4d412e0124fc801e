"""Find the browsers installed on this machine, and launch one through Playwright.

A browser is driven in one of four ways (`Driver`):

* `playwright-bundled` — Playwright's own build (`playwright install chromium firefox`);
* `channel=chrome` — installed Google Chrome, through Playwright's `chrome` channel;
* `channel=moz-firefox` — installed stock Firefox, over WebDriver BiDi;
* `executable` — any other Chromium-family executable (Debian's `chromium`, Edge…).

Safari cannot be driven (Playwright's WebKit is not Safari): it is listed with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger
from pydantic import BaseModel

from preflight.errors import BrowserError, BrowserNotFound, UsageError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

Family = Literal["chrome", "chromium", "firefox", "edge", "safari"]
Driver = Literal["playwright-bundled", "channel=chrome", "channel=moz-firefox", "executable", "none"]
Engine = Literal["chromium", "firefox"]
FAMILIES: tuple[Family, ...] = ("chrome", "chromium", "firefox", "edge", "safari")
ENGINE_OF: dict[Family, Engine | None] = {
    "chrome": "chromium",
    "chromium": "chromium",
    "edge": "chromium",
    "firefox": "firefox",
    "safari": None,
}

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


class InstalledBrowser(BaseModel):
    family: Family
    version: str | None
    executable: str | None
    driver: Driver
    default: bool = False
    esr: bool = False
    note: str = ""

    @property
    def engine(self) -> Engine | None:
        return ENGINE_OF[self.family]

    @property
    def drivable(self) -> bool:
        return self.driver != "none"


# Known install places, per platform; PATH is searched as well.
_LINUX: dict[Family, list[str]] = {
    "chrome": ["/opt/google/chrome/chrome", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"],
    "chromium": ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"],
    "firefox": ["/usr/bin/firefox", "/usr/bin/firefox-esr", "/snap/bin/firefox", "/usr/lib/firefox/firefox"],
    "edge": ["/usr/bin/microsoft-edge", "/usr/bin/microsoft-edge-stable", "/opt/microsoft/msedge/msedge"],
    "safari": [],
}
_MAC_APPS = "/Applications"
_MAC: dict[Family, list[str]] = {
    "chrome": [f"{_MAC_APPS}/Google Chrome.app/Contents/MacOS/Google Chrome"],
    "chromium": [f"{_MAC_APPS}/Chromium.app/Contents/MacOS/Chromium"],
    "firefox": [f"{_MAC_APPS}/Firefox.app/Contents/MacOS/firefox"],
    "edge": [f"{_MAC_APPS}/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"],
    "safari": [f"{_MAC_APPS}/Safari.app/Contents/MacOS/Safari"],
}


def _windows_paths() -> dict[Family, list[str]]:
    roots = [
        os.environ.get(name, "")
        for name in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
        if os.environ.get(name)
    ]
    def under(rel: str) -> list[str]:
        return [str(Path(root) / rel) for root in roots]
    return {
        "chrome": under("Google/Chrome/Application/chrome.exe"),
        "chromium": under("Chromium/Application/chrome.exe"),
        "firefox": under("Mozilla Firefox/firefox.exe"),
        "edge": under("Microsoft/Edge/Application/msedge.exe"),
        "safari": [],
    }


_PATH_NAMES: dict[Family, list[str]] = {
    "chrome": ["google-chrome", "google-chrome-stable", "chrome"],
    "chromium": ["chromium", "chromium-browser"],
    "firefox": ["firefox", "firefox-esr"],
    "edge": ["microsoft-edge", "microsoft-edge-stable", "msedge"],
    "safari": [],
}


def _known_paths(family: Family) -> list[str]:
    if sys.platform == "darwin":
        table = _MAC
    elif sys.platform.startswith("win"):
        table = _windows_paths()
    else:
        table = _LINUX
    return table.get(family, [])


def _candidates(family: Family) -> Iterator[Path]:
    seen: set[Path] = set()
    for raw in _known_paths(family) + [p for n in _PATH_NAMES[family] if (p := shutil.which(n))]:
        path = Path(raw)
        if not path.is_file():
            continue
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        yield path


_VERSION = re.compile(r"(\d+(?:\.\d+){1,3})(esr)?")


def executable_version(executable: str | Path) -> tuple[str | None, bool]:
    """The version an executable reports with `--version` (and whether it is an ESR)."""
    if sys.platform.startswith("win"):
        return None, False  # chrome.exe --version prints nothing; the driven browser tells
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, False
    match = _VERSION.search(out)
    if not match:
        return None, False
    return match.group(1), bool(match.group(2)) or "esr" in out.lower()


def _driver_for(family: Family, path: Path) -> Driver:
    if family == "safari":
        return "none"
    if family == "firefox":
        return "channel=moz-firefox"
    if family == "chrome":
        return "channel=chrome"
    return "executable"


def _bundled() -> list[InstalledBrowser]:
    """Playwright's own downloaded builds, if `playwright install` fetched them."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            paths = {"chromium": p.chromium.executable_path, "firefox": p.firefox.executable_path}
    except Exception as error:  # no driver, or a broken install: nothing bundled then
        logger.debug("cannot ask Playwright for its own builds: {}", error)
        return []
    found = []
    for engine, raw in paths.items():
        if raw and Path(raw).is_file():
            family: Family = "chromium" if engine == "chromium" else "firefox"
            match = re.search(r"(chromium|firefox)[-_](\d+)", raw)
            found.append(
                InstalledBrowser(
                    family=family,
                    version=None,
                    executable=raw,
                    driver="playwright-bundled",
                    note=f"Playwright build {match.group(2)}" if match else "Playwright build",
                )
            )
    return found


def discover(*, include_bundled: bool = True) -> list[InstalledBrowser]:
    """Every browser found on this machine, Playwright's own builds first."""
    found = _bundled() if include_bundled else []
    default = default_browser()
    seen: set[tuple[str, str | None]] = set()
    for family in FAMILIES:
        for path in _candidates(family):
            version, esr = executable_version(path) if family != "safari" else (None, False)
            # Launcher scripts (/usr/bin/firefox → firefox-esr) are one browser, not two.
            if version is not None and (family, version) in seen:
                continue
            seen.add((family, version))
            found.append(
                InstalledBrowser(
                    family=family,
                    version=version,
                    executable=str(path),
                    driver=_driver_for(family, path),
                    default=default == family,
                    esr=esr,
                    note="Safari cannot be driven by Playwright" if family == "safari" else "",
                )
            )
    return found


def default_browser() -> Family | Literal["unknown"]:
    """The operating system's default web browser family, as far as the platform tells."""
    try:
        if sys.platform.startswith("linux"):
            return _linux_default()
        if sys.platform == "darwin":
            return _mac_default()
        if sys.platform.startswith("win"):
            return _windows_default()
    except (OSError, subprocess.SubprocessError) as error:
        logger.debug("default browser unknown: {}", error)
    return "unknown"


def family_from_name(name: str) -> Family | Literal["unknown"]:
    """Map a desktop file, bundle id or ProgId to a browser family."""
    lowered = name.lower()
    for needle, family in (
        ("edge", "edge"),
        ("chromium", "chromium"),
        ("chrome", "chrome"),
        ("firefox", "firefox"),
        ("safari", "safari"),
    ):
        if needle in lowered:
            return family  # type: ignore[return-value]
    return "unknown"


def _run(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        return ""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()


def _linux_default() -> Family | Literal["unknown"]:
    name = _run(["xdg-settings", "get", "default-web-browser"]) or _run(
        ["xdg-mime", "query", "default", "x-scheme-handler/https"]
    )
    return family_from_name(name) if name else "unknown"


def _mac_default() -> Family | Literal["unknown"]:
    plist = Path.home() / (
        "Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist"
    )
    if not plist.is_file():
        return "unknown"
    import plistlib

    data = plistlib.loads(plist.read_bytes())
    for handler in data.get("LSHandlers", []):
        if handler.get("LSHandlerURLScheme") in ("https", "http"):
            return family_from_name(str(handler.get("LSHandlerRoleAll", "")))
    return "safari"  # no handler recorded: the system's own default


def _windows_default() -> Family | Literal["unknown"]:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    key = r"Software\Microsoft\Windows\Shell\Associations\UrlAssociations\https\UserChoice"
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as handle:  # type: ignore[attr-defined,unused-ignore]
        prog_id, _ = winreg.QueryValueEx(handle, "ProgId")  # type: ignore[attr-defined,unused-ignore]
    return family_from_name(str(prog_id))


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


def spec_for(browser: InstalledBrowser, *, bfcache: bool = False) -> LaunchSpec:
    """The launch options for an installed browser.

    `bfcache=True` keeps the back/forward cache on, as in a real user's browser.
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
    pool = installed if installed is not None else discover()
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
        family = name  # type: ignore[assignment]
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
        driver=_driver_for(family, path) if family != "chrome" else "executable",
        esr=esr,
    )


def launch(
    playwright: Playwright,
    spec: LaunchSpec,
    *,
    headless: bool = True,
    user_data_dir: str | Path | None = None,
    **context_options: Any,
) -> Browser | BrowserContext:
    """Launch `spec`: a `Browser`, or a persistent context when `user_data_dir` is given."""
    browser_type = getattr(playwright, spec.engine)
    kwargs = spec.launch_kwargs(headless=headless)
    try:
        if user_data_dir is not None:
            return browser_type.launch_persistent_context(  # type: ignore[no-any-return]
                str(user_data_dir), **kwargs, **context_options
            )
        return browser_type.launch(**kwargs)  # type: ignore[no-any-return]
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise BrowserError(
            f"cannot launch {spec.family} ({spec.executable or spec.channel or 'bundled'}): "
            f"{first_line}"
        ) from error
