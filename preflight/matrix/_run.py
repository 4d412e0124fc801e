"""Running a matrix: the clean run of each scenario on each browser (which also observes its
step boundaries), then every derived cell, each in a fresh context of its browser.

Both rounds run on the pytest plugin, as `preflight replay` does (`scenario/_pytest_run.py`):
each cell is a pytest item (`--preflight-matrix-cells`, `matrix/_pytest.py`), `-j` is xdist's
workers, and each item's replay comes back on its report to be judged here, against the shop.
Cells are independent (a fresh, empty context each) and may run in any order, in any worker.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from pydantic import BaseModel

from preflight._playwright import playwright_error
from preflight.matrix._derive import (
    BACK_LEAVES,
    FRAME_HISTORY,
    WITHIN_PAGE,
    back_leaves,
    back_within_page,
    cell_scenario,
    derive,
    frame_history,
    is_clean,
    step_title,
)
from preflight.matrix._model import (
    ACTIONS,
    RERUN,
    WRONG,
    Action,
    Boundary,
    Cell,
    CellResult,
    CsElement,
    Truth,
)
from preflight.matrix._observe import Observer, _evaluate, click_element
from preflight.matrix._oracle import judge_cell, order_of
from preflight.scenario._model import Scenario, Step
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult, not_replayed
from preflight.scenario._runner import RunSettings, check_placeholders
from preflight.watch._tracing import label
from preflight.watch.events import Event

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from preflight.scenario._pytest_run import ReplayOptions


class NotApplicable(Exception):
    """Raised from a cell's step hook: the boundary it was meant for does not apply."""


@dataclass
class Replayed:
    """One replay of a cell: what the watcher judged, and what the oracle needs."""

    result: ScenarioResult
    order_id: str | None = None
    boundaries: list[Boundary] = field(default_factory=list)
    report: str | None = None
    why_not: str | None = None  # set when the cell turned out not to apply
    element: CsElement | None = None  # the element clicked, when found at run time

    def written(self, cell: Cell) -> str:
        """The replay of `cell` as JSON, to travel on its item's report (from xdist's workers
        to the controller)."""
        fields = {name: getattr(self, name) for name in _Carried.model_fields if name != "cell"}
        return _Carried(cell=cell, **fields).model_dump_json()

    @staticmethod
    def read(raw: str) -> tuple[Cell, Replayed]:
        """A cell and its replay, from `written`."""
        carried = _Carried.model_validate_json(raw)
        fields = {name: getattr(carried, name) for name in _Carried.model_fields if name != "cell"}
        return carried.cell, Replayed(**fields)


class _Carried(BaseModel):
    """A cell's replay, as `Replayed.written` writes it."""

    cell: Cell
    result: ScenarioResult
    order_id: str | None = None
    boundaries: list[Boundary] = []
    report: str | None = None
    why_not: str | None = None
    element: CsElement | None = None


