"""Issue #23: the order's steps in words, and the confirmation's number, type and date read by
what the page says — the rules' part, without a browser (tests/test_watcher.py's
`test_the_probe_reads_number_type_and_date_from_the_page_text_alone` runs the
same texts, tests/data/confirmation_texts.json, through the probe)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from preflight.errors import RulesError
from preflight.report.dates import order_kind, parse_order_date
from preflight.rules import Rules, load_rules
from preflight.watch import Event
from preflight.watch._emit import Emitter, page_step
from preflight.watch._judge import Judge

# Confirmation pages as sites word them (the customer's name among them: it must never be read),
# each with the number, type and date the default rules must read from it; the last one is the
# demo's `wording=plain` page, and one has nothing to read (a phone number, a birth date).
CONFIRMATION_TEXTS: list[tuple[str, tuple[str | None, str | None, str | None]]] = [
    (case["text"], (case["number"], case["type"], case["date"]))
    for case in json.loads(
        (Path(__file__).parent / "data" / "confirmation_texts.json").read_text("utf-8")
    )
]


def read_by_text(text: str, patterns: list[str]) -> str | None:
    """What probe.js's `readByText` does, in Python: spaces made single, case ignored, the
    first group of the first pattern that matches, trimmed (the rules allow only what both
    dialects read alike, so the two agree; the browser test checks the probe itself)."""
    flat = re.sub(r"\s+", " ", text)
    for pattern in patterns:
        found = re.search(pattern, flat, re.IGNORECASE)
        if found and found.group(1) and found.group(1).strip():
            return " ".join(found.group(1).split())
    return None


@pytest.mark.parametrize(("text", "expected"), CONFIRMATION_TEXTS)
def test_the_default_rules_read_number_type_and_date_from_what_the_page_says(
    text: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    for rules in (load_rules("default"), load_rules("demo")):
        order = rules.order
        read = tuple(
            read_by_text(text, patterns)
            for patterns in (order.order_number_text, order.order_type_text, order.order_date_text)
        )
        assert read == expected, rules.name
    _, kind, day = expected
    if kind is not None:  # what the validation dates understand of them
        assert order_kind(kind) in ("fibre", "adsl", "mobile")
    if day is not None:
        assert parse_order_date(day) in (date(2026, 12, 7), date(2026, 12, 1))


def _rules_file(tmp_path: Path, order_extra: str) -> Path:
    path = tmp_path / "r.toml"
    path.write_text(
        '[order]\nentry = ["https://a.example/*"]\nmerchant = ["https://shop.example/*"]\n'
        f"{order_extra}\n"
        '[merchant_session]\ndomains = ["shop.example"]\naccount_url = "https://shop.example/"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("order_number_text = ['commande (']", "not a regular expression"),
        ("order_number_text = ['commande n° [0-9]+']", "has no group"),
        ("order_date_text = ['(?P<d>[0-9/]+)']", "syntax only Python reads"),
        ("order_type_text = ['(?i)(fibre)']", "syntax only Python reads"),
        ('[order.steps]\n"eligibilite" = "Test"', "matches no address"),
        ('[order.steps]\n"*eligibilit*" = "<b>Test</b>"', "plain text"),
        ('[order.steps]\n"*eligibilit*" = " "', "plain text"),
    ],
)
def test_a_bad_pattern_or_page_name_is_one_clear_message(
    tmp_path: Path, extra: str, said: str
) -> None:
    with pytest.raises(RulesError, match=re.escape(said)) as caught:
        load_rules(_rules_file(tmp_path, extra))
    assert "key order." in str(caught.value), caught.value


def test_pages_are_named_by_the_first_glob_that_matches_else_by_their_last_segment() -> None:
    demo = load_rules("demo", variables={"DEMO_PORT": 8000})
    for prefix in ("sfr", "app", "react"):  # the demo's three flows
        base = f"http://localhost:8000/{prefix}"
        assert demo.step_name(f"{base}/offre/fibre?acn=…") == "Offre"
        assert demo.step_name(f"{base}/eligibilite?t=…") == "Test d'éligibilité"
        assert demo.step_name(f"{base}/coordonnees?t=…") == "Vos coordonnées"
        assert demo.step_name(f"{base}/recapitulatif?t=…") == "Récapitulatif"
        assert demo.step_name(f"{base}/paiement?t=…") == "Paiement"
        assert demo.step_name(f"{base}/confirmation?t=…") == "Confirmation"
    assert demo.step_name("http://localhost:8000/sfr/assistance/chat") is None
    assert page_step(demo, "http://localhost:8000/sfr/assistance/chat") == "chat"
    assert page_step(demo, "http://127.0.0.1:8000/acn/boutique") is None  # not the merchant's
    sfr = load_rules("default")
    # SFR's real addresses are not known: words of their paths; the first match wins.
    assert sfr.step_name("https://boutique.sfr.fr/offre/fibre/confirmation") == "Confirmation"
    assert sfr.step_name("https://boutique.sfr.fr/test-eligibilite") == "Test d'éligibilité"
    assert sfr.step_name("https://boutique.sfr.fr/panier") is None


def _emitted(rules: Rules, moves: list[tuple[str, str]]) -> tuple[list[Event], Judge]:
    """Events of a page that moves as `moves` say ((nav, url)), as a watched order emits them."""
    judge = Judge(rules)
    events: list[Event] = []
    emitter = Emitter(rules, judge, events.append)
    emitter.page_steps = True
    state: Any = SimpleNamespace(index=1, on_merchant=True)
    emitter.emit("acn_entry", state, "http://127.0.0.1:8000/acn/go/fibre", on_merchant=False)
    for nav, url in moves:
        emitter.emit("navigation", state, url, nav=nav)  # type: ignore[arg-type]
    emitter.emit("order_later", state, moves[-1][1])
    return events, judge


def test_an_event_and_its_violation_name_the_step_of_the_page_shown_not_the_one_left() -> None:
    demo = load_rules("demo", variables={"DEMO_PORT": 8000})
    base = "http://localhost:8000/sfr"
    events, judge = _emitted(
        demo,
        [
            ("navigate", f"{base}/offre/fibre?acn=x"),
            ("navigate", f"{base}/eligibilite?t=1"),
            ("navigate", f"{base}/coordonnees?t=2"),
            ("back", f"{base}/eligibilite?t=1"),  # Back: the eligibility page is shown again
            ("fragment", f"{base}/eligibilite?t=1#conditions"),  # same page: same step
        ],
    )
    assert [e.step for e in events] == [
        None,
        "Offre",
        "Test d'éligibilité",
        "Vos coordonnées",
        "Test d'éligibilité",
        "Test d'éligibilité",
        "Test d'éligibilité",
    ]
    (back,) = judge.violations
    assert back.kind == "back" and back.step == "Test d'éligibilité"


def test_a_scenario_replay_keeps_its_own_step_names() -> None:
    demo = load_rules("demo", variables={"DEMO_PORT": 8000})
    judge = Judge(demo)
    events: list[Event] = []
    emitter = Emitter(demo, judge, events.append)  # page_steps off: the replayer names steps
    emitter.step = "3 click"
    state: Any = SimpleNamespace(index=1, on_merchant=True)
    emitter.emit("navigation", state, "http://localhost:8000/sfr/eligibilite?t=1", nav="navigate")
    assert events[0].step == "3 click"


def test_the_terminal_verdict_names_the_step_of_each_violation_as_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from preflight.cli._order import render
    from preflight.order import OrderResult
    from preflight.watch import Outcome, Violation

    violation = Violation(
        kind="reload",
        url="http://localhost:8000/sfr/paiement?t=…",
        at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        step="Paiement",
        event_seq=4,
    )
    outcome = Outcome(verdict="lost", entry_seen=True, violations=[violation])
    names = load_rules("default").names("fr")
    render(OrderResult(outcome, "closed", False, tmp_path, None), "fr", names)
    # « [Paiement] » was read as console markup, and printed as nothing.
    assert "[Paiement]" in capsys.readouterr().out
