"""The « Préflight ACN » launcher: one click opens `preflight order` on its start page."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from inprocess import preflight

from preflight import launcher


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_DESKTOP_DIR": str(tmp_path / "Bureau"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop entries: Linux")
def test_setup_launcher_makes_a_valid_desktop_entry_on_the_desktop_and_in_the_menu(
    dirs: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("preflight.cli._setup.ensure_browser", _no_browser_work)
    result = preflight("setup", "--launcher", env=dirs)
    assert result.returncode == 0, result.stderr
    entries = [tmp_path / "Bureau" / "preflight-acn.desktop"]
    entries.append(tmp_path / "data" / "applications" / "preflight-acn.desktop")
    for entry in entries:
        text = entry.read_text(encoding="utf-8")
        assert "Name=Préflight ACN" in text and "Terminal=false" in text
        exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
        assert exec_line.endswith(" -m preflight order")  # no link: the start page asks
        assert "Raccourci créé" in result.stdout
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (apt install desktop-file-utils)")
    checked = subprocess.run([validator, str(entries[0])], capture_output=True, text=True)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout


def test_setup_remove_takes_the_launchers_away(dirs: dict[str, str], tmp_path: Path) -> None:
    made = launcher.install()
    assert made and all(path.exists() for path in made)
    result = preflight("setup", "--remove", env=dirs)
    assert result.returncode == 0 and "Raccourci supprimé" in result.stdout
    assert not any(path.exists() for path in made)


def test_the_windows_launcher_is_a_cmd_file_that_starts_preflight_order(tmp_path: Path) -> None:
    made = launcher.launchers("win32", home=tmp_path)
    assert {p.path.name for p in made} == {"Préflight ACN.cmd"}
    assert any("Start Menu" in str(p.path) for p in made)
    text = made[0].text
    assert text.startswith("@echo off\r\n") and text.endswith('"-m" "preflight" "order"\r\n')


def test_the_macos_launcher_is_an_executable_command_file(tmp_path: Path) -> None:
    made = launcher.launchers("darwin", home=tmp_path)
    assert {p.path.parent.name for p in made} == {"Desktop", "Applications"}
    assert all(p.executable and p.path.suffix == ".command" for p in made)
    assert made[0].text.startswith("#!/bin/sh\n") and "-m preflight order\n" in made[0].text


def _no_browser_work(**_: object) -> object:
    from preflight.browsers import InstalledBrowser
    from preflight.install import Readiness

    chosen = InstalledBrowser(
        family="firefox", version="128", executable="/usr/bin/firefox", driver="executable"
    )
    return Readiness(browser=chosen, others=[])
