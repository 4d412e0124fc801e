"""`preflight order`: the library function behind it driven in-process (a driver callback plays
the customer), and the command itself in a subprocess, against the demo shop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Browser, Page, Playwright

from preflight.demo_shop import DemoShop
from preflight.order import run_order
from preflight.report import load_events
from preflight.rules import load_rules
from preflight.watch import Event, Watcher


def test_a_watched_order_ends_at_the_confirmation_with_an_attributed_report(
    bfcache_browser: Browser,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    demo_customer: Callable[..., dict[str, str]],
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        demo_customer(page, failed_eligibility=True)

    result = run_order(
        shop.link(offer="fibre", mode="mpa"),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
    )

    order = shop.orders()[-1]
    assert result.ended == "confirmation" and not result.incomplete
    assert result.outcome.verdict == "attributed" and result.exit_code == 0
    assert order["attributed"] is True
    assert result.outcome.order is not None and result.outcome.order.number == order["number"]
    saved = json.loads((result.folder / "report.json").read_text())
    assert saved["verdict"] == "attributed" and saved["incomplete"] is False
    assert saved["support_bundle"], saved  # R7: the failed eligibility attempt
    kinds = [e.kind for e in load_events(result.folder)]
    assert kinds.count("eligibility_error") == 1 and kinds[-1] in ("confirmation", "navigation")
    assert result.html is not None and result.html.is_file()


def test_a_reload_without_guard_is_lost_with_exit_code_3(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        page.locator("#tester-eligibilite").click()
        page.locator("#adresse").wait_for()
        page.reload()
        shop.wait_for_orders(lambda o: bool(o) and o[-1]["ended_by"] == "reload")
        page.close()  # the customer closes the window: the watch ends

    result = run_order(
        shop.link(offer="adsl", mode="spa"),
        shop.rules(),
        browser=browser_name,
        guard=False,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
    )

    assert result.ended == "closed"
    assert result.outcome.verdict == "lost" and result.exit_code == 3
    assert [v.kind for v in result.outcome.violations] == ["reload"]
    assert shop.orders()[-1]["attributed"] is False


def test_a_killed_browser_leaves_every_event_and_an_incomplete_report(
    playwright: Playwright,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    new_browser_mains: Callable[[], list[psutil.Process]],
) -> None:
    seen: list[int] = []

    def drive(page: Page, watcher: Watcher) -> None:
        page.locator("#tester-eligibilite").click()
        page.locator("#adresse").wait_for()
        watcher.settle()
        seen.append(watcher.events_count)
        for process in new_browser_mains():  # the order's browser
            process.kill()

    result = run_order(
        shop.link(),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        playwright=playwright,
    )

    assert result.ended == "closed" and result.incomplete
    saved = json.loads((result.folder / "report.json").read_text())
    assert saved["incomplete"] is True
    events = list(load_events(result.folder))
    assert len(events) >= seen[0] and events[0].kind == "acn_entry"
    assert any(e.kind == "navigation" and "/sfr/eligibilite" in e.url for e in events)


def _preflight(*args: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFLIGHT_DEMO_PORT": str(port), "COLUMNS": "200"}
    command = [sys.executable, "-m", "preflight", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)


def test_the_command_left_alone_until_its_timeout_is_an_order_not_placed_exit_4(
    browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    # Nothing ended the session, but nothing was ordered either: never « attribuée », never 0
    # (#23: an order abandoned before its confirmation showed green).
    report = tmp_path / "report"
    run = _preflight(
        "order", shop.link(), "--rules", "demo", "--browser", browser_name, "--headless",
        "--timeout", "3", "--report", str(report), "--no-check",
        port=shop.port,
    )  # fmt: skip

    assert run.returncode == 4, run.stdout + run.stderr
    assert "Lien ACN suivi" in run.stdout
    assert "NON PASSÉE" in run.stdout and "ATTRIBUÉE" not in run.stdout
    assert "À faire maintenant" in run.stdout and "recommencez depuis le lien ACN" in run.stdout
    assert str(report / "report.html") in run.stdout.replace("\n", "")
    saved = json.loads((report / "report.json").read_text())
    assert (saved["verdict"], saved["ending"]) == ("attributed", "not_placed")
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["order", "not-a-link", "--no-check"], "not a web address"),
        (["order", "http://x/", "--rules", "nowhere.toml", "--no-check"], "nowhere.toml"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    args: list[str], expected: str, shop: DemoShop
) -> None:
    run = _preflight(*args, port=shop.port)

    assert run.returncode == 2, run.stdout + run.stderr
    assert expected in run.stderr and "Traceback" not in run.stderr


def test_live_alerts_tell_in_french_what_the_guard_stopped(
    bfcache_browser: Browser,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from preflight.cli._order import LiveAlerts

    def drive(page: Page, watcher: Watcher) -> None:
        page.locator("#tester-eligibilite").click()
        page.locator("#adresse").wait_for()
        page.click("h1")
        page.keyboard.press("F5")
        # Headless, with nobody to answer, Playwright dismisses the guard's question: cancel.
        page.click("#service-client")
        watcher.settle()

    result = run_order(
        shop.link(),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        timeout=0.5,
        drive=drive,
        on_event=LiveAlerts("fr"),
        launched=bfcache_browser,
    )

    out = capsys.readouterr().out
    assert result.ended == "timeout" and result.outcome.verdict == "attributed"
    assert "Lien ACN suivi : la session ACN commence." in out
    assert "Garde : raccourci F5 bloqué." in out
    assert "Garde : service client bloqué." in out
    assert "Étape : Test d'éligibilité (/sfr/eligibilite)" in out  # in words (#23)
    assert shop.orders()[-1]["attributed"] is True


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        ({"action": "key", "key": "F5"}, "Garde : raccourci F5 bloqué."),
        # The browser asks the seller: the page may be left, so never « bloqué » (#23).
        ({"action": "beforeunload"}, "Garde : le navigateur demande confirmation"),
        ({"action": "customer_service", "answer": "ok"}, "confirmé malgré l'avertissement"),
    ],
    ids=["key", "leave-page-prompt", "customer-service-ok"],
)
def test_the_terminal_says_blocked_only_when_the_move_did_not_happen(
    detail: dict[str, str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from preflight.cli._order import LiveAlerts

    LiveAlerts("fr")(Event(seq=1, kind="guard", detail=detail), Watcher(load_rules("default")))
    out = capsys.readouterr().out
    assert said in out and ("bloqué" in out) is (detail.get("action") == "key"), out
