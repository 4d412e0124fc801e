"""R2/R3 on a named profile: a profile seeded with a logged-in demo "espace client", cookies,
storage and a cached resource is found dirty, cleaned, and verified clean; what was not asked
for is never touched."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Playwright

from preflight.browsers import InstalledBrowser, choose, launch, spec_for
from preflight.check import (
    CheckReport,
    ProfileDir,
    open_profile,
    profile_engine,
    run_checks,
)
from preflight.check._profiles import _profile_guard
from preflight.demo_shop import DemoShop
from preflight.errors import ProfileError

# What the user keeps: bookmarks, passwords, history (and Firefox prefs, which Playwright
# would otherwise rewrite through user.js).
KEPT = {
    "chromium": ["Default/Bookmarks", "Default/Login Data", "Default/History"],
    "firefox": ["places.sqlite", "logins.json", "prefs.js", "user.js"],
}
OTHER_SITE = "http://example.com/"


@functools.cache
def installed(engine: str) -> InstalledBrowser:
    return choose(engine)  # once per engine: discovery runs each browser's --version


def open_persistent(playwright: Playwright, engine: str, folder: Path) -> BrowserContext:
    context = launch(playwright, spec_for(installed(engine)), user_data_dir=folder)
    assert isinstance(context, BrowserContext)
    return context


def seed(playwright: Playwright, engine: str, folder: Path, shop: DemoShop) -> None:
    """A profile as an EI's would be: logged in to the SFR espace client, its storage written,
    the logo cached, a bookmark and a saved login, and another site's cookie."""
    folder.mkdir()
    context = open_persistent(playwright, engine, folder)
    page = context.new_page()
    page.goto(f"{shop.sfr_url}/sfr/mon-espace-client/")
    page.fill("#identifiant", "client.test@example.fr")
    page.fill("#mot-de-passe", "demo1234")
    page.click("#se-connecter")
    page.wait_for_selector("body[data-storage=ready]")
    page.goto(f"{shop.sfr_url}/sfr/static/logo.svg")
    # The ACN side too: its origin's port is a wildcard in the rules, found in the profile.
    page.goto(f"{shop.acn_url}/acn/boutique")
    page.evaluate("localStorage.setItem('vu', '1')")
    context.add_cookies(
        [{"name": "elsewhere", "value": "1", "url": OTHER_SITE, "expires": 2_000_000_000}]
    )
    context.close()
    if engine == "chromium":
        bookmarks = {
            "roots": {
                "bookmark_bar": {"children": [], "name": "Barre", "type": "folder"},
                "other": {"children": [], "name": "Autres", "type": "folder"},
                "synced": {"children": [], "name": "Mobile", "type": "folder"},
            },
            "version": 1,
        }
        (folder / "Default" / "Bookmarks").write_text(json.dumps(bookmarks))
    else:
        logins = {"nextId": 2, "logins": [], "version": 3}
        (folder / "logins.json").write_text(json.dumps(logins))
    # Opened once more, the browser writes those files in its own format (Chromium adds the
    # bookmarks' checksum), as a real profile has them.
    open_persistent(playwright, engine, folder).close()


def digest(folder: Path, names: list[str] | None = None) -> dict[str, str]:
    """Every file's hash (or the named ones'), to prove nothing changed."""
    files = [folder / n for n in names] if names else sorted(folder.rglob("*"))
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in files
        if f.is_file() and not f.is_symlink()
    }


def cookies_of(playwright: Playwright, engine: str, folder: Path) -> list[str]:
    context = open_persistent(playwright, engine, folder)
    try:
        return sorted(f"{c['domain']}:{c['name']}" for c in context.cookies())
    finally:
        context.close()


@pytest.fixture
def seeded(
    playwright: Playwright, browser_name: str, shop: DemoShop, tmp_path: Path
) -> Iterator[tuple[Path, Path]]:
    """A named, seeded profile and, beside it, a second profile nobody names."""
    named, other = tmp_path / "named", tmp_path / "other"
    seed(playwright, browser_name, named, shop)
    shutil.copytree(named, other, symlinks=True)
    yield named, other


