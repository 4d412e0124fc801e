"""The matrix under pytest (`--preflight-matrix`): each clean scenario becomes its matrix items,
`clean-order-later-mpa[step-4-reload-firefox]`, on pytest-playwright's `browser`.

Items are made at collection, before any browser runs, so each item finds out at run time
whether its boundary applies (skipped with the reason when not), and a `customer-service` item
clicks, each in its own fresh context, every customer-service element its page shows. With a
sample (`--preflight-matrix N` or `N@SEED`) every xdist worker draws the same items: the seed
is chosen once, by the controller, and handed to the workers.

`preflight matrix` runs its cells here too (`--preflight-matrix-cells FILE`): the file names the
exact cells, derived by the command from its clean runs, and each item replays one of them and
carries its replay on its report (`replayed_cell`), judged by the command against its shop.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel

from preflight.i18n import checked_lang
from preflight.matrix._derive import is_clean, step_title
from preflight.matrix._model import ACTIONS, RERUN, WRONG, Action, Cell, CellResult
from preflight.matrix._oracle import DemoShopTruth
from preflight.matrix._output import line, where
from preflight.matrix._run import Replayed, judged, replay_cell, to_result
from preflight.pytest_results import is_matrix, mark_scenario, scenario_of
from preflight.scenario._model import Scenario
from preflight.scenario._results import not_replayed
from preflight.scenario._runner import RunSettings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from preflight.demo_shop import DemoShop
    from preflight.rules import Rules

OPTION = "--preflight-matrix"
CELLS_OPTION = "--preflight-matrix-cells"
SEED = pytest.StashKey[int]()
_SEED_KEY = "preflight_matrix_seed"
_KEY = re.compile(r"^step-(\d+)-(.+)$")


def parse_option(raw: str) -> tuple[int | None, int | None]:
    """`all` → every item; `N` → N drawn per scenario and browser; `N@SEED` → with that seed."""
    if raw == "all":
        return None, None
    match = re.fullmatch(r"(\d+)(?:@(\d+))?", raw.strip())
    if not match or int(match.group(1)) < 1:
        raise pytest.UsageError(f"{OPTION} {raw!r}: expected all, N or N@SEED (N ≥ 1)")
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def configure(config: pytest.Config) -> None:
    """Choose the sample's seed once: on the controller (or a run without xdist)."""
    raw = config.getoption(OPTION, default=None)
    if raw is None:
        return
    count, seed = parse_option(str(raw))
    given = getattr(config, "workerinput", {}).get(_SEED_KEY)
    if given is not None:
        seed = int(given)
    if count is not None and seed is None:
        seed = random.randrange(2**31)
    if seed is not None:
        config.stash[SEED] = seed
    cells = config.getoption(CELLS_OPTION, default=None)
    if cells is not None:
        config.stash[_ASKED] = Asked.model_validate_json(Path(str(cells)).read_text("utf-8"))
    # `preflight_matrix_results`, the items' setup, is a fixture of this module.
    config.pluginmanager.register(sys.modules[__name__], "preflight-matrix")


def configure_node(node: Any) -> None:
    """xdist (controller): the workers draw the sample with the controller's seed."""
    seed = node.config.stash.get(SEED, None)
    if seed is not None:
        node.workerinput[_SEED_KEY] = seed


def report_header(config: pytest.Config) -> str | None:
    raw = config.getoption(OPTION, default=None)
    if raw is None:
        return None
    count, _ = parse_option(str(raw))
    if count is None:
        return "preflight matrix: every cell of each clean scenario"
    seed = config.stash.get(SEED, None)
    return (
        f"preflight matrix: {count} cells drawn per clean scenario and browser, seed {seed} "
        f"(again: {OPTION} {count}@{seed})"
    )


def cell_keys(scenario: Scenario) -> list[str]:
    """`clean`, then `step-K-ACTION` for every step and action, in table order."""
    keys = ["clean"]
    for k in range(1, len(scenario.steps) + 1):
        keys.extend(f"step-{k}-{action}" for action in ACTIONS)
    return keys


def wants_matrix(config: pytest.Config, scenario: Scenario) -> bool:
    return config.getoption(OPTION, default=None) is not None and is_clean(scenario)


