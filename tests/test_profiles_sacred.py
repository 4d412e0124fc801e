"""Profiles are sacred: cleaning a named profile never reaches outside the folder that was named.

tests/test_profile_cleaning.py proves the refusals (not a profile, the other family, missing, in
use) and that bookmarks, passwords and history stay. What it leaves open is the third refusal of
issue #7 — "a path outside what was named": a profile whose cache or storage folders are
symbolic links to somewhere else (a user who moved the cache to another disk, a synced folder)
must lose the links at most, never what they point to. No browser is needed: the folders are
removed with the browser closed (`clean_offline`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from preflight.check import ProfileDir, clean_offline, open_profile, order_sites
from preflight.errors import ProfileError
from preflight.rules import load_rules

SITES = order_sites(load_rules("demo"))
ORDER_ORIGIN_FF = "http+++localhost+8765"  # Firefox's folder name for http://localhost:8765
OTHER_ORIGIN_FF = "https+++www.example.org"


def precious(folder: Path) -> Path:
    """A folder of someone's own files, outside any profile."""
    folder.mkdir(parents=True)
    (folder / "thesis.odt").write_bytes(b"years of work")
    (folder / "sub").mkdir()
    (folder / "sub" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    return folder


def digest(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def firefox_profile(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "prefs.js").write_text("// prefs\n")
    (folder / "places.sqlite").write_bytes(b"history and bookmarks")
    (folder / "logins.json").write_text('{"logins": []}')
    return folder


def chromium_profile(folder: Path) -> Path:
    (folder / "Default").mkdir(parents=True)
    (folder / "Local State").write_text("{}")
    (folder / "Default" / "Bookmarks").write_text("{}")
    (folder / "Default" / "Login Data").write_bytes(b"passwords")
    (folder / "Default" / "History").write_bytes(b"history")
    return folder


@pytest.mark.parametrize("only_order_sites", [False, True])
def test_a_firefox_cache_linked_elsewhere_loses_the_link_not_the_files(
    tmp_path: Path, only_order_sites: bool
) -> None:
    outside = precious(tmp_path / "documents")
    before = digest(outside)
    profile = firefox_profile(tmp_path / "ff")
    (profile / "cache2").symlink_to(outside, target_is_directory=True)

    clean_offline(open_profile(profile, "firefox"), SITES, only_order_sites=only_order_sites)

    assert digest(outside) == before
    assert not (profile / "cache2").exists()
    assert (profile / "places.sqlite").read_bytes() == b"history and bookmarks"


@pytest.mark.parametrize("only_order_sites", [False, True])
def test_firefox_site_storage_linked_elsewhere_is_not_followed(
    tmp_path: Path, only_order_sites: bool
) -> None:
    outside = precious(tmp_path / "elsewhere")
    # Folders named like origins, outside the profile: the cleaner must not go there.
    precious(outside / ORDER_ORIGIN_FF / "idb")
    precious(outside / OTHER_ORIGIN_FF / "ls")
    before = digest(outside)
    profile = firefox_profile(tmp_path / "ff")
    storage = profile / "storage"
    storage.mkdir()
    (storage / "default").symlink_to(outside, target_is_directory=True)

    clean_offline(open_profile(profile, "firefox"), SITES, only_order_sites=only_order_sites)

    assert digest(outside) == before


def test_one_origin_folder_linked_elsewhere_loses_the_link_not_the_files(tmp_path: Path) -> None:
    outside = precious(tmp_path / "elsewhere")
    before = digest(outside)
    profile = firefox_profile(tmp_path / "ff")
    default = profile / "storage" / "default"
    default.mkdir(parents=True)
    (default / ORDER_ORIGIN_FF).symlink_to(outside, target_is_directory=True)
    real = default / OTHER_ORIGIN_FF
    real.mkdir()
    (real / "data").write_bytes(b"other site")

    clean_offline(open_profile(profile, "firefox"), SITES, only_order_sites=True)

    assert digest(outside) == before
    assert not (default / ORDER_ORIGIN_FF).exists()  # the order site's storage is gone
    assert (real / "data").read_bytes() == b"other site"  # another site's stays


@pytest.mark.parametrize(
    "linked", ["Local Storage", "Session Storage", "IndexedDB", "Service Worker"]
)
def test_chromium_storage_linked_elsewhere_loses_the_link_not_the_files(
    tmp_path: Path, linked: str
) -> None:
    outside = precious(tmp_path / "elsewhere")
    before = digest(outside)
    profile = chromium_profile(tmp_path / "ch")
    (profile / "Default" / linked).symlink_to(outside, target_is_directory=True)

    clean_offline(open_profile(profile, "chromium"), SITES, only_order_sites=False)

    assert digest(outside) == before
    assert not (profile / "Default" / linked).exists()
    for kept in ("Bookmarks", "Login Data", "History"):
        assert (profile / "Default" / kept).is_file()


def test_a_link_inside_a_storage_folder_is_removed_without_following_it(tmp_path: Path) -> None:
    outside = precious(tmp_path / "elsewhere")
    before = digest(outside)
    profile = chromium_profile(tmp_path / "ch")
    idb = profile / "Default" / "IndexedDB"
    idb.mkdir()
    (idb / "http_localhost_8765.indexeddb.leveldb").symlink_to(outside)

    clean_offline(open_profile(profile, "chromium"), SITES, only_order_sites=False)

    assert digest(outside) == before
    assert not idb.exists()


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_a_home_folder_or_a_folder_of_profiles_is_not_a_profile(
    tmp_path: Path, engine: str
) -> None:
    # What an EI might type by mistake: the folder that holds the profiles, or their home.
    home = precious(tmp_path / "home")
    profiles = home / ".mozilla" / "firefox"
    profiles.mkdir(parents=True)
    (profiles / "profiles.ini").write_text("[Profile0]\nPath=abcd.default\n")
    firefox_profile(profiles / "abcd.default")
    for folder in (home, profiles, home / ".config" / "chromium"):
        folder.mkdir(parents=True, exist_ok=True)
        with pytest.raises(ProfileError) as caught:
            open_profile(folder, engine)  # type: ignore[arg-type]
        assert str(folder) in str(caught.value)
        assert caught.value.expected


def test_a_file_named_as_a_profile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prefs.js"
    path.write_text("// a file, not a folder\n")
    with pytest.raises(ProfileError, match="no such folder"):
        open_profile(path, "firefox")


def test_the_profile_folder_itself_may_be_a_link_and_only_its_cache_goes(tmp_path: Path) -> None:
    # A link the user named is what they named: its target is the profile.
    real = firefox_profile(tmp_path / "real")
    (real / "cache2" / "entries").mkdir(parents=True)
    (real / "cache2" / "entries" / "ABC").write_bytes(b"cached")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)

    profile = open_profile(link, "firefox")
    assert isinstance(profile, ProfileDir)
    clean_offline(profile, SITES, only_order_sites=False)

    assert not (real / "cache2").exists()
    assert (real / "places.sqlite").read_bytes() == b"history and bookmarks"
