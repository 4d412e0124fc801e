"""`preflight replay PATH...`: replay recorded scenarios and check the verdict each expects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from preflight.cli._app import app, console, err_console
from preflight.errors import UsageError
from preflight.scenario import load_paths
from preflight.scenario._replay import ScenarioResult, parse_shard, shard_scenarios
from preflight.scenario._runner import (
    RunSettings,
    browser_names,
    check_placeholders,
    demo_or_given,
    ensure_reachable,
    run,
)


def parse_vars(raw: list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs from the command line."""
    variables: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UsageError(f"--var {item!r}: expected NAME=VALUE, e.g. --var MERCHANT=https://…")
        variables[name] = value
    return variables


@app.command()
def replay(
    paths: Annotated[list[Path], typer.Argument(help="Scenario files or folders of them.")],
    browser: Annotated[
        str, typer.Option(help="Browsers, comma-separated (chromium,firefox), or auto.")
    ] = "auto",
    base_url: Annotated[
        str | None,
        typer.Option(help="Where scenarios start. Default: the demo shop, on a free port."),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(help="Rules file (TOML) or builtin (default, demo)."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write one order report per scenario and browser here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    headed: Annotated[bool, typer.Option(help="Show the browser windows.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Worker processes.")] = 1,
    var: Annotated[
        list[str] | None,
        typer.Option(help="NAME=VALUE for ${NAME} in scenarios and rules (repeatable)."),
    ] = None,
    bfcache: Annotated[
        bool, typer.Option(help="Keep the back/forward cache on, as a real browser has it.")
    ] = False,
    artifacts: Annotated[Path, typer.Option(help="Where failure screenshots go.")] = Path(
        "preflight-replay"
    ),
    step_timeout: Annotated[
        float, typer.Option(min=0.5, max=300, help="Seconds a step may wait for its element.")
    ] = 10.0,
    connect: Annotated[
        str | None,
        typer.Option(
            metavar="WS_ENDPOINT",
            help="Use the browsers of a remote Playwright server (playwright launch-server / "
            "run-server) instead of launching them here.",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            metavar="K/N",
            help="Replay only shard K of N of the scenarios (by file and name): N CI machines, "
            "one shard each, replay the whole suite once.",
        ),
    ] = None,
) -> None:
    """Replay scenarios on each browser and check the verdict each one expects.

    Exit code 0 when every expectation holds, 1 otherwise, 2 on bad input.

    Example: preflight replay scenarios/ --browser chromium,firefox --json
    """
    variables = parse_vars(var or [])
    scenarios = load_paths(paths)  # bad input stops here: exit 2
    if shard is not None:
        scenarios = shard_scenarios(scenarios, parse_shard(shard))
    names = browser_names(browser)
    with demo_or_given(base_url, rules, variables) as (url, loaded_rules, values):
        settings = RunSettings(
            rules=loaded_rules,
            base_url=url,
            variables=values,
            report=report,
            artifacts=artifacts,
            headed=headed,
            bfcache=bfcache,
            step_timeout_s=step_timeout,
            connect=connect,
        )
        check_placeholders(scenarios, settings)  # what the files say, before the network
        if base_url is not None and connect is None:
            # A remote browser server may reach hosts that this machine cannot: not tried then.
            ensure_reachable(base_url)
        total = len(scenarios) * len(names)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=as_json,
        ) as progress:
            task = progress.add_task("replaying", total=total)

            def done(result: ScenarioResult) -> None:
                mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
                progress.console.print(
                    f"{mark} {escape(result.scenario)} ({result.browser}) "
                    f"{result.verdict or 'no verdict'}"
                    + (
                        ""
                        if result.passed or not result.failure
                        else f" — {escape(result.failure.message)}"
                    ),
                    highlight=False,
                )
                progress.advance(task)

            results = run(scenarios, names, settings, jobs=jobs, on_result=done)
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed
    if as_json:
        document = {
            "results": [r.public() for r in results],
            "passed": passed,
            "failed": failed,
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _table(results)
        console.print(f"{passed} passed, {failed} failed", highlight=False)
    raise typer.Exit(0 if failed == 0 else 1)


def _table(results: list[ScenarioResult]) -> None:
    table = Table(title="Scenarios")
    for column in ("scenario", "browser", "verdict", "expected", "violations", "s", "result"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r.scenario,
            r.browser,
            r.verdict or "—",
            r.expected,
            ", ".join(v.kind for v in r.violations),
            f"{r.duration_s:.1f}",
            "[green]passed[/]" if r.passed else "[red]failed[/]",
        )
    console.print(table)
    for r in results:
        if r.failure is not None:
            where = f" (step {r.failure.step}, {r.file}:{r.failure.line})" if r.failure.step else ""
            console.print(
                f"[red]✗[/] {escape(r.scenario)} ({r.browser}){escape(where)}: "
                f"{escape(r.failure.message)}",
                highlight=False,
            )
            if r.failure.screenshot:
                console.print(f"  screenshot: {r.failure.screenshot}", highlight=False)
