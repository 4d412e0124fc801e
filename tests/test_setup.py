"""`preflight setup` and `preflight --version`, the command run in a subprocess as a seller runs
it: on this machine's browsers, and on the same machine made to look empty through discovery's
own seams (PREFLIGHT_BROWSERS_ROOT, PATH, PLAYWRIGHT_BROWSERS_PATH) — no mock of Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from preflight.browsers import choose


def _preflight(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "preflight", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def _closed_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_version_is_the_installed_distributions() -> None:
    run = _preflight("--version", env=dict(os.environ))

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"preflight {version('preflight')}"


@pytest.mark.parametrize(
    ("lang", "used", "nothing"),
    [
        ("fr", "Navigateur utilisé pour les commandes :", "Rien à installer"),
        ("en", "Browser used for the orders:", "Nothing to install"),
    ],
)
def test_setup_names_the_installed_browser_and_installs_nothing(
    lang: str, used: str, nothing: str, tmp_path: Path
) -> None:
    downloads = tmp_path / "ms-playwright"
    downloads.mkdir()
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(downloads)}

    run = _preflight("setup", "--lang", lang, env=env)

    expected = choose("auto")  # what check and order will drive
    assert run.returncode == 0, run.stdout + run.stderr
    assert used in run.stdout and str(expected.executable) in run.stdout
    assert nothing in run.stdout and "preflight check" in run.stdout
    # Playwright's installer always writes its `.links` folder there: it never ran.
    assert list(downloads.iterdir()) == []
    assert run.stderr == ""


@pytest.mark.slow  # Playwright's installer retries its download three times before it gives up
def test_setup_on_a_machine_without_browsers_tries_to_download_and_says_why_it_failed(
    tmp_path: Path,
) -> None:
    for folder in ("root", "bin", "ms-playwright"):
        (tmp_path / folder).mkdir()
    port = _closed_port()
    env = {
        **os.environ,
        "PREFLIGHT_BROWSERS_ROOT": str(tmp_path / "root"),  # no /usr/bin/chromium…
        "PATH": str(tmp_path / "bin"),  # …none on PATH…
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "ms-playwright"),  # …no Playwright build
        # Where Playwright downloads from: a closed port, so the download fails here as it
        # does offline, and on a machine with Internet too.
        "PLAYWRIGHT_DOWNLOAD_HOST": f"http://127.0.0.1:{port}",
    }

    run = _preflight("setup", "--lang", "fr", env=env)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "Ni Chrome ni Firefox n'est installé : téléchargement" in run.stdout
    assert "Échec : le navigateur n'a pas pu être téléchargé" in run.stderr
    assert f"ECONNREFUSED 127.0.0.1:{port}" in run.stderr  # Playwright's reason, in one line
    assert "Traceback" not in run.stderr and "    at " not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert (tmp_path / "ms-playwright" / ".links").is_dir()  # the installer did run


def test_with_an_empty_root_path_and_download_folder_discovery_finds_nothing(
    tmp_path: Path,
) -> None:
    """The seam the test above relies on: the same env makes `preflight browsers` empty."""
    env = {
        **os.environ,
        "PREFLIGHT_BROWSERS_ROOT": str(tmp_path),
        "PATH": str(tmp_path),
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path),
    }

    run = _preflight("browsers", "--json", env=env)

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_failure_reason_is_playwrights_first_error_line_without_colours() -> None:
    from preflight.install import failure_reason

    # As Playwright 1.64's installer prints it offline (abridged): three attempts, a summary.
    output = (
        "Downloading Chrome for Testing 156.0.8078.4 (playwright chromium v1248)\x1b[2m from "
        "https://cdn.playwright.dev/builds/cft/156.0.8078.4/linux64/chrome-linux64.zip\x1b[22m\n"
        "Error: getaddrinfo ENOTFOUND cdn.playwright.dev\n"
        "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:internal/dns/promises)\n"
        "Failed to install browsers\n"
        "Error: Failed to download Chrome for Testing 156.0.8078.4, caused by\n"
    )

    assert failure_reason(output) == "getaddrinfo ENOTFOUND cdn.playwright.dev"
    assert failure_reason("\x1b[31mkilled\x1b[0m\n\n") == "killed"
    assert failure_reason("") == "no reason given"