def replay_cell(
    browser: Browser,
    scenario: Scenario,
    cell: Cell,
    settings: RunSettings,
    *,
    observe: bool = False,
    check_boundary: bool = False,
    context_hook: Callable[[BrowserContext], None] | None = None,
    choose: Callable[[int], int] | None = None,
) -> Replayed:
    """Replay `cell` of `scenario` in a fresh context of `browser`.

    `observe`: describe the page at every step boundary (the clean run does: that is where
    the cells come from). `check_boundary`: before the inserted action, make sure its boundary
    applies (under pytest, where cells are made before any run); NotApplicable otherwise.
    `choose(n)`: for a customer-service cell found at run time, which of the page's n elements
    to click (1-based; default: the cell's index).
    """
    started = time.monotonic()
    going_on = settings.bfcache and cell.action == "back-forward"
    to_run = cell_scenario(scenario, cell, go_on=going_on)
    origins: list[Any] = []  # the document's start time before the Back, after it, after Forward
    try:
        context = browser.new_context()
    except playwright_error() as error:
        return Replayed(_broken(to_run, cell.browser, f"no context: {error}", started))
    if context_hook is not None:
        context_hook(context)
    observer = Observer(settings.rules)
    boundaries: list[Boundary] = []
    chosen: CsElement | None = None
    writer: Any = None
    folder = None
    try:
        if settings.report is not None:
            from preflight.report import ReportWriter

            folder = settings.report / f"{scenario.name}-{cell.id}"
            writer = ReportWriter(
                folder,
                settings.rules,
                browser_info={"browser": cell.browser, "scenario": to_run.name},
                lang=settings.lang,
            )

        def on_event(event: Event) -> None:
            observer.on_event(event)
            if writer is not None:
                writer.on_event(event)

        def on_step(index: int, step: Step) -> bool | None:
            nonlocal chosen
            k = index - 1
            if going_on and cell.step <= k <= cell.step + 2:
                page = context.pages[0] if context.pages else None
                origins.append(_evaluate(page, "performance.timeOrigin") if page else None)
                if k == cell.step + 2 and not goes_on(origins):
                    return False
            if k == 0 or not (observe or check_boundary) or (not observe and k > cell.step):
                return None
            wants = observe or (k == cell.step and cell.action == "customer-service")
            title = step_title(scenario, k)
            boundaries.append(observer.boundary(context, k, title, elements=wants))
            if not check_boundary or k != cell.step:
                return None
            here = boundaries[-1]
            if not here.applies:
                raise NotApplicable(here.why_not)
            if cell.action in ("back", "back-forward") and back_leaves(boundaries):
                raise NotApplicable(BACK_LEAVES)
            if cell.action in ("back", "back-forward") and frame_history(scenario, boundaries):
                raise NotApplicable(FRAME_HISTORY)
            if cell.action in ("back", "back-forward") and back_within_page(boundaries):
                raise NotApplicable(WITHIN_PAGE)
            if cell.action == "customer-service" and cell.element is None:
                index = max(cell.index, 1)
                if choose is not None and here.elements:
                    index = choose(len(here.elements))
                if len(here.elements) < index:
                    raise NotApplicable(f"no customer-service element number {index} on this page")
                chosen = here.elements[index - 1]
                click_element(context, chosen)
            return None

        try:
            result = replay_scenario(
                context,
                to_run,
                rules=settings.rules,
                base_url=settings.base_url,
                variables=settings.variables,
                browser=cell.browser,
                artifacts=settings.artifacts,
                on_event=on_event,
                on_step=on_step,
                step_timeout_s=settings.step_timeout_s,
                allow_local_files=settings.allow_local_files,
            )
        except NotApplicable as error:
            broken = _broken(to_run, cell.browser, str(error), started)
            return Replayed(broken, why_not=str(error))
        if observe:
            last = len(to_run.steps)
            boundaries.append(observer.boundary(context, last, step_title(scenario, last)))
        if writer is not None and result.outcome is not None:
            writer.finish(result.outcome)
        return Replayed(
            result,
            order_id=order_of(context),
            boundaries=boundaries,
            report=str(folder) if folder is not None else None,
            element=chosen,
        )
    finally:
        if writer is not None:
            writer.close()
        try:
            context.close()
        except playwright_error() as error:  # the browser died: the result says so
            logger.debug("matrix: closing a context: {}", error)


def _broken(scenario: Scenario, browser: str, message: str, started: float) -> ScenarioResult:
    return not_replayed(scenario, browser, message, time.monotonic() - started)


def goes_on(origins: Sequence[Any]) -> bool:
    """Whether the flow goes on after Back then Forward: the page's document started at
    `origins[0]` before the Back, another was shown after it, and the first one again after the
    Forward — restored from the cache, as it was left (a single-page app keeps one document and
    shows its step again without what was typed; a page loaded again is a new document)."""
    before, back, forward = [*origins, None, None, None][:3]
    return before is not None and before == forward and back not in (None, before)


def to_result(cell: Cell, replayed: Replayed, truth: Truth | None) -> CellResult:
    """A cell's result: the watcher's judgement of its replay, compared with the truth."""
    result = replayed.result
    if replayed.why_not is not None:
        na = cell.model_copy(update={"applies": False, "why_not": replayed.why_not})
        return CellResult(cell=na, status="n/a", duration_s=result.duration_s)
    failure = result.failure
    if replayed.element is not None:
        cell = cell.model_copy(update={"element": replayed.element})
    return CellResult(
        cell=cell,
        status=judge_cell(cell, result, truth),
        verdict=result.verdict,
        reason=result.reason or None,
        violations=[v.kind for v in result.violations],
        duration_s=result.duration_s,
        failure=failure.message if failure else None,
        failing_step=(failure.step if failure and failure.step else None),
        truth=truth,
        report=replayed.report,
        order_id=replayed.order_id,
    )


