"""The flow matrix: from one clean scenario, every session-ending action at every step,
replayed and judged (issue #16).

    from preflight.matrix import run_matrix
    matrix = run_matrix(paths, scenarios, options, jobs=2, truth=DemoShopTruth(shop))
    matrix.exit_code  # 0: every applicable cell right

Modules, one concern each: `_model` (boundaries, cells, results), `_observe` (what a clean run
shows at each step boundary, customer-service elements found by the probe's matcher),
`_derive` (cells from boundaries, and the scenario each cell replays), `_run` (a cell's replay;
the clean runs, then the cells, each a pytest item of the plugin), `_pytest` (those items),
`_oracle` (the shop's truth), `_output` (table rows, JSON, the HTML page).
"""

from __future__ import annotations

from preflight.matrix._derive import (
    cell_scenario,
    derive,
    is_clean,
    parse_actions,
    step_title,
    written_out,
)
from preflight.matrix._model import (
    ACTIONS,
    Action,
    Boundary,
    Cell,
    CellResult,
    CsElement,
    Status,
    Truth,
)
from preflight.matrix._observe import Observer, find_elements
from preflight.matrix._oracle import DemoShopTruth, agrees, judge_cell
from preflight.matrix._run import (
    Matrix,
    NotApplicable,
    Replayed,
    replay_cell,
    run_matrix,
    to_result,
)

__all__ = [
    "ACTIONS",
    "Action",
    "Boundary",
    "Cell",
    "CellResult",
    "CsElement",
    "DemoShopTruth",
    "Matrix",
    "NotApplicable",
    "Observer",
    "Replayed",
    "Status",
    "Truth",
    "agrees",
    "cell_scenario",
    "derive",
    "find_elements",
    "is_clean",
    "judge_cell",
    "parse_actions",
    "replay_cell",
    "run_matrix",
    "step_title",
    "to_result",
    "written_out",
]
