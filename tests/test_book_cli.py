"""`preflight orders` in-process (issue #24): list, filters, JSON/CSV, done, show, rebuild, and
one clear message for a book that cannot be read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from inprocess import preflight
from test_book import CONFIRMED, watched

from preflight.rules import Rules, load_rules


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


@pytest.fixture
def book(tmp_path: Path, rules: Rules) -> Path:
    path = tmp_path / "book.sqlite3"
    watched(tmp_path, rules, path, name="confirmed")
    not_placed = CONFIRMED.model_copy(
        update={"completed": False, "confirmed": False, "order": None}
    )
    watched(tmp_path, rules, path, not_placed, name="not-placed")
    return path


def test_orders_json_lists_the_order_with_verdict_status_and_validation_date(book: Path) -> None:
    ran = preflight("orders", "--book", book, "--json")
    assert ran.returncode == 0, ran.stderr
    orders = json.loads(ran.stdout)["orders"]
    assert [o["verdict"] for o in orders] == ["not_placed", "confirmed"]  # newest first
    confirmed = orders[1]
    assert confirmed["number"] == "SFR-000123" and confirmed["status"] == "to_attribute"
    assert confirmed["validation_due"] == "2026-12-10"


def test_done_takes_the_order_out_of_todo(book: Path) -> None:
    todo = json.loads(preflight("orders", "--book", book, "--todo", "--json").stdout)["orders"]
    assert [o["number"] for o in todo] == ["SFR-000123"]
    ran = preflight("orders", "--book", book, "done", "SFR-000123", "--on", "2026-12-08")
    assert ran.returncode == 0 and "08/12/2026" in ran.stdout
    assert json.loads(preflight("orders", "--book", book, "--todo", "--json").stdout) == {
        "orders": []
    }


def test_the_list_is_french_by_default_and_english_on_request(book: Path) -> None:
    french = preflight("orders", "--book", book)
    assert "à attribuer" in french.stdout and "non passée" in french.stdout
    english = preflight("orders", "--book", book, "--lang", "en")
    assert "to attribute" in english.stdout


def test_csv_and_show(book: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(preflight("orders", "--book", book, "--csv").stdout)))
    assert {r["number"] for r in rows} == {"SFR-000123", ""}
    shown = preflight("orders", "--book", book, "show", "SFR-000123")
    assert shown.returncode == 0 and "EI-4242" in shown.stdout and "10/12/2026" in shown.stdout


def test_an_unknown_number_is_one_message_and_exit_2(book: Path) -> None:
    ran = preflight("orders", "--book", book, "done", "NOPE-1")
    assert ran.returncode == 2 and "NOPE-1" in ran.stderr and "Traceback" not in ran.stderr


def test_a_corrupt_book_is_one_french_message_exit_2_suggesting_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    path.write_bytes(b"\x00garbage" * 512)
    ran = preflight("orders", "--book", path)
    assert ran.returncode == 2
    said = " ".join(ran.stderr.split())  # one message, however the console wraps its path
    assert "preflight orders rebuild" in said and "endommagé" in said
    assert "Traceback" not in said and said.count("Le carnet de commandes") == 1


def test_rebuild_after_the_book_is_deleted_and_the_env_variable(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = book.parent / "confirmed"
    book.unlink()
    monkeypatch.setenv("PREFLIGHT_BOOK", str(book))
    ran = preflight("orders", "rebuild", folder, env={"PREFLIGHT_BOOK": str(book)})
    assert ran.returncode == 0, ran.stderr
    orders = json.loads(preflight("orders", "--json", env={"PREFLIGHT_BOOK": str(book)}).stdout)
    assert [o["number"] for o in orders["orders"]] == ["SFR-000123"]