def keep_sample(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the matrix items outside the sample (the clean items always run); with
    `--preflight-matrix-cells`, every item but the cells asked for."""
    asked = config.stash.get(_ASKED, None)
    if asked is not None:
        wanted = {(c.scenario, c.key, c.browser) for c in asked.cells}
        _deselect(config, items, [item for item in items if _cell_of(item) not in wanted])
        return
    raw = config.getoption(OPTION, default=None)
    if raw is None:
        return
    count, _ = parse_option(str(raw))
    if count is None:
        return
    rng = random.Random(config.stash[SEED])
    groups: dict[tuple[str, str], list[pytest.Item]] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        key = callspec.params.get("preflight_matrix_cell")
        if key is None or key == "clean":
            continue
        browser = str(callspec.params.get("browser_name", ""))
        groups.setdefault((item.nodeid.split("[")[0], browser), []).append(item)
    dropped: list[pytest.Item] = []
    for _, group in sorted(groups.items()):
        if len(group) > count:
            kept = set(map(id, rng.sample(group, count)))
            dropped.extend(item for item in group if id(item) not in kept)
    _deselect(config, items, dropped)


def _deselect(config: pytest.Config, items: list[pytest.Item], dropped: list[pytest.Item]) -> None:
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]


def _cell_of(item: pytest.Item) -> tuple[str, str, str] | None:
    """A matrix item's scenario name, cell key and browser (None for any other item)."""
    callspec = getattr(item, "callspec", None)
    scenario = scenario_of(item)
    if callspec is None or scenario is None or "preflight_matrix_cell" not in callspec.params:
        return None
    key = callspec.params["preflight_matrix_cell"]
    return scenario.name, str(key), str(callspec.params.get("browser_name", ""))


# --- the cells `preflight matrix` asks for ---------------------------------------------------


class Asked(BaseModel):
    """`--preflight-matrix-cells FILE`: the cells `preflight matrix` replays in one session —
    its clean runs (which describe each step boundary: the cells come from there), or the cells
    derived from them — and where each cell's order report goes."""

    report: str | None = None
    cells: list[Cell]

    def keys(self, scenario: str) -> list[str]:
        return list(dict.fromkeys(c.key for c in self.cells if c.scenario == scenario))

    def find(self, scenario: str, key: str, browser: str) -> Cell:
        return next(
            c for c in self.cells if (c.scenario, c.key, c.browser) == (scenario, key, browser)
        )


_ASKED = pytest.StashKey[Asked]()
_REPLAYED = pytest.StashKey[tuple[Cell, Replayed]]()


def replayed_cell(report: Any) -> tuple[Cell, Replayed] | None:
    """The cell an item of `--preflight-matrix-cells` replayed, and its replay (None for any
    other report)."""
    raw = getattr(report, "preflight_cell", None)
    if not isinstance(raw, str):
        return None
    return Replayed.read(raw)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """An asked cell's replay on its call report; a setup that failed (no browser) or was
    skipped carries a replay that says why."""
    report = yield
    asked = item.config.stash.get(_ASKED, None)
    found = _cell_of(item)
    if asked is None or found is None or report.when == "teardown":
        return report
    if report.when == "setup" and report.passed:
        return report
    done = item.stash.get(_REPLAYED, None)
    if done is None or report.when == "setup":
        scenario = scenario_of(item)
        assert scenario is not None
        cell = asked.find(*found)
        error = call.excinfo.value if call.excinfo is not None else None
        first = (str(error).strip().splitlines() or [repr(error)])[0] if error else "not run"
        message = f"cannot launch {cell.browser}: {first}"
        done = cell, Replayed(not_replayed(scenario, cell.browser, message, call.duration))
    cell, replayed = done
    report.preflight_cell = replayed.written(cell)
    return report


@pytest.fixture
def preflight_matrix_results(
    preflight_matrix_cell: str,
    browser: Browser,
    browser_name: str,
    preflight_rules: Rules,
    preflight_base_url: str,
    preflight_variables: dict[str, str],
    preflight_demo_shop: DemoShop | None,
    pytestconfig: pytest.Config,
    output_path: str,
    request: pytest.FixtureRequest,
) -> list[CellResult]:
    """A matrix item's cells, replayed: the item's setup. A cell replayed without a conclusion
    (the shop's HTTP 5xx, a step's timeout, a browser that died, the shop's record unreadable)
    is the item's *error*, and a wrong verdict its *failure* (the test judges): CI tells a
    broken environment from a watcher that is wrong, in the terminal and in JUnit alike."""
    scenario = scenario_of(request.node)
    assert scenario is not None
    asked = pytestconfig.stash.get(_ASKED, None)
    settings = RunSettings(
        rules=preflight_rules,
        base_url=preflight_base_url,
        variables=preflight_variables,
        # `preflight matrix` keeps no artifacts, and writes an order report per cell.
        artifacts=Path(output_path) if asked is None else None,
        report=Path(asked.report) if asked is not None and asked.report else None,
        lang=checked_lang(pytestconfig.getoption("--preflight-lang")),
        step_timeout_s=float(pytestconfig.getoption("--preflight-step-timeout")),
        allow_local_files=bool(pytestconfig.getoption("--preflight-allow-local-files")),
        bfcache=bool(pytestconfig.getoption("--preflight-bfcache")),
    )
    if asked is not None:
        cell = asked.find(scenario.name, preflight_matrix_cell, browser_name)
        observe = cell.action == "clean"
        replayed = replay_cell(browser, scenario, cell, settings, observe=observe)
        request.node.stash[_REPLAYED] = cell, replayed
        return [to_result(cell, replayed, None)]  # judged by the command, against its shop
    truth = DemoShopTruth(preflight_demo_shop) if preflight_demo_shop is not None else None
    count, _ = parse_option(str(pytestconfig.getoption(OPTION)))
    # In a sample each customer-service element is a cell like any other: the item clicks
    # one, drawn with the sample's seed, instead of all of them (issue 22: each click replays
    # the flow up to its step, and an item of six elements cost six cells).
    pick = None
    if count is not None:
        pick = random.Random(f"{pytestconfig.stash[SEED]}:{request.node.nodeid}")
    results = run_item(
        scenario, preflight_matrix_cell, browser_name, browser, settings, truth, pick=pick
    )
    if not results:
        pytest.fail(f"{scenario.name} {preflight_matrix_cell}: nothing ran", pytrace=False)
    request.node.user_properties.append(
        ("matrix", ", ".join(f"{where(r)}: {r.status}" for r in results))
    )
    error = undecided(results)
    if error:
        pytest.fail(error, pytrace=False)
    return results


def undecided(results: list[CellResult]) -> str | None:
    """The item's error: its cells replayed without a conclusion, one line each — when no
    verdict is wrong (a wrong verdict is the item's failure, which says them too)."""
    if any(r.status in WRONG for r in results):
        return None
    return "\n".join(line(r) for r in results if r.status == "inconclusive") or None


def matrix_test(scenario: Scenario, module: str) -> Callable[..., None]:
    """The test function of `scenario`'s matrix items (parametrized by cell key): it judges
    the cells `preflight_matrix_results` replayed."""

    def test(preflight_matrix_results: list[CellResult]) -> None:
        results = preflight_matrix_results
        if all(r.status == "n/a" for r in results):
            pytest.skip(f"does not apply: {results[0].cell.why_not}")
        if any(r.status in WRONG for r in results):  # and those without a conclusion beside
            said = sorted(
                (r for r in results if r.status in RERUN), key=lambda r: r.status not in WRONG
            )
            pytest.fail("\n".join(line(r) for r in said), pytrace=False)

    test.__name__ = test.__qualname__ = scenario.name
    test.__module__ = module
    test.__doc__ = scenario.description or None
    mark_scenario(test, scenario, matrix=True)
    return test


def generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize a matrix test by its cell keys — before pytest-playwright adds the browser,
    so that ids read `step-4-reload-firefox`."""
    scenario = scenario_of(metafunc.function)
    if scenario is None or not is_matrix(metafunc.function):
        return
    asked = metafunc.config.stash.get(_ASKED, None)
    keys = cell_keys(scenario) if asked is None else asked.keys(scenario.name)
    metafunc.parametrize("preflight_matrix_cell", keys)


def run_item(
    scenario: Scenario,
    key: str,
    browser_name: str,
    browser: Browser,
    settings: RunSettings,
    truth: DemoShopTruth | None,
    *,
    pick: random.Random | None = None,
) -> list[CellResult]:
    """One item's cells: the clean run, one history move, or every customer-service element
    of the page (each in its own context) — with `pick`, one of them, drawn by it."""
    drawn: list[int] = []

    def choose(count: int) -> int:
        assert pick is not None
        drawn.append(pick.randrange(count) + 1)
        return drawn[-1]

    def one(cell: Cell) -> tuple[CellResult, int]:
        replayed = replay_cell(
            browser, scenario, cell, settings, check_boundary=True,
            choose=choose if pick is not None else None,
        )  # fmt: skip
        shown = len(replayed.boundaries[-1].elements) if replayed.boundaries else 0
        return judged(cell, replayed, truth), shown

    if key == "clean":
        return [one(Cell(scenario=scenario.name, browser=browser_name))[0]]
    match = _KEY.match(key)
    assert match is not None and match.group(2) in ACTIONS, key
    step, action = int(match.group(1)), _action(match.group(2))
    base = Cell(
        scenario=scenario.name,
        browser=browser_name,
        step=step,
        step_title=step_title(scenario, step),
        action=action,
    )
    if action != "customer-service":
        return [one(base)[0]]
    # The first run finds the page's elements and clicks the first; one run for each other.
    first, shown = one(base.model_copy(update={"index": 1}))
    if drawn:  # a sample: the one element drawn is the item's cell
        return [
            first.model_copy(update={"cell": first.cell.model_copy(update={"index": drawn[0]})})
        ]
    results = [first]
    if first.status != "n/a":
        for index in range(2, shown + 1):
            results.append(one(base.model_copy(update={"index": index}))[0])
    return results


def _action(name: str) -> Action:
    for action in ACTIONS:
        if action == name:
            return action
    raise ValueError(name)
