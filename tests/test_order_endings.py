"""Every way a seller's order ends has its verdict, words, colour and exit code, and the
terminal, the end page and report.html say the same (issue #23), on recorded outcomes."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from preflight.cli._order import _todo
from preflight.order import OrderResult
from preflight.order.end import end_view
from preflight.report import ReportWriter, load_report
from preflight.report.advice import EXIT_CODES, Ending, ending_of
from preflight.report.support import FOLDER, INCIDENT_FILES, TO_COMPLETE
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event, OrderInfo, Outcome, Violation, Warning

AT = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
ORDER = OrderInfo(number="SFR-000123", type="Fibre", date="07/12/2026")


def _violation() -> Violation:
    return Violation(kind="reload", url="http://shop.test/sfr/coordonnees", at=AT, event_seq=2)


def _paid() -> Warning:
    return Warning(
        kind="payment_without_order_later", url="http://shop.test/sfr/paiement", at=AT, event_seq=2
    )


OUTCOMES: dict[Ending, Outcome] = {
    "confirmed": Outcome(
        verdict="attributed", entry_seen=True, merchant_seen=True, completed=True,
        confirmed=True, order=ORDER,
    ),
    "order_later": Outcome(
        verdict="attributed", entry_seen=True, merchant_seen=True, completed=True
    ),
    "not_placed": Outcome(verdict="attributed", entry_seen=True, merchant_seen=True),
    # Lost first, whatever came after: a confirmation shown after a Refresh is still lost.
    "lost": Outcome(
        verdict="lost", entry_seen=True, merchant_seen=True, completed=True, confirmed=True,
        order=ORDER, violations=[_violation()], reason_kind="violation",
    ),
    "at_risk": Outcome(
        verdict="at_risk", entry_seen=True, merchant_seen=True, completed=True, confirmed=True,
        order=ORDER, warnings=[_paid()], reason_kind="warning",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


def _finished(folder: Path, rules: Rules, outcome: Outcome) -> OrderResult:
    writer = ReportWriter(folder, rules)
    writer.on_event(Event(seq=1, kind="acn_entry", url="https://www.myacn.eu/x"))
    page = writer.finish(outcome, incomplete=not outcome.completed, ending=ending_of(outcome))
    return OrderResult(outcome, "closed", not outcome.completed, folder, page)


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.mark.parametrize("ending", list(OUTCOMES))
def test_each_ending_says_the_same_in_the_terminal_the_end_page_and_the_report(
    ending: Ending, rules: Rules, tmp_path: Path
) -> None:
    result = _finished(tmp_path / "r", rules, OUTCOMES[ending])
    assert result.ending == ending
    assert result.exit_code == EXIT_CODES[ending]
    report = load_report(result.folder)
    assert report.ending == ending
    page = _text((result.folder / "report.html").read_text())
    view = end_view(report, result.folder, "fr", has_report=True, ended="closed")
    todo = _todo(result, "fr")

    assert view.todo == todo  # one source for the end page and the terminal
    assert _text(view.headline) in page and all(_text(line) in page for line in todo)
    green = view.verdict == "attributed"
    assert green is (result.exit_code == 0)  # green is attributed, and only that
    assert ("attribuée à votre session" in view.headline) is green
    reminder = "attribuer la commande à votre Numéro d'entreprise"
    assert (reminder in page) is (ending in ("confirmed", "at_risk")), page
    assert bool(view.fields) is (ending in ("confirmed", "at_risk"))


def test_exit_codes_are_0_only_for_an_attributed_order() -> None:
    assert EXIT_CODES == {
        "confirmed": 0, "order_later": 0, "at_risk": 1, "lost": 3, "not_placed": 4,
    }  # fmt: skip


def test_a_lost_order_says_what_to_do_now_and_prepares_the_help_desk_message(
    rules: Rules, tmp_path: Path
) -> None:
    result = _finished(tmp_path / "r", rules, OUTCOMES["lost"])
    todo = " ".join(_todo(result, "fr"))
    assert "Abandonnez ce panier" in todo and "repartez du lien ACN" in todo
    assert "Service d'assistance aux EI" in todo and "1023" in todo
    message = (result.folder / FOLDER / INCIDENT_FILES["lost"]).read_text()
    assert "(Actualisation de la page)" in message, message
    assert "shop.test/sfr/coordonnees" in message and "07/12/2026" in message
    assert message.count(TO_COMPLETE) == 4  # name, address, phone, business number
    assert load_report(result.folder).support_bundle == f"{FOLDER}/{INCIDENT_FILES['lost']}"


def test_a_payment_on_the_spot_gets_the_seed_advice_and_its_own_message(
    rules: Rules, tmp_path: Path
) -> None:
    result = _finished(tmp_path / "r", rules, OUTCOMES["at_risk"])
    todo = " ".join(_todo(result, "fr"))
    assert "Pour éviter tout rejet de paiement" in todo and "Commander plus tard" in todo
    message = (result.folder / FOLDER / INCIDENT_FILES["payment"]).read_text()
    assert "paiement" in message and TO_COMPLETE in message


@pytest.mark.parametrize("ending", ["confirmed", "order_later", "not_placed"])
def test_no_help_desk_message_where_nothing_went_wrong(
    ending: Ending, rules: Rules, tmp_path: Path
) -> None:
    result = _finished(tmp_path / "r", rules, OUTCOMES[ending])
    assert not (result.folder / FOLDER).exists()
