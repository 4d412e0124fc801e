"""`preflight check`: is this browser ready for the order? (R1–R3 and the manual checklist)"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.prompt import Confirm, InvalidResponse, Prompt
from rich.table import Table

from preflight.browsers import BROWSER_NAMES
from preflight.check import CheckReport, ManualAnswers, check_title, is_french_phone, run_checks
from preflight.cli import _app
from preflight.cli._app import app, console, parse_vars, rules_for
from preflight.cli._out import styled
from preflight.i18n import Lang, checked_lang, say
from preflight.rules import SEED_CHECKLIST, ChecklistItem, Rules

_STYLE = {"pass": "green", "fixed": "cyan", "warn": "yellow", "fail": "bold red"}


class _YesNo(Confirm):
    """Rich's yes/no question; its error line given as styled text (the consoles read no markup)."""

    answers: tuple[tuple[str, ...], tuple[str, ...]] = (("y", "yes"), ("n", "no"))
    error = "Please enter Y or N"

    def process_response(self, value: str) -> bool:
        answer = value.strip().lower()
        if answer in self.answers[0]:
            return True
        if answer in self.answers[1]:
            return False
        raise InvalidResponse(styled(self.error, "prompt.invalid"))


class _OuiNon(_YesNo):
    """Rich's yes/no question, answered o/n (oui/non) in French."""

    choices = ["o", "n"]  # noqa: RUF012  (overrides rich.prompt.Confirm.choices as it declares it)
    answers = (("o", "oui", "y", "yes"), ("n", "non", "no"))
    error = "Répondez o (oui) ou n (non)"


def confirm(question: str, lang: Lang) -> bool:
    """A yes/no question on the terminal (o/n in French)."""
    asker = _OuiNon if lang == "fr" else _YesNo
    return asker.ask(question, console=console)


def _ask(lang: Lang, checklist: Sequence[ChecklistItem] = SEED_CHECKLIST) -> ManualAnswers:
    """The rules' checklist, asked on the terminal. A phone number is checked, then forgotten:
    only the fact that a valid one was given is kept."""
    answers: dict[str, bool] = {}
    for item in checklist:
        if item.answer == "french_phone":
            answers[item.id] = _ask_phone(item.question(lang), lang)
        else:
            answers[item.id] = confirm(item.question(lang), lang)
    return ManualAnswers(answers=answers)


def _ask_phone(question: str, lang: Lang) -> bool:
    while True:
        number = Prompt.ask(question, default="", show_default=False, console=console)
        if not number.strip():
            return False
        if is_french_phone(number):
            return True
        console.print(say("cli.check.q.phone.bad", lang), style="yellow")


def render(report: CheckReport, lang: Lang, rules: Rules) -> None:
    """A table, one row per check as the start page names it (its id, the driver and the
    status codes stay in `--json`), then the verdict in a sentence."""
    names = rules.names(lang)
    b = report.browser
    family = BROWSER_NAMES.get(b.family, b.family)
    name = f"{family} {b.version or ''}".strip()
    table = Table(title=say("cli.check.title", lang, browser=name), title_justify="left")
    table.add_column(say("cli.check.col.check", lang))
    table.add_column(say("cli.check.col.status", lang))
    table.add_column(say("cli.check.col.message", lang), overflow="fold")
    for check in report.checks:
        table.add_row(
            check_title(check.id, lang, names, rules.shop.checklist),
            styled(say(f"cli.check.status.{check.status}", lang), _STYLE[check.status]),
            check.message,
        )
    console.print(table)
    style = "bold green" if report.ready else "bold red"
    console.print(say(f"cli.check.{report.verdict}", lang, **names), style=style)


@app.command()
def check(
    browser: _app.BrowserOption = "auto",
    executable: _app.ExecutableOption = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            help="Clean and verify this existing profile folder (browser closed) instead of "
            "a fresh one."
        ),
    ] = None,
    only_order_sites: Annotated[
        bool,
        typer.Option(
            "--only-order-sites", help="With --profile: clear only the order sites' data."
        ),
    ] = False,
    user_agent: Annotated[
        str | None,
        typer.Option(help="Check a browser preflight cannot drive, from its user agent."),
    ] = None,
    rules: _app.RulesOption = "default",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    lang: _app.LangOption = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask the manual checklist (it is recorded as not asked)."
        ),
    ] = False,
    var: _app.VarOption = None,
) -> None:
    """Check that this browser is ready for the order: Chrome or Firefox, up to date, no
    cache, cookies or merchant session left (SFR with the default rules), then the rules'
    manual checklist. Exit 0 ready, 1 not ready, 2 usage error.

    Example: preflight check --browser firefox --profile ~/.mozilla/firefox/abcd.default
    """
    chosen_lang = checked_lang(lang)
    loaded = rules_for(rules, parse_vars(var))
    manual = None
    if sys.stdin.isatty() and not yes and not as_json:
        manual = _ask(chosen_lang, loaded.shop.checklist)
    report = run_checks(
        loaded,
        browser=browser,
        executable=executable,
        profile=profile,
        only_order_sites=only_order_sites,
        user_agent=user_agent,
        lang=chosen_lang,
        manual=manual,
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        render(report, chosen_lang, loaded)
    raise typer.Exit(0 if report.ready else 1)
