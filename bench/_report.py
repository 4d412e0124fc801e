"""The run's table (Rich) and `bench/results.json` (written atomically)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench._stats import Figure


def _fmt(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "B/event":
        return f"{value:.0f} B/event"
    if unit == "/min":
        return f"{value:.1f}/min"
    return f"{value:.3g} {unit}"


def table(figures: list[Figure], *, title: str) -> Table:
    grid = Table(title=title, title_justify="left")
    for column, justify in (
        ("figure", "left"),
        ("browser", "left"),
        ("median", "right"),
        ("min", "right"),
        ("max", "right"),
        ("n", "right"),
        ("target", "left"),
        ("note", "left"),
    ):
        grid.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for figure in figures:
        value = figure.value
        met = "" if figure.met is None else (" [green]met[/]" if figure.met else " [red]not met[/]")
        cells = (
            [*(_fmt(x, figure.unit) for x in (value.median, value.min, value.max)), str(value.n)]
            if value
            else ["—", "—", "—", "0"]
        )
        grid.add_row(figure.title, figure.browser, *cells, (figure.target or "") + met, figure.note)
    return grid


def render(figures: list[Figure], *, title: str, console: Console | None = None) -> None:
    (console or Console()).print(table(figures, title=title))


# Where docs/performance.md holds `markdown()`'s table (tests/test_docs.py compares them).
BEGIN = (
    "<!-- bench-table:begin (python -m bench --markdown, from bench/results.json: "
    "do not edit here) -->"
)
END = "<!-- bench-table:end -->"


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown: docs/performance.md holds it, and tests/test_docs.py fails
    when it differs from bench/results.json."""
    lines = [
        "| figure | browser | median | min | max | n | target | note |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for f in figures:
        v = f.value
        cells = (
            [_fmt(v.median, f.unit), _fmt(v.min, f.unit), _fmt(v.max, f.unit), str(v.n)]
            if v
            else ["—", "—", "—", "0"]
        )
        met = "" if f.met is None else (" ✓" if f.met else " ✗")
        note = f.note.replace("|", "/")
        row = [f.title, f.browser, *cells, f"{f.target or ''}{met}", note]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write `payload` to `path` atomically: a reader sees the old file or the new, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
