"""`preflight import-recording` (Chrome DevTools Recorder JSON → scenario) and
`preflight record` (a headed browser whose actions become a scenario)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from preflight.cli._app import app, console, err_console
from preflight.rules import load_rules
from preflight.scenario._chrome import import_recording as import_chrome
from preflight.scenario._chrome import read_recording
from preflight.scenario._writer import dump

VerdictOption = Literal["attributed", "at_risk", "lost"]


def _write(text: str, out: Path) -> None:
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    from preflight.errors import UsageError

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"-o {out}: cannot be written ({error.strerror})") from None


@app.command("import-recording")
def import_recording(
    recording: Annotated[Path, typer.Argument(help="A Chrome DevTools Recorder JSON export.")],
    out: Annotated[
        Path, typer.Option("--output", "-o", help="Scenario file to write (- = stdout).")
    ],
    base_url: Annotated[
        str | None,
        typer.Option(help="URLs under it become relative (the replay's --base-url replaces it)."),
    ] = None,
    merchant: Annotated[
        str | None, typer.Option(help="URLs under it become ${MERCHANT}/….")
    ] = None,
    expect: Annotated[
        VerdictOption, typer.Option(help="The verdict the replay must reach.")
    ] = "attributed",
    name: Annotated[
        str | None, typer.Option(help="Scenario name (default: from the title).")
    ] = None,
    rules: Annotated[
        str, typer.Option(help="Rules whose sensitive fields become placeholders.")
    ] = "default",
) -> None:
    """Turn a Chrome DevTools Recorder recording into a scenario; steps that cannot be mapped
    are listed here and kept as comments in the file.

    Example: preflight import-recording flow.json -o scenarios/flow.yaml --base-url http://127.0.0.1:8765
    """
    sensitive = load_rules(rules).privacy.sensitive
    imported = import_chrome(
        read_recording(recording),
        file=str(recording),
        base_url=base_url,
        merchant=merchant,
        verdict=expect,
        name=name,
        sensitive=sensitive,
    )
    count = len(imported.scenario.steps)
    text = dump(
        [imported.scenario],
        header=[f"Imported from {recording.name} (Chrome DevTools Recorder) by preflight."],
        step_comments={(0, k): v for k, v in imported.comments.items() if k < count},
        trailing_comments={0: imported.comments.get(count, [])},
    )
    _write(text, out)
    for line in imported.unmapped:
        err_console.print(f"[yellow]not imported:[/] {line}", highlight=False, soft_wrap=True)
    if str(out) != "-":
        console.print(
            f"{count} steps written to {out}"
            + (
                f"; {len(imported.unmapped)} not imported (listed above)"
                if imported.unmapped
                else ""
            ),
            highlight=False,
        )


@app.command()
def record(
    url: Annotated[str, typer.Argument(help="Where the recording starts (e.g. the ACN shop).")],
    out: Annotated[Path, typer.Option("--output", "-o", help="Scenario file to write.")],
    browser: Annotated[str, typer.Option(help="chromium, chrome, firefox, edge or auto.")] = "auto",
    rules: Annotated[
        str, typer.Option(help="Rules file (TOML) or builtin (default, demo).")
    ] = "default",
    name: Annotated[str | None, typer.Option(help="Scenario name.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="The start URL is written relative to it (default: its origin)."),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="End the recording after this many seconds.")
    ] = None,
) -> None:
    """Record a scenario: a browser window opens; click, type, use Back/Forward/Refresh as
    you need; close the window to finish. The verdict the watcher reached becomes `expect`.
    Values typed in bank-detail fields are written as ${SECRET_n} placeholders.

    Example: preflight record http://127.0.0.1:8765/acn/boutique -o scenarios/mine.yaml --rules demo
    """
    from preflight.scenario._recorder import record as run_record

    loaded = load_rules(rules)
    err_console.print("Recording: close the browser window to finish.", highlight=False)
    recording = run_record(
        url, out, rules=loaded, browser=browser, name=name, base_url=base_url, timeout_s=timeout
    )
    expect = recording.scenario.expect
    kinds = ", ".join(expect.violations or []) or "no violation"
    console.print(
        f"{len(recording.scenario.steps)} steps written to {out}; verdict {expect.verdict} "
        f"({kinds})",
        highlight=False,
    )
    if recording.secrets:
        console.print(
            "Replay with " + " ".join(f"--var {s}=…" for s in recording.secrets), highlight=False
        )
