"""`preflight import-recording` (Chrome DevTools Recorder JSON → scenario) and
`preflight record` (a headed browser whose actions become a scenario)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from preflight.cli._app import VarOption, app, console, err_console, origin, parse_vars, rules_for
from preflight.cli._out import styled
from preflight.scenario._chrome import import_recording as import_chrome
from preflight.scenario._chrome import read_recording
from preflight.scenario._recorder import count as plural
from preflight.scenario._writer import dump, write_scenario_file

VerdictOption = Literal["attributed", "at_risk", "lost"]


def _write(text: str, out: Path) -> None:
    if str(out) == "-":
        typer.echo(text, nl=False)
        return
    write_scenario_file(out, text)


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
    var: VarOption = None,
) -> None:
    """Turn a Chrome DevTools Recorder recording into a scenario; steps that cannot be mapped
    are listed here and kept as comments in the file.

    Example: preflight import-recording flow.json -o scenarios/flow.yaml --base-url http://127.0.0.1:8765
    """
    sensitive = rules_for(rules, parse_vars(var), base_url).privacy.sensitive
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
        err_console.print(styled("not imported:", "yellow"), line, soft_wrap=True)
    if str(out) != "-":
        console.print(
            f"{plural(count, 'step')} written to {out}"
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
        float | None,
        typer.Option(help="End the recording after this many seconds (keeps the file)."),
    ] = None,
    var: VarOption = None,
) -> None:
    """Record a scenario: a browser window opens; click, type, use Back/Forward/Refresh as
    you need; close the window (or press Ctrl+C) to finish. The file is rewritten after every
    step, so nothing recorded is lost. The verdict the watcher reached becomes `expect`.
    Values typed in bank-detail fields are written as ${SECRET_n} placeholders.

    Example: preflight record http://127.0.0.1:8765/acn/boutique -o scenarios/mine.yaml --rules demo
    """
    from preflight.scenario._recorder import RecordingInterrupted, check_display, count
    from preflight.scenario._recorder import record as run_record

    loaded = rules_for(rules, parse_vars(var), base_url or origin(url))
    if url.startswith(("http://", "https://")):  # else record() says what is wrong with it
        check_display()
    err_console.print(
        "Recording: close the browser window to finish (Ctrl+C also ends it and keeps what "
        "was recorded).",
        highlight=False,
    )
    try:
        recording = run_record(
            url, out, rules=loaded, browser=browser, name=name, base_url=base_url, timeout_s=timeout
        )
    except RecordingInterrupted as stop:
        recording = stop.recording
        err_console.print(
            f"Recording interrupted: {count(len(recording.scenario.steps), 'step')} kept in {out}.",
            highlight=False,
            markup=False,
        )
        _secrets(recording.secrets)
        raise typer.Exit(130) from None
    if recording.ended == "timeout":
        err_console.print(
            f"Recording ended: the --timeout of {timeout:g} s was reached.", highlight=False
        )
    expect = recording.scenario.expect
    kinds = ", ".join(expect.violations or []) or "no violation"
    console.print(
        f"{count(len(recording.scenario.steps), 'step')} written to {out}; verdict "
        f"{expect.verdict} ({kinds})",
        highlight=False,
        markup=False,
    )
    _secrets(recording.secrets)


def _secrets(names: list[str]) -> None:
    if names:
        console.print("Replay with " + " ".join(f"--var {s}=…" for s in names), highlight=False)
