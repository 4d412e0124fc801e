"""A matrix as rows for a terminal table, as JSON, and as one HTML page.

Everything here is text from outside (scenario and step names, element labels, URLs): the
terminal gets plain strings (the CLI prints them as text, never markup), the HTML page is
rendered with autoescaping and the report's Content-Security-Policy (no script, no remote
load).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from preflight.matrix._model import Action, CellResult, Status
from preflight.matrix._run import Matrix

MARKS: dict[Status, str] = {
    "right": "✓",
    "wrong": "✗",
    "false_alarm": "✗",
    "miss": "✗",
    "failed": "✗",
    "n/a": "—",
    "skipped": "·",
}
WORDS: dict[Status, str] = {
    "right": "right",
    "wrong": "wrong",
    "false_alarm": "false alarm (the shop kept the order attributed)",
    "miss": "miss (the shop lost the order)",
    "failed": "replay failed",
    "n/a": "does not apply",
    "skipped": "not in the sample",
}


@dataclass(frozen=True)
class Row:
    title: str  # "clean", the step's name, or "N action"
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
                steps.setdefault(result.cell.step, result.cell.step_title)
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


def summary(matrix: Matrix) -> list[str]:
    """N cells, M right, then each wrong one with its failing step."""
    applicable = matrix.applicable
    right = sum(1 for r in applicable if r.right)
    na = sum(1 for r in matrix.results if r.status == "n/a")
    skipped = sum(1 for r in matrix.results if r.status == "skipped")
    head = f"{len(applicable)} cells, {right} right"
    if na:
        head += f"; {na} do not apply"
    if skipped:
        head += f"; {skipped} not in the sample (seed {matrix.seed})"
    lines = [head]
    for result in matrix.wrong:
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
        why = f" — {result.failure or result.reason}" if result.failure or result.reason else ""
        lines.append(f"✗ {where(result)}: {WORDS[result.status]}{at}; watcher: {got}{truth}{why}")
    return lines


def document(matrix: Matrix) -> dict[str, Any]:
    """The `--json` document: every cell, then the counts."""
    applicable = matrix.applicable
    return {
        "cells": [r.public() for r in matrix.results],
        "applicable": len(applicable),
        "right": sum(1 for r in applicable if r.right),
        "wrong": len(matrix.wrong),
        "sample": matrix.sample,
        "seed": matrix.seed,
    }


def write_html(matrix: Matrix, folder: Path) -> Path:
    """`folder/index.html`: the matrix, each cell linked to its order report."""
    from jinja2 import Environment, select_autoescape

    from preflight.report.files import make_private_dir, write_inside

    make_private_dir(folder)
    source = (
        resources.files("preflight.matrix").joinpath("templates/matrix.html").read_text("utf-8")
    )
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(source)

    def link(result: CellResult) -> str | None:
        if not result.report:
            return None
        target = Path(result.report) / "report.html"
        try:
            return Path(os.path.relpath(target, folder)).as_posix()
        except ValueError:  # another drive (Windows): an absolute file URL then
            return target.resolve().as_uri()

    page = template.render(
        blocks=blocks(matrix),
        summary=summary(matrix),
        marks=MARKS,
        words=WORDS,
        link=link,
        where=where,
    )
    return write_inside(folder, "index.html", page.encode())
