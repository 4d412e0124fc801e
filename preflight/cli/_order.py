"""`preflight order LINK`: check the browser, then watch the order and say whether it stays
attributed to the ACN session (R4–R8, R11)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from preflight.checks import run_checks
from preflight.cli._app import BrowserOption, ExecutableOption, RulesOption, app, console
from preflight.cli._check import render as render_check
from preflight.i18n import Catalogue, Lang, say
from preflight.rules import load_rules
from preflight.watch import Event, OrderResult, Watcher, run_order

_T: Catalogue = {
    "start": {
        "fr": "Commande surveillée{guard} : suivez le lien ACN dans la fenêtre ouverte. "
        "N'utilisez ni Précédent, ni Suivant, ni Actualiser, ni le service client.",
        "en": "Watched order{guard}: follow the ACN link in the window opened. Do not use Back, "
        "Forward, Refresh or customer service.",
    },
    "guard_on": {"fr": " (garde activée)", "en": " (guard on)"},
    "not_ready": {
        "fr": "Ce navigateur n'est pas prêt : commande non ouverte.",
        "en": "This browser is not ready: the order was not opened.",
    },
    "acn_entry": {
        "fr": "Lien ACN suivi : la session ACN commence.",
        "en": "ACN link followed: the ACN session starts.",
    },
    "merchant_reached": {"fr": "Site de commande SFR atteint.", "en": "SFR order site reached."},
    "step": {"fr": "Page : {path}", "en": "Page: {path}"},
    "order_later": {
        "fr": "« Commander plus tard » utilisé.",
        "en": "« Commander plus tard » used.",
    },
    "payment_reached": {"fr": "Page de paiement atteinte.", "en": "Payment page reached."},
    "eligibility_error": {
        "fr": "Test d'éligibilité en échec : dossier d'assistance enregistré dans le rapport.",
        "en": "Eligibility test failed: a support bundle is saved in the report.",
    },
    "confirmation": {
        "fr": "Commande confirmée : n° {number}, {type}, du {date}.",
        "en": "Order confirmed: number {number}, {type}, of {date}.",
    },
    "new_tab": {"fr": "Nouvel onglet ouvert.", "en": "New tab opened."},
    "guard": {"fr": "Garde : {what} bloqué.", "en": "Guard: {what} stopped."},
    "guard_ok": {
        "fr": "Garde : {what} confirmé malgré l'avertissement.",
        "en": "Guard: {what} confirmed despite the warning.",
    },
    "v.back": {"fr": "Retour arrière (Précédent)", "en": "Back"},
    "v.forward": {"fr": "Page suivante (Suivant)", "en": "Forward"},
    "v.reload": {"fr": "Actualisation de la page", "en": "Page reload"},
    "v.customer_service": {"fr": "Service client contacté", "en": "Customer service contacted"},
    "v.left_session": {
        "fr": "Site SFR atteint hors de la session ACN",
        "en": "SFR reached outside the ACN session",
    },
    "violation": {
        "fr": "SESSION ACN PERDUE : {what} ({url}).",
        "en": "ACN SESSION LOST: {what} ({url}).",
    },
    "w.payment_without_order_later": {
        "fr": "Paiement sans « Commander plus tard » : le client doit payer depuis son ordinateur.",
        "en": "Payment without « Commander plus tard »: the customer should pay from their own "
        "computer.",
    },
    "w.second_merchant_tab": {
        "fr": "La commande continue dans un second onglet.",
        "en": "The order goes on in a second tab.",
    },
    "w.eligibility_error": {"fr": "Test d'éligibilité en échec.", "en": "Eligibility failed."},
    "warning": {"fr": "Attention : {what}", "en": "Warning: {what}"},
    "verdict.attributed": {
        "fr": "Verdict : commande ATTRIBUÉE à la session ACN.",
        "en": "Verdict: order ATTRIBUTED to the ACN session.",
    },
    "verdict.at_risk": {
        "fr": "Verdict : commande À RISQUE (voir les avertissements).",
        "en": "Verdict: order AT RISK (see the warnings).",
    },
    "verdict.lost": {
        "fr": "Verdict : session ACN PERDUE — la commande ne sera pas attribuée.",
        "en": "Verdict: ACN session LOST — the order will not be attributed.",
    },
    "no_entry": {
        "fr": "Le lien ACN n'a pas été vu : rien ne prouve l'attribution.",
        "en": "The ACN link was not seen: nothing proves the attribution.",
    },
    "incomplete": {
        "fr": "Le navigateur a été fermé avant la confirmation : rapport incomplet.",
        "en": "The browser was closed before the confirmation: the report is incomplete.",
    },
    "interrupted": {
        "fr": "Surveillance interrompue (Ctrl+C ou arrêt demandé) : rapport incomplet, aucun "
        "verdict ne vaut preuve.",
        "en": "Watch interrupted (Ctrl+C or a stop request): the report is incomplete and no "
        "verdict stands.",
    },
    "report": {"fr": "Rapport : {path}", "en": "Report: {path}"},
    "guard.key": {"fr": "raccourci {shortcut}", "en": "shortcut {shortcut}"},
    "guard.beforeunload": {"fr": "départ de la page", "en": "leaving the page"},
    "guard.customer_service": {"fr": "service client", "en": "customer service"},
    "guard.traverse": {"fr": "Précédent/Suivant", "en": "Back/Forward"},
    "guard.other": {"fr": "une action", "en": "an action"},
}


class LiveAlerts:
    """Prints one line per event worth telling the EI, as it happens."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang

    def __call__(self, event: Event, watcher: Watcher) -> None:
        lang = self.lang
        violation = next((v for v in watcher.violations if v.event_seq == event.seq), None)
        warning = next((w for w in watcher.warnings if w.event_seq == event.seq), None)
        if violation is not None:
            what = say(_T, f"v.{violation.kind}", lang)
            text = say(_T, "violation", lang, what=what, url=_short(event.url))
            console.print(f"✗ {text}", style="bold red", highlight=False)
        elif event.kind == "guard":
            action = event.detail.get("action", "")
            action = action if f"guard.{action}" in _T else "other"
            what = say(_T, f"guard.{action}", lang, shortcut=event.detail.get("key", "?"))
            line = "guard_ok" if event.detail.get("answer") == "ok" else "guard"
            console.print(f"🛡 {say(_T, line, lang, what=what)}", style="cyan", highlight=False)
        elif event.kind == "confirmation":
            detail = event.detail
            text = say(
                _T,
                "confirmation",
                lang,
                number=detail.get("number", "?"),
                type=detail.get("order_type", "?"),
                date=detail.get("date", "?"),
            )
            console.print(f"✓ {text}", style="green", highlight=False)
        elif event.kind in ("acn_entry", "merchant_reached", "order_later", "payment_reached"):
            console.print(f"• {say(_T, event.kind, lang)}", highlight=False)
        elif event.kind in ("eligibility_error", "new_tab"):
            console.print(f"• {say(_T, event.kind, lang)}", style="yellow", highlight=False)
        elif event.kind == "navigation" and event.nav in ("navigate", "spa_push"):
            path = _short(event.url)
            console.print(f"  {say(_T, 'step', lang, path=path)}", style="dim", highlight=False)
        if warning is not None:
            what = say(_T, f"w.{warning.kind}", lang)
            console.print(f"⚠ {say(_T, 'warning', lang, what=what)}", style="yellow")


