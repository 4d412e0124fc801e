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


def test_the_readme_rules_reference_is_the_one_the_rules_model_generates() -> None:
    from preflight.rules_doc import BEGIN, END, reference

    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "README.md has no generated Rules reference"
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == reference(), (
        "README.md's Rules reference differs from the rules model: run "
        "`python -m preflight.rules_doc --write-readme README.md`"
    )


def test_every_rules_key_has_a_readme_row_with_its_kind_and_example() -> None:
    from preflight.rules_doc import keys

    text = README.read_text(encoding="utf-8")
    missing = []
    for table, name, info in keys():
        dotted = f"{table}.{name}" if table else name
        row = next((line for line in text.splitlines() if line.startswith(f"| `{dotted}` |")), "")
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not row or not info.description or not extra.get("kind") or "example" not in extra:
            missing.append(dotted)
    assert not missing, f"rules keys without a documented README row: {missing}"


def test_every_public_name_of_the_package_is_documented_in_the_python_api_section() -> None:
    import preflight

    text = README.read_text(encoding="utf-8")
    assert "### Python API" in text, "README.md has no '### Python API' section"
    section = text.split("### Python API", 1)[1].split("\n## ", 1)[0]
    public = [name for name in preflight.__all__ if not name.startswith("_")]
    missing = [name for name in public if f"`{name}`" not in section and f"`{name}(" not in section]
    assert not missing, f"README.md's Python API section does not document: {missing}"


def test_every_event_kind_and_navigation_kind_is_in_the_readme() -> None:
    from typing import get_args

    from preflight.watch.events import EventKind, NavKind

    text = README.read_text(encoding="utf-8")
    missing = [k for k in (*get_args(EventKind), *get_args(NavKind)) if f"`{k}`" not in text]
    assert not missing, f"README.md does not name these event or navigation kinds: {missing}"
