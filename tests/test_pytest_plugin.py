"""The pytest plugin, run as a user runs it: `pytest` in a subprocess on a folder of scenarios."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

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
    # pytest-playwright 0.10's fallback base_url fixture warns under pytest 9 on every run.
    assert "PytestRemovedIn10Warning" not in out
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


AZURE_PIPELINE = """\
trigger: [main]
pool: {vmImage: ubuntu-latest}
steps:
  - script: make test
    displayName: the tests
"""


def _flow(name: str) -> str:
    return f"name: {name}\nsteps: [reload]\nexpect: {{verdict: lost}}\n"


def _collected(pytester: pytest.Pytester, *args: str) -> set[str]:
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider", *args)
    out = result.stdout.str()
    assert result.ret == 0 and "azure-pipelines" not in out, out  # not even a collection error
    return {line.split("[")[0] for line in result.stdout.lines if "::" in line}


def test_scenarios_are_collected_only_where_asked(pytester: pytest.Pytester) -> None:
    # A CI pipeline beside the tests has a top-level `steps:` too: it is not a scenario (#26).
    pytester.path.joinpath("azure-pipelines.yml").write_text(AZURE_PIPELINE, encoding="utf-8")
    pytester.path.joinpath("config.yaml").write_text("retries: 3\n", encoding="utf-8")
    for folder, name in [("scenarios", "default"), ("flows", "mine"), ("tests", "other")]:
        pytester.mkdir(folder)
        pytester.path.joinpath(folder, f"{name}.yaml").write_text(_flow(name), encoding="utf-8")
    marked = pytester.path / "tests" / "checkout.preflight.yml"
    marked.write_text(_flow("marked"), encoding="utf-8")

    # By default: scenarios/ at the rootdir, and a file that says it is a scenario.
    assert _collected(pytester) == {
        "scenarios/default.yaml::default",
        "tests/checkout.preflight.yml::marked",
    }
    # The folders the ini names (relative to it), and no other.
    pytester.makeini("[pytest]\npreflight_scenarios = flows\n    scenarios\n")
    assert _collected(pytester) == {
        "flows/mine.yaml::mine",
        "scenarios/default.yaml::default",
        "tests/checkout.preflight.yml::marked",
    }
    # A file given on the command line is asked for.
    assert _collected(pytester, "tests/other.yaml") == {"tests/other.yaml::other"}


def test_importing_the_plugin_loads_none_of_the_scenario_rules_or_browser_code() -> None:
    # pytest imports the plugin in every run wherever preflight[qa] is installed, scenarios or
    # not: the rest comes when a scenario is collected (#26).
    code = (
        "import sys, pytest; before = set(sys.modules); import preflight.pytest_plugin; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = done.stdout.split()
    ours = [m for m in loaded if m.split(".")[0] == "preflight"]
    # Besides the plugin: the error classes, the NAME=VALUE parser, the lazy lookup of
    # Playwright's error class, the module of private APIs (whose Playwright and pytest are
    # imported when used) and the results' transport (pytest, json and `errors`): none imports
    # more than the standard library, pytest, loguru and `errors`.
    small = [
        "preflight._playwright",
        "preflight._private",
        "preflight.errors",
        "preflight.pytest_results",
        "preflight.variables",
    ]
    assert ours == sorted(["preflight", "preflight.pytest_plugin", *small]), ours
    heavy = {"playwright", "pydantic", "yaml", "babel", "starlette", "uvicorn", "jinja2"}
    assert not [m for m in loaded if m.split(".")[0] in heavy]


# --- issue 14: what pytest says when something is wrong -----------------------------------------

BOTH = ("--browser", "chromium", "--browser", "firefox")
QUIET = ("-p", "no:cacheprovider", "-p", "no:randomly")

ANOTHER_SHOP = """\
name: add-to-basket
description: written for another shop, run without --base-url
steps:
  - goto: /
  - click: "text=Add to basket"
expect: {verdict: attributed}
"""

# Block-style `expect:` (line 9); the reload is named after what was typed, as a recorder might.
WRONG_AT_LINE = """\
name: wrong-verdict
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - expect_url: "*/sfr/offre/fibre*"
  - name: reload after camille.martin@example.fr
    reload: {}
  - expect_text: "Tester mon éligibilité"
