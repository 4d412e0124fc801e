"""What `preflight replay` and `--preflight-report` read of a pytest run of scenarios: each
scenario item's `ScenarioResult` on its test's report, the run's index, and the report folder
checked before any test runs. A concern of its own beside the plugin's collection, fixtures
and reporting (`preflight.pytest_plugin`), which calls it.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from preflight.errors import PreflightError

if TYPE_CHECKING:
    from preflight.i18n import Lang
    from preflight.scenario._model import Scenario
    from preflight.scenario._results import ScenarioResult


def gaps_of(result: ScenarioResult) -> list[Any]:
    """The rules patterns a run matched nothing of (its coverage's gaps)."""
    return list(result.outcome.coverage) if result.outcome is not None else []


# --- which scenario a test replays ---------------------------------------------------------------
#
# Kept beside the test function, not on it: pytest's `-k` matches the names in a function's
# `__dict__`, and an attribute `preflight_scenario` made `-k preflight` (or `-k scenario`) select
# every scenario whatever its name (#26).

_SCENARIOS: weakref.WeakKeyDictionary[Callable[..., Any], tuple[Scenario, bool]] = (
    weakref.WeakKeyDictionary()
)


def mark_scenario(test: Callable[..., Any], scenario: Scenario, *, matrix: bool = False) -> None:
    """`test` replays `scenario` (`matrix`: as its flow matrix's items)."""
    _SCENARIOS[test] = (scenario, matrix)


def _marked(node: Any) -> tuple[Scenario, bool] | None:
    """`node`: an item, a test function, or anything else (None)."""
    function = node if callable(node) and not isinstance(node, pytest.Item) else None
    if function is None:
        function = getattr(node, "function", None) if isinstance(node, pytest.Function) else None
    if function is None:
        return None
    try:
        return _SCENARIOS.get(function)
    except TypeError:  # not weakly referable: not a test this plugin made
        return None


def scenario_of(node: Any) -> Scenario | None:
    """The scenario an item or test function replays, a flow matrix's item too (None for a
    hand-written test)."""
    marked = _marked(node)
    return marked[0] if marked is not None else None


def is_matrix(node: Any) -> bool:
    """Whether an item or test function is a flow matrix's (`--preflight-matrix`)."""
    marked = _marked(node)
    return marked is not None and marked[1]


# --- the result of each scenario item, on its report ----------------------------------------------
#
# A scenario item's setup report when its setup failed (no browser), else its call report, carries
# the replay's `ScenarioResult` as JSON (`report.preflight_result`): a report's attributes travel
# from xdist's workers to the controller, where the run's index (`--preflight-report`) and
# `preflight replay`'s table, JSON and coverage lines are made of them.


def replayed_scenario(item: pytest.Item) -> Scenario | None:
    """The scenario an item replays (not a flow matrix's item, not a hand-written test)."""
    if "preflight_replay" not in getattr(item, "fixturenames", ()):
        return None
    return scenario_of(item)


def browser_of(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    return str(callspec.params.get("browser_name", "chromium")) if callspec else "chromium"


def attach_result(
    item: pytest.Item, call: pytest.CallInfo[None], report: Any, result: ScenarioResult | None
) -> None:
    """Put on `report` the result of the scenario `item` replays (`result`, as the replay kept
    it; None when it never ran: one is made saying why)."""
    scenario = replayed_scenario(item)
    if scenario is None or report.when == "teardown" or (report.when == "setup" and report.passed):
        return
    if report.when == "setup" and report.skipped:
        return
    if result is None:  # no browser, no context, or a replay refused before its first step
        from preflight.scenario._results import not_replayed

        error = call.excinfo.value if call.excinfo is not None else None
        first = (str(error).strip().splitlines() or [repr(error)])[0] if error else "not run"
        browser = browser_of(item)
        message = f"cannot launch {browser}: {first}" if report.when == "setup" else first
        result = not_replayed(scenario, browser, message, call.duration)
    gaps = None
    if result.ran_through:
        gaps = [gap.key for gap in gaps_of(result)]
    report.preflight_result = json.dumps(
        {"result": result.model_dump(mode="json"), "never_matched": gaps}
    )


def replayed(report: Any) -> tuple[ScenarioResult, list[str] | None] | None:
    """The result a scenario item's report carries, and the rules keys its run matched
    nothing of (None when the run was cut short: it tells nothing); None for other reports."""
    raw = getattr(report, "preflight_result", None)
    if not isinstance(raw, str):
        return None
    from preflight.scenario._results import ScenarioResult

    data = json.loads(raw)
    return ScenarioResult.model_validate(data["result"]), data["never_matched"]


class RunIndex:
    """`--preflight-report`: the run's index.html, written once every result is in (on the
    controller under xdist), in the order the tests were collected."""

    def __init__(self, config: pytest.Config, lang: Lang) -> None:
        self.config = config
        self.lang = lang
        self.order: list[str] = []
        self.results: dict[str, ScenarioResult] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.order = [item.nodeid for item in session.items]

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.order = self.order or list(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = replayed(report)
        if found is not None:
            self.results[report.nodeid] = found[0]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.results:
            return
        from datetime import datetime

        from preflight.report.index import write_index

        rank = {nodeid: index for index, nodeid in enumerate(self.order)}
        ordered = sorted(self.results.items(), key=lambda pair: rank.get(pair[0], len(rank)))
        folder = Path(str(self.config.getoption("--preflight-report")))
        # In the run's language, as its order reports are.
        at = datetime.now().astimezone()
        write_index([r for _, r in ordered], folder, lang=self.lang, at=at)


def refuse_report_links(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A report folder, or one of the folders it will hold, that is a symbolic link: refused
    before any test runs (one usage error), not written through."""
    folder = config.getoption("--preflight-report")
    if not folder or hasattr(config, "workerinput"):
        return
    from preflight.report.files import refuse_links
    from preflight.report.index import INDEX_FILE, report_folder

    names = [
        report_folder(scenario.name, browser_of(item))
        for item in items
        if (scenario := replayed_scenario(item)) is not None
    ]
    try:
        refuse_links(Path(str(folder)), [INDEX_FILE, *names])
    except PreflightError as error:
        raise pytest.UsageError(str(error)) from None
