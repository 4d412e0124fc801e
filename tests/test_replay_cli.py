"""`preflight replay` through the real command: JSON, exit codes, clear messages, reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from preflight.demo_shop import DemoShop

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "scenarios"

WRONG = """\
name: wrongly-expected
description: a refresh on the offer page, but the scenario claims the order is attributed
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - expect_url: "*/sfr/offre/fibre*"
  - reload
expect: {verdict: attributed}
"""


def _preflight(*args: str, cwd: Path, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_library_scenarios_pass_on_both_browsers_with_the_issue_json_and_a_report_each(
    tmp_path: Path,
) -> None:
    done = _preflight(
        "replay",
        str(LIBRARY / "refresh-during-eligibility.yaml"),  # 3 shops × 2 engines on 2 workers
        "--browser",
        "chromium,firefox",
        "--json",
        "-j",
        "2",
        "--report",
        str(tmp_path / "reports"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["passed"] == 6 and document["failed"] == 0
    # `--report`: one order report per scenario and browser, and the run's index
    # (tests/test_replay_run.py).
    reports = tmp_path / "reports"
    folders = sorted(p.name for p in reports.iterdir() if p.is_dir())
    assert (reports / "index.html").is_file()
    assert folders == sorted(
        f"refresh-during-eligibility-{mode}-{browser}"
        for mode in ("mpa", "spa", "react")
        for browser in ("chromium", "firefox")
    )
    summary = json.loads((reports / folders[0] / "report.json").read_text(encoding="utf-8"))
    assert "lost" in json.dumps(summary)
    assert (reports / folders[0] / "events.jsonl").stat().st_size > 0
    row = document["results"][0]
    assert set(row) >= {
        "scenario",
        "file",
        "browser",
        "verdict",
        "expected",
        "passed",
        "violations",
        "duration_s",
    }
    assert row["scenario"] == "refresh-during-eligibility-mpa" and row["browser"] == "chromium"
    assert row["verdict"] == row["expected"] == "lost" and row["passed"] is True
    assert [v["kind"] for v in row["violations"]] == ["reload"]
    assert set(row["violations"][0]) == {"kind", "url", "step"}
    assert {r["browser"] for r in document["results"]} == {"chromium", "firefox"}


def test_a_wrong_expectation_exits_1_with_a_clear_message_and_a_screenshot(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(WRONG, encoding="utf-8")
    done = _preflight("replay", "wrong.yaml", "--browser", "chromium", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "expected attributed, got lost by [reload]" in done.stdout
    assert "(expect, wrong.yaml:" in done.stdout  # where, as pytest says it (issue #27)
    assert "Traceback" not in done.stdout + done.stderr
    shots = list((tmp_path / "preflight-replay").glob("wrongly-expected-chromium-*.png"))
    assert shots, "a failed scenario leaves a screenshot"


def test_a_broken_yaml_file_exits_2_with_file_and_line_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "name: broken\nsteps:\n  - goto: /\n  - fill: {selector: '#adresse'}\n"
        "expect: {verdict: lost}\n",
        encoding="utf-8",
    )
    done = _preflight("replay", "broken.yaml", "--browser", "chromium", cwd=tmp_path)
    assert done.returncode == 2
    assert "broken.yaml:4" in done.stderr and "'value' is missing" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_var_exits_2_saying_what_is_expected(tmp_path: Path) -> None:
    done = _preflight(
        "replay", str(LIBRARY / "direct-entry.yaml"), "--var", "no-equals-sign", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "expected NAME=VALUE" in done.stderr and "Traceback" not in done.stderr


def test_another_shop_is_a_base_url_a_rules_file_and_variables(
    shop: DemoShop, tmp_path: Path
) -> None:
    # "Another shop": the same flow served elsewhere, described only by its own rules file.
    demo_rules = REPO / "preflight" / "demo_shop" / "demo_rules.toml"
    rules = tmp_path / "other-shop.toml"
    rules.write_text(
        demo_rules.read_text(encoding="utf-8").replace('name = "demo"', 'name = "other-shop"'),
        encoding="utf-8",
    )
    done = _preflight(
        "replay",
        str(LIBRARY / "refresh-during-eligibility.yaml"),
        str(LIBRARY / "direct-entry.yaml"),
        "--browser",
        "firefox",
        "--base-url",
        shop.acn_url,
        "--rules",
        str(rules),
        "--var",
        f"MERCHANT={shop.sfr_url}",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["passed"] == 6
    ended = sorted(str(order["ended_by"]) for order in shop.orders())
    assert ended == ["direct"] * 3 + ["reload"] * 3


def test_an_unknown_placeholder_is_bad_input_before_any_browser_starts(tmp_path: Path) -> None:
    done = _preflight(
        "replay",
        str(LIBRARY / "direct-entry.yaml"),
        "--base-url",
        "http://127.0.0.1:9",
        "--browser",
        "chromium",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "direct-entry.yaml:" in done.stderr and "${MERCHANT}" in done.stderr
    assert "--var MERCHANT=VALUE" in done.stderr


def test_an_unreachable_base_url_is_one_clear_line_exit_2_before_any_browser(
    tmp_path: Path, closed_port: int
) -> None:
    cases = {
        f"http://127.0.0.1:{closed_port}/": "cannot be reached",
        "http://no-such-shop.invalid/": "unknown host no-such-shop.invalid",
        "http://127.0.0.1:99999/": "bad port",
        "shop.example/acn": "not a web address",
    }
    for url, said in cases.items():
        done = _preflight(
            "replay",
            str(LIBRARY / "adsl-order.yaml"),
            "--base-url",
            url,
            "--rules",
            "demo",
            "--browser",
            "chromium",
            "--artifacts",
            str(tmp_path / "shots"),
            cwd=tmp_path,
            timeout=60,
        )
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2, (url, done.stderr)
        assert len(lines) == 1 and said in lines[0] and url in lines[0], (url, done.stderr)
        assert not (tmp_path / "shots").exists()  # no scenario was replayed


def test_the_terminal_names_where_a_failure_is_even_when_its_message_is_masked() -> None:
    from preflight.cli._replay import _where
    from preflight.scenario._results import Failure, ScenarioResult

    def result(failure: Failure) -> ScenarioResult:
        row = dict(scenario="s", file="flows/s.yaml", browser="chromium", verdict="lost")
        return ScenarioResult(
            **row, expected="attributed", passed=False, violations=[], duration_s=1.0,
            failure=failure,
        )  # fmt: skip

    verdict = Failure(message="expected attributed, got lost", action="expect", line=9, step=2)
    assert _where(result(verdict)) == " (expect, flows/s.yaml:9)"
    masked = Failure(message="expect_text: #x does not contain '***'", action="expect_text")
    assert _where(result(masked.model_copy(update={"step": 4, "line": 7}))) == (
        " (step 4 expect_text, flows/s.yaml:7)"
    )


# --- issue #25, item 11: a scenario file's size, a report folder that is a link -------------


def test_a_scenario_file_over_1_mb_is_one_clear_line_exit_2_before_any_browser(
    tmp_path: Path,
) -> None:
    from inprocess import preflight

    big = tmp_path / "big.yaml"
    padding = "#" + "x" * 99 + "\n"
    big.write_text(WRONG + padding * 10_001, encoding="utf-8")  # just over 1 MB of comments

    done = preflight("replay", big, "--browser", "chromium", cwd=tmp_path)

    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and "big.yaml" in line, done.stderr
    assert "more than 1 000 000 bytes" in line and "at most 1 MB" in line, line
    assert not (tmp_path / "preflight-replay").exists()  # no browser, no artifact


def test_a_report_folder_that_is_a_link_is_refused_before_anything_is_written_through_it(
    tmp_path: Path,
) -> None:
    from inprocess import preflight

    (tmp_path / "wrong.yaml").write_text(WRONG, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "reports").symlink_to(elsewhere)

    done = preflight("replay", "wrong.yaml", "--report", "reports", cwd=tmp_path)

    assert done.returncode == 2, done.stdout + done.stderr
    assert "reports is a symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert list(elsewhere.iterdir()) == []  # nothing written through the link

    # A link planted inside a real report folder, where a scenario's report would go.
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "wrongly-expected-chromium").symlink_to(elsewhere)
    done = preflight(
        "replay", "wrong.yaml", "--report", "real", "--browser", "chromium", cwd=tmp_path
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "wrongly-expected-chromium is a symbolic link" in done.stderr, done.stderr
    assert list(elsewhere.iterdir()) == [] and list((tmp_path / "real").iterdir()) == [
        tmp_path / "real" / "wrongly-expected-chromium"
    ]
