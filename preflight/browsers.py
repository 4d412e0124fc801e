"""Find the browsers installed on this machine, and launch one through Playwright.

A browser is driven in one of four ways (`Driver`):

* `playwright-bundled` — Playwright's own build (`playwright install chromium firefox`);
* `channel=chrome` — installed Google Chrome, through Playwright's `chrome` channel;
* `channel=moz-firefox` — installed stock Firefox, over WebDriver BiDi;
* `executable` — any other Chromium-family executable (Debian's `chromium`, Edge…).

Safari cannot be driven (Playwright's WebKit is not Safari): it is listed with the reason.

`PREFLIGHT_BROWSERS_ROOT=DIR` re-roots the known install places (`/usr/bin/chromium` is looked
for as `DIR/usr/bin/chromium`): with an empty DIR, PATH and PLAYWRIGHT_BROWSERS_PATH, a machine
with browsers is seen as one without (how `preflight setup`'s install path is tested).
"""

from __future__ import annotations

import json
import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger
from pydantic import BaseModel

from preflight.errors import BrowserError, BrowserNotFound, UsageError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

Family = Literal["chrome", "chromium", "firefox", "edge", "safari"]
Driver = Literal[
    "playwright-bundled", "channel=chrome", "channel=moz-firefox", "executable", "none"
]
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

# Firefox: Playwright 1.64.1 over WebDriver BiDi cannot deliver a click or a key to an iframe
# of another site, which Firefox runs in a process of its own (measured with Firefox ESR 153:
# the click lands on the <iframe> element of the parent page, the frame sees nothing; `fill`,
# done by script, works). With this pref web content is not split by site: a frame of another
# origin stays cross-origin for every web API, only its process is shared. Used where a program
# drives the frames (replay, tests), never on a profile of the user's.
FIREFOX_FRAME_INPUT_PREFS: dict[str, Any] = {"fission.webContentIsolationStrategy": 0}


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


Platform = Literal["linux", "darwin", "win32"]


def current_platform() -> Platform:
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform.startswith("win"):
        return "win32"
    return "linux"


# Known install places, per platform; PATH is searched as well. `root` (tests) re-roots the
# absolute ones, so a fake install laid out in a temporary folder is found like a real one.
_LINUX: dict[Family, list[str]] = {
    "chrome": [
        "/opt/google/chrome/chrome",
        "/usr/bin/google-chrome",
        "/usr/bin/google-chrome-stable",
    ],
    "chromium": ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium"],
    "firefox": [
        "/usr/bin/firefox",
        "/usr/bin/firefox-esr",
        "/snap/bin/firefox",
        "/usr/lib/firefox/firefox",
        "/opt/firefox/firefox",
    ],
    "edge": [
        "/usr/bin/microsoft-edge",
        "/usr/bin/microsoft-edge-stable",
        "/opt/microsoft/msedge/msedge",
    ],
    "safari": [],
}
# Relative to /Applications and ~/Applications.
_MAC: dict[Family, list[str]] = {
    "chrome": ["Google Chrome.app/Contents/MacOS/Google Chrome"],
    "chromium": ["Chromium.app/Contents/MacOS/Chromium"],
    "firefox": ["Firefox.app/Contents/MacOS/firefox"],
    "edge": ["Microsoft Edge.app/Contents/MacOS/Microsoft Edge"],
    "safari": ["Safari.app/Contents/MacOS/Safari"],
}
# Relative to %PROGRAMFILES%, %PROGRAMFILES(X86)% and %LOCALAPPDATA% (per-user installs).
_WINDOWS: dict[Family, list[str]] = {
    "chrome": ["Google/Chrome/Application/chrome.exe"],
    "chromium": ["Chromium/Application/chrome.exe"],
    "firefox": ["Mozilla Firefox/firefox.exe"],
    "edge": ["Microsoft/Edge/Application/msedge.exe"],
    "safari": [],
}
_PATH_NAMES: dict[Family, list[str]] = {
    "chrome": ["google-chrome", "google-chrome-stable", "chrome"],
    "chromium": ["chromium", "chromium-browser"],
    "firefox": ["firefox", "firefox-esr"],
    "edge": ["microsoft-edge", "microsoft-edge-stable", "msedge"],
    "safari": [],
}


