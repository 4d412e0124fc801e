"""From a clean scenario and the boundaries of one clean run, the matrix's cells, and the
scenario each cell replays.

A cell's scenario is the clean one cut after step k, with the action appended as the scenario
format's own steps (`reload`; `back`; `back` + `forward`; a `click` on the element): nothing
after the action can change a verdict that is already `lost` with that violation, so nothing
after it is replayed — but with the back/forward cache on, a `back-forward` cell goes on with
the flow on the page restored (see `cell_scenario`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from preflight.errors import UsageError
from preflight.globs import within_page
from preflight.matrix._model import ACTIONS, Action, Boundary, Cell
from preflight.scenario._model import (
    Back,
    Click,
    Expect,
    Forward,
    Reload,
    Scenario,
    Step,
    WaitFor,
)
from preflight.scenario._naming import step_name


def is_clean(scenario: Scenario) -> bool:
    """A scenario a matrix derives from: it expects the order attributed."""
    return scenario.expect.verdict == "attributed"


def parse_actions(raw: str) -> list[Action]:
    """`reload,back` → the actions, in the matrix's column order; a UsageError otherwise."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in ACTIONS]
    if unknown or not names:
        raise UsageError(
            f"--actions {raw!r}: expected a comma-separated list of {', '.join(ACTIONS)}"
        )
    return [action for action in ACTIONS if action in names]


def step_title(scenario: Scenario, index: int) -> str:
    """What a matrix row is called: the step's name, else its action and target
    (`preflight.scenario._naming`, the recorder's rule too): « click Continuer »."""
    return step_name(scenario, index)


def derive(
    scenario: Scenario,
    browser: str,
    boundaries: Sequence[Boundary],
    actions: Iterable[Action] = ACTIONS,
) -> list[Cell]:
    """Every cell of `scenario`'s matrix on `browser`: the clean scenario itself, then, for
    each step boundary and each action, one cell (one per element for customer-service).

    A boundary that does not apply (before the ACN entry, no merchant page, the order placed)
    gives cells marked so, as does a page without any customer-service element: shown in the
    table, never counted as passed.
    """
    wanted = list(actions)
    cells = [Cell(scenario=scenario.name, browser=browser)]
    for position, boundary in enumerate(boundaries):
        leaves = back_leaves(boundaries[: position + 1])
        in_frame = frame_history(scenario, boundaries[: position + 1])
        anchor = back_within_page(boundaries[: position + 1])
        base = {
            "scenario": scenario.name,
            "browser": browser,
            "step": boundary.step,
            "step_title": boundary.title,
        }
        for action in wanted:
            if not boundary.applies:
                cells.append(Cell(**base, action=action, applies=False, why_not=boundary.why_not))
            elif action in ("back", "back-forward") and leaves:
                cells.append(Cell(**base, action=action, applies=False, why_not=BACK_LEAVES))
            elif action in ("back", "back-forward") and in_frame:
                cells.append(Cell(**base, action=action, applies=False, why_not=FRAME_HISTORY))
            elif action in ("back", "back-forward") and anchor:
                cells.append(Cell(**base, action=action, applies=False, why_not=WITHIN_PAGE))
            elif action != "customer-service":
                cells.append(Cell(**base, action=action))
            elif not boundary.elements:
                why = "no customer-service element on this page"
                cells.append(Cell(**base, action=action, applies=False, why_not=why))
            else:
                for number, element in enumerate(boundary.elements, start=1):
                    cells.append(Cell(**base, action=action, element=element, index=number))
    return cells


BACK_LEAVES = "Back leaves the order for the page before the ACN entry"
FRAME_HISTORY = "Back would move a frame's own history (a widget), not the order's page"
WITHIN_PAGE = "Back would only undo an in-page anchor: the same page, no order step shown again"