TruthLookup = Callable[[str | None, Cell, str | None], "Truth | None"]


def judged(cell: Cell, replayed: Replayed, truth: TruthLookup | None) -> CellResult:
    """The cell's result, compared with the shop's record of its order when there is an oracle.

    `truth(order_id, cell, verdict)` raises OSError when it cannot reach the shop's record and
    ValueError when it cannot read it: the cell is then inconclusive and says so, since the
    watcher's verdict was judged against nothing."""
    if truth is None or replayed.why_not is not None:
        return to_result(cell, replayed, None)
    try:
        looked = truth(replayed.order_id, cell, replayed.result.verdict)
    except (OSError, ValueError) as error:
        alone = to_result(cell, replayed, None)
        why = alone.failure or f"the shop's record of the order could not be read: {error}"
        return alone.model_copy(update={"status": "inconclusive", "failure": label(why)})
    return to_result(cell, replayed, looked)


def not_applicable(cell: Cell) -> CellResult:
    return CellResult(cell=cell, status="n/a")


# --- the whole matrix ------------------------------------------------------------------------


@dataclass
class Matrix:
    """Every cell of every clean scenario on every browser, in table order."""

    scenarios: list[Scenario]
    browsers: list[str]
    actions: list[Action]
    results: list[CellResult]
    boundaries: dict[tuple[str, str], list[Boundary]]
    seed: int | None = None
    sample: int | None = None

    @property
    def applicable(self) -> list[CellResult]:
        return [r for r in self.results if r.applicable and r.status != "skipped"]

    @property
    def wrong(self) -> list[CellResult]:
        """The cells whose verdict is not the expected one (or not the shop's)."""
        return [r for r in self.applicable if r.status in WRONG]

    @property
    def inconclusive(self) -> list[CellResult]:
        """The cells replayed without a conclusion: something other than the verdict failed."""
        return [r for r in self.applicable if r.status == "inconclusive"]

    @property
    def exit_code(self) -> int:
        """0 every applicable cell right; 1 a wrong verdict; 3 none wrong, but some cells
        replayed without a conclusion (2 is bad input, said by the CLI)."""
        if self.wrong:
            return 1
        return 3 if self.inconclusive else 0


def run_matrix(
    paths: Sequence[Path],
    scenarios: Sequence[Scenario],
    options: ReplayOptions,
    *,
    actions: Sequence[Action] = ACTIONS,
    jobs: int = 1,
    truth: TruthLookup | None = None,
    sample: int | None = None,
    seed: int | None = None,
    on_result: Callable[[CellResult], None] | None = None,
    rerun: Matrix | None = None,
) -> Matrix:
    """Derive and run the matrix of every clean scenario in `scenarios` (loaded from `paths`,
    which the plugin collects again) on `options.browsers`, `jobs` xdist workers.

    `truth(order_id, cell, verdict)` is the shop's record of an order, read once nothing more
    is on its way for the watcher's `verdict` (None: no oracle). `sample`: run
    only that many of each scenario-and-browser's derived cells, drawn with `seed` (the clean
    run always runs); the others are `skipped`.

    `rerun`: a previous run of these scenarios (`preflight matrix --rerun failed`): only its
    cells that are not right — a wrong verdict, or replayed without a conclusion — are replayed,
    each alone, and the others kept as they were. A clean run among them is run again with its
    whole scenario and browser, since its cells come from what it observes.
    """
    clean = [s for s in scenarios if is_clean(s)]
    check_placeholders(
        clean, options.base_url, options.variables, allow_local_files=options.allow_local_files
    )
    by_name = {s.name: s for s in clean}
    rng = random.Random(seed)
    results: dict[str, CellResult] = {}
    order: list[str] = []
    boundaries: dict[tuple[str, str], list[Boundary]] = {}

    def finish(cell: Cell, replayed: Replayed) -> None:
        results[_uid(cell)] = judged(cell, replayed, truth)
        if on_result is not None:
            on_result(results[_uid(cell)])

    def cells_of(scenario: Scenario, browser: str, found: list[Boundary]) -> list[Cell]:
        boundaries[(scenario.name, browser)] = found
        cells = derive(scenario, browser, found, actions)[1:]
        order.extend(_uid(c) for c in cells)
        runnable = [c for c in cells if c.applies]
        if sample is not None and sample < len(runnable):
            chosen = {_uid(c) for c in rng.sample(runnable, sample)}
        else:
            chosen = {_uid(c) for c in runnable}
        for c in cells:
            if not c.applies:
                results[_uid(c)] = not_applicable(c)
            elif _uid(c) not in chosen:
                results[_uid(c)] = CellResult(cell=c, status="skipped")
        return [c for c in runnable if _uid(c) in chosen]

    browsers = list(options.browsers)
    firsts = [Cell(scenario=s.name, browser=b) for s in clean for b in browsers]
    lone: list[Cell] = []
    if rerun is not None:
        firsts, lone = _again(rerun)
    # The clean runs (and a re-run's lone cells), then the cells their boundaries give.
    replayed = _replay(paths, options, [*firsts, *lone], by_name, jobs, finish)
    derived: list[Cell] = []
    for first in firsts:
        order.append(_uid(first))
        scenario = by_name[first.scenario]
        derived += cells_of(scenario, first.browser, replayed[_uid(first)].boundaries)
    order.extend(_uid(cell) for cell in lone)
    _replay(paths, options, derived, by_name, jobs, finish)
    rows = [results[uid] for uid in order if uid in results]
    if rerun is not None:
        rows = _merged(rerun.results, rows, {(c.scenario, c.browser) for c in firsts})
    return Matrix(
        scenarios=clean,
        browsers=browsers,
        actions=list(actions),
        results=rows,
        boundaries=boundaries,
        seed=seed,
        sample=sample,
    )


