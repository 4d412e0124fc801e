"""Find the browsers installed on this machine: Playwright's own builds, installed Chrome,
Chromium, Edge and Firefox (their places per platform, their versions, how each is driven), and
the operating system's default browser.

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
from pathlib import Path
from typing import Literal

from loguru import logger
from pydantic import BaseModel

from preflight.families import Family

Driver = Literal[
    "playwright-bundled", "channel=chrome", "channel=moz-firefox", "executable", "none"
]
Engine = Literal["chromium", "firefox"]
# The families found installed and launched (the others are only read from a user agent).
FAMILIES: tuple[Family, ...] = ("chrome", "chromium", "firefox", "edge", "safari")
ENGINE_OF: dict[Family, Engine | None] = {
    "chrome": "chromium",
    "chromium": "chromium",
    "edge": "chromium",
    "firefox": "firefox",
    "safari": None,
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
        return ENGINE_OF.get(self.family)

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


# Each family as its maker names it, for the seller's eyes (the terminal, the start page).
BROWSER_NAMES: dict[str, str] = {
    "chrome": "Google Chrome",
    "chromium": "Chromium",
    "firefox": "Mozilla Firefox",
    "edge": "Microsoft Edge",
    "safari": "Safari",
}
