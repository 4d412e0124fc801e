"""Scale past one machine (issue #6): a remote Playwright browser server (`--connect`) and a
suite split across CI machines (`--shard K/N`), both proved on loopback.

The remote server is Playwright's own `launch-server`, launching the browser this machine's
set-up found (Debian's chromium; stock Firefox over WebDriver BiDi, which Playwright 1.64 serves
remotely as well as locally: measured here, so both engines are tested).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserType

from preflight.browsers import LaunchSpec
from preflight.demo_shop import DemoShop
from preflight.errors import BrowserError, UsageError
from preflight.scenario import loads
from preflight.scenario._replay import replay_scenario
from preflight.scenario._scale import connect_browser, in_shard, parse_shard

pytest_plugins = ["pytester"]

# A marker in the remote browser's user agent: a page that shows it came from the server.
REMOTE_MARK = "preflight-remote-server"

BACK_DURING_ORDER = """\
name: back-during-order
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - click: "text=Tester mon éligibilité"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - click: "#tester"
  - expect_text: {text: "Éligible", selector: "#resultat"}
  - back
  - expect_url: "*/sfr/eligibilite*"
expect: {verdict: lost, violations: [back]}
"""


def _server_options(spec: LaunchSpec) -> dict[str, Any]:
    """`launchServer` options (Playwright's JS names) for `spec`, with the user-agent mark."""
    kwargs = spec.launch_kwargs()
    names = {
        "executable_path": "executablePath",
        "ignore_default_args": "ignoreDefaultArgs",
        "firefox_user_prefs": "firefoxUserPrefs",
    }
    options: dict[str, Any] = {names.get(key, key): value for key, value in kwargs.items()}
    if spec.engine == "chromium":
        agent = f"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 {REMOTE_MARK}"
        options["args"] = [*options.get("args", []), f"--user-agent={agent}"]
    else:
        prefs = dict(options.get("firefoxUserPrefs", {}))
        prefs["general.useragent.override"] = f"Mozilla/5.0 Firefox/153.0 {REMOTE_MARK}"
        options["firefoxUserPrefs"] = prefs
    return {**options, "host": "127.0.0.1", "port": 0}


@pytest.fixture(scope="session")
def remote_endpoint(
    launch_spec: LaunchSpec, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A Playwright browser server on a free loopback port, serving this test's browser."""
    config = tmp_path_factory.mktemp("server") / "launch-server.json"
    config.write_text(json.dumps(_server_options(launch_spec)), encoding="utf-8")
    command = [sys.executable, "-m", "playwright", "launch-server"]
    server = subprocess.Popen(
        [*command, "--browser", launch_spec.engine, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the driver (node) and the browser die with the group
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().strip()  # blocks until the browser is up, or exit
        if not line.startswith("ws://"):
            rest = server.stdout.read() if server.poll() is not None else ""
            pytest.fail(f"launch-server did not start: {line} {rest}")
        yield line
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- shards ----------------------------------------------------------------------------------


def test_shards_are_disjoint_cover_the_suite_and_differ_in_size_by_at_most_one() -> None:
    ids = [f"scenarios/flow.yaml::case-{i}[{b}]" for i in range(23) for b in ("chromium", "ff")]
    for n in (1, 2, 3, 5):
        shards = [in_shard(reversed(ids), (k, n)) for k in range(1, n + 1)]
        assert set().union(*shards) == set(ids)
        assert sum(len(s) for s in shards) == len(ids)
        assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_a_shard_does_not_depend_on_the_order_the_suite_was_found_in() -> None:
    ids = [f"t{i:02d}" for i in range(10)]
    assert in_shard(ids, (2, 3)) == in_shard(list(reversed(ids)), (2, 3)) == {"t01", "t04", "t07"}


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "half", "1/2/3", ""])
def test_a_bad_shard_says_what_was_expected(text: str) -> None:
    with pytest.raises(UsageError, match=r"--shard .*: expected K/N with 1 ≤ K ≤ N"):
        parse_shard(text)


def test_shard_parses_k_of_n() -> None:
    assert parse_shard("2/3") == (2, 3)
    assert parse_shard(" 1 / 1 ") == (1, 1)


def _scenario_suite(pytester: pytest.Pytester, count: int) -> None:
    body = "\n".join(
        f"- name: case-{i:02d}\n  steps: [{{goto: /acn/boutique}}]\n  expect: {{verdict: lost}}"
        for i in range(count)
    )
    pytester.makefile(".yaml", **{"scenarios/library": body})


def _collected(pytester: pytest.Pytester, *args: str) -> set[str]:
    result = pytester.runpytest_subprocess(
        "--collect-only", "-q", "-p", "no:cacheprovider", "--browser", "chromium",
        "--browser", "firefox", *args,
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    return {line for line in result.outlines if "::" in line}


def test_plugin_shards_split_the_scenario_suite_into_disjoint_halves_that_cover_it(
    pytester: pytest.Pytester,
) -> None:
    _scenario_suite(pytester, 7)
    everything = _collected(pytester)
    first = _collected(pytester, "--preflight-shard", "1/2")
    second = _collected(pytester, "--preflight-shard", "2/2")
    assert len(everything) == 14  # 7 scenarios x 2 browsers
    assert first and second and not first & second
    assert first | second == everything
    assert abs(len(first) - len(second)) <= 1


def test_plugin_refuses_a_bad_shard_with_one_line(pytester: pytest.Pytester) -> None:
    _scenario_suite(pytester, 2)
    result = pytester.runpytest_subprocess("--collect-only", "--preflight-shard", "3/2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--preflight-shard '3/2': expected K/N with 1 ≤ K ≤ N*"])
    assert "Traceback" not in result.stderr.str()


# --- a remote browser ---------------------------------------------------------------------------


def test_a_scenario_replays_on_a_remote_browser_to_the_verdict_the_shop_records(
    browser_type: BrowserType, launch_spec: LaunchSpec, remote_endpoint: str, shop: DemoShop
) -> None:
    browser = connect_browser(browser_type, remote_endpoint, launch_spec.launch_kwargs())
    try:
        context = browser.new_context()
        page = context.new_page()
        assert REMOTE_MARK in page.evaluate("navigator.userAgent")  # the server's browser
        page.close()
        [scenario] = loads(BACK_DURING_ORDER, file="inline.yaml")
        result = replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            variables={"MERCHANT": shop.sfr_url},
            browser=launch_spec.engine,
        )
        context.close()
    finally:
        browser.close()
    assert result.passed, (result.failure, result.timeline)
    [order] = shop.orders()
    assert order["attributed"] is False and order["ended_by"] == "back"


def test_connecting_to_no_server_says_which_endpoint_and_what_was_expected(
    browser_type: BrowserType, launch_spec: LaunchSpec, closed_port: int
) -> None:
    endpoint = f"ws://127.0.0.1:{closed_port}/"
    with pytest.raises(BrowserError, match=r"cannot use the remote browser at ws://127\.0\.0\.1"):
        connect_browser(browser_type, endpoint, launch_spec.launch_kwargs())


def test_plugin_runs_scenarios_and_tests_on_the_remote_browser(
    pytester: pytest.Pytester, browser_name: str, remote_endpoint: str
) -> None:
    pytester.makefile(".yaml", **{"scenarios/back": BACK_DURING_ORDER})
    pytester.makepyfile(
        test_remote=f"""
        def test_pages_come_from_the_remote_server(page):
            assert "{REMOTE_MARK}" in page.evaluate("navigator.userAgent")
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--browser", browser_name,
        "--preflight-connect", remote_endpoint,
    )  # fmt: skip
    result.assert_outcomes(passed=2)


# --- the same through `preflight replay` ---------------------------------------------------------


def _replay_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", "replay", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=240,
    )


def _tiny_suite(folder: Path, count: int) -> Path:
    suite = folder / "suite"
    suite.mkdir()
    for i in range(count):
        (suite / f"case-{i}.yaml").write_text(
            f"name: case-{i}\nsteps:\n  - goto: /acn/boutique\n  - expect_text: Boutique\n"
            "expect: {verdict: at_risk}\n",
            encoding="utf-8",
        )
    return suite


def test_replay_shards_replay_disjoint_halves_that_cover_the_suite(
    tmp_path: Path, browser_name: str
) -> None:
    suite = _tiny_suite(tmp_path, 3)
    seen: list[set[str]] = []
    for shard in ("1/2", "2/2"):
        done = _replay_cli(tmp_path, str(suite), "--browser", browser_name, "--json",
                           "--shard", shard)  # fmt: skip
        assert done.returncode == 0, done.stderr
        seen.append({row["scenario"] for row in json.loads(done.stdout)["results"]})
    first, second = seen
    assert first and second and not first & second
    assert first | second == {"case-0", "case-1", "case-2"}


def test_replay_refuses_a_bad_shard_with_one_line_and_exit_2(tmp_path: Path) -> None:
    suite = _tiny_suite(tmp_path, 1)
    done = _replay_cli(tmp_path, str(suite), "--shard", "2/1")
    assert done.returncode == 2
    assert "--shard '2/1': expected K/N with 1 ≤ K ≤ N" in done.stderr
    assert "Traceback" not in done.stderr


def test_replay_connects_to_the_remote_browser_and_says_so_when_it_cannot(
    tmp_path: Path, browser_name: str, remote_endpoint: str
) -> None:
    (tmp_path / "back.yaml").write_text(BACK_DURING_ORDER, encoding="utf-8")
    done = _replay_cli(tmp_path, "back.yaml", "--browser", browser_name, "--json",
                       "--connect", remote_endpoint)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    [row] = json.loads(done.stdout)["results"]
    assert row["passed"] and row["violations"][0]["kind"] == "back"

    dead = remote_endpoint.rsplit("/", 1)[0] + "/no-such-browser"
    done = _replay_cli(tmp_path, "back.yaml", "--browser", browser_name, "--json",
                       "--connect", dead)  # fmt: skip
    assert done.returncode == 1
    [row] = json.loads(done.stdout)["results"]
    assert "cannot use the remote browser at" in row["failure"]["message"]
