"""`preflight order LINK`: check the browser, then watch the order and say whether it stays
attributed to the ACN session (R4–R8, R11)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from loguru import logger

from preflight.book import BookRecorder, fingerprint
from preflight.check import CheckReport, run_checks
from preflight.cli._app import (
    BookOption,
    BrowserOption,
    ExecutableOption,
    LangOption,
    RulesOption,
    VarOption,
    app,
    console,
    err_console,
    origin,
    parse_vars,
    rules_for,
)
from preflight.cli._book_words import book_error_text
from preflight.cli._check import render as render_check
from preflight.errors import ReportError, UsageError
from preflight.i18n import Lang, checked_lang, known, say
from preflight.order import OrderResult, SellerPages, run_order
from preflight.order._run import ORDER_TIMEOUT_S
from preflight.places import book_path
from preflight.privacy import redact
from preflight.report import load_report
from preflight.report.advice import Ending, advice
from preflight.report.html import coverage_line, violation_text, warning_text
from preflight.rules import load_rules
from preflight.watch import Event, Outcome, Watcher


class LiveAlerts:
    """Prints one line per event worth telling the EI, as it happens."""

    def __init__(self, lang: Lang, names: Mapping[str, str] | None = None) -> None:
        self.lang: Lang = lang
        # Without names: the default rules' (SFR, ACN).
        self.names = dict(names) if names is not None else load_rules("default").names(lang)

    def __call__(self, event: Event, watcher: Watcher) -> None:
        lang, names = self.lang, self.names
        violation = next((v for v in watcher.violations if v.event_seq == event.seq), None)
        warning = next((w for w in watcher.warnings if w.event_seq == event.seq), None)
        if violation is not None:
            what = say(f"cli.order.v.{violation.kind}", lang, **names)
            text = say("cli.order.violation", lang, **names, what=what, url=_short(event.url))
            console.print(f"✗ {text}", style="bold red", highlight=False)
        elif event.kind == "guard":
            action = event.detail.get("action", "")
            action = action if known(f"cli.order.guard.{action}") else "other"
            what = say(
                f"cli.order.guard.{action}", lang, **names, shortcut=event.detail.get("key", "?")
            )
            if event.detail.get("answer") == "ok":
                line = "cli.order.guard_ok"
            elif action == "beforeunload":
                # The browser asks the seller: whether the page was left is not known here (a
                # Refresh or Back that went through is its own line, and ends the session).
                line = "cli.order.guard_asked"
            else:
                line = "cli.order.guard"
            console.print(f"🛡 {say(line, lang, **names, what=what)}", style="cyan", highlight=False)
        elif event.kind == "confirmation":
            detail = event.detail
            text = say(
                "cli.order.confirmation",
                lang,
                number=detail.get("number", "?"),
                type=detail.get("order_type", "?"),
                date=detail.get("date", "?"),
            )
            console.print(f"✓ {text}", style="green", highlight=False)
        elif event.kind in ("acn_entry", "merchant_reached", "order_later", "payment_reached"):
            console.print(f"• {say(f'cli.order.{event.kind}', lang, **names)}", highlight=False)
        elif event.kind in ("eligibility_error", "new_tab"):
            console.print(
                f"• {say(f'cli.order.{event.kind}', lang, **names)}",
                style="yellow",
                highlight=False,
            )
        elif event.kind == "navigation" and event.nav in ("navigate", "spa_push"):
            path = _short(event.url)
            named = watcher.rules.step_name(event.url)
            line = (
                say("cli.order.step_named", lang, **names, step=named, path=path)
                if named is not None
                else say("cli.order.step", lang, **names, path=path)
            )
            # A page's address and a rules file's name are text, never console markup.
            console.print(f"  {line}", style="dim", highlight=False, markup=False)
        if warning is not None:
            what = say(f"cli.order.w.{warning.kind}", lang, **names)
            console.print(f"⚠ {say('cli.order.warning', lang, **names, what=what)}", style="yellow")


def _short(url: str) -> str:
    """The path (and a route fragment), redacted: enough to place the event, no typed value."""
    safe = redact(url)
    rest = safe.split("://", 1)[-1]
    path = "/" + rest.split("/", 1)[1] if "/" in rest else rest
    where, _, fragment = path.partition("#")
    return where.split("?", 1)[0] + (f"#{fragment}" if fragment else "")


def render(result: OrderResult, lang: Lang, names: Mapping[str, str]) -> None:
    outcome = result.outcome
    ending = result.ending
    console.print(say(f"cli.order.verdict.{ending}", lang, **names), style=_STYLES[ending])
    for v in outcome.violations:
        at = v.at.astimezone().strftime("%H:%M:%S")
        step = f" [{v.step}]" if v.step else ""
        # Not markup: Rich took « [Paiement] » (a step's name) for a tag and printed nothing.
        console.print(
            f"  ✗ {at}{step} {say(f'cli.order.v.{v.kind}', lang, **names)} — {_short(v.url)}",
            markup=False,
        )
    for w in outcome.warnings:
        console.print(f"  ⚠ {say(f'cli.order.w.{w.kind}', lang, **names)}")
    console.print(
        say("cli.order.reason", lang, **names, reason=_reason(outcome, lang, names)),
        highlight=False,
    )
    # Rule patterns that matched nothing are for whoever maintains the rules (report.json,
    # report.html's « Détails techniques », `-v`), not the seller's terminal.
    for gap in outcome.coverage:
        logger.info("rule pattern that matched nothing: {}", coverage_line(gap, "en"))
    if result.ended == "interrupted":
        console.print(say("cli.order.interrupted", lang, **names), style="yellow")
    elif result.incomplete:
        console.print(say("cli.order.incomplete", lang, **names), style="yellow")
    todo = _todo(result, lang)
    if todo:
        console.print(say("cli.order.todo", lang, **names), style="bold")
        for line in todo:
            console.print(f"  → {line}", markup=False, highlight=False)
    console.print(
        say("cli.order.report", lang, **names, path=result.html or result.folder),
        highlight=False,
        soft_wrap=True,  # never cut: a path in two lines cannot be copied
    )


# Green only for an order that is attributed; a stopped one is never green.
_STYLES: dict[Ending, str] = {
    "confirmed": "bold green",
    "order_later": "bold green",
    "at_risk": "bold yellow",
    "lost": "bold red",
    "not_placed": "bold",
}


def _todo(result: OrderResult, lang: Lang) -> list[str]:
    """What to do now, as the end page and report.html say it (one source: the report)."""
    try:
        report = load_report(result.folder)
    except ReportError as error:  # the report could not be written: it was said already
        logger.debug("{}", error)
        return []
    names = report.rules.names(lang)

    def t(key: str, **values: object) -> str:
        return say(key, lang, **names, **values)

    violations = [violation_text(v, {}, t) for v in report.violations]
    warnings = [warning_text(w, t) for w in report.warnings]
    return advice(report, violations, warnings, t).todo


def _reason(outcome: Outcome, lang: Lang, names: Mapping[str, str]) -> str:
    """The verdict's reason in the seller's language."""
    if outcome.reason_kind == "violation" and outcome.violations:
        return say(f"cli.order.v.{outcome.violations[0].kind}", lang, **names)
    if outcome.reason_kind == "warning" and outcome.warnings:
        return say(f"cli.order.w.{outcome.warnings[0].kind}", lang, **names).rstrip(".")
    if outcome.reason_kind == "no_entry":
        return say("cli.order.no_entry", lang, **names).rstrip(".")
    return say(f"cli.order.reason.{outcome.reason_kind}", lang, **names)


@app.command()
def order(
    link: Annotated[
        str | None,
        typer.Argument(
            help="The EI's ACN order link (the myacn.eu shop); without it, the start page in "
            "the watched browser asks for it."
        ),
    ] = None,
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
        typer.Option(
            help="Folder for the report (default: a new one in the user's data folder, "
            "e.g. ~/.local/share/preflight/rapports/)."
        ),
    ] = None,
    rules: RulesOption = "default",
    lang: LangOption = None,
    timeout: Annotated[
        float,
        typer.Option(
            min=1,
            help="End the watch after this many seconds, even if a page stops answering "
            "(default: 7200, two hours); the order then ends as not placed (exit 4) unless "
            "it was confirmed.",
        ),
    ] = ORDER_TIMEOUT_S,
    check: Annotated[
        bool, typer.Option("--check/--no-check", hidden=True, help="Run the browser check first.")
    ] = True,
    var: VarOption = None,
    book: BookOption = None,
) -> None:
    """Watch an order from the affiliate's link (ACN) to the confirmation, and say whether it stays
    attributed. Exit 0 attributed (confirmed, or « Commander plus tard » reached), 1 at risk,
    3 lost, 4 not placed (stopped before either), 2 error, 130 interrupted.

    Example: preflight order "https://www.myacn.eu/…" --browser firefox
    """
    if link is None and headless:
        raise UsageError(
            "LINK: missing — expected the ACN link (https://…); without --headless the start "
            "page asks for it"
        )
    # BASE_URL: where the order starts, the link's origin (the ACN shop).
    loaded = rules_for(rules, parse_vars(var), origin(link) if link else None)
    lang = checked_lang(lang)
    names = loaded.names(lang)
    checked = None

    def run_check() -> CheckReport:
        done = run_checks(loaded, browser=browser, executable=executable, lang=lang)
        render_check(done, lang, loaded)
        return done

    if check:
        checked = run_check()
        if not checked.ready and headless:
            console.print(say("cli.order.not_ready", lang, **names), style="bold red")
            raise typer.Exit(2)
        if not checked.ready:  # someone at the screen: the start page shows what to fix
            console.print(say("order.start.not_ready.cli", lang), style="bold red")
    guard_text = say("cli.order.guard_on", lang, **names) if guard else ""
    console.print(say("cli.order.start", lang, **names, guard=guard_text))
    # A window to look at: the seller's pages (start page, live panel, end page) in it.
    pages = None
    if not headless:
        recheck = run_check if check else None
        pages = SellerPages(
            loaded, lang, link=link, check=checked, recheck=recheck, fingerprint=fingerprint,
            book=book_path(book),
        )  # fmt: skip
    # The order book: the order is kept there as it happens (issue #24).
    recorder = BookRecorder(
        book_path(book),
        delays=loaded.shop.validation_business_days,
        customer=(lambda: pages.customer) if pages is not None else None,
    )

    def never_ready() -> bool:
        # The check still not ready when the browser closed: the order was never opened.
        seen = pages.check if pages is not None else None
        return seen is not None and not seen.ready and pages is not None and pages.link is None

    def said(result: OrderResult) -> None:
        if never_ready():
            console.print(say("cli.order.not_ready", lang, **names), style="bold red")
        else:
            render(result, lang, names)

    with pages or contextlib.nullcontext():
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
            on_event=LiveAlerts(lang, names),
            pages=pages,
            book=recorder,
            # Said before the end page is shown: the terminal tells the verdict meanwhile.
            on_result=said,
        )
    if never_ready():
        raise typer.Exit(2)  # as when the check stopped the order before the browser opened
    if recorder.error is not None:  # the report is written; the book could not be
        err_console.print(book_error_text(recorder.error, lang), style="bold red")
        raise typer.Exit(2)
    raise typer.Exit(result.exit_code)