def statuses(report: CheckReport) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_a_seeded_profile_is_found_dirty_cleaned_and_verified_clean(
    seeded: tuple[Path, Path], browser_name: str, shop: DemoShop, playwright: Playwright
) -> None:
    named, other = seeded
    kept = digest(named, KEPT[browser_name])
    assert len(kept) == len(KEPT[browser_name])
    untouched = digest(other)

    report = run_checks(
        shop.rules(),
        browser=browser_name,
        profile=named,
        lang="en",
        playwright=playwright,
        installed=[installed(browser_name)],
    )

    status = {c.id: c for c in report.checks}
    for check in ("cache", "cookies", "storage", "merchant_session"):
        assert status[check].status == "fixed", status[check]
    assert "sfr_login" in status["merchant_session"].message
    assert "logged-out state" in status["merchant_session"].message
    assert "fetched again from the network" in status["cache"].message
    for stored in ("localStorage", "IndexedDB sfr", "Cache Storage sfr-v1"):
        assert stored in status["storage"].message
    assert f"{shop.acn_url}: localStorage: 1" in status["storage"].message
    assert report.verdict == "ready"
    assert digest(named, KEPT[browser_name]) == kept  # bookmarks, passwords, history
    assert digest(other) == untouched  # the profile nobody named

    # Opened again, the cleaned profile is found clean: nothing to fix, 0 cookies left on disk.
    again = run_checks(
        shop.rules(),
        browser=browser_name,
        profile=named,
        lang="en",
        playwright=playwright,
        installed=[installed(browser_name)],
    )
    assert {statuses(again)[c] for c in ("cache", "cookies", "storage", "merchant_session")} == {
        "pass"
    }
    assert "0 counted" in next(c.message for c in again.checks if c.id == "cookies")


def test_only_order_sites_keeps_the_other_sites_cookies(
    seeded: tuple[Path, Path], browser_name: str, shop: DemoShop, playwright: Playwright
) -> None:
    named, _ = seeded
    report = run_checks(
        shop.rules(),
        browser=browser_name,
        profile=named,
        only_order_sites=True,
        lang="fr",
        playwright=playwright,
        installed=[installed(browser_name)],
    )
    assert statuses(report)["cookies"] == "fixed"
    assert statuses(report)["merchant_session"] == "fixed"
    assert "des sites de commande" in next(c.message for c in report.checks if c.id == "cookies")
    assert cookies_of(playwright, browser_name, named) == ["example.com:elsewhere"]
    storage = next(c.message for c in report.checks if c.id == "storage")
    assert f"{shop.acn_url}: localStorage: 1" in storage  # the ACN side's storage, found
    assert f"vérifié vide pour {shop.sfr_url}, {shop.acn_url}" in storage


