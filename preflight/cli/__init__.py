"""The `preflight` command: parses arguments, calls the library, renders results.

No business logic here. Library errors (`PreflightError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

import typer.main

from preflight.cli._app import app, err_console
from preflight.cli._out import styled
from preflight.cli._words import error_line, lang_of, localise, use_language
from preflight.errors import PreflightError, Terminated
from preflight.i18n import say
from preflight.privacy import redact

# Each module registers its commands on `app` when imported.
from preflight.cli import (  # noqa: F401  isort: skip
    _browsers,
    _check,
    _matrix,
    _order,
    _orders,
    _record,
    _replay,
    _rules,
    _serve,
    _setup,
)

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI as a process: signals handled, exit with the command's code."""
    if threading.current_thread() is threading.main_thread():
        # A CI runner's or service manager's stop (SIGTERM) ends a command as Ctrl+C does: the
        # report is closed as incomplete and the browser shut, instead of dying mid-write.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code, leaving the process as it is (no signal handler,
    no exit): what `main` does inside, and what tests call in-process."""
    # Standalone mode: Typer itself turns usage errors into exit code 2 and `typer.Exit(n)`
    # into exit code n; only our own errors are left to map.
    lang = lang_of(sys.argv[1:] if argv is None else argv)
    use_language(lang)
    command = typer.main.get_command(app)  # what `app(...)` runs, with the seller's words
    localise(command, lang)
    try:
        command.main(args=argv, prog_name="preflight")
    except PreflightError as error:
        # An error may quote a page's URL: redacted like every line that leaves the process.
        line = redact(error_line(error, lang))
        err_console.print(styled("preflight:", "bold red"), line, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print(f"preflight: {say('cli.interrupted', lang)}")
        return 130
    except SystemExit as done:
        # Typer turns Ctrl+C (and SIGTERM, above) into a silent exit 130 (typer/core.py
        # `_main`, Typer 0.2x): say so, for whoever reads the CI log.
        if done.code == 130:
            err_console.print(f"preflight: {say('cli.interrupted.kept', lang)}")
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        err_console.print(str(done.code))  # as Python does with sys.exit("message")
        return 1
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    from preflight._private import in_playwright_dispatch

    if _inside_a_playwright_callback() or in_playwright_dispatch(frame):
        # Playwright 1.64 prints any exception raised while it dispatches an event as a
        # traceback ("Error occurred in event listener") before rethrowing it: deliver the
        # interrupt again a moment later, once the main thread is back in our code or waiting.
        threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
        return
    # An interrupt that lands inside one of Playwright's binding callbacks (its sync API runs
    # them as asyncio tasks) leaves that task's KeyboardInterrupt unretrieved, and asyncio logs
    # it as a traceback: it is this same interrupt, handled by the command.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _inside_a_playwright_callback() -> bool:
    """Whether the main thread is running code that Playwright's sync API calls back, where an
    interrupt would be printed as an event listener's error. Told by public APIs only (greenlet,
    asyncio): the sync API runs our code in the thread's main greenlet and its event loop in a
    greenlet of its own (the main one's child), whose tasks dispatch the driver's messages and
    call the bindings; each event listener or route handler runs in a greenlet of its own,
    started from the loop's (a grandchild). Between two tasks, the loop is waiting for the
    driver: an interrupt there leaves it at once, as in our own code."""
    greenlet = sys.modules.get("greenlet")  # not loaded: no Playwright sync API is running
    if greenlet is None:
        return False
    current = greenlet.getcurrent()
    if current.parent is None:
        return False  # the thread's main greenlet: our code
    if current.parent.parent is not None:
        return True  # a listener's or a route handler's greenlet
    import asyncio  # loaded with greenlet by Playwright

    try:
        return asyncio.current_task() is not None
    except RuntimeError:  # no loop running in this greenlet: not Playwright's
        return False
