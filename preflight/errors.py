"""Every error preflight raises on purpose.

    PreflightError                 root; carries a one-line, user-facing message
    ├── UsageError                 a bad command-line value (unknown browser, port in use…)
    ├── InputError                 a bad file; names the file, the place and what was expected
    │   ├── RulesError             a rules file (TOML)
    │   ├── ScenarioError          a scenario file (YAML) or a recording (JSON)
    │   └── ProfileError           a browser profile folder that must not be touched
    ├── BrowserError               a browser cannot be found, launched or driven
    │   ├── BrowserNotFound        no installed browser matches what was asked
    │   ├── BrowserInstallFailed   Playwright's own browser could not be downloaded
    │   └── PageUnresponsive       a page did not answer in time (its script spins)
    ├── ReportError                a report cannot be written (folder not writable, disk full)
    └── BookError                  the order book cannot be read or written (corrupt, disk full)

The CLI maps them to exit code 2 and prints `str(error)`, never a traceback. Apart from them,
`Terminated` is the `KeyboardInterrupt` the CLI raises on SIGTERM: a stop asked by the system,
not by the person at the screen (exit 130 like Ctrl+C, with nothing left on screen to wait for).
"""

from __future__ import annotations

from pathlib import Path


class Terminated(KeyboardInterrupt):
    """SIGTERM: ends a command as Ctrl+C does, without waiting for the seller's end page."""


class PreflightError(Exception):
    """Root of preflight's errors; `str()` is the message shown to the user."""


class UsageError(PreflightError):
    """A command-line value that cannot be used."""


class InputError(PreflightError):
    """A file that cannot be read as what it should be."""

    def __init__(
        self,
        what: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        where: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.what = what
        self.file = str(file) if file is not None else None
        self.line = line
        self.where = where
        self.expected = expected
        super().__init__(self._format())

    def _format(self) -> str:
        place = ""
        if self.file:
            place = self.file + (f":{self.line}" if self.line else "")
        if self.where:
            place = f"{place} ({self.where})" if place else self.where
        message = f"{place}: {self.what}" if place else self.what
        if self.expected:
            message += f" — expected {self.expected}"
        return message


class RulesError(InputError):
    """A rules file that is not valid."""


class ScenarioError(InputError):
    """A scenario or recording file that is not valid."""


class ProfileError(InputError):
    """A browser profile that preflight refuses to touch."""


class BrowserError(PreflightError):
    """A browser that cannot be launched or driven."""


class BrowserNotFound(BrowserError):
    """No installed browser matches the request."""


class PageUnresponsive(BrowserError):
    """A page that did not answer a question in time: its script keeps its thread busy."""


class BrowserInstallFailed(BrowserError):
    """`playwright install` failed; `cause` is its own one-line reason (no network…)."""

    def __init__(self, message: str, *, cause: str) -> None:
        self.cause = cause
        super().__init__(f"{message}: {cause}")


class ReportError(PreflightError):
    """A report that cannot be written."""


class BookError(PreflightError):
    """The order book (`preflight.book`) cannot be used: `kind` says why, for the CLI's words.

    `kind`: "corrupt" (not a book, or damaged), "unreadable" (cannot be opened), "full" (the
    disk is full), "newer" (written by a newer preflight), "unknown_order" (no such number)."""

    def __init__(self, message: str, *, path: Path, kind: str, detail: str = "") -> None:
        self.path = path
        self.kind = kind
        self.detail = detail
        super().__init__(message)
