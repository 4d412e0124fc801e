"""`preflight orders`: the seller's order book — list, mark attributed, show, rebuild, claim.

Thin: parse, call `preflight.book`, render. A book that cannot be read is one message in the
seller's language and exit 2, suggesting `preflight orders rebuild`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from loguru import logger

from preflight.book import EXPORTED, Book, Order, exported, rebuild, select
from preflight.cli._app import BookOption, LangOption, app, console, err_console
from preflight.cli._book_words import book_error_text
from preflight.errors import BookError, ReportError
from preflight.i18n import Lang, checked_lang, say
from preflight.order.orders import show_orders
from preflight.places import book_path
from preflight.report import files
from preflight.report.claim import CLAIM_FILE, render_claim
from preflight.report.claim import claim as claim_of

orders_app = typer.Typer(
    help="The order book: every watched order, what is left to do (attribution, validation).",
    invoke_without_command=True,
)
app.add_typer(orders_app, name="orders")

_T = TypeVar("_T")
DateOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD")]


class _State:
    book: Path
    lang: Lang


_state = _State()


@orders_app.callback()
def orders(
    ctx: typer.Context,
    book: BookOption = None,
    todo: Annotated[
        bool,
        typer.Option(
            "--todo",
            help="Only the orders to attribute (confirmed or « Commander "
            "plus tard », attribution not marked done).",
        ),
    ] = False,
    lost: Annotated[bool, typer.Option("--lost", help="Only the lost orders.")] = False,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only the orders past their validation date.")
    ] = False,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], metavar="DATE", help="Only orders since DATE (YYYY-MM-DD)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='JSON: {"orders": [...]}.')] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, for the seller's accounts.")] = False,
    page: Annotated[
        bool,
        typer.Option("--page", help="Open « Mes commandes » in a browser, alone (no order)."),
    ] = False,
    lang: LangOption = None,
) -> None:
    """List the watched orders, newest first, with their verdict, status and validation date.

    Example: preflight orders --todo
    """
    _state.book = book_path(book)
    _state.lang = checked_lang(lang)
    if ctx.invoked_subcommand is not None:
        return
    if page:
        console.print(_t("cli.orders.page"), highlight=False, markup=False)
        _safely(lambda: show_orders(_state.book, _state.lang))
        return
    with _book() as opened:
        chosen = select(
            opened.orders(), todo=todo, lost=lost, overdue=overdue,
            since=since.date() if since else None,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps({"orders": [exported(o) for o in chosen]}, ensure_ascii=False))
    elif as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(EXPORTED))
        writer.writeheader()
        for order in chosen:
            row = exported(order)
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
        typer.echo(out.getvalue(), nl=False)
    else:
        _render_list(chosen)


@orders_app.command("done")
def done(
    number: Annotated[str, typer.Argument(help="The order number (as on the confirmation).")],
    on: DateOption = None,
) -> None:
    """Mark an order attributed: SFR's confirmation form sent (today, or --on DATE).

    Example: preflight orders done SFR-000123
    """
    day = on.date() if on else dt.date.today()
    with _book() as opened:
        order = opened.mark(number, "attributed_on", day)
    console.print(_t("cli.orders.done", number=order.number, date=_date(day)), highlight=False)


def _mark(number: str, column: str, on: dt.datetime | None, said: str) -> None:
    day = on.date() if on else dt.date.today()
    with _book() as opened:
        order = opened.mark(number, column, day)
    console.print(_t(said, number=order.number, date=_date(day)), highlight=False, markup=False)


@orders_app.command("sim")
def sim(
    number: Annotated[str, typer.Argument(help="The mobile order's number.")],
    on: DateOption = None,
) -> None:
    """Mark a mobile order's SIM activated (today, or --on DATE): the next mobile order for the
    same customer no longer waits for it (the start page warns until then).

    Example: preflight orders sim SFR-000124
    """
    _mark(number, "sim_activated_on", on, "cli.orders.sim")


@orders_app.command("validated")
def validated(
    number: Annotated[str, typer.Argument(help="The order number.")],
    on: DateOption = None,
) -> None:
    """Mark an order validated by SFR (today, or --on DATE): no longer overdue.

    Example: preflight orders validated SFR-000123 --on 2026-12-09
    """
    _mark(number, "validated_on", on, "cli.orders.validated")


@orders_app.command("installation")
def installation(
    number: Annotated[str, typer.Argument(help="The order number.")],
    on: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Its date.")
    ],
) -> None:
    """Record the installation date fixed after validation.

    Example: preflight orders installation SFR-000123 --on 2026-12-15
    """
    _mark(number, "installation_on", on, "cli.orders.installation")


@orders_app.command("show")
def show(number: Annotated[str, typer.Argument(help="The order number.")]) -> None:
    """Everything the book knows of one order.

    Example: preflight orders show SFR-000123
    """
    with _book() as opened:
        order = opened.find(number)
    for line in _details(order):
        console.print(line, highlight=False)


@orders_app.command("rebuild")
def rebuild_book(
    folders: Annotated[
        list[Path] | None, typer.Argument(help="More report folders to read (optional).")
    ] = None,
) -> None:
    """Make the book again from the report folders (the default reports folder and those the
    book recorded): the reports are the source of truth. The old file is kept aside.

    Example: preflight orders rebuild
    """
    count = _safely(lambda: rebuild(_state.book, folders or []))
    console.print(_t("cli.orders.rebuilt", n=count, path=str(_state.book)), highlight=False)


@orders_app.command("claim")
def claim(
    number: Annotated[str, typer.Argument(help="The order number.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help=f"Where to write it (default: {CLAIM_FILE} in the order's report folder).",
        ),
    ] = None,
) -> None:
    """Write the « Dossier de réclamation » of an order: one HTML file with its number, type,
    date, the seller, the watched session in words, the masked confirmation screenshot and the
    report's fingerprint, for a commission ACN did not credit. An edited events log is said.

    Example: preflight orders claim SFR-000123 --out reclamation.html
    """
    with _book() as opened:
        order = opened.find(number)
    try:
        found = claim_of(order.folder, _state.lang)
        page = render_claim(found, _state.lang)
    except (ReportError, OSError) as error:
        err_console.print(_t("cli.orders.error.no_report", detail=order.number,
                             path=str(order.folder)), style="bold red", markup=False)  # fmt: skip
        logger.debug("claim: {}", error)
        raise typer.Exit(2) from None
    target = out if out is not None else order.folder / CLAIM_FILE
    try:
        files.write_atomically(target, page.encode())
    except ReportError as error:
        err_console.print(_t("cli.orders.error.write", path=str(target), detail=str(error)),
                          style="bold red", markup=False)  # fmt: skip
        raise typer.Exit(2) from None
    console.print(_t("cli.orders.claim.written", number=order.number, path=str(target)),
                  highlight=False, markup=False)  # fmt: skip
    if found.chain.status == "edited":
        err_console.print(_t("cli.orders.claim.edited"), style="bold red", markup=False)


# -- rendering ----------------------------------------------------------------------------------


def _t(key: str, **values: object) -> str:
    return say(key, _state.lang, **values)


def _date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _render_list(chosen: list[Order]) -> None:
    if not chosen:
        console.print(_t("cli.orders.none"))
        return
    for order in chosen:
        status = order.status()
        line = _t(
            "cli.orders.line",
            date=order.started_at.astimezone().strftime("%d/%m/%Y %H:%M"),
            number=order.number or "—",
            type=order.type or "—",
            verdict=_t(f"cli.orders.verdict.{order.ending or 'none'}"),
            status=_t(f"cli.orders.status.{status}"),
            due=_date(order.validation_due),
        )
        console.print(line, highlight=False, markup=False)


def _details(order: Order) -> Iterator[str]:
    yield _t("cli.orders.show.number", number=order.number or "—", type=order.type or "—")
    yield _t("cli.orders.show.when", date=order.order_date or "—",
             started=order.started_at.astimezone().strftime("%d/%m/%Y %H:%M"))  # fmt: skip
    yield _t("cli.orders.show.verdict", verdict=_t(f"cli.orders.verdict.{order.ending or 'none'}"),
             status=_t(f"cli.orders.status.{order.status()}"))  # fmt: skip
    yield _t("cli.orders.show.seller", seller=order.seller or "—", browser=order.browser or "—")
    if order.steps:
        yield _t("cli.orders.show.steps", steps=" → ".join(order.steps))
    if order.violations:
        yield _t("cli.orders.show.violations", kinds=", ".join(order.violations))
    yield _t("cli.orders.show.due", date=_date(order.validation_due))
    yield _t("cli.orders.show.attributed", date=_date(order.attributed_on))
    yield _t("cli.orders.show.folder", path=str(order.folder))


# -- the book's errors --------------------------------------------------------------------------


@contextmanager
def _book() -> Iterator[Book]:
    try:
        with Book(_state.book) as opened:
            yield opened
    except BookError as error:
        err_console.print(book_error_text(error, _state.lang), style="bold red")
        raise typer.Exit(2) from None


def _safely(action: Callable[[], _T]) -> _T:
    try:
        return action()
    except BookError as error:
        err_console.print(book_error_text(error, _state.lang), style="bold red")
        raise typer.Exit(2) from None
    except OSError as error:
        err_console.print(_t("cli.orders.error.unreadable", path=str(_state.book),
                             detail=error.strerror or str(error)), style="bold red")  # fmt: skip
        raise typer.Exit(2) from None
