"""The Typer application every command module registers on, and what they share."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from loguru import logger
from rich.console import Console

app = typer.Typer(
    name="preflight",
    help=(
        "Keeps an ACN seller's SFR order inside the ACN session: checks the browser before the "
        "order, watches the order, replays recorded order flows in CI."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _root(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="Log what preflight does (-vv for more)."
    ),
) -> None:
    if verbose:
        logger.enable("preflight")
        logger.remove()
        logger.add(sys.stderr, level="DEBUG" if verbose > 1 else "INFO")


# Options that several commands share, written once so their names and help stay the same.
BrowserOption = Annotated[
    str,
    typer.Option(
        help="Which browser: chrome, chromium, firefox, edge, or auto (Chrome, then Firefox)."
    ),
]
ExecutableOption = Annotated[
    Path | None,
    typer.Option(help="The browser's executable, when it is not found by itself."),
]
RulesOption = Annotated[
    str, typer.Option(help="Rules file (TOML), or a builtin one: default, demo.")
]
