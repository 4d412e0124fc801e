"""The pytest plugin, run as a user runs it: `pytest` in a subprocess on a folder of scenarios."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

GOOD = """\
- name: refresh-on-offer
  description: the EI refreshes the SFR offer page
  steps:
    - goto: /acn/boutique
    - click: "text=Commander la Fibre"
    - expect_url: "*/sfr/offre/fibre*"
    - reload
    - expect_text: "Tester mon éligibilité"
  expect: {verdict: lost, violations: [reload]}
- name: direct-visit
  description: the customer types the SFR address instead of using the ACN link
  steps:
    - goto: ${MERCHANT}/sfr/offre/fibre
  expect: {verdict: lost, violations: [left_session]}
"""

WRONG = """\
name: wrongly-expected
description: a refresh, but the scenario claims the order is attributed
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - expect_url: "*/sfr/offre/fibre*"
  - reload
expect: {verdict: attributed}
"""

HAND_WRITTEN = """\
def test_the_watch_fixture_sees_a_refresh(preflight_watch, page, preflight_base_url):
    page.goto(preflight_base_url + "/acn/boutique")
    page.click("text=Commander la Fibre")
    page.wait_for_url("**/sfr/offre/fibre*")
    page.reload()
    preflight_watch.settle()
    outcome = preflight_watch.outcome()
    assert outcome.verdict == "lost"
    assert [v.kind for v in outcome.violations] == ["reload"]
"""


def test_scenario_files_run_as_tests_per_browser_under_xdist_with_junit(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD, encoding="utf-8")
    pytester.path.joinpath("scenarios", "wrong.yaml").write_text(WRONG, encoding="utf-8")
    pytester.makepyfile(test_hand=HAND_WRITTEN)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "--browser",
        "chromium",
        "--browser",
        "firefox",
        "-n",
        "2",
        f"--junitxml={junit}",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        timeout=280,
    )
    # 2 good scenarios + the hand-written test on 2 browsers pass; the wrong one fails on both.
    result.assert_outcomes(passed=6, failed=2)
    out = result.stdout.str()
    assert "wrong.yaml::wrongly-expected[chromium]" in out
    assert "wrong.yaml::wrongly-expected[firefox]" in out
    assert "expected attributed, got lost by [reload]" in out
    assert "last events, oldest first:" in out and "(reload)" in out
    cases = ET.parse(junit).getroot().iter("testcase")
    names = sorted(case.get("name", "") for case in cases)
    assert names == sorted(
        f"{name}[{browser}]"
        for name in (
            "refresh-on-offer",
            "direct-visit",
            "wrongly-expected",
            "test_the_watch_fixture_sees_a_refresh",
        )
        for browser in ("chromium", "firefox")
    )


def test_a_broken_scenario_file_is_a_collection_error_with_file_and_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "broken.yaml").write_text(
        "name: broken\nsteps:\n  - goto: /\n  - clik: '#a'\nexpect: {verdict: lost}\n",
        encoding="utf-8",
    )
    result = pytester.runpytest_subprocess("--collect-only", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*ERROR collecting scenarios/broken.yaml*", "*broken.yaml:4*unknown action 'clik'*"]
    )


def test_yaml_outside_scenario_folders_is_left_alone_unless_it_has_steps(
    pytester: pytest.Pytester,
) -> None:
    pytester.path.joinpath("config.yaml").write_text("retries: 3\n", encoding="utf-8")
    pytester.path.joinpath("flow.yml").write_text(
        "name: flow\nsteps: [reload]\nexpect: {verdict: lost}\n", encoding="utf-8"
    )
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "flow.yml::flow" in out
    assert "config.yaml" not in out
