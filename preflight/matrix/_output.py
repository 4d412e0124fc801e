"""A matrix as rows for a terminal table, as JSON, and as one HTML page.

Everything here is text from outside (scenario and step names, element labels, URLs): the
terminal gets plain strings (the CLI prints them as text, never markup), the HTML page is
rendered with autoescaping and the report's Content-Security-Policy (no script, no remote
load).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.errors import UsageError
from preflight.i18n import Lang, say
from preflight.matrix._derive import step_title
from preflight.matrix._model import ACTIONS, Action, Cell, CellResult, Status
from preflight.matrix._run import Matrix
from preflight.scenario._model import Scenario
from preflight.watch._tracing import label

REASON_LIMIT = 300  # a failure's reason, on the cell's one line (the JSON keeps it whole)

MARKS: dict[Status, str] = {
    "right": "✓",
    "wrong": "✗",
    "false_alarm": "✗",
    "miss": "✗",
    "inconclusive": "⚠",
    "n/a": "—",
    "skipped": "·",
}


def words(lang: Lang = "en") -> dict[Status, str]:
    """Each status in words (`matrix.status.*`): « rejoué sans conclusion », « does not
    apply »… The terminal says them in English, as `replay`'s does; the page in its language."""
    return {status: say(f"matrix.status.{status.replace('/', '')}", lang) for status in MARKS}


@dataclass(frozen=True)
class Row:
    title: str  # "clean", or the step's number and name: "8 click continuer"
    step: int
    cells: dict[str, dict[str, list[CellResult]]]  # column → browser → results


@dataclass(frozen=True)
class Block:
    """One scenario's table."""

    scenario: str
    columns: list[str]
    browsers: list[str]
    rows: list[Row]


def blocks(matrix: Matrix) -> list[Block]:
    columns: list[str] = ["clean", *matrix.actions]
    out: list[Block] = []
    for scenario in matrix.scenarios:
        mine = [r for r in matrix.results if r.cell.scenario == scenario.name]
        steps: dict[int, str] = {0: "clean"}
        for result in mine:
            if result.cell.action != "clean":
                steps.setdefault(result.cell.step, f"{result.cell.step} {result.cell.step_title}")
        rows: list[Row] = []
        for step in sorted(steps):
            cells: dict[str, dict[str, list[CellResult]]] = {}
            for result in mine:
                if result.cell.step != step:
                    continue
                column: str = result.cell.action
                cells.setdefault(column, {}).setdefault(result.cell.browser, []).append(result)
            rows.append(Row(title=steps[step], step=step, cells=cells))
        out.append(Block(scenario.name, columns, list(matrix.browsers), rows))
    return out


def marks(results: list[CellResult]) -> str:
    """One mark per result (several for a page's customer-service elements); empty: ' '."""
    return "".join(MARKS[r.status] for r in results) or " "


def cell_text(row: Row, column: Action | str, browsers: list[str]) -> str:
    """The text of one table cell: the marks of each browser, in browser order."""
    if column == "clean" and row.step != 0:
        return ""
    if column != "clean" and row.step == 0:
        return ""
    by_browser = row.cells.get(column, {})
    return " ".join(marks(by_browser.get(browser, [])) for browser in browsers)


def where(result: CellResult) -> str:
    """`clean-order-later-mpa step-4-reload (chromium)`, and the element for customer service."""
    cell = result.cell
    text = f"{cell.scenario} {cell.key} ({cell.browser})"
    if cell.element is not None:
        text += f" {cell.element.title}"
    return text


def summary(matrix: Matrix, lang: Lang = "en") -> list[str]:
    """N cells, M right (and how many replayed without a conclusion, do not apply, are not in
    the sample), then each cell not right: wrong verdicts (✗) first, then those replayed
    without a conclusion (⚠)."""
    applicable = matrix.applicable
    right = sum(1 for r in applicable if r.right)
    na = sum(1 for r in matrix.results if r.status == "n/a")
    skipped = sum(1 for r in matrix.results if r.status == "skipped")
    parts = [say("matrix.summary", lang, cells=len(applicable), right=right)]
    if matrix.inconclusive:
        parts.append(say("matrix.summary.inconclusive", lang, n=len(matrix.inconclusive)))
    if na:
        parts.append(say("matrix.summary.na", lang, n=na))
    if skipped:
        parts.append(say("matrix.summary.skipped", lang, n=skipped, seed=matrix.seed))
    said = words(lang)
    return ["; ".join(parts), *(line(r, said) for r in [*matrix.wrong, *matrix.inconclusive])]


