"""A named profile: found and read on disk (cache, site storage, history's origins), refused
when it must not be touched (not a profile of the browser, in use), and its own files put
back byte for byte after the check."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from loguru import logger

from preflight.check._sites import OrderSites
from preflight.errors import ProfileError

# Chromium's site-storage folders inside a profile (`Default/`), removed in "all sites" mode.
_CHROMIUM_STORAGE_DIRS = (
    "Local Storage",
    "Session Storage",
    "IndexedDB",
    "Service Worker",
    "WebStorage",
    "File System",
    "blob_storage",
)


def _firefox_origin(folder: str) -> str | None:
    """`http+++localhost+8765` → `http://localhost:8765`; not a web origin → None."""
    match = re.fullmatch(r"(https?)\+\+\+([^+^]+)(?:\+(\d+))?(\^.*)?", folder)
    if not match:
        return None
    scheme, host, port, _attrs = match.groups()
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _chromium_origin(folder: str) -> str | None:
    """`http_localhost_8765.indexeddb.leveldb` → `http://localhost:8765`."""
    match = re.fullmatch(r"(https?)_(.+?)_(\d+)\.indexeddb\.(leveldb|blob)", folder)
    if not match:
        return None
    scheme, host, port, _ = match.groups()
    default = "443" if scheme == "https" else "80"
    return f"{scheme}://{host}" + ("" if port in ("0", default) else f":{port}")


@dataclass
class ProfileDir:
    """A browser profile folder named by the user, of one engine."""

    path: Path  # Chromium: the user-data folder (with `Local State`)
    engine: Literal["chromium", "firefox"]
    name: str = "Default"  # Chromium: the profile inside it (`Default`, `Profile 1`…)

    @property
    def chromium_profile(self) -> Path:
        return self.path / self.name

    def launch_args(self) -> list[str]:
        """Browser arguments that open this profile (Chromium opens `Default` by itself)."""
        if self.engine == "chromium" and self.name != "Default":
            return [f"--profile-directory={self.name}"]
        return []

    def cache_dirs(self) -> list[Path]:
        """Where this profile's HTTP cache lives."""
        if self.engine == "chromium":
            dirs = [self.chromium_profile / "Cache"]
            # Linux: the user-data folder ~/.config/<browser> keeps its cache in
            # ~/.cache/<browser>/<profile>/Cache.
            config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
            if self.path.parent.resolve() == config.resolve():
                cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                dirs.append(cache / self.path.name / self.name / "Cache")
            return dirs
        dirs = [self.path / "cache2"]
        # A profile in the standard place keeps its cache in the OS cache folder, under the
        # same folder name; a profile elsewhere keeps it inside (measured with Firefox 153).
        for profiles_root, cache_root in _firefox_cache_roots():
            if self.path.parent.resolve() == profiles_root.resolve():
                dirs.append(cache_root / self.path.name / "cache2")
        return dirs

    def cache_entries(self) -> int:
        count = 0
        for cache in self.cache_dirs():
            entries = cache / "entries" if self.engine == "firefox" else cache / "Cache_Data"
            if entries.is_dir():
                count += sum(
                    1 for f in entries.iterdir() if f.is_file() and not f.name.startswith("index")
                )
        return count

    def storage_folders(self, sites: OrderSites | None) -> list[Path]:
        """Site-storage folders on disk: all web origins', or only the order sites'."""
        found: list[Path] = []
        if self.engine == "firefox":
            root = self.path / "storage" / "default"
            if root.is_dir() and self._inside(root):
                for folder in sorted(root.iterdir()):
                    origin = _firefox_origin(folder.name)
                    if origin and (
                        sites is None or sites.owns_host(urlsplit(origin).hostname or "")
                    ):
                        found.append(folder)
            return found
        if sites is None:
            return [
                d for name in _CHROMIUM_STORAGE_DIRS if (d := self.chromium_profile / name).exists()
            ]
        idb = self.chromium_profile / "IndexedDB"
        if idb.is_dir() and self._inside(idb):
            for folder in sorted(idb.iterdir()):
                origin = _chromium_origin(folder.name)
                if origin and sites.owns_host(urlsplit(origin).hostname or ""):
                    found.append(folder)
        return found

    def _inside(self, folder: Path) -> bool:
        """False when `folder` is a link (or under one) to outside the profile: what it points
        to was not named, so its entries are never listed, let alone removed."""
        return folder.resolve().is_relative_to(self.path.resolve())

    def stored_origins(self, sites: OrderSites) -> list[str]:
        """Order-site origins this profile may hold data for: those with storage folders on
        disk and, for Chromium (whose storage folders do not all name their origin), those in
        its history — the rules' globs leave ports open (`http://127.0.0.1:*/…`)."""
        origins = []
        for folder in self.storage_folders(sites):
            origin = (
                _firefox_origin(folder.name)
                if self.engine == "firefox"
                else _chromium_origin(folder.name)
            )
            if origin and origin not in origins:
                origins.append(origin)
        if self.engine == "chromium":
            for origin in _history_origins(self.chromium_profile / "History"):
                if sites.owns_host(urlsplit(origin).hostname or "") and origin not in origins:
                    origins.append(origin)
        return origins


