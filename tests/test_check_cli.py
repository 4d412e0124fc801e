"""`preflight check` as the EI runs it: exit codes, JSON, messages, bad input."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import inprocess
import pytest
from inprocess import Ran

from preflight.browsers import discover
from preflight.check import CheckReport
from preflight.cli import _check
from preflight.demo_shop import DemoShop

SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15"
)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
REQUIRED_IDS = {"browser_family", "browser_version", "cache", "cookies", "merchant_session"}


def preflight(*args: str) -> Ran:
    """`preflight check ARGS…` in-process (tests/inprocess.py): usage, exit codes, messages."""
    return inprocess.preflight("check", *args)


def preflight_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`preflight check ARGS…` as a process of its own: the check that launches a browser."""
    return subprocess.run(
        [sys.executable, "-m", "preflight", "check", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
    )


def assert_one_clean_line(result: Ran) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_safari_user_agent_is_not_ready_with_exit_1_and_valid_json() -> None:
    result = preflight("--user-agent", SAFARI, "--json", "--lang", "en")
    assert result.returncode == 1, result.stderr
    report = CheckReport.model_validate_json(result.stdout)
    assert report.verdict == "not_ready"
    assert {c.id for c in report.checks} >= REQUIRED_IDS
    family = next(c for c in report.checks if c.id == "browser_family")
    assert family.status == "fail" and "Safari" in family.message
    assert report.browser.driver == "user-agent" and report.browser.family == "safari"


def test_chrome_user_agent_is_ready_with_exit_0_and_french_messages() -> None:
    result = preflight("--user-agent", CHROME, "--json", "--lang", "fr")
    assert result.returncode == 0, result.stderr
    report = CheckReport.model_validate_json(result.stdout)
    assert report.verdict == "ready"
    assert "navigateur recommandé" in report.checks[0].message


def test_the_table_ends_with_the_verdict_in_a_sentence() -> None:
    result = preflight("--user-agent", SAFARI, "--lang", "en")
    assert result.returncode == 1
    assert "Browser" in result.stdout and "To fix" in result.stdout
    assert "browser_family" not in result.stdout  # ids stay in --json
    assert result.stdout.strip().splitlines()[-1].startswith("Not ready:")


def test_a_bad_rules_file_exits_2_naming_the_file_and_the_key(tmp_path: Path) -> None:
    rules = tmp_path / "shop.toml"
    rules.write_text(
        '[browser]\nallowed = ["chrome", "netscape"]\n'
        '[order]\nentry = ["https://a.example/*"]\nmerchant = ["https://b.example/*"]\n'
        '[merchant_session]\ndomains = ["b.example"]\naccount_url = "https://b.example/"\n',
        encoding="utf-8",
    )
    line = assert_one_clean_line(preflight("--user-agent", CHROME, "--rules", str(rules)))
    assert str(rules) in line and "browser.allowed" in line


def test_a_missing_rules_file_exits_2(tmp_path: Path) -> None:
    line = assert_one_clean_line(preflight("--rules", str(tmp_path / "nope.toml")))
    assert "nope.toml" in line and "no such file" in line


def test_an_unknown_browser_exits_2_with_one_line() -> None:
    line = assert_one_clean_line(preflight("--browser", "netscape"))
    assert "netscape" in line and "chrome" in line


def test_a_missing_executable_exits_2_with_one_line(tmp_path: Path) -> None:
    line = assert_one_clean_line(preflight("--executable", str(tmp_path / "chrome")))
    assert "no such file" in line


def test_a_folder_that_is_not_a_profile_exits_2(tmp_path: Path) -> None:
    line = assert_one_clean_line(preflight("--browser", "firefox", "--profile", str(tmp_path)))
    assert str(tmp_path) in line and "Firefox profile" in line


def test_only_order_sites_without_a_profile_is_a_usage_error() -> None:
    line = assert_one_clean_line(preflight("--only-order-sites"))
    assert "--profile" in line


def test_the_demo_shop_check_is_ready_on_a_fresh_profile(
    browser_name: str, demo_shop: DemoShop
) -> None:
    result = preflight_process(
        "--browser",
        browser_name,
        "--rules",
        "demo",
        "--json",
        "--yes",
        env={"PREFLIGHT_DEMO_PORT": str(demo_shop.port)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = CheckReport.model_validate_json(result.stdout)
    assert report.verdict == "ready"
    statuses = {c.id: c.status for c in report.checks}
    assert all(statuses[i] == "pass" for i in REQUIRED_IDS), statuses
    assert report.browser.family in {"chromium", "chrome"} | {"firefox"}
    assert report.browser.version and report.browser.executable


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What the EI types at the prompts (Rich's prompts read with `input`)."""
    typed: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda *a: typed.pop(0))
    yield typed


def test_the_checklist_validates_the_phone_number_and_does_not_keep_it(
    answers: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    answers += ["y", "y", "12 34", "06 12 34 56 78", "n"]
    manual = _check._ask("en")
    assert manual.answers == {
        "offers_explained": True,
        "installation_explained": True,
        "daytime_phone_given": True,
        "customer_computer": False,
    }
    assert "Not a valid French number" in capsys.readouterr().out
    assert "12 34 56 78" not in manual.model_dump_json()


def test_an_empty_phone_answer_records_that_none_was_given(answers: list[str]) -> None:
    answers += ["non", "o", "", "oui"]  # in French: o/n, oui/non
    manual = _check._ask("fr")
    assert manual.answers == {
        "offers_explained": False,
        "installation_explained": True,
        "daytime_phone_given": False,
        "customer_computer": True,
    }


def test_a_french_question_insists_on_o_or_n(
    answers: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    answers += ["peut-être", "o", "o", "", "o"]
    assert _check._ask("fr").answers["offers_explained"] is True
    assert "Répondez o (oui) ou n (non)" in capsys.readouterr().out


def test_a_browser_that_is_not_installed_exits_2_saying_what_to_install() -> None:
    if any(b.family == "edge" for b in discover()):
        pytest.skip("Edge is installed here")
    line = assert_one_clean_line(preflight("--browser", "edge"))
    assert "no edge browser found" in line and "install Google Chrome or Mozilla Firefox" in line