def install_paths(
    platform: Platform,
    *,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[Family, list[Path]]:
    """Where each family is installed on `platform`, before looking (most likely first)."""
    env = os.environ if env is None else env
    base = root or Path("/")
    if platform == "linux":
        return {f: [base / p.lstrip("/") for p in paths] for f, paths in _LINUX.items()}
    if platform == "darwin":
        home = Path(env.get("HOME", str(Path.home())))
        apps = [base / "Applications", home / "Applications"]
        return {f: [a / p for a in apps for p in paths] for f, paths in _MAC.items()}
    roots = [
        Path(env[name])
        for name in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
        if env.get(name)
    ]
    return {f: [r / p for r in roots for p in paths] for f, paths in _WINDOWS.items()}


def _candidates(
    family: Family, platform: Platform, root: Path | None, env: Mapping[str, str]
) -> Iterator[Path]:
    seen: set[Path] = set()
    search = env.get("PATH", "")
    names = _PATH_NAMES[family]
    if platform == "win32":
        names = [n + ".exe" for n in names]
    on_path = [Path(p) for n in names if (p := shutil.which(n, path=search))]
    for path in install_paths(platform, root=root, env=env)[family] + on_path:
        if not path.is_file():
            continue
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        yield path


_VERSION = re.compile(r"(\d+(?:\.\d+){1,3})(esr)?")


def executable_version(
    executable: str | Path, platform: Platform | None = None
) -> tuple[str | None, bool]:
    """The version of an installed browser (and whether it is a Firefox ESR).

    Read from the install where the platform keeps it — macOS `Info.plist`, Windows version
    folders (`chrome.exe --version` prints nothing there) and Firefox `application.ini` — and
    otherwise asked of the executable with `--version`.
    """
    path = Path(executable)
    platform = platform or current_platform()
    esr = _firefox_channel(path) == "esr"
    if platform == "darwin":
        plist = path.parent.parent / "Info.plist"  # X.app/Contents/MacOS/x → X.app/Contents
        if plist.is_file():
            try:
                data = plistlib.loads(plist.read_bytes())
            except (plistlib.InvalidFileException, ValueError):
                data = {}
            version = data.get("CFBundleShortVersionString")
            if isinstance(version, str) and _VERSION.match(version):
                return version.removesuffix("esr"), esr or version.endswith("esr")
    if platform == "win32":
        # Chrome and Edge install into Application/<version>/ beside the executable.
        versions = [d.name for d in path.parent.iterdir() if d.is_dir() and _is_version(d.name)]
        if versions:
            return max(versions, key=lambda v: tuple(int(p) for p in v.split("."))), esr
    ini = _firefox_version(path)
    if ini and platform != "linux":
        return ini, esr
    if platform == "win32":
        return None, esr
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ini, esr
    match = _VERSION.search(out)
    if not match:
        return ini, esr
    return match.group(1), esr or bool(match.group(2))


def _is_version(text: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+){3}", text))


def _firefox_dirs(path: Path) -> list[Path]:
    """Where a Firefox install keeps application.ini and defaults/, from its executable."""
    real = path.resolve()
    dirs = [real.parent, path.parent]
    if real.parent.name == "MacOS":  # Firefox.app/Contents/MacOS/firefox → Contents/Resources
        dirs.append(real.parent.parent / "Resources")
    return dirs


def _firefox_version(path: Path) -> str | None:
    for folder in _firefox_dirs(path):
        ini = folder / "application.ini"
        if ini.is_file():
            match = re.search(r"^Version=(\S+)", ini.read_text(errors="replace"), re.M)
            if match:
                return match.group(1)
    return None


def _firefox_channel(path: Path) -> str | None:
    """Firefox's update channel (`release`, `esr`…): the user agent cannot tell ESR apart."""
    for folder in _firefox_dirs(path):
        prefs = folder / "defaults" / "pref" / "channel-prefs.js"
        if prefs.is_file():
            match = re.search(
                r'"app\.update\.channel",\s*"([^"]+)"', prefs.read_text(errors="replace")
            )
            if match:
                return match.group(1)
    return None


def _driver_for(family: Family) -> Driver:
    if family == "safari":
        return "none"
    if family == "firefox":
        return "channel=moz-firefox"
    if family == "chrome":
        return "channel=chrome"
    return "executable"


# Where Playwright keeps its own builds (`playwright install`), and the executable inside each
# build folder, per platform (playwright 1.64 registry `EXECUTABLE_PATHS`).
_BUNDLED_LAYOUT: dict[str, dict[Platform, list[str]]] = {
    "chromium": {
        "linux": ["chrome-linux64/chrome", "chrome-linux-arm64/chrome", "chrome-linux/chrome"],
        "darwin": [
            "chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
            "chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/"
            "Google Chrome for Testing",
        ],
        "win32": ["chrome-win64/chrome.exe", "chrome-win/chrome.exe"],
    },
    "firefox": {
        "linux": ["firefox/firefox"],
        "darwin": ["firefox/Nightly.app/Contents/MacOS/firefox"],
        "win32": ["firefox/firefox.exe"],
    },
}


def playwright_browsers_dir(platform: Platform, env: Mapping[str, str] | None = None) -> Path:
    """Playwright's download folder: $PLAYWRIGHT_BROWSERS_PATH, or the platform's cache."""
    env = os.environ if env is None else env
    override = env.get("PLAYWRIGHT_BROWSERS_PATH")
    if override == "0":  # "hermetic" installs go inside the package
        return _playwright_package() / ".local-browsers"
    if override:
        return Path(override)
    home = Path(env.get("HOME", str(Path.home())))
    if platform == "darwin":
        return home / "Library" / "Caches" / "ms-playwright"
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA", str(home / "AppData" / "Local"))) / "ms-playwright"
    return Path(env.get("XDG_CACHE_HOME", str(home / ".cache"))) / "ms-playwright"


def _playwright_package() -> Path:
    import playwright

    return Path(playwright.__file__).parent / "driver" / "package"


def _bundled_builds() -> dict[str, tuple[str, str | None]]:
    """The builds this Playwright drives: engine -> (revision, browser version)."""
    try:
        data = json.loads((_playwright_package() / "browsers.json").read_text())
    except (OSError, ValueError) as error:
        logger.debug("cannot read Playwright's browsers.json: {}", error)
        return {}
    return {
        b["name"]: (str(b["revision"]), b.get("browserVersion"))
        for b in data.get("browsers", [])
        if b.get("name") in _BUNDLED_LAYOUT
    }


def _bundled(
    platform: Platform,
    env: Mapping[str, str],
    builds: Mapping[str, tuple[str, str | None]] | None = None,
) -> list[InstalledBrowser]:
    """Playwright's own downloaded builds, if `playwright install` fetched them.

    Found from Playwright's `browsers.json` and download folder, without starting its driver
    (which cannot start inside a running sync Playwright, and takes seconds)."""
    folder = playwright_browsers_dir(platform, env)
    found = []
    for engine, (revision, version) in (_bundled_builds() if builds is None else builds).items():
        for layout in _BUNDLED_LAYOUT[engine][platform]:
            executable = folder / f"{engine}-{revision}" / layout
            if executable.is_file():
                found.append(
                    InstalledBrowser(
                        family="chromium" if engine == "chromium" else "firefox",
                        version=version,
                        executable=str(executable),
                        driver="playwright-bundled",
                        note=f"Playwright build {revision}",
                    )
                )
                break
    return found


def discover(
    *,
    include_bundled: bool = True,
    platform: Platform | None = None,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
    families: Iterable[Family] | None = None,
) -> list[InstalledBrowser]:
    """Every browser found on this machine, Playwright's own builds first.

    `platform`, `root` and `env` default to this machine; tests pass a fake install.
    `families` limits the search (each candidate costs a `--version` run); the OS default
    browser is then not looked up, and no browser is marked `default`.
    """
    platform = platform or current_platform()
    env = os.environ if env is None else env
    if root is None and env.get("PREFLIGHT_BROWSERS_ROOT"):
        root = Path(env["PREFLIGHT_BROWSERS_ROOT"])
    found = _bundled(platform, env) if include_bundled else []
    wanted = FAMILIES if families is None else tuple(f for f in FAMILIES if f in set(families))
    default = default_browser(platform=platform, env=env) if families is None else "unknown"
    seen: set[tuple[str, str | None]] = set()
    for family in wanted:
        for path in _candidates(family, platform, root, env):
            version, esr = executable_version(path, platform)
            # Launcher scripts (/usr/bin/firefox → firefox-esr) are one browser, not two.
            if version is not None and (family, version) in seen:
                continue
            seen.add((family, version))
            found.append(
                InstalledBrowser(
                    family=family,
                    version=version,
                    executable=str(path),
                    driver=_driver_for(family),
                    default=default == family,
                    esr=esr,
                    note="Safari cannot be driven by Playwright" if family == "safari" else "",
                )
            )
    return found


def default_browser(
    *, platform: Platform | None = None, env: Mapping[str, str] | None = None
) -> Family | Literal["unknown"]:
    """The operating system's default web browser family, as far as the platform tells."""
    platform = platform or current_platform()
    env = os.environ if env is None else env
    try:
        if platform == "linux":
            return _linux_default(env)
        if platform == "darwin":
            return _mac_default(Path(env.get("HOME", str(Path.home()))))
        if platform == "win32" and sys.platform.startswith("win"):
            return _windows_default()
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        logger.debug("default browser unknown: {}", error)
    return "unknown"


# Needles in desktop files (Linux), bundle ids (macOS) and ProgIds (Windows), most specific
# first: "MSEdgeHTM", "ChromeHTML", "FirefoxURL-308046B0AF4A39CB", "org.mozilla.firefox",
# "com.google.chrome", "com.apple.safari", "chromium.desktop", "firefox-esr.desktop".
_NAME_NEEDLES: tuple[tuple[str, Family], ...] = (
    ("edge", "edge"),
    ("chromium", "chromium"),
    ("chrome", "chrome"),
    ("firefox", "firefox"),
    ("safari", "safari"),
)


def family_from_name(name: str) -> Family | Literal["unknown"]:
    """Map a desktop file, bundle id or ProgId to a browser family."""
    lowered = name.lower()
    for needle, family in _NAME_NEEDLES:
        if needle in lowered:
            return family
    return "unknown"


def _run(cmd: list[str], env: Mapping[str, str]) -> str:
    executable = shutil.which(cmd[0], path=env.get("PATH", ""))
    if not executable:
        return ""
    result = subprocess.run(
        [executable, *cmd[1:]], capture_output=True, text=True, timeout=10, env=dict(env)
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def _linux_default(env: Mapping[str, str]) -> Family | Literal["unknown"]:
    name = _run(["xdg-settings", "get", "default-web-browser"], env) or _run(
        ["xdg-mime", "query", "default", "x-scheme-handler/https"], env
    )
    return family_from_name(name) if name else "unknown"


def _mac_default(home: Path) -> Family | Literal["unknown"]:
    plist = home / (
        "Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist"
    )
    if not plist.is_file():
        return "unknown"
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
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise BrowserError(
            f"cannot launch {spec.family} ({spec.executable or spec.channel or 'bundled'}): "
            f"{first_line}"
        ) from error