def make_profile(folder: Path, engine: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if engine == "chromium":
        (folder / "Default").mkdir(exist_ok=True)
        (folder / "Local State").write_text("{}")
    else:
        (folder / "prefs.js").write_text("// prefs\n")
        (folder / "times.json").write_text("{}")
    return folder


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_a_folder_that_is_not_a_profile_is_refused(tmp_path: Path, engine: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ProfileError, match="not a profile of the chosen browser"):
        open_profile(tmp_path, engine)  # type: ignore[arg-type]


def test_a_profile_of_the_other_family_is_refused_and_named(tmp_path: Path) -> None:
    make_profile(tmp_path / "ff", "firefox")
    with pytest.raises(ProfileError, match="this is a Firefox profile"):
        open_profile(tmp_path / "ff", "chromium")
    make_profile(tmp_path / "ch", "chromium")
    with pytest.raises(ProfileError, match="this is a Chromium profile"):
        open_profile(tmp_path / "ch", "firefox")


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such folder"):
        open_profile(tmp_path / "nope", "firefox")


def test_a_chromium_profile_in_use_is_refused_and_a_stale_lock_is_not(tmp_path: Path) -> None:
    folder = make_profile(tmp_path / "ch", "chromium")
    lock = folder / "SingletonLock"
    lock.symlink_to(f"{socket.gethostname()}-{os.getpid()}")  # a live process holds it
    with pytest.raises(ProfileError, match="in use"):
        open_profile(folder, "chromium")
    lock.unlink()
    lock.symlink_to(f"{socket.gethostname()}-{2**22 + 12345}")  # no such process
    assert open_profile(folder, "chromium").path == folder


def test_a_firefox_profile_in_use_is_refused(tmp_path: Path) -> None:
    folder = make_profile(tmp_path / "ff", "firefox")
    (folder / "lock").symlink_to(f"127.0.0.1:+{os.getpid()}")
    with pytest.raises(ProfileError, match="in use"):
        open_profile(folder, "firefox")
    (folder / "lock").unlink()
    (folder / ".parentlock").write_bytes(b"")
    assert open_profile(folder, "firefox").path == folder  # a lock file nobody holds


def test_a_profile_open_in_the_running_browser_is_refused(
    playwright: Playwright, browser_name: str, tmp_path: Path
) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    context = open_persistent(playwright, browser_name, folder)
    try:
        with pytest.raises(ProfileError, match="in use"):
            open_profile(folder, browser_name)  # type: ignore[arg-type]
    finally:
        context.close()
    assert open_profile(folder, browser_name).path == folder  # type: ignore[arg-type]


def test_a_firefox_profile_in_the_standard_place_has_its_cache_in_the_os_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
    folder = make_profile(tmp_path / ".mozilla/firefox/abcd.default-esr", "firefox")
    entries = tmp_path / ".cache/mozilla/firefox/abcd.default-esr/cache2/entries"
    entries.mkdir(parents=True)
    (entries / "0123ABCD").write_bytes(b"cached")
    profile = ProfileDir(path=folder, engine="firefox")
    assert entries.parent in profile.cache_dirs()
    assert profile.cache_entries() == 1
    elsewhere = ProfileDir(
        path=make_profile(tmp_path / "elsewhere/abcd.default-esr", "firefox"), engine="firefox"
    )
    assert elsewhere.cache_dirs() == [elsewhere.path / "cache2"]  # never another profile's cache


def test_the_profile_tells_which_browser_auto_chooses(tmp_path: Path) -> None:
    assert profile_engine(make_profile(tmp_path / "ff", "firefox")) == "firefox"
    assert profile_engine(make_profile(tmp_path / "ch", "chromium")) == "chromium"
    assert profile_engine(tmp_path) is None


def test_a_chromium_profile_other_than_default_is_cleaned_and_default_left_alone(
    playwright: Playwright, demo_shop: DemoShop, tmp_path: Path
) -> None:
    user_data = tmp_path / "google-chrome"
    spec = spec_for(installed("chromium"))
    spec = dataclasses.replace(spec, args=[*spec.args, "--profile-directory=Profile 1"])
    for profile_spec in (spec_for(installed("chromium")), spec):  # Default, then Profile 1
        context = launch(playwright, profile_spec, user_data_dir=user_data)
        assert isinstance(context, BrowserContext)
        context.add_cookies(
            [{"name": "sfr_login", "value": "x", "url": demo_shop.sfr_url, "expires": 2e9}]
        )
        context.close()
    default = digest(user_data / "Default")

    report = run_checks(
        demo_shop.rules(),
        profile=user_data / "Profile 1",  # --browser auto: a Chromium profile, so Chromium
        lang="en",
        playwright=playwright,
        installed=[installed("chromium"), installed("firefox")],
    )

    assert statuses(report)["cookies"] == "fixed"
    assert statuses(report)["merchant_session"] == "fixed"
    assert report.browser.family == "chromium"
    assert digest(user_data / "Default") == default


def test_what_playwright_writes_into_a_firefox_profile_is_undone(tmp_path: Path) -> None:
    # Playwright writes its automation prefs into user.js and copies prefs.js to
    # prefs.js.playwright (playwright 1.64 writePreferences); the guard puts them back.
    folder = make_profile(tmp_path / "ff", "firefox")
    (folder / "prefs.js").write_text('user_pref("browser.startup.page", 3);\n')
    dotfiles = tmp_path / "dotfiles-user.js"
    dotfiles.write_text('user_pref("signon.rememberSignons", true);\n')
    (folder / "user.js").symlink_to(dotfiles)
    before = digest(folder)

    with _profile_guard(ProfileDir(path=folder, engine="firefox")):
        (folder / "prefs.js.playwright").write_text("copy")
        (folder / "user.js").unlink()
        (folder / "user.js").write_text('user_pref("signon.rememberSignons", false);\n')
        (folder / "prefs.js").write_text('user_pref("app.update.disabledForTesting", true);\n')

    assert digest(folder) == before
    assert (folder / "user.js").is_symlink() and not (folder / "prefs.js.playwright").exists()
    assert dotfiles.read_text() == 'user_pref("signon.rememberSignons", true);\n'