def _short(url: str) -> str:
    """The path only: enough to place the event, nothing of the query."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1].split("?", 1)[0] if "/" in rest else rest


def render(result: OrderResult, lang: Lang) -> None:
    outcome = result.outcome
    style = {"attributed": "bold green", "at_risk": "bold yellow", "lost": "bold red"}
    console.print(say(_T, f"verdict.{outcome.verdict}", lang), style=style[outcome.verdict])
    for v in outcome.violations:
        at = v.at.astimezone().strftime("%H:%M:%S")
        step = f" [{v.step}]" if v.step else ""
        console.print(f"  ✗ {at}{step} {say(_T, f'v.{v.kind}', lang)} — {_short(v.url)}")
    for w in outcome.warnings:
        console.print(f"  ⚠ {say(_T, f'w.{w.kind}', lang)}")
    if not outcome.entry_seen:
        console.print(say(_T, "no_entry", lang), style="yellow")
    if result.ended == "interrupted":
        console.print(say(_T, "interrupted", lang), style="yellow")
    elif result.incomplete:
        console.print(say(_T, "incomplete", lang), style="yellow")
    console.print(say(_T, "report", lang, path=result.html or result.folder), highlight=False)


@app.command()
def order(
    link: Annotated[str, typer.Argument(help="The EI's ACN order link (the myacn.eu shop).")],
    browser: BrowserOption = "auto",
    executable: ExecutableOption = None,
    guard: Annotated[
        bool,
        typer.Option(
            "--guard/--no-guard",
            help="Stop, where the browser allows, the actions that end the ACN session.",
        ),
    ] = True,
    headless: Annotated[
        bool, typer.Option("--headless", help="No browser window (for demos and CI).")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="Folder for the report (default: a new one in ./preflight-reports/)."),
    ] = None,
    rules: RulesOption = "default",
    lang: Annotated[Lang, typer.Option(help="Language of the messages.")] = "fr",
    timeout: Annotated[
        float | None,
        typer.Option(min=0, help="End the watch after this many seconds (default: no limit)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", hidden=True, help="Run the browser check first.")
    ] = True,
) -> None:
    """Watch an order from the ACN link to the confirmation, and say whether it stays
    attributed. Exit 0 attributed, 1 at risk, 3 lost, 2 error.

    Example: preflight order "https://www.myacn.eu/…" --browser firefox
    """
    loaded = load_rules(rules)
    if check:
        checked = run_checks(loaded, browser=browser, executable=executable, lang=lang)
        render_check(checked, lang)
        if not checked.ready:
            console.print(say(_T, "not_ready", lang), style="bold red")
            raise typer.Exit(2)
    guard_text = say(_T, "guard_on", lang) if guard else ""
    console.print(say(_T, "start", lang, guard=guard_text))
    result = run_order(
        link,
        loaded,
        browser=browser,
        executable=executable,
        guard=guard,
        headless=headless,
        report_dir=report,
        lang=lang,
        timeout=timeout,
        on_event=LiveAlerts(lang),
    )
    render(result, lang)
    raise typer.Exit(result.exit_code)
