"""The seller's launcher: « Préflight ACN » on the desktop and in the applications menu.

One click runs `preflight order` with no link: its start page asks for the ACN link, and the
seller never opens a terminal after the install. Per OS, a file tested by its content:

* Linux: a freedesktop `.desktop` entry in `$XDG_DATA_HOME/applications` and on the desktop
  (`XDG_DESKTOP_DIR`, platformdirs' user desktop folder);
* Windows: a `.cmd` file (a plain text shortcut Explorer runs with a double-click; a `.lnk`
  needs COM) on the desktop and in the Start menu's Programs folder;
* macOS: a `.command` file (Terminal runs it with a double-click) on the desktop and in
  `~/Applications`.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path, user_desktop_path

from preflight.errors import UsageError

NAME = "Préflight ACN"
FILE = "preflight-acn"


@dataclass(frozen=True)
class Launcher:
    """A launcher file: where it goes and what it holds."""

    path: Path
    text: str
    executable: bool = False


def command() -> list[str]:
    """What a click runs: this interpreter's `preflight order` (the install's, whatever PATH is)."""
    return [sys.executable, "-m", "preflight", "order"]


def launchers(platform: str | None = None, home: Path | None = None) -> list[Launcher]:
    """The launcher files for `platform` (sys.platform's form; default: this one)."""
    platform = platform or sys.platform
    run = command()
    if platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA") or (home or Path.home()) / "AppData" / "Roaming")
        menu = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs"
        quoted = " ".join(f'"{part}"' for part in run)
        text = f'@echo off\r\nrem {NAME}\r\nstart "" {quoted}\r\n'
        return [Launcher(folder / f"{NAME}.cmd", text) for folder in (_desktop(home), menu)]
    if platform == "darwin":
        text = f"#!/bin/sh\n# {NAME}\nexec {shlex.join(run)}\n"
        folders = (_desktop(home), (home or Path.home()) / "Applications")
        return [Launcher(f / f"{NAME}.command", text, executable=True) for f in folders]
    text = (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={NAME}\n"
        "Comment=Commande SFR surveillée, attribuée à votre session ACN\n"
        f"Exec={_desktop_exec(run)}\n"
        "Icon=web-browser\n"
        "Terminal=false\n"
        "Categories=Office;\n"
    )
    applications = user_data_path() / "applications"
    folders = (_desktop(home), applications)
    return [Launcher(f / f"{FILE}.desktop", text, executable=True) for f in folders]


def _desktop(home: Path | None) -> Path:
    if home is not None:
        return home / "Desktop"
    return user_desktop_path()


def _desktop_exec(run: list[str]) -> str:
    # The Desktop Entry spec's quoting: a part with a reserved character in double quotes,
    # with ", `, $ and \ escaped.
    def quote(part: str) -> str:
        if not any(c in part for c in " \t\n\"'\\><~|&;$*?#()`"):
            return part
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in part)
        return f'"{escaped}"'

    return " ".join(quote(part) for part in run)


def install(platform: str | None = None, home: Path | None = None) -> list[Path]:
    """Write the launchers; their paths."""
    written = []
    for launcher in launchers(platform, home):
        try:
            launcher.path.parent.mkdir(parents=True, exist_ok=True)
            launcher.path.write_text(launcher.text, encoding="utf-8", newline="")
            if launcher.executable:
                mode = launcher.path.stat().st_mode
                launcher.path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as error:
            raise UsageError(f"{launcher.path}: cannot be written ({error.strerror})") from None
        written.append(launcher.path)
    return written


def remove(platform: str | None = None, home: Path | None = None) -> list[Path]:
    """Remove the launchers there are; their paths."""
    removed = []
    for launcher in launchers(platform, home):
        try:
            launcher.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise UsageError(f"{launcher.path}: cannot be removed ({error.strerror})") from None
        removed.append(launcher.path)
    return removed
