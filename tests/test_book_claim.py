"""`preflight orders claim` (issue #24), in-process and without a browser: the « Dossier de
réclamation » of a confirmed order, self-contained, with the session in words, the masked
confirmation screenshot, the fingerprint; an edited log said first; bad input exit 2."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from inprocess import preflight
from test_book import CONFIRMED, LINK, _events, _watcher

from preflight.book import BookRecorder
from preflight.order import OrderResult
from preflight.report import ReportWriter
from preflight.report.advice import ending_of
from preflight.report.writer import seller_of
from preflight.rules import Rules, load_rules

# A 1×1 PNG stands for the masked screenshot Playwright would take.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SUPPORT_PNG = PNG + b"support-only"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


def _page() -> SimpleNamespace:
    # What the writer asks of a page for a screenshot: its frames (for the masks) and a PNG.
    frame = SimpleNamespace(locator=lambda selector: selector)
    return SimpleNamespace(frames=[frame], screenshot=lambda **_: PNG, url="https://x/c")


@pytest.fixture
def book(tmp_path: Path, rules: Rules) -> Path:
    """A confirmed order watched with a screenshot of its confirmation, and a support file
    that the claim must never read."""
    path = tmp_path / "book.sqlite3"
    writer = ReportWriter(tmp_path / "r", rules, browser_info={"family": "firefox"})
    recorder = BookRecorder(path, delays=rules.shop.validation_business_days)
    writer.seller = seller_of(LINK)
    recorder.started(writer.folder, writer.browser_info, LINK)
    for event in _events():
        writer.on_event(event)
        recorder.event(event, _watcher(rules))  # type: ignore[arg-type]
        if event.kind == "confirmation":
            writer.screenshot(_page(), event)  # type: ignore[arg-type]
    (writer.folder / "support").mkdir()
    (writer.folder / "support" / "erreur-eligibilite-1.png").write_bytes(SUPPORT_PNG)
    html = writer.finish(CONFIRMED, ending=ending_of(CONFIRMED))
    recorder.finished(OrderResult(CONFIRMED, "confirmation", False, writer.folder, html))
    return path


def test_the_claim_of_a_confirmed_order_says_what_acn_asks_for(book: Path) -> None:
    out = book.parent / "claim.html"
    ran = preflight("orders", "--book", book, "claim", "SFR-000123", "--out", out)
    assert ran.returncode == 0, ran.stderr
    assert "Dossier de réclamation de la commande SFR-000123" in ran.stdout
    page = out.read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Dossier de réclamation" in text
    for said in ("SFR-000123", "Fibre", "07/12/2026", "EI-4242", "Entrée par le lien ACN vue le"):
        assert said in text, said
    assert "Pages parcourues : Offre → Test" in text
    assert "Aucun retour arrière" in text and "Page de confirmation de SFR atteinte" in text
    assert "Journal intact" in text and "journal modifié" not in text.lower()
    assert re.search(r"\b[0-9a-f]{64}\b", text)  # the fingerprint and the head


def test_the_claim_is_one_file_with_no_script_and_only_the_masked_screenshot(book: Path) -> None:
    out = book.parent / "claim.html"
    preflight("orders", "--book", book, "claim", "SFR-000123", "--out", out)
    page = out.read_text()
    assert "<script" not in page.lower() and "default-src 'none'" in page
    pictures = re.findall(r'src="([^"]+)"', page)
    assert pictures == ["data:image/png;base64," + base64.b64encode(PNG).decode()]
    assert base64.b64encode(SUPPORT_PNG).decode() not in page and "support/" not in page


def test_the_default_claim_goes_in_the_report_folder(book: Path) -> None:
    ran = preflight("orders", "--book", book, "claim", "SFR-000123")
    assert ran.returncode == 0, ran.stderr
    assert (book.parent / "r" / "dossier-de-reclamation.html").is_file()


def test_an_edited_log_makes_the_claim_say_journal_modifie(book: Path) -> None:
    log = book.parent / "r" / "events.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2].replace(b'"navigate"', b'"reload"')
    log.write_bytes(b"".join(lines))
    out = book.parent / "claim.html"
    ran = preflight("orders", "--book", book, "claim", "SFR-000123", "--out", out)
    assert ran.returncode == 0 and "modifié" in ran.stderr
    page = out.read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Journal modifié" in text and "la ligne 4 ne suit pas" in text
    # Said first, before the order's details.
    assert page.index('class="edited"') < page.index("SFR-000123</dd>")


def test_bad_input_is_one_french_message_and_exit_2(book: Path) -> None:
    unknown = preflight("orders", "--book", book, "claim", "NOPE-1")
    assert unknown.returncode == 2 and "NOPE-1" in unknown.stderr
    nowhere = preflight(
        "orders", "--book", book, "claim", "SFR-000123", "--out", book.parent / "no" / "c.html"
    )
    assert nowhere.returncode == 2 and "Impossible d'écrire" in " ".join(nowhere.stderr.split())
    (book.parent / "r" / "report.json").unlink()
    gone = preflight("orders", "--book", book, "claim", "SFR-000123")
    assert gone.returncode == 2 and "introuvable" in gone.stderr
    for ran in (unknown, nowhere, gone):
        assert "Traceback" not in ran.stderr
