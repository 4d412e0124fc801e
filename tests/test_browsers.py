from __future__ import annotations

import json
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from preflight.browsers import (
    InstalledBrowser,
    LaunchSpec,
    choose,
    default_browser,
    discover,
    family_from_name,
)
from preflight.browsers._found import _bundled_builds
from preflight.errors import BrowserNotFound, UsageError


def test_discovery_finds_a_drivable_chromium_and_firefox_with_versions() -> None:
    found = discover()
    engines = {b.engine for b in found if b.drivable}
    assert {"chromium", "firefox"} <= engines
    for b in found:
        if b.drivable and b.driver != "playwright-bundled":
            assert b.version and b.version[0].isdigit(), b


def test_browsers_json_lists_the_documented_fields() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "preflight", "browsers", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    assert rows and all(
        {"family", "version", "executable", "driver", "default"} <= r.keys() for r in rows
    )


def test_the_launched_browser_renders_a_page(page: Page) -> None:
    page.set_content("<h1>Bonjour</h1>")
    assert page.inner_text("h1") == "Bonjour"


# --- Discovery on each platform, from a fake install laid out in tmp_path ---------------------


def fake_executable(path: Path, version_line: str = "") -> Path:
    """An executable that answers `--version` as the real browser does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(0o755)
    return path


def by_family(found: list[InstalledBrowser]) -> dict[str, InstalledBrowser]:
    return {b.family: b for b in found}


def test_linux_install_places_and_path_are_searched(tmp_path: Path) -> None:
    root = tmp_path / "root"
    fake_executable(root / "usr/bin/google-chrome", "Google Chrome 131.0.6778.85")
    firefox = fake_executable(root / "usr/lib/firefox/firefox", "Mozilla Firefox 128.5.0esr")
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    (root / "usr/bin/firefox-esr").symlink_to(firefox)  # a launcher: one browser, not two
    fake_executable(root / "opt/microsoft/msedge/msedge", "Microsoft Edge 131.0.2903.86")
    bin_dir = tmp_path / "bin"
    fake_executable(bin_dir / "chromium", "Chromium 120.0.6099.71 built on Debian")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}

    found = discover(include_bundled=False, platform="linux", root=root, env=env)

    assert sorted(b.family for b in found) == ["chrome", "chromium", "edge", "firefox"]
    families = by_family(found)
    assert families["chrome"].version == "131.0.6778.85"
    assert families["chrome"].driver == "channel=chrome"
    assert families["firefox"].version == "128.5.0" and families["firefox"].esr
    assert families["firefox"].driver == "channel=moz-firefox"
    assert families["edge"].driver == "executable"
    assert families["chromium"].executable == str(bin_dir / "chromium")


def app_bundle(apps: Path, app: str, executable: str, version: str) -> Path:
    contents = apps / app / "Contents"
    path = fake_executable(contents / "MacOS" / executable)
    (contents / "Info.plist").write_bytes(plistlib.dumps({"CFBundleShortVersionString": version}))
    return path


def test_macos_applications_are_found_with_their_bundle_versions(tmp_path: Path) -> None:
    root, home = tmp_path / "root", tmp_path / "home"
    apps = root / "Applications"
    app_bundle(apps, "Google Chrome.app", "Google Chrome", "131.0.6778.86")
    app_bundle(apps, "Safari.app", "Safari", "17.4.1")
    firefox = app_bundle(home / "Applications", "Firefox.app", "firefox", "128.5.0")
    prefs = firefox.parent.parent / "Resources/defaults/pref"
    prefs.mkdir(parents=True)
    (prefs / "channel-prefs.js").write_text('pref("app.update.channel", "esr");\n')

    found = by_family(
        discover(include_bundled=False, platform="darwin", root=root, env={"HOME": str(home)})
    )

    assert set(found) == {"chrome", "safari", "firefox"}
    assert found["chrome"].version == "131.0.6778.86"
    assert found["firefox"].version == "128.5.0" and found["firefox"].esr
    assert found["safari"].driver == "none" and "cannot be driven" in found["safari"].note
    assert found["safari"].version == "17.4.1"


def test_windows_program_folders_are_found_with_their_versions(tmp_path: Path) -> None:
    program_files, x86, local = tmp_path / "pf", tmp_path / "pf86", tmp_path / "local"
    chrome = fake_executable(program_files / "Google/Chrome/Application/chrome.exe")
    (chrome.parent / "130.0.6723.117").mkdir()
    (chrome.parent / "131.0.6778.86").mkdir()  # an update waiting beside the old one
    edge = fake_executable(x86 / "Microsoft/Edge/Application/msedge.exe")
    (edge.parent / "131.0.2903.86").mkdir()
    firefox = fake_executable(local / "Mozilla Firefox/firefox.exe")
    (firefox.parent / "application.ini").write_text("[App]\nName=Firefox\nVersion=133.0\n")
    env = {
        "PROGRAMFILES": str(program_files),
        "PROGRAMFILES(X86)": str(x86),
        "LOCALAPPDATA": str(local),
    }

    found = by_family(discover(include_bundled=False, platform="win32", env=env))

    assert found["chrome"].version == "131.0.6778.86"
    assert found["edge"].version == "131.0.2903.86"
    assert found["firefox"].version == "133.0" and not found["firefox"].esr


def test_playwrights_own_builds_are_found_without_starting_its_driver(tmp_path: Path) -> None:
    builds = _bundled_builds()
    assert {"chromium", "firefox"} <= set(builds)
    (chromium_rev, chromium_version), (firefox_rev, _) = builds["chromium"], builds["firefox"]
    fake_executable(tmp_path / f"chromium-{chromium_rev}/chrome-linux64/chrome")
    fake_executable(tmp_path / f"firefox-{firefox_rev}/firefox/firefox")

    found = discover(
        platform="linux", root=tmp_path / "empty", env={"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}
    )

    assert [(b.family, b.driver) for b in found] == [
        ("chromium", "playwright-bundled"),
        ("firefox", "playwright-bundled"),
    ]
    assert found[0].version == chromium_version
    assert choose("chromium", installed=found).driver == "playwright-bundled"


def test_a_missing_playwright_build_is_not_listed(tmp_path: Path) -> None:
    env = {"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)}
    assert discover(platform="linux", root=tmp_path, env=env) == []


# --- The default browser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("firefox-esr.desktop", "firefox"),
        ("firefox_firefox.desktop", "firefox"),
        ("google-chrome.desktop", "chrome"),
        ("chromium.desktop", "chromium"),
        ("chromium-browser.desktop", "chromium"),
        ("microsoft-edge.desktop", "edge"),
        ("org.mozilla.firefox", "firefox"),
        ("com.google.chrome", "chrome"),
        ("com.apple.safari", "safari"),
        ("com.microsoft.edgemac", "edge"),
        ("org.chromium.Chromium", "chromium"),
        ("ChromeHTML", "chrome"),
        ("MSEdgeHTM", "edge"),
        ("FirefoxURL-308046B0AF4A39CB", "firefox"),
        ("ChromiumHTM.MWFKXCHMH3DZ5ZLCLHSMPPZDNU", "chromium"),
        ("OperaStable", "unknown"),
        ("com.brave.browser", "unknown"),
        ("", "unknown"),
    ],
)
def test_desktop_files_bundle_ids_and_progids_map_to_a_family(name: str, family: str) -> None:
    assert family_from_name(name) == family


def fake_command(bin_dir: Path, name: str, output: str, code: int = 0) -> None:
    fake_executable(bin_dir / name).write_text(f"#!/bin/sh\necho '{output}'\nexit {code}\n")


def test_linux_default_comes_from_xdg_settings(tmp_path: Path) -> None:
    fake_command(tmp_path, "xdg-settings", "firefox-esr.desktop")
    assert default_browser(platform="linux", env={"PATH": str(tmp_path)}) == "firefox"


def test_linux_default_falls_back_to_xdg_mime(tmp_path: Path) -> None:
    fake_command(tmp_path, "xdg-settings", "", code=1)
    fake_command(tmp_path, "xdg-mime", "google-chrome.desktop")
    assert default_browser(platform="linux", env={"PATH": str(tmp_path)}) == "chrome"


def test_linux_default_is_unknown_without_xdg_tools(tmp_path: Path) -> None:
    assert default_browser(platform="linux", env={"PATH": str(tmp_path)}) == "unknown"


def test_the_default_browser_is_marked_in_the_discovery(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_command(bin_dir, "xdg-settings", "chromium.desktop")
    fake_executable(bin_dir / "chromium", "Chromium 120.0.6099.71")
    fake_executable(bin_dir / "firefox", "Mozilla Firefox 133.0")
    found = discover(
        include_bundled=False, platform="linux", root=tmp_path / "r", env={"PATH": str(bin_dir)}
    )
    assert {b.family: b.default for b in found} == {"chromium": True, "firefox": False}


def launch_services(home: Path, handlers: list[dict[str, str]]) -> None:
    folder = home / "Library/Preferences/com.apple.LaunchServices"
    folder.mkdir(parents=True)
    (folder / "com.apple.launchservices.secure.plist").write_bytes(
        plistlib.dumps({"LSHandlers": handlers})
    )


def test_macos_default_comes_from_launch_services(tmp_path: Path) -> None:
    launch_services(
        tmp_path,
        [
            {"LSHandlerContentType": "public.html", "LSHandlerRoleAll": "com.google.chrome"},
            {"LSHandlerURLScheme": "https", "LSHandlerRoleAll": "org.mozilla.firefox"},
        ],
    )
    assert default_browser(platform="darwin", env={"HOME": str(tmp_path)}) == "firefox"


def test_macos_without_a_recorded_handler_defaults_to_safari(tmp_path: Path) -> None:
    launch_services(tmp_path, [])
    assert default_browser(platform="darwin", env={"HOME": str(tmp_path)}) == "safari"
    assert default_browser(platform="darwin", env={"HOME": str(tmp_path / "x")}) == "unknown"


def test_windows_default_is_unknown_when_not_on_windows() -> None:
    assert default_browser(platform="win32", env={}) == "unknown"


# --- The real machine ---------------------------------------------------------------------


def test_the_discovered_version_is_the_one_the_running_browser_reports(
    browser: Browser, launch_spec: LaunchSpec
) -> None:
    listed = [b for b in discover() if b.executable == launch_spec.executable]
    if launch_spec.driver == "playwright-bundled":
        listed = [
            b
            for b in discover()
            if b.driver == "playwright-bundled" and b.engine == launch_spec.engine
        ]
    assert listed, launch_spec
    # Playwright's browsers.json gives the build's version without its last part.
    assert browser.version.startswith(listed[0].version or "?")


def test_an_executable_given_by_path_gets_its_family_and_version(tmp_path: Path) -> None:
    firefox = fake_executable(tmp_path / "firefox", "Mozilla Firefox 140.3.0esr")
    chosen = choose("auto", executable=firefox)
    assert (chosen.family, chosen.version, chosen.esr) == ("firefox", "140.3.0", True)
    assert chosen.driver == "channel=moz-firefox"


def test_an_unknown_browser_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="netscape"):
        choose("netscape")


def test_no_matching_browser_says_what_to_install() -> None:
    with pytest.raises(BrowserNotFound, match="install Google Chrome or Mozilla Firefox"):
        choose("edge", installed=[])


def test_browsers_table_exits_0_and_names_the_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "browsers"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "Browsers (default:" in result.stdout and "firefox" in result.stdout
