"""Find the browsers installed on this machine (`_found`), and launch one through Playwright
(`_launch`).

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

from preflight.browsers._found import (
    BROWSER_NAMES,
    ENGINE_OF,
    FAMILIES,
    Driver,
    Engine,
    InstalledBrowser,
    Platform,
    current_platform,
    default_browser,
    discover,
    executable_version,
    family_from_name,
    install_paths,
    playwright_browsers_dir,
)
from preflight.browsers._launch import (
    CHROMIUM_BFCACHE_OFF_FLAG,
    CHROMIUM_QUIET_ARGS,
    FIREFOX_BFCACHE_OFF_PREFS,
    FIREFOX_FRAME_INPUT_PREFS,
    LaunchSpec,
    choose,
    launch,
    spec_for,
)
from preflight.families import Family

__all__ = [
    "BROWSER_NAMES",
    "CHROMIUM_BFCACHE_OFF_FLAG",
    "CHROMIUM_QUIET_ARGS",
    "ENGINE_OF",
    "FAMILIES",
    "FIREFOX_BFCACHE_OFF_PREFS",
    "FIREFOX_FRAME_INPUT_PREFS",
    "Driver",
    "Engine",
    "Family",
    "InstalledBrowser",
    "LaunchSpec",
    "Platform",
    "choose",
    "current_platform",
    "default_browser",
    "discover",
    "executable_version",
    "family_from_name",
    "install_paths",
    "launch",
    "playwright_browsers_dir",
    "spec_for",
]
