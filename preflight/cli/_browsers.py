"""`preflight browsers`: the browsers installed on this machine."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from preflight.browsers import default_browser, discover
from preflight.cli._app import app, console


@app.command()
def browsers(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """List the browsers installed here, how each can be driven, and the default one.

    Example: preflight browsers --json
    """
    found = discover()
    if as_json:
        typer.echo(json.dumps([b.model_dump() for b in found], indent=2))
        return
    default = next((b.family for b in found if b.default), None) or default_browser()
    table = Table(title=f"Browsers (default: {default})", title_justify="left")
    for column in ("family", "version", "driver", "default", "executable"):
        table.add_column(column, overflow="fold")
    for b in found:
        table.add_row(
            b.family + (" ESR" if b.esr else ""),
            b.version or "?",
            b.driver,
            "yes" if b.default else "",
            (b.executable or "") + (f" ({b.note})" if b.note else ""),
        )
    console.print(table)
