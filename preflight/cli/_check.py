"""`preflight check`: is this browser ready for an SFR order? (R1–R3 and the manual items)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.prompt import Confirm, InvalidResponse, Prompt
from rich.table import Table

from preflight.checks import CheckReport, ManualAnswers, is_french_phone, run_checks
from preflight.cli._app import BrowserOption, ExecutableOption, RulesOption, app, console
from preflight.i18n import Catalogue, Lang, default_lang, say
from preflight.rules import load_rules

_STYLE = {"pass": "green", "fixed": "cyan", "warn": "yellow", "fail": "bold red"}

_T: Catalogue = {
    "title": {"fr": "Contrôle avant commande — {browser}", "en": "Pre-order check — {browser}"},
    "ready": {
        "fr": "Prêt : ce navigateur peut servir à la commande. Cliquez sur le lien ACN.",
        "en": "Ready: this browser can be used for the order. Click the ACN link.",
    },
    "not_ready": {
        "fr": "Pas prêt : corrigez les points en échec avant de cliquer sur le lien ACN.",
        "en": "Not ready: fix the failed items before clicking the ACN link.",
    },
    "q.offers": {
        "fr": "Avez-vous présenté au client les offres, leur contenu et les conditions de vente ?",
        "en": "Have you told the customer about the offers, their content and terms of sale?",
    },
    "q.installation": {
        "fr": "Avez-vous expliqué la procédure d'installation (Fibre : accès au local technique) ?",
        "en": "Have you explained the installation procedure (Fibre: technical room access)?",
    },
    "q.phone": {
        "fr": "Numéro joignable en journée du client (vide pour passer ; il n'est pas conservé)",
        "en": "Customer's daytime phone number (empty to skip; it is not stored)",
    },
    "q.phone.bad": {
        "fr": "Ce n'est pas un numéro français valide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78).",
        "en": "Not a valid French number (e.g. 06 12 34 56 78 or +33 6 12 34 56 78).",
    },
    "q.computer": {
        "fr": "La commande se fait-elle sur l'ordinateur du client (pas le vôtre) ?",
        "en": "Is the order placed on the customer's own computer (not yours)?",
    },
}


class _OuiNon(Confirm):
    """Rich's yes/no question, answered o/n (oui/non) in French."""

    choices = ["o", "n"]  # noqa: RUF012  (overrides rich.prompt.Confirm.choices as it declares it)
    validate_error_message = "[prompt.invalid]Répondez o (oui) ou n (non)"

    def process_response(self, value: str) -> bool:
        answer = value.strip().lower()
        if answer in ("o", "oui", "y", "yes"):
            return True
        if answer in ("n", "non", "no"):
            return False
        raise InvalidResponse(self.validate_error_message)


def _confirm(question: str, lang: Lang) -> bool:
    asker = _OuiNon if lang == "fr" else Confirm
    return asker.ask(question, console=console)


def _ask(lang: Lang) -> ManualAnswers:
    """The seed's manual items, asked on the terminal. The phone number is checked, then
    forgotten: only the fact that a valid one was given is kept."""
    offers = _confirm(say(_T, "q.offers", lang), lang)
    installation = _confirm(say(_T, "q.installation", lang), lang)
    phone_given = False
    while True:
        number = Prompt.ask(
            say(_T, "q.phone", lang), default="", show_default=False, console=console
        )
        if not number.strip():
            break
        if is_french_phone(number):
            phone_given = True
            break
        console.print(say(_T, "q.phone.bad", lang), style="yellow")
    del number
    computer = _confirm(say(_T, "q.computer", lang), lang)
    return ManualAnswers(
        offers_explained=offers,
        installation_explained=installation,
        daytime_phone_given=phone_given,
        customer_computer=computer,
    )


def render(report: CheckReport, lang: Lang) -> None:
    """A table, one row per check, then the verdict in a sentence."""
    b = report.browser
    name = f"{b.family} {b.version or ''}".strip() + (f" ({b.driver})" if b.driver else "")
    table = Table(title=say(_T, "title", lang, browser=name), title_justify="left")
    table.add_column("check")
    table.add_column("status")
    table.add_column("message", overflow="fold")
    for check in report.checks:
        table.add_row(check.id, f"[{_STYLE[check.status]}]{check.status}[/]", check.message)
    console.print(table)
    style = "bold green" if report.ready else "bold red"
    console.print(say(_T, report.verdict, lang), style=style)


@app.command()
def check(
    browser: BrowserOption = "auto",
    executable: ExecutableOption = None,
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
    rules: RulesOption = "default",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    lang: Annotated[
        Lang | None, typer.Option(help="Language of the messages (default: from the locale).")
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask the manual checklist (it is recorded as not asked)."
        ),
    ] = False,
) -> None:
    """Check that this browser is ready for an SFR order: Chrome or Firefox, up to date, no
    cache, cookies or SFR session left. Exit 0 ready, 1 not ready, 2 usage error.

    Example: preflight check --browser firefox --profile ~/.mozilla/firefox/abcd.default
    """
    chosen_lang: Lang = lang or default_lang()
    loaded = load_rules(rules)
    manual = None
    if sys.stdin.isatty() and not yes and not as_json:
        manual = _ask(chosen_lang)
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
        render(report, chosen_lang)
    raise typer.Exit(0 if report.ready else 1)
