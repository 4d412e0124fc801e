"""The Typer application every command module registers on, and what they share."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from loguru import logger

from preflight.cli._out import SafeConsole, plain
from preflight.errors import PreflightError
from preflight.privacy import redact
from preflight.variables import parse_assignments

if TYPE_CHECKING:
    from preflight.rules import Rules

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
# Every line the CLI prints goes through these: text only, never markup (see _out.py).
console = SafeConsole()
err_console = SafeConsole(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"preflight {package_version()}")
        raise typer.Exit(0)


def package_version() -> str:
    """The installed distribution's version (its metadata), else the source tree's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("preflight")
    except PackageNotFoundError:
        from preflight import __version__

        return __version__


@app.callback()
def _root(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="Log what preflight does (-vv for more)."
    ),
    _version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print preflight's version and exit.",
    ),
) -> None:
    if verbose:
        logger.enable("preflight")
        logger.remove()
        logger.add(sys.stderr, level="DEBUG" if verbose > 1 else "INFO", filter=_safe_record)


def _safe_record(record: Any) -> bool:
    """Log lines reach the terminal too: URLs redacted, control characters neutralised."""
    record["message"] = plain(redact(record["message"]))
    return True


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
# Any language with a catalogue (`preflight.i18n.available_langs`), checked by the command.
LangOption = Annotated[
    str | None,
    typer.Option(metavar="LANG", help="Language of the messages (default: from the locale)."),
]
VarOption = Annotated[
    list[str] | None,
    typer.Option(
        help="NAME=VALUE for ${NAME} in the rules (and scenarios); repeatable. BASE_URL is "
        "the base URL wherever one is given."
    ),
]

# Options of the two commands that replay scenarios, `replay` and `matrix`.
BrowsersOption = Annotated[
    str, typer.Option(help="Browsers, comma-separated (chromium,firefox), or auto.")
]
ScenarioRulesOption = Annotated[
    str | None, typer.Option(help="Rules file (TOML) or builtin (default, demo).")
]
ScenarioVarOption = Annotated[
    list[str] | None,
    typer.Option(help="NAME=VALUE for ${NAME} in scenarios and rules (repeatable)."),
]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Worker processes.")]
HeadedOption = Annotated[bool, typer.Option(help="Show the browser windows.")]
BfcacheOption = Annotated[
    bool, typer.Option(help="Keep the back/forward cache on, as a real browser has it.")
]
StepTimeoutOption = Annotated[
    float, typer.Option(min=0.5, max=300, help="Seconds a step may wait for its element.")
]


# What `preflight[qa]` adds to the seller's install, by import name (the distribution's name).
_QA_MODULES = {
    "pytest": "pytest",
    "pytest_playwright": "pytest-playwright",
    "xdist": "pytest-xdist",
}


def require_qa(command: str) -> None:
    """QA's commands run on pytest, which the seller's install (`pipx install preflight`)
    leaves out: say so in one line (exit 2) instead of an ImportError's traceback."""
    from importlib.util import find_spec

    missing = [name for module, name in _QA_MODULES.items() if find_spec(module) is None]
    if missing:  # not a bad value (UsageError): an install without QA's tools
        raise PreflightError(
            f"preflight {command} needs {', '.join(missing)}, which this install of preflight "
            'leaves out: install preflight[qa] (pip install "preflight[qa]")'
        )


def parse_vars(raw: list[str] | None) -> dict[str, str]:
    """`NAME=VALUE` pairs from the command line."""
    return parse_assignments(raw or [], "--var")


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of `url`, or None when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def rules_for(source: str, variables: Mapping[str, str], base_url: str | None = None) -> Rules:
    """The rules of a command: `--var` values, and BASE_URL = the base URL when there is one
    (a `--var BASE_URL=…` wins, as everywhere)."""
    from preflight.rules import load_rules

    values = dict(variables)
    if base_url:
        values = {"BASE_URL": base_url.rstrip("/"), **values}
    return load_rules(source, variables=values)


BookOption = Annotated[
    Path | None,
    typer.Option(
        "--book",
        metavar="FILE",
        help="The order book (SQLite; default: in the user's data folder, or $PREFLIGHT_BOOK).",
    ),
]
