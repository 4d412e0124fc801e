"""« Mes commandes » (issue #24): the page's rows and POSTs on the loopback server without a
browser, the start page's warnings, the `sim`/`validated` marks; then one short test per engine
that drives the page with real clicks (a filter, « Marquer attribuée », the claim)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inprocess import preflight
from playwright.sync_api import Page, expect
from test_book import CONFIRMED, watched

from preflight.book import Book, fingerprint
from preflight.order import SellerPages
from preflight.order.orders import ORDERS_PATH
from preflight.rules import Rules, load_rules
from preflight.watch.events import OrderInfo, Violation

KEY = b"k" * 32
PHONE = "06 12 34 56 78"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


@pytest.fixture
def book(tmp_path: Path, rules: Rules) -> Path:
    """A confirmed Fibre order, a lost one, and a mobile one for the customer of PHONE."""
    path = tmp_path / "book.sqlite3"
    watched(tmp_path, rules, path, name="confirmed")
    lost = CONFIRMED.model_copy(
        update={"verdict": "lost", "order": OrderInfo(number="SFR-000999"), "violations": [
            Violation(kind="reload", url="https://x/e", at=dt.datetime.now(dt.UTC), event_seq=3)
        ]}
    )  # fmt: skip
    watched(tmp_path, rules, path, lost, name="lost")
    mobile = CONFIRMED.model_copy(
        update={"order": OrderInfo(number="SFR-000555", type="Forfait mobile 5G")}
    )
    watched(tmp_path, rules, path, mobile, name="mobile")
    with Book(path) as opened:
        order = opened.find("SFR-000555")
        opened.update(order.id, customer=fingerprint(PHONE, KEY))
    return path


@pytest.fixture
def pages(book: Path, rules: Rules) -> Iterator[SellerPages]:
    with SellerPages(
        rules, "fr", fingerprint=lambda phone: fingerprint(phone, KEY), book=book
    ) as served:
        yield served


def _post(
    pages: SellerPages, path: str, data: object, origin: str | None
) -> tuple[int, dict[str, Any]]:
    headers = {
        "Content-Type": "application/json",
        **pages.server.credentials,
        **({"Origin": origin} if origin else {}),
    }
    request = urllib.request.Request(
        pages.server.url(path), json.dumps(data).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            said: dict[str, Any] = json.loads(answer.read())
            return answer.status, said
    except urllib.error.HTTPError as error:
        return error.code, {}


def _get(pages: SellerPages, path: str) -> str:
    request = urllib.request.Request(pages.server.url(path), headers=pages.server.credentials)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.read().decode())


def test_the_page_lists_every_order_newest_first_with_its_ending_and_what_to_do(
    pages: SellerPages,
) -> None:
    page = _get(pages, ORDERS_PATH)
    assert page.index("SFR-000555") < page.index("SFR-000999") < page.index("SFR-000123")
    assert "Commande confirmée et attribuée" in page  # the end page's words (advice)
    assert "Marquer attribuée" in page and "Dossier de réclamation" in page
    assert "recommencez la commande depuis votre lien ACN" in page
    assert 'data-filter="overdue"' in page and "Ce mois-ci" in page
    # Linked from the start page.
    assert f'href="{ORDERS_PATH}"' in _get(pages, "/")


def test_marking_attributed_needs_the_pages_own_origin_then_updates_the_book(
    pages: SellerPages, book: Path
) -> None:
    assert _post(pages, "/api/commandes/attribuer", {"number": "SFR-000123"}, None)[0] == 403
    other = "http://127.0.0.1:1"
    assert _post(pages, "/api/commandes/attribuer", {"number": "SFR-000123"}, other)[0] == 403
    status, said = _post(
        pages, "/api/commandes/attribuer", {"number": "SFR-000123"}, pages.server.origin
    )
    assert status == 200 and said["ok"] and said["status"] == "waiting"
    with Book(book) as opened:
        assert opened.find("SFR-000123").attributed_on == dt.date.today()
    bad = _post(pages, "/api/commandes/attribuer", {"number": ["x"]}, pages.server.origin)
    assert bad[0] == 400


def test_the_claim_button_writes_the_claim_in_the_report_folder(
    pages: SellerPages, book: Path
) -> None:
    status, said = _post(
        pages, "/api/commandes/reclamation", {"number": "SFR-000123"}, pages.server.origin
    )
    assert status == 200 and said["ok"]
    assert (book.parent / "confirmed" / "dossier-de-reclamation.html").is_file()


def test_the_start_page_warns_of_an_overdue_order_and_of_a_sim_not_activated(
    pages: SellerPages, book: Path
) -> None:
    preflight("orders", "--book", book, "done", "SFR-000123", "--on", "2026-12-07")
    past = dt.date.today() - dt.timedelta(days=3)
    with Book(book) as opened:  # its validation date passed
        opened.update(opened.find("SFR-000123").id, validation_due=past)
    start = _get(pages, "/")
    said = f"La commande SFR-000123 attend la validation de SFR depuis le {past:%d/%m/%Y}"
    assert said in start
    origin = pages.server.origin
    _, answer = _post(pages, "/api/phone", {"phone": "+33 6 12 34 56 78"}, origin)
    assert answer["ok"] and "SFR-000555" in answer["warning"] and "SIM" in answer["warning"]
    assert preflight("orders", "--book", book, "sim", "SFR-000555").returncode == 0
    _, answer = _post(pages, "/api/phone", {"phone": PHONE}, origin)
    assert "warning" not in answer
    ran = preflight("orders", "--book", book, "validated", "SFR-000123", "--on", "2026-12-09")
    assert ran.returncode == 0 and "validée le 09/12/2026" in ran.stdout
    assert "attend la validation" not in _get(pages, "/")


def test_marks_on_an_unknown_order_or_a_bad_date_are_exit_2(book: Path) -> None:
    assert preflight("orders", "--book", book, "sim", "NOPE").returncode == 2
    ran = preflight("orders", "--book", book, "installation", "SFR-000123", "--on", "demain")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr


def test_the_seller_filters_marks_and_claims_with_real_clicks(
    pages: SellerPages, book: Path, page: Page
) -> None:
    page.goto(pages.server.opening_url(ORDERS_PATH))
    page.get_by_role("button", name="Perdues").click()
    expect(page.get_by_test_id("order-SFR-000123")).to_be_hidden()
    expect(page.get_by_test_id("order-SFR-000999")).to_be_visible()
    page.get_by_role("button", name="À attribuer").click()
    row = page.get_by_test_id("order-SFR-000123")
    row.get_by_role("button", name="Marquer attribuée").click()
    expect(row.get_by_test_id("status")).to_have_text("attribuée, validation attendue")
    row.get_by_role("button", name="Dossier de réclamation").click()
    expect(page.get_by_test_id("orders-status")).to_contain_text("Dossier de réclamation écrit")
    with Book(book) as opened:
        assert opened.find("SFR-000123").attributed_on == dt.date.today()
