"""preflight installed like an app: the wheel is built from a copy of the sources, installed in a
fresh virtual environment outside the repository, and used from there as a seller would —
`preflight --version`, `preflight check`, `preflight serve-demo` and watched orders on it.
That proves the package carries every file it uses (templates, the injected scripts, the demo
shop, the rules files), and a test lists them so that a new one cannot be forgotten."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "preflight"


def _package_files() -> list[str]:
    """Every non-Python file of the package's source tree, as a wheel names it."""
    return sorted(
        path.relative_to(REPO).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    )


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (the worktree stays as it is)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE, source / "preflight", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    out = base / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("preflight-*.whl")
    return built


def test_the_wheel_carries_every_non_python_file_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    files = _package_files()

    assert "preflight/watch/probe.js" in files  # the listing itself sees the package's files
    missing = [f for f in files if f not in names]
    assert not missing, f"pyproject's package-data leaves these out of the wheel: {missing}"


@dataclass(frozen=True)
class Install:
    bin: Path
    home: Path  # a working folder outside the repository

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return {**env, "COLUMNS": "200", **extra}

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "preflight"), *args],
            capture_output=True,
            text=True,
            cwd=self.home,
            env=self.env(**extra),
            timeout=300,
        )


@pytest.fixture(scope="module")
def install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """A fresh virtual environment with the wheel and its dependencies (from PyPI, through
    pip's cache), as `pipx install preflight-….whl` makes one."""
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    home = base / "home"
    home.mkdir()
    return Install(bin_dir, home)


@pytest.fixture
def served(install: Install) -> Iterator[str]:
    """`preflight serve-demo --port 0` from the install; yields the EI's order link."""
    shop = subprocess.Popen(
        [str(install.bin / "preflight"), "serve-demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=install.home,
        env=install.env(),
    )
    try:
        assert shop.stdout is not None
        link = None
        for line in shop.stdout:  # the shop prints its URLs once it listens
            found = re.search(r"(?:Lien de commande|EI order link)\s+(\S+)", line)
            if found:
                link = found.group(1)
                break
        assert link, "serve-demo printed no order link"
        yield link
    finally:
        shop.terminate()
        shop.wait(timeout=30)


def _port(link: str) -> str:
    found = re.search(r"://127\.0\.0\.1:(\d+)/", link)
    assert found, link
    return found.group(1)


# The customer, played by a script run with the installed Python: the library of the install
# watches the order, as `preflight order` does, to the confirmation.
_DRIVEN_ORDER = textwrap.dedent(
    """
    import json, sys
    import preflight
    from preflight.rules import load_rules
    from preflight.order import run_order

    link, port, report = sys.argv[1:4]

    def customer(page, watcher):
        page.locator("#tester-eligibilite").click()
        page.fill("#adresse", "12 rue de la Paix, 75002 Paris")
        page.click("#tester")
        page.click("#continuer")
        page.fill("#nom", "Camille Martin")
        page.fill("#telephone", "0612345678")
        page.locator("#email").press_sequentially("camille@example.fr")  # bound to `change`
        page.click("#valider")
        page.click("#commander-plus-tard")
        page.locator("[data-testid=order-number]").wait_for()

    result = run_order(
        link, load_rules("demo", variables={"DEMO_PORT": port}), browser="chromium",
        headless=True, report_dir=report, drive=customer,
    )
    order = result.outcome.order
    print(json.dumps({
        "package": preflight.__file__, "verdict": result.outcome.verdict,
        "ended": result.ended, "exit_code": result.exit_code,
        "number": order.number if order else None,
    }))
    """
)


@pytest.mark.slow  # a wheel, a virtual environment, its dependencies, two browsers' worth of runs
@pytest.mark.timeout(1200)
def test_the_installed_wheel_checks_the_browser_and_watches_an_order_on_the_demo_shop(
    install: Install, served: str
) -> None:
    python = install.bin / "python"
    where = subprocess.run(
        [str(python), "-c", "import preflight; print(preflight.__file__)"],
        capture_output=True,
        text=True,
        cwd=install.home,
        env=install.env(),
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(install.bin.parent), where  # not the repository's

    version = install.run("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "preflight 0.1.0"

    # The seller's install carries none of QA's tools (#26): pytest comes with preflight[qa],
    # and QA's commands say so in one line.
    for module in ("pytest", "pytest_playwright", "xdist"):
        found = subprocess.run(
            [str(python), "-c", f"import {module}"],
            capture_output=True,
            text=True,
            cwd=install.home,
            env=install.env(),
        )
        assert found.returncode == 1 and "ModuleNotFoundError" in found.stderr, module
    for command in ("replay", "matrix"):
        refused = install.run(command, "flow.yaml", LC_ALL="en_US.UTF-8")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.splitlines() == [
            f"preflight: preflight {command} needs pytest, pytest-playwright, pytest-xdist, "
            "which this install of preflight leaves out: install preflight[qa] "
            '(pip install "preflight[qa]")'
        ]

    # As the seller runs it, with the shipped default rules (the real sites are offline here:
    # their proofs warn, nothing fails).
    check = install.run("check", "--browser", "chromium", "--yes", "--lang", "fr")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Prêt : ce navigateur peut servir à la commande." in check.stdout

    # The demo shop of the install serves its pages, scripts and the bundled front ends.
    port = _port(served)
    for path in ("static/react/shop.js", "static/vendor/preact.module.js", "static/shop.js"):
        with urllib.request.urlopen(f"http://localhost:{port}/sfr/{path}", timeout=30) as answer:
            assert answer.status == 200
            assert answer.read() == (PACKAGE / "demo_shop" / path).read_bytes(), path

    # `preflight order` from the install, left alone until its timeout (check included).
    report = install.home / "order-report"
    react_link = served.replace("mode=mpa", "mode=react")
    order = install.run(
        "order", react_link, "--rules", "demo", "--browser", "chromium", "--headless",
        "--timeout", "3", "--report", str(report),
        PREFLIGHT_DEMO_PORT=port,
    )  # fmt: skip
    # Nothing ended the session, nothing was ordered: « non passée », exit 4 (#23).
    assert order.returncode == 4, order.stdout + order.stderr
    assert "Lien ACN suivi" in order.stdout and "NON PASSÉE" in order.stdout
    saved = json.loads((report / "report.json").read_text())
    assert (saved["verdict"], saved["ending"]) == ("attributed", "not_placed")
    assert "<html" in (report / "report.html").read_text().lower()

    # A whole order to the confirmation, the customer driven by a script.
    driven_report = install.home / "driven-report"
    script = install.home / "drive.py"
    script.write_text(_DRIVEN_ORDER)
    driven = subprocess.run(
        [str(python), str(script), served, port, str(driven_report)],
        capture_output=True,
        text=True,
        cwd=install.home,
        env=install.env(),
        timeout=300,
    )
    assert driven.returncode == 0, driven.stdout + driven.stderr
    result = json.loads(driven.stdout.strip().splitlines()[-1])
    assert result["verdict"] == "attributed" and result["ended"] == "confirmation", result
    assert result["exit_code"] == 0 and result["number"], result
    with urllib.request.urlopen(f"http://localhost:{port}/__truth/orders", timeout=30) as answer:
        truth = json.loads(answer.read())
    confirmed = [o for o in truth if o["number"] == result["number"]]
    assert confirmed and confirmed[0]["attributed"] is True, truth
    assert (driven_report / "report.html").is_file()
