"""The order book (issue #24), without a browser: what a watched order records as it happens,
the statuses and filters, schema upgrades, two writers at once, a killed order, a corrupt file,
a full disk and a rebuild from the reports."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from preflight.book import Book, BookRecorder, fingerprint, rebuild, select
from preflight.book._schema import VERSION
from preflight.errors import BookError
from preflight.order import OrderResult
from preflight.report import ReportWriter
from preflight.report.advice import ending_of
from preflight.report.writer import seller_of
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event, OrderInfo, Outcome, Violation

LINK = "https://www.myacn.eu/fr/boutique/sfr?ei=EI-4242&acn=1"
AT = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)  # a Monday
CONFIRMED = Outcome(
    verdict="attributed", entry_seen=True, merchant_seen=True, completed=True, confirmed=True,
    order=OrderInfo(number="SFR-000123", type="Fibre", date="07/12/2026"),
)  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


def _watcher(rules: Rules, violations: list[Violation] | None = None) -> SimpleNamespace:
    # What the recorder reads of the watcher: its rules and the violations so far.
    return SimpleNamespace(rules=rules, violations=violations or [])


def _events() -> list[Event]:
    return [
        Event(seq=1, at=AT, kind="acn_entry", url=LINK),
        Event(seq=2, at=AT, kind="navigation", nav="navigate", url="https://x/o", step="Offre"),
        Event(seq=3, at=AT, kind="navigation", nav="navigate", url="https://x/e", step="Test"),
        Event(
            seq=4, at=AT, kind="confirmation", url="https://x/c", step="Confirmation",
            detail={"number": "SFR-000123", "order_type": "Fibre", "date": "07/12/2026"},
        ),
    ]  # fmt: skip


def watched(
    tmp_path: Path, rules: Rules, book: Path, outcome: Outcome = CONFIRMED, name: str = "r"
) -> tuple[BookRecorder, OrderResult]:
    """An order as `run_order` records it: the report writer and the book, event by event."""
    writer = ReportWriter(
        tmp_path / name, rules, browser_info={"family": "firefox", "version": "153"}
    )
    recorder = BookRecorder(book, delays=rules.shop.validation_business_days)
    writer.seller = seller_of(LINK)  # as run_order does once the link is known
    recorder.started(writer.folder, writer.browser_info, LINK)
    for event in _events() if outcome.confirmed else _events()[:3]:
        writer.on_event(event)
        recorder.event(event, _watcher(rules, outcome.violations))  # type: ignore[arg-type]
    html = writer.finish(outcome, ending=ending_of(outcome))
    result = OrderResult(outcome, "confirmation", False, writer.folder, html)
    recorder.finished(result)
    return recorder, result


def test_a_watched_order_is_in_the_book_with_its_verdict_number_and_validation_date(
    tmp_path: Path, rules: Rules
) -> None:
    recorder, result = watched(tmp_path, rules, tmp_path / "book.sqlite3")
    assert recorder.error is None
    with Book(tmp_path / "book.sqlite3") as book:
        (order,) = book.orders()
    assert (order.number, order.type, order.ending) == ("SFR-000123", "Fibre", "confirmed")
    assert order.seller == "EI-4242" and order.browser == "firefox 153"
    assert list(order.steps) == ["Offre", "Test", "Confirmation"]
    # Fibre: 3 French business days after Monday 7 December 2026.
    assert order.validation_due == dt.date(2026, 12, 10)
    assert order.folder == result.folder and order.status() == "to_attribute" and order.todo


def test_the_order_is_in_the_book_from_its_start_not_only_at_its_end(
    tmp_path: Path, rules: Rules
) -> None:
    path = tmp_path / "book.sqlite3"
    recorder = BookRecorder(path, delays=rules.shop.validation_business_days)
    recorder.started(tmp_path / "r", {"family": "chrome"}, LINK)
    with Book(path) as book:
        (order,) = book.orders()
        assert order.ended_at is None and order.status() == "running"
        for event in _events()[:2]:
            recorder.event(event, _watcher(rules))  # type: ignore[arg-type]
        (order,) = book.orders()
    assert list(order.steps) == ["Offre"] and order.seller == "EI-4242"


def test_todo_lists_the_orders_to_attribute_and_done_takes_one_out(
    tmp_path: Path, rules: Rules
) -> None:
    path = tmp_path / "book.sqlite3"
    watched(tmp_path, rules, path, name="confirmed")
    lost = CONFIRMED.model_copy(
        update={"verdict": "lost", "order": OrderInfo(number="SFR-000999"), "violations": [
            Violation(kind="reload", url="https://x/e", at=AT, event_seq=3)
        ]}
    )  # fmt: skip
    watched(tmp_path, rules, path, lost, name="lost")
    with Book(path) as book:
        assert [o.ending for o in select(book.orders(), todo=True)] == ["confirmed"]
        assert [o.ending for o in select(book.orders(), lost=True)] == ["lost"]
        book.mark("SFR-000123", "attributed_on", dt.date(2026, 12, 8))
        assert select(book.orders(), todo=True) == []
        attributed = next(o for o in book.orders() if o.ending == "confirmed")
    assert attributed.status(dt.date(2026, 12, 9)) == "waiting"
    assert attributed.status(dt.date(2026, 12, 11)) == "overdue"


def test_a_book_of_the_first_schema_is_upgraded_and_keeps_its_orders(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    with Book(path, upto=1) as old:
        assert old.version == 1
        order_id = old.start("run-1", folder=tmp_path / "r")
        old.update(order_id, number="SFR-1", ending="confirmed", ended_at=AT)
    with Book(path) as book:
        assert book.version == VERSION
        (order,) = book.orders()
        assert order.number == "SFR-1" and order.sim_activated_on is None
        book.mark("SFR-1", "sim_activated_on", dt.date(2026, 12, 9))  # a column of version 2


def test_a_book_from_a_newer_preflight_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    Book(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(BookError) as error:
        Book(path)
    assert error.value.kind == "newer"


def test_two_orders_watched_at_once_both_land(tmp_path: Path, rules: Rules) -> None:
    path = tmp_path / "book.sqlite3"
    Book(path).close()
    failures: list[BaseException] = []

    def order(name: str) -> None:
        try:
            recorder = BookRecorder(path)
            recorder.started(tmp_path / name, {}, LINK)
            for _ in range(30):  # many small transactions, interleaved with the other's
                recorder.event(_events()[1], _watcher(rules))  # type: ignore[arg-type]
                recorder._steps.clear()
            recorder.finished(OrderResult(CONFIRMED, "confirmation", False, tmp_path / name, None))
            assert recorder.error is None, recorder.error
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=order, args=(f"r{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with Book(path) as book:
        assert sorted(str(o.folder.name) for o in book.orders()) == ["r1", "r2"]
        assert all(o.ending == "confirmed" for o in book.orders())
        mode = book._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_killed_order_stays_in_the_book_as_unfinished(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    code = (
        "import os, signal, sys; from pathlib import Path; "
        "from preflight.book import BookRecorder; "
        "r = BookRecorder(sys.argv[1]); r.started(Path(sys.argv[2]), {}, sys.argv[3]); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "r"), LINK])
    assert done.returncode == -9
    with Book(path) as book:
        (order,) = book.orders()
    assert order.ended_at is None and order.status() == "unfinished" and not order.todo


def test_a_corrupt_book_is_one_error_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    path.write_bytes(b"these are not the orders you are looking for" * 100)
    with pytest.raises(BookError) as error:
        Book(path)
    assert error.value.kind == "corrupt"


def test_a_full_disk_stops_the_book_not_the_order_and_the_report_is_written(
    tmp_path: Path, rules: Rules
) -> None:
    path = tmp_path / "book.sqlite3"
    recorder = BookRecorder(path)
    recorder.started(tmp_path / "r", {}, LINK)
    assert recorder._book is not None
    # SQLite's own "database or disk is full" (SQLITE_FULL), as on a full disk.
    pages = recorder._book._conn.execute("PRAGMA page_count").fetchone()[0]
    recorder._book._conn.execute(f"PRAGMA max_page_count = {pages}")
    writer = ReportWriter(tmp_path / "r2", rules)
    huge = Event(seq=1, at=AT, kind="navigation", nav="navigate", url=LINK, step="x" * 200_000)
    writer.on_event(huge)
    recorder.event(huge, _watcher(rules))  # type: ignore[arg-type]
    assert recorder.error is not None and recorder.error.kind == "full"
    recorder.event(_events()[2], _watcher(rules))  # type: ignore[arg-type]  # no second error
    assert writer.finish(CONFIRMED, ending="confirmed").is_file()


def test_rebuild_restores_the_book_from_the_reports_after_the_file_is_deleted(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "book.sqlite3"
    watched(tmp_path, rules, path, name="elsewhere")
    # One report in the default reports folder, never recorded in this book.
    default = tmp_path / "data" / "preflight" / "rapports" / "20261207-103000-attributed"
    ReportWriter(default, rules).finish(CONFIRMED, ending="confirmed")
    with Book(path) as book:
        book.mark("SFR-000123", "attributed_on", dt.date(2026, 12, 8))
    assert rebuild(path) == 2  # the readable old book: its folders and the seller's marks
    with Book(path) as book:
        marks = sorted(str(o.attributed_on) for o in book.orders())
    assert marks == ["2026-12-08", "None"]
    path.unlink()
    assert rebuild(path, [tmp_path / "elsewhere"]) == 2
    with Book(path) as book:
        numbers = {o.number for o in book.orders()}
        assert numbers == {"SFR-000123"} and all(o.ending == "confirmed" for o in book.orders())
        assert {o.seller for o in book.orders()} >= {"EI-4242"}


def test_the_customer_is_a_keyed_fingerprint_never_the_number(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert fingerprint("06 12 34 56 78", key) == fingerprint("+33 6 12 34 56 78", key)
    assert fingerprint("06 12 34 56 78", key) != fingerprint("06 12 34 56 79", key)
    assert fingerprint("06 12 34 56 78", key) != fingerprint("06 12 34 56 78", os.urandom(32))
    made = fingerprint("06 12 34 56 78")  # the key made on first use, owner-only
    from preflight.places import secret_path

    assert secret_path().stat().st_mode & 0o777 == 0o600
    assert fingerprint("0612345678") == made and "0612345678" not in made
