"""The README documents every command: docs that drift fail the build (sqlite-utils' habit)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from preflight.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_cli_command_has_a_readme_section() -> None:
    text = README.read_text(encoding="utf-8")
    commands = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert commands, "the CLI registers no command"
    missing = [c for c in commands if not re.search(rf"^### `preflight {c}\b", text, re.M)]
    assert not missing, f"README.md has no '### `preflight <command>`' section for: {missing}"


def test_readme_gives_the_two_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
