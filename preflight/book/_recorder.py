"""`BookRecorder`: writes a watched order into the book as it happens — the seam `run_order`
calls (`book=`): `started` when the report folder exists, `event` for each event, `finished`
once the report is written.

A row is written at the start and updated at each event that changes it (the ACN entry and its
seller id, a step reached, a violation, the confirmation's number/type/date), so an order whose
process is killed stays in the book, unfinished, with what was seen. The book must never cost
the order: a failure (disk full, a locked or corrupt file) is kept in `error`, logged once, and
the recorder stops writing; the report is written regardless, and the CLI says the error.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight.book._from_report import browser_of, report_values, seller_of
from preflight.book._store import Book
from preflight.errors import BookError, ReportError
from preflight.report.dates import expected_validation, parse_order_date
from preflight.report.models import load_report

if TYPE_CHECKING:
    from preflight.order._run import OrderResult
    from preflight.watch import Event, Watcher


class BookRecorder:
    def __init__(
        self,
        path: str | Path,
        *,
        delays: Mapping[Any, int] | None = None,
        customer: Callable[[], str | None] | None = None,
    ) -> None:
        """`delays`: the rules' validation business days by kind; `customer`: the customer's
        fingerprint once known (the start page's phone, `preflight.book.fingerprint`)."""
        self.path = Path(path)
        self.delays = {str(k): v for k, v in delays.items()} if delays is not None else None
        self.customer = customer
        self.error: BookError | None = None
        self.run = uuid.uuid4().hex
        self._book: Book | None = None
        self._id: int | None = None
        self._steps: list[str] = []
        self._violations: list[str] = []
        self._seller: str | None = None
        self._customer: str | None = None

    # -- the seam -------------------------------------------------------------------------------

    def started(self, folder: Path, browser: Mapping[str, str], link: str | None) -> None:
        self._seller = seller_of(link) if link else None

        def write(book: Book) -> None:
            self._id = book.start(
                self.run, folder=folder, browser=browser_of(dict(browser)), seller=self._seller
            )

        self._write(write, opening=True)

    def linked(self, link: str) -> None:
        seller = seller_of(link)
        if seller is not None and seller != self._seller:
            self._seller = seller
            self._write(lambda book: book.update(self._order_id(), seller=seller))

    def event(self, event: Event, watcher: Watcher) -> None:
        values: dict[str, Any] = {}
        if event.step and event.step not in self._steps:
            self._steps.append(event.step)
            values["steps"] = list(self._steps)
        kinds: list[str] = [v.kind for v in watcher.violations]
        if kinds != self._violations:
            self._violations = kinds
            values["violations"] = kinds
        if event.kind == "confirmation":
            detail = event.detail
            day = parse_order_date(detail.get("date")) or event.at.astimezone().date()
            values.update(
                number=detail.get("number"),
                type=detail.get("order_type"),
                order_date=detail.get("date") or day.isoformat(),
            )
            if self.delays is not None:
                due = expected_validation(detail.get("order_type"), day, self.delays)
                values["validation_due"] = due.expected_date
        self._customer_values(values)
        if values:
            self._write(lambda book: book.update(self._order_id(), **values))

    def finished(self, result: OrderResult) -> None:
        try:
            report = load_report(result.folder)
        except ReportError as error:  # the report is said broken elsewhere
            logger.debug("book: {}", error)
            values: dict[str, Any] = {
                "folder": result.folder,
                "ending": result.ending,
                "ended_at": dt.datetime.now(dt.UTC),
            }
        else:
            values = report_values(report, result.folder)
            values["ending"] = result.ending
            values["ended_at"] = values["ended_at"] or dt.datetime.now(dt.UTC)
        values = {k: v for k, v in values.items() if v is not None or k == "reason"}
        self._customer_values(values, final=True)
        self._write(lambda book: book.update(self._order_id(), **values))
        self.close()

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None

    # -- inside ---------------------------------------------------------------------------------

    def _customer_values(self, values: dict[str, Any], *, final: bool = False) -> None:
        if self._customer is not None or self.customer is None:
            return
        try:
            found = self.customer()
        except (OSError, ValueError) as error:  # the key cannot be made: no R10 reminder
            logger.warning("customer fingerprint: {}", error)
            self.customer = None
            return
        if found:
            self._customer = values["customer"] = found

    def _order_id(self) -> int:
        if self._id is None:
            raise BookError(f"{self.path}: the order was never recorded", path=self.path,
                            kind="unreadable")  # fmt: skip
        return self._id

    def _write(self, action: Callable[[Book], Any], *, opening: bool = False) -> None:
        if self.error is not None:
            return
        try:
            if self._book is None:
                if not opening and self._id is None:
                    return
                self._book = Book(self.path)
            action(self._book)
        except BookError as error:
            self.error = error
            logger.warning("order book not written: {}", error)
            self.close()