def line(result: CellResult, said: dict[Status, str] | None = None) -> str:
    """One cell that is not right, on one line: `✗ WHERE: miss (…), failing step N; watcher:
    lost by [reload]; shop: attributed — why` (`⚠ … replayed without a conclusion …` when
    something other than the verdict failed: the reason is then the failure's)."""
    said = said or words()
    step = result.failing_step or (result.cell.step + 1 if result.cell.step else None)
    at = f", failing step {step}" if step else ""
    got: str = result.verdict or "no verdict"
    if result.violations:
        got += f" by [{', '.join(result.violations)}]"
    truth = ""
    if result.truth is not None:
        truth = "; shop: " + ("attributed" if result.truth.attributed else "lost")
        if result.truth.ended_by:
            truth += f" by {result.truth.ended_by}"
    because = result.failure or result.reason
    why = f" — {label(because, REASON_LIMIT)}" if because else ""
    mark = MARKS[result.status]
    return f"{mark} {where(result)}: {said[result.status]}{at}; watcher: {got}{truth}{why}"


def document(matrix: Matrix) -> dict[str, Any]:
    """The `--json` document: every cell, then the counts."""
    applicable = matrix.applicable
    return {
        "cells": [r.public() for r in matrix.results],
        "applicable": len(applicable),
        "right": sum(1 for r in applicable if r.right),
        "wrong": len(matrix.wrong),
        "inconclusive": len(matrix.inconclusive),
        "sample": matrix.sample,
        "seed": matrix.seed,
    }


JSON_FILE = "matrix.json"


def write_json(matrix: Matrix, folder: Path) -> Path:
    """`folder/matrix.json`: the `--json` document, where `--rerun failed` reads it back."""
    from preflight.report.files import make_private_dir, write_inside

    make_private_dir(folder)
    text = json.dumps(document(matrix), ensure_ascii=False, indent=2) + "\n"
    return write_inside(folder, JSON_FILE, text.encode())


def read_json(folder: Path, scenarios: Sequence[Scenario]) -> Matrix:
    """The run `folder/matrix.json` records, over the clean `scenarios` it was made of; a
    UsageError (one line) when there is none, it cannot be read, or it is of other scenarios."""
    path = folder / JSON_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = [CellResult.from_public(row) for row in data["cells"]]
        seed, sample = data.get("seed"), data.get("sample")
    except FileNotFoundError:
        raise UsageError(
            f"{path}: no previous run to re-run — expected the matrix.json that "
            f"`preflight matrix … --report {folder}` (or --html) writes"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(
            f"{path}: not a matrix run ({label(str(error), 160)}) — expected the matrix.json "
            "that `preflight matrix --report` writes"
        ) from None
    by_name = {s.name: s for s in scenarios}
    for result in results:
        cell = result.cell
        scenario = by_name.get(cell.scenario)
        if scenario is None:
            raise UsageError(
                f"{path}: scenario {cell.scenario!r} is not among the clean scenarios given — "
                "expected the scenario files of the run it records"
            )
        if cell.step > len(scenario.steps):
            raise UsageError(
                f"{path}: {cell.scenario} {cell.key} — the scenario has {len(scenario.steps)} "
                "steps now; expected it unchanged since that run (run the whole matrix again)"
            )
    browsers = list(dict.fromkeys(r.cell.browser for r in results))
    actions = [a for a in ACTIONS if any(r.cell.action == a for r in results)]
    named = [r.model_copy(update={"cell": _retitled(r.cell, by_name)}) for r in results]
    ran = [s for s in scenarios if any(r.cell.scenario == s.name for r in results)]
    return Matrix(ran, browsers, actions, named, {}, seed=seed, sample=sample)


def _retitled(cell: Cell, by_name: dict[str, Scenario]) -> Cell:
    """The cell with its row's name as the scenario's step is named today."""
    if cell.action == "clean":
        return cell
    return cell.model_copy(update={"step_title": step_title(by_name[cell.scenario], cell.step)})


def write_html(matrix: Matrix, folder: Path, *, lang: Lang = "en") -> Path:
    """`folder/index.html`: the matrix, each cell linked to its order report, its words in
    `lang`; the tables' stylesheet is the replay index's (`report/templates/tables.css`)."""
    from jinja2 import ChoiceLoader, Environment, PackageLoader

    from preflight.report.files import make_private_dir, write_inside

    make_private_dir(folder)
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader("preflight.matrix", "templates"), PackageLoader("preflight.report")]
        ),
        autoescape=True,  # names, labels and URLs come from outside
    )

    def link(result: CellResult) -> str | None:
        if not result.report:
            return None
        target = Path(result.report) / "report.html"
        try:
            return Path(os.path.relpath(target, folder)).as_posix()
        except ValueError:  # another drive (Windows): an absolute file URL then
            return target.resolve().as_uri()

    page = env.get_template("matrix.html").render(
        lang=lang,
        title=say("matrix.title", lang),
        step=say("matrix.step", lang),
        blocks=blocks(matrix),
        summary=summary(matrix, lang),
        marks=MARKS,
        words=words(lang),
        link=link,
        where=where,
    )
    return write_inside(folder, "index.html", page.encode())
