"""What `make test` adds to every item, the scenario library's included (tests/ has its own
conftest.py for the fixtures of hand-written tests):

* each library scenario replayed on the demo shop agrees with the shop's own truth: lost
  exactly when the shop says the order is no longer ACN's (the plugin checks the scenario's
  `expect:`; this checks that the watcher's verdict is the truth, as the matrix's oracle does);
* where the suite's time goes (issue 22): each test's kind, worker and start time in the JUnit
  file, read back by `python scripts/test_time.py`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from preflight.pytest_results import is_matrix, scenario_of

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


# --- the library against the demo shop's truth ---------------------------------------------------


@pytest.fixture(autouse=True)
def _library_scenario_agrees_with_the_shop(request: pytest.FixtureRequest) -> Iterator[None]:
    function = getattr(request.node, "function", None)
    scenario = scenario_of(function)
    matrix = is_matrix(function)  # the matrix has its own oracle
    shop = None if scenario is None or matrix else request.getfixturevalue("preflight_demo_shop")
    if shop is None:
        yield
        return
    context: BrowserContext = request.getfixturevalue("context")
    yield
    from preflight.matrix._oracle import DemoShopTruth

    verdict = dict(request.node.user_properties).get("verdict")
    wrong = DemoShopTruth(shop).disagrees(context, str(verdict) if verdict else None)
    assert wrong is None, wrong


# --- where the suite's time goes ----------------------------------------------------------------
# The kind is what the test did, not what its name suggests: a Python or preflight process
# started (seen by the `subprocess.Popen` audit event; Playwright's own driver and a browser's
# `--version` are not counted), a pytester run, a browser fixture, or none of these.

_BROWSER_FIXTURES = frozenset(
    {
        "browser",
        "bfcache_browser",
        "context",
        "new_context",
        "page",
        "preflight_replay",
        "preflight_watch",
        "launch_spec",
        "browser_type",
        "playwright",
    }
)
_started: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "subprocess.Popen":
        argv = [str(a) for a in args[1]] if isinstance(args[1], list | tuple) else [str(args[1])]
        program = Path(str(args[0] or argv[0])).name
        if program.startswith(("python", "preflight", "pytest", "pip")):
            _started.append(program)


sys.addaudithook(_audit)


def _kind(item: pytest.Item) -> str:
    names = set(getattr(item, "fixturenames", ()))
    if "pytester" in names:
        return "pytester"
    if _started:
        return "subprocess"
    if names & _BROWSER_FIXTURES:
        return "browser"
    return "python"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _started.clear()
    item.user_properties.append(("started", f"{time.time():.3f}"))
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.when == "teardown":
        item.user_properties.append(("kind", _kind(item)))
        item.user_properties.append(("worker", os.environ.get("PYTEST_XDIST_WORKER", "main")))