def _history_origins(history: Path) -> list[str]:
    """The web origins in a Chromium history database, read from a copy (never the file the
    browser owns). Only origins are kept: the pages visited are not."""
    if not history.is_file():
        return []
    with tempfile.TemporaryDirectory(prefix="preflight-history-") as tmp:
        copy = Path(tmp) / "History"
        shutil.copyfile(history, copy)
        try:
            with contextlib.closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as db:
                rows = db.execute("SELECT url FROM urls").fetchall()
        except sqlite3.Error as error:
            logger.debug("cannot read the history database: {}", error)
            return []
    origins: dict[str, None] = {}
    for (url,) in rows:
        parts = urlsplit(str(url))
        host = parts.hostname  # without any user:password@
        if parts.scheme in ("http", "https") and host:
            host = f"[{host}]" if ":" in host else host
            origins[f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")] = None
    return list(origins)


def _firefox_cache_roots() -> list[tuple[Path, Path]]:
    home = Path.home()
    if sys.platform == "darwin":
        return [
            (
                home / "Library/Application Support/Firefox/Profiles",
                home / "Library/Caches/Firefox/Profiles",
            )
        ]
    if sys.platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA", home / "AppData/Roaming"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData/Local"))
        return [(appdata / "Mozilla/Firefox/Profiles", local / "Mozilla/Firefox/Profiles")]
    cache = Path(os.environ.get("XDG_CACHE_HOME", home / ".cache"))
    return [(home / ".mozilla/firefox", cache / "mozilla/firefox")]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# --- A named profile: refuse what must not be touched, and leave no trace ------------------------


def profile_engine(path: str | Path) -> Literal["chromium", "firefox"] | None:
    """Which engine a profile folder belongs to, by the files each one writes."""
    folder = Path(path).expanduser()
    if (folder / "prefs.js").is_file() or (folder / "times.json").is_file():
        return "firefox"
    if (folder / "Local State").is_file() or (folder / "Default").is_dir():
        return "chromium"
    return "chromium" if _is_chromium_subprofile(folder) else None


def _is_chromium_subprofile(folder: Path) -> bool:
    return (folder / "Preferences").is_file() and (folder.parent / "Local State").is_file()