def _replay(
    paths: Sequence[Path],
    options: ReplayOptions,
    cells: Sequence[Cell],
    by_name: dict[str, Scenario],
    jobs: int,
    finish: Callable[[Cell, Replayed], None],
) -> dict[str, Replayed]:
    """Replay `cells` in one pytest session, one item each; `finish` is given each cell's
    replay as it comes in. A cell without one (the run stopped before it, a worker died) is
    replayed without a conclusion and says so."""
    from preflight.matrix._pytest import Asked, replayed_cell
    from preflight.scenario._pytest_run import run_reports

    if not cells:
        return {}
    done: dict[str, Replayed] = {}

    def on_report(report: Any) -> None:
        found = replayed_cell(report)
        if found is not None and _uid(found[0]) not in done:
            done[_uid(found[0])] = found[1]
            finish(*found)

    asked = Asked(cells=list(cells), report=str(options.report) if options.report else None)
    with tempfile.TemporaryDirectory(prefix="preflight-matrix-") as scratch:
        listed = Path(scratch) / "cells.json"
        listed.write_text(asked.model_dump_json(), encoding="utf-8")
        extra = ["--preflight-matrix", "all", "--preflight-matrix-cells", str(listed)]
        run_reports(paths, options, extra, count=len(cells), jobs=jobs, on_report=on_report)
    for cell in cells:
        if _uid(cell) not in done:
            scenario = by_name[cell.scenario]
            why = "worker: no result, the run stopped before it"
            done[_uid(cell)] = Replayed(not_replayed(scenario, cell.browser, why, 0))
            finish(cell, done[_uid(cell)])
    return done


def _uid(cell: Cell) -> str:
    return f"{cell.scenario}::{cell.id}"


def _again(previous: Matrix) -> tuple[list[Cell], list[Cell]]:
    """The clean runs to run again whole, and the cells to replay alone, of a previous run."""
    again = [r.cell for r in previous.applicable if r.status in RERUN]
    whole = [c for c in again if c.action == "clean"]
    pairs = {(c.scenario, c.browser) for c in whole}
    return whole, [c for c in again if c.action != "clean" and (c.scenario, c.browser) not in pairs]


def _merged(
    previous: Sequence[CellResult], fresh: Sequence[CellResult], whole: set[tuple[str, str]]
) -> list[CellResult]:
    """The previous run's rows with the fresh results in their place; a scenario and browser
    run again whole (`whole`) takes all of its fresh rows where its old ones stood."""
    new = {_uid(r.cell): r for r in fresh}
    rows: list[CellResult] = []
    placed: set[tuple[str, str]] = set()
    for row in previous:
        pair = (row.cell.scenario, row.cell.browser)
        if pair not in whole:
            rows.append(new.get(_uid(row.cell), row))
        elif pair not in placed:
            placed.add(pair)
            rows.extend(r for r in fresh if (r.cell.scenario, r.cell.browser) == pair)
    return rows
