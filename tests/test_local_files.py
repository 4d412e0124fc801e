"""`goto` opens web pages only: a scenario cannot read this machine's files or the browser's own
pages unless asked to (`--allow-local-files`). Issue 13: `goto: file:///etc/shadow` then
`screenshot:` wrote a picture of the file, `expect_text: "root:"` passed, and `chrome://version`
showed the browser's command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

from preflight.demo_shop import DemoShop
from preflight.errors import ScenarioError
from preflight.scenario import loads
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult

pytest_plugins = ["pytester"]

READ_PASSWD = (
    "name: read\nsteps:\n  - goto: {url}\n  - expect_text: 'root:'\nexpect: {{verdict: at_risk}}\n"
)


@pytest.fixture
def fresh(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


def _replay(
    context: BrowserContext, shop: DemoShop, text: str, base_url: str = "", **kwargs: Any
) -> ScenarioResult:
    [scenario] = loads(text, file="hostile.yaml")
    return replay_scenario(
        context,
        scenario,
        rules=shop.rules(),
        base_url=base_url or shop.acn_url,
        variables={"MERCHANT": shop.sfr_url, "HERE": "file:///etc"},
        **kwargs,
    )


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "' file:///etc/passwd'",
        '"fi\\tle:///etc/passwd"',
        "${HERE}/passwd",  # a placeholder filled in
        "chrome://version",
        "about:blank",
        "'data:text/html,root:'",
        "'javascript:document.write(\"root:\")'",
        "view-source:file:///etc/passwd",
        "moz-extension://x/y",
    ],
)
def test_goto_refuses_local_files_and_browser_pages_before_the_first_step(
    fresh: BrowserContext, shop: DemoShop, url: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        _replay(fresh, shop, READ_PASSWD.format(url=url))
    message = str(caught.value)
    assert "hostile.yaml:3" in message and "step 1 (goto)" in message
    assert "http: or https:" in message and "--allow-local-files" in message
    assert fresh.pages == []  # refused before a page opened


def test_a_relative_goto_joined_to_a_file_base_url_is_refused(
    fresh: BrowserContext, shop: DemoShop
) -> None:
    with pytest.raises(ScenarioError, match=r"the file: scheme is not allowed"):
        _replay(fresh, shop, READ_PASSWD.format(url="passwd"), base_url="file:///etc/")


def test_local_files_open_when_allowed(fresh: BrowserContext, shop: DemoShop) -> None:
    result = _replay(
        fresh, shop, READ_PASSWD.format(url="file:///etc/passwd"), allow_local_files=True
    )
    # Every step ran, `expect_text: root:` included: the attack the default refuses.
    assert result.failure is None, result.failure


def test_replay_refuses_in_one_line_and_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "read.yaml"
    scenario.write_text(READ_PASSWD.format(url="file:///etc/passwd"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "replay", str(scenario), "--browser", "chromium"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert str(scenario) in line and "step 1 (goto)" in line and "--allow-local-files" in line


def test_the_plugin_refuses_unless_given_its_option(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "read.yaml").write_text(
        READ_PASSWD.format(url="file:///etc/passwd").replace(
            "verdict: lost", "verdict: attributed"
        ),
        encoding="utf-8",
    )
    common = ("--browser", "chromium", "-p", "no:cacheprovider", "-p", "no:randomly")
    refused = pytester.runpytest_subprocess(*common, timeout=200)
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines(["*step 1 (goto)*file: scheme is not allowed*"])
    allowed = pytester.runpytest_subprocess(*common, "--preflight-allow-local-files", timeout=200)
    allowed.assert_outcomes(passed=1)
