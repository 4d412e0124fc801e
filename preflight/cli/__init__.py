"""The `preflight` command: parses arguments, calls the library, renders results.

No business logic here. Library errors (`PreflightError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading

from preflight.cli._app import app, err_console
from preflight.errors import PreflightError

# Each module registers its commands on `app` when imported.
from preflight.cli import (  # noqa: F401  isort: skip
    _browsers,
    _check,
    _order,
    _record,
    _replay,
    _serve,
)

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exit with the command's code."""
    # Standalone mode: Typer itself turns usage errors into exit code 2 and `typer.Exit(n)`
    # into exit code n; only our own errors are left to map.
    if threading.current_thread() is threading.main_thread():
        # A CI runner's or service manager's stop (SIGTERM) ends a command as Ctrl+C does: the
        # report is closed as incomplete and the browser shut, instead of dying mid-write.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        app(args=argv, prog_name="preflight")
    except PreflightError as error:
        err_console.print(f"[bold red]preflight:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("preflight: interrupted")
        sys.exit(130)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