def frame_history(scenario: Scenario, seen: Sequence[Boundary]) -> bool:
    """Whether a frame step came after the page last changed (boundaries in order): the
    browser's Back then moves that frame back in the joint session history, and the order's
    page stays — the session does not end, and a cell expecting `[back]` would test nothing
    the seed states (chat-in-iframe.yaml: the widget browses its help pages)."""
    if not seen:
        return False
    arrived = 0
    for position in range(len(seen) - 1, 0, -1):
        if seen[position - 1].url != seen[position].url:
            arrived = position
            break
    since = scenario.steps[seen[arrived].step : seen[-1].step]
    return any(getattr(step, "frame", None) for step in since)


def back_leaves(seen: Sequence[Boundary]) -> bool:
    """Whether Back from the last page of `seen` (boundaries in order) goes to a page outside
    the ACN session — the first merchant page, whose previous page is the seller's shop.

    Back there is no order step replayed: neither the watcher nor the shop counts it, and the
    cell expecting `lost` by `[back]` would test a rule the seed does not state. (Back then
    Forward there replays the landing: a Forward alone, not the cell's `[back, forward]`.)
    """
    if not seen:
        return True
    current = seen[-1].url
    for earlier in reversed(seen[:-1]):
        if earlier.url != current:
            return not earlier.applies
    return True


def back_within_page(seen: Sequence[Boundary]) -> bool:
    """Whether Back from the last page of `seen` only undoes an in-page anchor: the page before
    it differs only by its fragment (not a `#/route`). Nothing is loaded or replayed: the
    shop keeps the order, and the watcher calls it no violation (found by the matrix:
    no-false-alarm's « Voir les conditions », step 8)."""
    if not seen:
        return False
    current = seen[-1].url
    for earlier in reversed(seen[:-1]):
        if earlier.url != current:
            return within_page(earlier.url, current)
    return False


def action_steps(cell: Cell) -> list[Step]:
    """The steps a cell inserts, named so that the table and the events say what they are."""
    name = f"matrix: {cell.action}"
    if cell.action == "reload":
        return [Reload(name=name)]
    if cell.action == "back":
        return [Back(name=name)]
    if cell.action == "back-forward":
        return [Back(name="matrix: back"), Forward(name="matrix: forward")]
    if cell.action == "customer-service" and cell.element is None:
        # Under pytest the element is found at run time, by its number on the page: the
        # click is made when the boundary is reached; this step only waits for the page.
        return [WaitFor(name=name, selector="body", state="attached")]
    if cell.action == "customer-service":
        assert cell.element is not None
        return [Click(name=name, selector=cell.element.selector, frame=cell.element.frame)]
    return []


def cell_scenario(scenario: Scenario, cell: Cell, *, go_on: bool = False) -> Scenario:
    """The scenario `cell` replays: the clean one, or its first `cell.step` steps followed by
    the action, expecting `lost` with exactly the action's violations.

    `go_on` (the back/forward cache on): a `back-forward` cell is followed by the rest of the
    flow, which the replay runs only when Back then Forward restored the page of the cell's
    step from the cache (`goes_on` in `_run`): the steps after a restore are driven otherwise
    on Firefox (`scenario._restored`), and the cell proves they work. A single-page app shows
    its step again without what was typed: there the replay stops after the Forward."""
    if cell.action == "clean":
        return scenario
    steps = list(scenario.steps[: cell.step]) + action_steps(cell)
    if go_on and cell.action == "back-forward":
        steps += scenario.steps[cell.step :]
    expect = Expect(verdict="lost", violations=cell.expected_violations)
    return scenario.model_copy(
        update={
            "name": f"{scenario.name}.{cell.key}",
            "description": f"{scenario.name}: {cell.action} after step {cell.step}",
            "steps": steps,
            "expect": expect,
        }
    )


def written_out(scenario: Scenario, cell: Cell) -> Scenario:
    """The variant as a QA engineer writes it by hand: the action inserted after step k and
    the rest of the flow kept (for the bench's comparison)."""
    if cell.action == "clean":
        return scenario
    short = cell_scenario(scenario, cell)
    return short.model_copy(update={"steps": list(short.steps) + list(scenario.steps[cell.step :])})