def open_profile(path: str | Path, engine: Literal["chromium", "firefox"]) -> ProfileDir:
    """The profile at `path`, if it is a closed profile of `engine`; ProfileError otherwise."""
    folder = Path(path).expanduser()
    where = "--profile"
    if not folder.is_dir():
        raise ProfileError(
            "no such folder",
            file=folder,
            where=where,
            expected="an existing browser profile folder",
        )
    name = "Default"
    if engine == "chromium" and _is_chromium_subprofile(folder):
        # `…/google-chrome/Profile 1`: the browser opens the user-data folder above it.
        folder, name = folder.parent, folder.name
    kind = profile_engine(folder)
    is_chromium, is_firefox = kind == "chromium", kind == "firefox"
    wanted = (
        "a Chromium/Chrome profile (with `Local State` or `Default/`)"
        if engine == "chromium"
        else ("a Firefox profile (with `prefs.js` or `times.json`)")
    )
    if (engine == "chromium" and not is_chromium) or (engine == "firefox" and not is_firefox):
        other = (
            " (this is a Firefox profile)"
            if is_firefox
            else " (this is a Chromium profile)"
            if is_chromium
            else ""
        )
        raise ProfileError(
            f"not a profile of the chosen browser{other}", file=folder, where=where, expected=wanted
        )
    holder = _lock_holder(folder, engine)
    if holder:
        raise ProfileError(
            f"the profile is in use ({holder})",
            file=folder,
            where=where,
            expected="the browser closed first",
        )
    return ProfileDir(path=folder, engine=engine, name=name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_holder(folder: Path, engine: str) -> str | None:
    """Who holds the profile, if a running browser does (stale locks are ignored)."""
    if sys.platform.startswith("win"):
        return _windows_lock_holder(folder, engine)
    if engine == "chromium":
        lock = folder / "SingletonLock"
        if not lock.is_symlink() and not lock.exists():
            return None
        target = os.readlink(lock) if lock.is_symlink() else ""
        host, _, pid = target.rpartition("-")  # "hostname-1234"
        if host and host != socket.gethostname():
            return f"SingletonLock held by {host}"
        if pid.isdigit() and not _pid_alive(int(pid)):
            return None
        return f"SingletonLock, process {pid or '?'}"
    lock = folder / "lock"
    if lock.is_symlink():
        target = os.readlink(lock)  # "127.0.0.1:+1234"
        pid = target.rpartition("+")[2]
        if pid.isdigit() and _pid_alive(int(pid)):
            return f"lock, process {pid}"
    parent = folder / ".parentlock"
    if parent.is_file():
        import fcntl  # POSIX only; Windows is handled above

        with parent.open("rb+") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return ".parentlock held"
            fcntl.lockf(handle, fcntl.LOCK_UN)
    return None


def _windows_lock_holder(folder: Path, engine: str) -> str | None:
    """A running browser keeps its lock file open without sharing: opening it fails."""
    lock = folder / ("lockfile" if engine == "chromium" else "parent.lock")
    if not lock.is_file():
        return None
    try:
        with lock.open("ab"):
            return None
    except PermissionError:
        return f"{lock.name} held"


# Files of a named profile that opening it through Playwright would change and that the user
# keeps: Firefox prefs (Playwright writes user.js and prefs.js.playwright), and the history
# the check's own page loads add. Bookmarks and passwords are not written; tests prove it.
_KEEP = {
    "firefox": (
        "user.js",
        "prefs.js",
        "prefs.js.playwright",
        "places.sqlite*",
        "favicons.sqlite*",
        "sessionstore.jsonlz4",
        "sessionstore-backups",
    ),
    "chromium": (
        "{profile}/History*",
        "{profile}/Favicons*",
        "{profile}/Top Sites*",
        "{profile}/Visited Links",
        "{profile}/Shortcuts*",
        "{profile}/Network Action Predictor*",
        "{profile}/Sessions",
    ),
}


@contextlib.contextmanager
def _profile_guard(profile: ProfileDir) -> Iterator[None]:
    """Put the kept files back byte for byte, and remove those that were not there."""
    patterns = [p.format(profile=glob.escape(profile.name)) for p in _KEEP[profile.engine]]
    backup = Path(tempfile.mkdtemp(prefix="preflight-keep-"))
    before: set[str] = set()
    try:
        for pattern in patterns:
            for source in profile.path.glob(pattern):
                rel = source.relative_to(profile.path)
                before.add(str(rel))
                target = backup / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir() and not source.is_symlink():
                    shutil.copytree(source, target, symlinks=True)
                else:
                    shutil.copy2(source, target, follow_symlinks=False)
        yield
    finally:
        for pattern in patterns:
            for now in profile.path.glob(pattern):
                if str(now.relative_to(profile.path)) not in before:
                    _remove(now)
        for kept in before:
            source, target = backup / kept, profile.path / kept
            _remove(target)
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target, follow_symlinks=False)
        shutil.rmtree(backup, ignore_errors=True)
