"""`preflight …` run in the test's own process: what a usage, exit-code or message test needs,
without a new interpreter importing Playwright each time (about a second a test; issue 22).

`preflight.cli.run` is the command as its process runs it, less the process: the same error
mapping and exit codes, no signal handlers, no `sys.exit`. What only a process shows (signals,
a traceback printed by the interpreter, the installed entry point) stays with real processes.
Any exception that escapes the command fails the test: a traceback is never an expected output.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from preflight.cli import run


@dataclass(frozen=True)
class Ran:
    """What a finished `preflight …` left, named as `subprocess.CompletedProcess` names it."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class RanBytes:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes


class _Preflight(click.Command):
    """`preflight.cli.run` as the command CliRunner invokes (it captures stdin, stdout and
    stderr, sets the environment, and turns SystemExit into the exit code)."""

    def main(self, args: Sequence[str] | None = None, *_: Any, **__: Any) -> Any:
        raise SystemExit(run(list(args or [])))


_COMMAND = _Preflight("preflight")


def preflight_bytes(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    cwd: Path | None = None,
) -> RanBytes:
    """Run `preflight ARGS…` in-process; output as the bytes it wrote."""
    argv = [str(a) for a in args]
    environment = {"NO_COLOR": "1", "COLUMNS": "300", **(env or {})}
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(
            _COMMAND, argv, env=environment, input=input, catch_exceptions=False
        )
    return RanBytes(argv, int(result.exit_code), result.stdout_bytes, result.stderr_bytes or b"")


def preflight(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
) -> Ran:
    """Run `preflight ARGS…` in-process; text output."""
    ran = preflight_bytes(*args, env=env, input=input.encode() if input else None, cwd=cwd)
    return Ran(
        ran.args, ran.returncode, ran.stdout.decode("utf-8", "replace"),
        ran.stderr.decode("utf-8", "replace"),
    )  # fmt: skip