expect:
  verdict: attributed
"""


def test_a_step_failing_for_want_of_base_url_says_so_and_a_wrong_verdict_names_its_expect_line(
    pytester: pytest.Pytester,
) -> None:
    # One session for both failures on both engines (#22: they were two sessions of the same
    # shape): the hint is given for the step that failed on the demo shop only.
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "shop.yaml").write_text(ANOTHER_SHOP, encoding="utf-8")
    pytester.path.joinpath("scenarios", "wrong.yaml").write_text(WRONG_AT_LINE, encoding="utf-8")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *BOTH, "--preflight-step-timeout", "4", f"--junitxml={junit}", *QUIET, timeout=280
    )
    result.assert_outcomes(failed=4)
    out = result.stdout.str()
    header = "preflight: no --base-url given: scenarios run against preflight's built-in demo shop"
    assert header in out
    hint = "no --base-url given: the scenarios ran against preflight's built-in demo shop (http://"
    for browser in ("chromium", "firefox"):
        result.stdout.fnmatch_lines(
            [
                f"*add-to-basket ({browser}): *Add to basket*",
                f"  {hint}127.0.0.1:*); give --base-url URL to run them against your shop",
                "  failing step: 2 (click) at *shop.yaml:5",
            ]
        )
        result.stdout.fnmatch_lines(
            [
                f"*wrong-verdict ({browser}): expected attributed, got lost by [[]reload[]]",
                "  expectation: expect at *wrong.yaml:9",
                "  first violation not expected: during step 4 (reload) at *wrong.yaml:6",
            ]
        )
    # Once per failed step; a verdict wrong under the demo shop's own rules is not blamed on a
    # missing --base-url. (pytest's summary repeats whole messages on CI, `CI` set.)
    failures = out.split("short test summary info")[0]
    assert failures.count(hint) == 2
    xml = junit.read_text(encoding="utf-8")
    assert "camille" not in xml and "example.fr" not in xml
    cases = [c for c in ET.fromstring(xml).iter("testcase") if "wrong-verdict" in c.get("name", "")]
    assert len(cases) == 2
    for case in cases:
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert properties["expected"] == "attributed"
        assert properties["verdict"] == "lost"
        reason = "the page was reloaded during the order (step reload after ***)"
        assert properties["reason"] == reason
        assert properties["violations"] == "reload (step reload after ***)"


def test_replay_json_has_the_step_and_the_expect_line_of_a_wrong_verdict(tmp_path: Path) -> None:
    tmp_path.joinpath("wrong.yaml").write_text(WRONG_AT_LINE, encoding="utf-8")
    tmp_path.joinpath("missing.yaml").write_text(
        "name: nothing-happens\nsteps:\n  - goto: /acn/boutique\n"
        "  - click: 'text=Commander la Fibre'\n  - expect_url: '*/sfr/offre/fibre*'\n"
        "  - expect_text: 'Tester mon éligibilité'\nexpect: {verdict: lost}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "replay", "wrong.yaml", "missing.yaml",
         "--browser", "chromium,firefox", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    rows = json.loads(done.stdout)["results"]
    assert len(rows) == 4
    for row in rows:
        if row["file"] == "wrong.yaml":
            # The step during which the unexpected reload was seen; the line is `expect:`'s.
            assert row["failure"] == {
                **row["failure"],
                "step": 4,
                "action": "expect",
                "line": 9,
            }, row
            assert "camille" not in json.dumps(row)
        else:
            # Nothing was seen that is not expected: what is wrong is missing, no step to name.
            assert row["failure"]["message"].startswith("expected lost, got attributed")
            assert (row["failure"]["step"], row["failure"]["action"]) == (None, "expect")
            assert row["failure"]["line"] == 7


def test_the_expect_line_is_kept_in_flow_and_block_style(tmp_path: Path) -> None:
    from preflight.scenario import load_file

    path = tmp_path / "two.yaml"
    path.write_text(
        "- name: flow\n  steps: [reload]\n  expect: {verdict: lost}\n"
        "- name: block\n  steps: [reload]\n  expect:\n    verdict: lost\n",
        encoding="utf-8",
    )
    assert [s.expect_line for s in load_file(path)] == [3, 6]


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_missing_rules_file_is_one_usage_error_before_any_test(
    pytester: pytest.Pytester, xdist: tuple[str, ...]
) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "--preflight-rules", "missing.toml", *xdist, *QUIET, timeout=120
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert err.strip().splitlines() == [
        "ERROR: --preflight-rules: missing.toml: no such file — expected a rules file (TOML) "
        "or one of: default, demo"
    ]
    out = result.stdout.str()
    assert "fixture" not in out and "preflight_rules" not in out and "ERROR at setup" not in out


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_video_of_the_scenarios_is_refused_before_any_test(
    pytester: pytest.Pytester, xdist: tuple[str, ...]
) -> None:
    # A video shows what is typed in the fields and cannot be masked afterwards (issue 13's
    # rule: nothing typed in the plugins' artifacts either).
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD, encoding="utf-8")
    pytester.makepyfile(test_other="def test_no_browser():\n    assert True\n")
    # Under xdist the refusal is the same check in each worker for either value: one run (#22).
    for video in ("retain-on-failure",) if xdist else ("on", "retain-on-failure"):
        result = pytester.runpytest_subprocess("--video", video, *xdist, *QUIET, timeout=120)
        refused = f"--video {video}: refused for preflight's scenarios"
        if not xdist:  # one usage line before any test
            assert result.ret == pytest.ExitCode.USAGE_ERROR
            (message,) = result.stderr.str().strip().splitlines()
            assert message.startswith(f"ERROR: {refused}")
            assert "--tracing" in message and "--screenshot" in message
        else:  # a worker cannot stop the session: each scenario fails, before its page opens
            result.assert_outcomes(errors=2, passed=1)  # the two scenarios; test_other runs
            result.stdout.fnmatch_lines([f"*{refused}*"])
        assert not list(pytester.path.rglob("*.webm"))
    if not xdist:
        # Tests that drive no order keep their video (under xdist: `passed=1` above).
        other = pytester.runpytest_subprocess("--video", "on", "test_other.py", *QUIET)
        other.assert_outcomes(passed=1)


def test_a_rules_file_that_does_not_validate_is_one_line_with_file_line_and_expected(
    pytester: pytest.Pytester,
) -> None:
    import preflight
    from preflight.rules import BUILTIN

    demo = Path(preflight.__file__).parent.joinpath(BUILTIN["demo"]).read_text(encoding="utf-8")
    broken = demo.replace('session_param = "acn"', 'session_parm = "acn"')
    assert broken != demo
    pytester.path.joinpath("shop.toml").write_text(broken, encoding="utf-8")
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD, encoding="utf-8")
    line = broken.splitlines().index('session_parm = "acn"') + 1
    result = pytester.runpytest_subprocess("--preflight-rules", "shop.toml", *QUIET, timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (message,) = result.stderr.str().strip().splitlines()
    assert message.startswith(f"ERROR: --preflight-rules: shop.toml:{line} (key order.")
    assert "unknown key 'session_parm'" in message and "did you mean 'session_param'" in message
    assert "— expected one of" in message
    # With a good file (the demo shop's values filled once it runs) nothing is refused early.
    pytester.path.joinpath("shop.toml").write_text(demo, encoding="utf-8")
    collected = pytester.runpytest_subprocess(
        "--preflight-rules", "shop.toml", "--collect-only", "-q", *QUIET, timeout=120
    )
    assert collected.ret == 0, collected.stderr.str()


def test_a_malformed_preflight_var_is_one_usage_error(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD, encoding="utf-8")
    result = pytester.runpytest_subprocess("--preflight-var", "NOVALUE", *QUIET, timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.str().strip().splitlines() == [
        "ERROR: --preflight-var 'NOVALUE': expected NAME=VALUE"
    ]


def test_scenarios_are_collected_when_imported_tests_are_not(pytester: pytest.Pytester) -> None:
    # Under `collect_imported_tests = false` pytest asks a module for its object through
    # `Module._getobj()` itself: a scenario file's module is built, not imported from its path
    # (why preflight/_private.py overrides that private method rather than the `obj` property).
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "default.yaml").write_text(
        _flow("default"), encoding="utf-8"
    )
    pytester.makeini("[pytest]\ncollect_imported_tests = false\n")
    assert _collected(pytester) == {"scenarios/default.yaml::default"}
