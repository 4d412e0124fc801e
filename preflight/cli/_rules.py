"""`preflight rules show` and `preflight rules check`: a rules file to start from, and a rules
file checked without a browser."""

from __future__ import annotations

from typing import Annotated

import typer

from preflight.cli._app import VarOption, app, console, parse_vars, rules_for
from preflight.rules import URL_GLOB_KEYS
from preflight.rules_doc import annotated

rules_app = typer.Typer(
    help="Rules files: show one with every key explained, or check one without a browser.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")


@rules_app.command("show")
def show(
    source: Annotated[
        str, typer.Argument(help="default, demo, or a rules file (TOML).")
    ] = "default",
    var: VarOption = None,
) -> None:
    """Print a rules file with every key and what it means: a file to start from.

    Example: preflight rules show demo > my-rules.toml
    """
    typer.echo(annotated(source, parse_vars(var)), nl=False)


@rules_app.command("check")
def check(
    source: Annotated[str, typer.Argument(help="A rules file (TOML), or default, demo.")],
    var: VarOption = None,
    base_url: Annotated[
        str | None, typer.Option(help="The base URL that ${BASE_URL} stands for.")
    ] = None,
) -> None:
    """Validate a rules file without a browser: every key known, every value of its kind,
    every placeholder defined; say how each URL pattern is read, and warn of valid rules that
    judge wrong (payment without order_later, no customer-service rule, a confirmation off the
    merchant's site or whose submit control is customer service). Exit 0 valid, 2 not.

    Example: preflight rules check my-rules.toml --var PORT=8000
    """
    loaded = rules_for(source, parse_vars(var), base_url or "http://127.0.0.1:8000")
    _say(f"{loaded.source}: valid rules {loaded.name!r}")
    for table, key in URL_GLOB_KEYS:
        globs = loaded.globs(table, key)
        if globs:
            shown = ", ".join(globs)
            _say(f"  {table}.{key}: {shown}")
    for note in loaded.notes:
        _say(f"  note: {note}")
    for trap in loaded.traps():
        console.print("  warning:", style="yellow", end=" ")
        _say(trap)


def _say(text: str) -> None:
    # Patterns and paths are the user's text: printed as text, never read as markup.
    console.print(text, markup=False, highlight=False, soft_wrap=True)
