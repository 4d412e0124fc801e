"""`preflight matrix SCENARIO...`: every session-ending action at every step of a clean flow,
replayed and judged (the library: `preflight.matrix`)."""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from preflight.cli import _app
from preflight.cli._app import app, console, err_console, parse_vars, require_qa
from preflight.errors import UsageError
from preflight.i18n import checked_lang
from preflight.matrix import CellResult, is_clean, parse_actions, run_matrix
from preflight.matrix._oracle import target
from preflight.matrix._output import (
    MARKS,
    Block,
    blocks,
    cell_text,
    document,
    read_json,
    summary,
    write_html,
    write_json,
)
from preflight.scenario import load_paths
from preflight.scenario._runner import browser_names, ensure_reachable, rules_default

_STYLE = {"✓": "green", "✗": "bold red", "⚠": "bold yellow", "—": "dim", "·": "dim"}


@app.command()
def matrix(
    paths: Annotated[
        list[Path], typer.Argument(help="Scenario files or folders; the clean ones are used.")
    ],
    actions: Annotated[
        str,
        typer.Option(
            help="Actions to insert, comma-separated: reload,back,back-forward,customer-service."
        ),
    ] = "reload,back,back-forward,customer-service",
    browser: _app.BrowsersOption = "auto",
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Where scenarios start. Default: the demo shop, whose truth judges each cell too."
        ),
    ] = None,
    rules: _app.ScenarioRulesOption = None,
    var: _app.ScenarioVarOption = None,
    jobs: _app.JobsOption = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print every cell as JSON.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(help="Write DIR/index.html, each cell linked to its order report."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Write one order report per cell here (default with --html: DIR/reports)."
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Replay only N cells drawn at random per scenario and "
            "browser (the seed is printed).",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="The sample's seed (default: random).")] = None,
    bfcache: _app.BfcacheOption = False,
    headed: _app.HeadedOption = False,
    step_timeout: _app.StepTimeoutOption = 10.0,
    rerun: Annotated[
        str | None,
        typer.Option(
            metavar="failed",
            help="failed: replay only the cells of the last run that are not right (wrong, or "
            "replayed without a conclusion), read from matrix.json in its --report (or --html) "
            "folder, on its browsers, actions and sample; the others are kept.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            metavar="LANG",
            help="Language of the HTML page and the reports (default: from the locale, else "
            "French).",
        ),
    ] = None,
) -> None:
    """Derive from each clean scenario (expecting attributed) every Refresh, Back, Back then
    Forward and customer-service click at every step, replay each, and judge it.

    Exit code 0 when every applicable cell is right, 1 when a verdict is wrong, 3 when none is
    but some cells were replayed without a conclusion (the shop's HTTP 5xx, a step's timeout, a
    browser that died), 2 on bad input.

    Example: preflight matrix scenarios/clean-order-later.yaml --browser chromium,firefox -j 2
    """
    wanted = parse_actions(actions)
    require_qa("matrix")
    variables = parse_vars(var or [])
    language = checked_lang(lang)
    scenarios = [s for s in load_paths(paths) if is_clean(s)]
    if not scenarios:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"{shown}: no clean scenario — expected at least one whose expect.verdict is attributed"
        )
    names = browser_names(browser)
    if sample is not None and seed is None:
        seed = random.randrange(2**31)
    if report is None and html is not None:
        report = html / "reports"
    previous = None
    cells_to = report
    if rerun is not None:
        if rerun != "failed":
            raise UsageError(f"--rerun {rerun!r}: expected failed")
        if report is None:
            raise UsageError(
                "--rerun failed: no run to read — expected --report DIR (or --html DIR) "
                "naming the folder of the run to re-run"
            )
        previous = read_json(report, scenarios)
        names, wanted = previous.browsers, previous.actions
        sample, seed = previous.sample, previous.seed
        # The re-run cells' order reports go beside the first ones, never over them.
        cells_to = report / datetime.now().strftime("rerun-%Y%m%d-%H%M%S")
    from preflight.scenario._pytest_run import ReplayOptions

    with target(base_url, rules, variables) as (url, _loaded, values, truth):
        options = ReplayOptions(
            base_url=url,
            rules=rules or rules_default(base_url),
            variables=values,
            browsers=names,
            artifacts=None,
            report=cells_to,
            lang=language,
            headed=headed,
            bfcache=bfcache,
            step_timeout_s=step_timeout,
        )
        if base_url is not None:
            ensure_reachable(base_url)
        if sample is not None:
            err_console.print(f"sample: {sample} cells per scenario and browser, seed {seed}")

        def done(result: CellResult) -> None:
            if not as_json and result.applicable:
                mark = MARKS[result.status]
                err_console.print(
                    Text(mark, style=_STYLE[mark]),
                    f"{result.cell.scenario} {result.cell.key} ({result.cell.browser}) "
                    f"{result.verdict or 'no verdict'}"
                    + (" — replayed without a conclusion" if mark == MARKS["inconclusive"] else ""),
                )

        found = run_matrix(
            paths,
            scenarios,
            options,
            actions=wanted,
            jobs=jobs,
            truth=truth,
            sample=sample,
            seed=seed,
            on_result=done,
            rerun=previous,
        )
    if report is not None:
        write_json(found, report)  # what `--rerun failed` reads
    if html is not None:
        page = write_html(found, html, lang=language)
    if as_json:
        typer.echo(json.dumps(document(found), ensure_ascii=False, indent=2))
    else:
        for block in blocks(found):
            console.print(_table(block))
        for line in summary(found):
            console.print(Text(line, style=_STYLE.get(line[:1], "")))
        if html is not None:
            console.print(f"matrix page: {page}")
    raise typer.Exit(found.exit_code)


def _table(block: Block) -> Table:
    table = Table(title=f"{block.scenario} — each cell: {' '.join(block.browsers)}")
    table.add_column("step", overflow="fold")
    for column in block.columns:
        table.add_column(column, overflow="fold")
    for row in block.rows:
        texts = [_marks(cell_text(row, column, block.browsers)) for column in block.columns]
        table.add_row(Text(row.title), *texts)
    return table


def _marks(text: str) -> Text:
    out = Text()
    for char in text:
        out.append(char, style=_STYLE.get(char, ""))
    return out
