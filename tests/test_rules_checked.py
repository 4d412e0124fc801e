"""Rules checked before any browser (issue #12): patterns that cannot silently match nothing,
unknown keys and placeholders that say what is known, `preflight rules show/check`, one
meaning for ${BASE_URL} and --var in every command, and verdicts that carry their reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
from inprocess import Ran, preflight

from preflight.errors import RulesError
from preflight.globs import normalise_glob
from preflight.rules import load_rules
from preflight.watch._judge import Judge
from preflight.watch.events import Event

MINIMAL = """\
[order]
entry = ["{entry}"]
merchant = ["{merchant}"]
[merchant_session]
domains = ["shop.test"]
account_url = "http://shop.test/account/"
[customer_service]
urls = ["{cs}"]
"""


def _rules(tmp_path: Path, text: str, **variables: str) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- patterns: an origin, a host or a path is read as what it means ------------------------


@pytest.mark.parametrize(
    ("written", "read", "matches", "does_not_match"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/*", "http://127.0.0.1:8000/basket/", "http://127.0.0.1:8001/"),
        ("https://shop.test/", "https://shop.test/*", "https://shop.test/a?b=1", "https://shop.test.evil/"),
        ("localhost:8000", "*://localhost:8000/*", "http://localhost:8000/x", "http://localhost:9000/x"),
        ("www.sfr.fr", "*://www.sfr.fr/*", "https://www.sfr.fr/offre", "https://boutique.sfr.fr/"),
        ("intranet:8080", "*://intranet:8080/*", "http://intranet:8080/sfr/", "http://intranet:8081/"),
        ("tel:1023", "tel:1023", "tel:1023", "tel:3900"),
        ("/contact/", "*://*/contact/", "http://shop.test/contact/", "http://shop.test/contact/x"),
        ("*/assistance/*", "*/assistance/*", "http://x/assistance/y", "http://x/aide/"),
        ("tel:*", "tel:*", "tel:1023", "http://tel/"),
    ],
)  # fmt: skip
def test_an_origin_a_host_or_a_path_is_read_as_the_pages_it_names(
    written: str, read: str, matches: str, does_not_match: str, tmp_path: Path
) -> None:
    assert normalise_glob(written) == read and normalise_glob(read) == read
    text = MINIMAL.format(entry="http://acn.test/go/*", merchant=written, cs=written)
    rules = load_rules(_rules(tmp_path, text))
    assert rules.order.merchant == [read] and rules.customer_service.urls == [read]
    assert rules.is_merchant(matches) and rules.is_customer_service_url(matches)
    assert not rules.is_merchant(does_not_match)
    if read != written:
        assert any(repr(written) in note and repr(read) in note for note in rules.notes)
    else:
        assert rules.notes == ()


@pytest.mark.parametrize("written", ["paiement", "intranet", "sfr-fr"])
def test_a_pattern_that_can_match_no_address_is_refused_with_the_globs_to_write(
    written: str, tmp_path: Path
) -> None:
    text = MINIMAL.format(entry="http://acn.test/go/*", merchant=written, cs="tel:*")
    with pytest.raises(RulesError) as caught:
        load_rules(_rules(tmp_path, text))
    message = str(caught.value)
    assert f"{written!r} matches no address" in message and "order.merchant" in message
    assert f"'*://{written}/*' for a host" in message and f"'*{written}*'" in message
    done = _preflight("rules", "check", str(_rules(tmp_path, text)))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{written!r} matches no address" in done.stderr


def test_rules_check_says_how_an_origin_and_a_path_are_read(tmp_path: Path) -> None:
    text = MINIMAL.format(
        entry="http://acn.test/go/*", merchant="http://127.0.0.1:8000", cs="/contact/"
    )
    done = _preflight("rules", "check", str(_rules(tmp_path, text)))
    assert done.returncode == 0, done.stderr
    assert (
        "order.merchant[0]: 'http://127.0.0.1:8000' is read as 'http://127.0.0.1:8000/*'"
        in done.stdout
    )
    assert "customer_service.urls[0]: '/contact/' is read as '*://*/contact/'" in done.stdout


# --- unknown keys and placeholders say what is known -------------------------------------------


def test_an_unknown_key_lists_the_keys_of_its_table_and_the_closest(tmp_path: Path) -> None:
    text = MINIMAL.format(
        entry="http://a.test/*", merchant="http://b.test/*", cs="http://c.test/*"
    ).replace('merchant = ["http://b.test/*"]', 'merchant = ["http://b.test/*"]\nmerchnt = ["b"]')
    with pytest.raises(RulesError) as caught:
        load_rules(_rules(tmp_path, text))
    message = str(caught.value)
    assert "unknown key 'merchnt' in table order (did you mean 'merchant'?)" in message
    assert "expected one of entry, merchant, session_param" in message
    assert ":4 " in message  # the line of the unknown key


def test_an_unknown_top_level_key_lists_the_top_level_keys(tmp_path: Path) -> None:
    text = "nmae = 'x'\n" + MINIMAL.format(
        entry="http://a.test/*", merchant="http://b.test/*", cs="http://c.test/*"
    )
    with pytest.raises(
        RulesError,
        match=r"unknown key 'nmae' at the top level \(did you mean 'name'\?\).*one of name, vars",
    ):
        load_rules(_rules(tmp_path, text))


def test_an_unknown_placeholder_says_none_are_defined_or_lists_the_defined_names(
    tmp_path: Path,
) -> None:
    text = MINIMAL.format(
        entry="${BASE_URL}/go/*", merchant="http://b.test/*", cs="http://c.test/*"
    )
    path = _rules(tmp_path, text)
    with pytest.raises(
        RulesError,
        match=r"unknown placeholder \$\{BASE_URL\} — expected a defined name, but none are defined",
    ):
        load_rules(path)
    with pytest.raises(
        RulesError, match=r"expected one of PORT \(give it with --var BASE_URL=VALUE"
    ):
        load_rules(path, variables={"PORT": "1"})
    assert load_rules(path, variables={"BASE_URL": "http://acn.test"}).order.entry == [
        "http://acn.test/go/*"
    ]


# --- one meaning for ${BASE_URL} and --var, in every command that reads rules ---------------


def _preflight(*args: str) -> Ran:
    return preflight(*args)  # in-process: usage and exit codes (tests/inprocess.py)


def test_base_url_in_the_rules_is_the_replay_base_url_as_under_pytest(tmp_path: Path) -> None:
    from preflight.scenario._runner import demo_or_given

    path = _rules(
        tmp_path,
        MINIMAL.format(entry="${BASE_URL}/go/*", merchant="${MERCHANT}/*", cs="http://c.test/*"),
    )
    with demo_or_given("http://acn.test", str(path), {"MERCHANT": "http://pay.test"}) as (
        _,
        rules,
        values,
    ):
        assert rules.order.entry == ["http://acn.test/go/*"]
        assert rules.order.merchant == ["http://pay.test/*"]
        assert values["BASE_URL"] == "http://acn.test"


_FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"


@pytest.mark.parametrize(
    "command",
    [
        ["record", "ftp://not-a-shop", "-o", "OUT", "--base-url", "http://acn.test"],
        ["order", "ftp://not-a-link", "--no-check"],
        ["check", "--user-agent", _FIREFOX_UA, "--yes"],
        ["import-recording", "MISSING.json", "-o", "-"],
        ["rules", "check"],
        ["rules", "show"],
    ],
    ids=["record", "order", "check", "import-recording", "rules-check", "rules-show"],
)  # fmt: skip
def test_every_command_that_reads_rules_takes_var_and_refuses_an_undefined_name(
    command: list[str], tmp_path: Path
) -> None:
    path = _rules(
        tmp_path,
        MINIMAL.format(entry="http://acn.test/go/*", merchant="${SHOP}/*", cs="http://c.test/*"),
    )
    command = [str(tmp_path / "out.yaml") if part == "OUT" else part for part in command]
    rules = [str(path)] if command[0] == "rules" else ["--rules", str(path)]
    without = _preflight(*command, *rules)
    assert without.returncode == 2
    assert "unknown placeholder ${SHOP}" in without.stderr and "--var SHOP=VALUE" in without.stderr
    given = _preflight(*command, *rules, "--var", "SHOP=http://pay.test")
    assert "unknown placeholder" not in given.stderr, given.stderr
    assert "Traceback" not in given.stderr


# --- verdicts carry their reason; nothing counts after the confirmation ------------------------


def _event(seq: int, kind: str, url: str = "http://localhost:1/sfr/x", **fields: object) -> Event:
    return Event(seq=seq, kind=kind, url=url, **fields)


def test_a_run_without_the_acn_entry_is_at_risk_and_says_so() -> None:
    outcome = Judge(load_rules("demo")).outcome()
    assert outcome.verdict == "at_risk" and outcome.reason_kind == "no_entry"
    assert outcome.reason.startswith("the ACN entry page was never seen")
    assert outcome.coverage[0].key == "order.entry"
    assert outcome.coverage[0].message.startswith(
        "order.entry: never seen (no URL of this run matched"
    )


def test_attributed_needs_a_merchant_page_inside_the_session() -> None:
    judge = Judge(load_rules("demo", variables={"DEMO_PORT": "1"}))
    judge.judge(_event(1, "acn_entry", "http://127.0.0.1:1/acn/go/fibre"), on_merchant=False)
    judge.judge(
        _event(2, "navigation", "http://127.0.0.1:1/acn/boutique", nav="navigate"),
        on_merchant=False,
    )
    outcome = judge.outcome()
    assert outcome.verdict == "at_risk" and outcome.reason_kind == "no_merchant"
    assert "no merchant page was seen inside the ACN session" in outcome.reason
    gaps = {gap.key: gap.message for gap in outcome.coverage}
    assert gaps["order.merchant"] == (
        "order.merchant: no page of this run matched `http://localhost:*/sfr/*`, "
        "`http://localhost:*/app/*`, `http://localhost:*/react/*`"
    )
    assert gaps["customer_service.urls"] == (
        "customer_service.urls: matched nothing (2 patterns: `*/assistance/*`, `tel:*`)"
    )
    assert "order.entry" not in gaps
    judge.judge(
        _event(3, "navigation", "http://localhost:1/sfr/offre/fibre", nav="navigate"),
        on_merchant=True,
    )
    outcome = judge.outcome()
    assert outcome.verdict == "attributed" and outcome.reason_kind == "clean"
    assert "order.merchant" not in {gap.key for gap in outcome.coverage}
    assert not outcome.completed


def test_after_the_confirmation_no_click_or_history_move_ends_the_session() -> None:
    judge = Judge()
    judge.judge(_event(1, "acn_entry"), on_merchant=False)
    judge.judge(_event(2, "navigation", nav="navigate"), on_merchant=True)
    judge.judge(_event(3, "confirmation", detail={"number": "SFR-1"}), on_merchant=True)
    click = _event(4, "customer_service", detail={"how": "text", "match": "Service client"})
    assert judge.judge(click, on_merchant=True) is None
    page = _event(5, "customer_service", at=click.at + timedelta(minutes=1), detail={"how": "page"})
    assert judge.judge(page, on_merchant=True) is None
    assert judge.judge(_event(6, "navigation", nav="reload"), on_merchant=True) is None
    outcome = judge.outcome()
    assert outcome.verdict == "attributed" and outcome.completed
    assert outcome.reason.endswith("the order was confirmed")


def test_a_customer_service_click_before_the_confirmation_still_ends_it() -> None:
    judge = Judge()
    judge.judge(_event(1, "acn_entry"), on_merchant=False)
    click = _event(2, "customer_service", detail={"how": "text", "match": "Service client"})
    assert judge.judge(click, on_merchant=True) is not None
    outcome = judge.outcome()
    assert (
        outcome.verdict == "lost" and outcome.reason == "customer service was used during the order"
    )


def test_a_customer_service_link_counts_for_the_coverage_of_its_url_patterns() -> None:
    judge = Judge(load_rules("demo"))
    judge.judge(
        _event(1, "customer_service", detail={"how": "url", "match": "tel:1023"}), on_merchant=True
    )
    assert "customer_service.urls" not in {gap.key for gap in judge.outcome().coverage}


# --- reasons in report.json and report.html ----------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words", "gap"),
    [
        ("fr", "la page d'entrée ACN n'a jamais été vue", "order.entry : jamais vue (aucune"),
        ("en", "the ACN entry page was never seen", "order.entry: never seen (no URL of this run"),
    ],
)  # fmt: skip
def test_the_report_says_why_an_order_without_the_acn_entry_is_at_risk(
    lang: Literal["fr", "en"], words: str, gap: str, tmp_path: Path
) -> None:
    import json

    from preflight.report import ReportWriter

    writer = ReportWriter(tmp_path / "r", load_rules("demo"), lang=lang)
    html = writer.finish(Judge(load_rules("demo")).outcome())
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "at_risk" and report["reason_kind"] == "no_entry"
    assert report["reason"].startswith("the ACN entry page was never seen")
    assert report["coverage"][0]["key"] == "order.entry"
    page = Path(html).read_text(encoding="utf-8")
    assert words in page.replace("&#39;", "'") and ": —" not in page
    assert gap in page.replace("&#39;", "'")


def test_base_url_is_the_base_url_of_record_order_and_rules_check(tmp_path: Path) -> None:
    path = _rules(
        tmp_path,
        MINIMAL.format(entry="${BASE_URL}/go/*", merchant="http://b.test/*", cs="http://c.test/*"),
    )
    out = str(tmp_path / "out.yaml")
    for command in (
        ["record", "ftp://not-a-shop", "-o", out, "--base-url", "http://acn.test"],
        ["order", "ftp://not-a-link", "--no-check"],
    ):
        done = _preflight(*command, "--rules", str(path))
        assert done.returncode == 2 and "unknown placeholder" not in done.stderr, done.stderr
        assert "ftp://not-a" in done.stderr  # it got past the rules, to the address
    checked = _preflight("rules", "check", str(path), "--base-url", "http://acn.test")
    assert checked.returncode == 0 and "order.entry: http://acn.test/go/*" in checked.stdout


def test_rules_show_writes_a_commented_file_that_loads_back_as_the_same_rules(
    tmp_path: Path,
) -> None:
    from preflight.rules_doc import annotated, keys

    for source in ("default", "demo"):
        text = annotated(source)
        path = tmp_path / f"{source}.toml"
        path.write_text(text, encoding="utf-8")
        assert load_rules(path).model_dump() == load_rules(source).model_dump()
        for _table, name, info in keys():
            words = " ".join(word for word in text.split() if word != "#")
            assert info.description and info.description in words, name
    assert "${DEMO_PORT}" in annotated("demo")  # placeholders kept as written
    origin = _rules(
        tmp_path,
        MINIMAL.format(
            entry="http://a.test/*", merchant="http://127.0.0.1:8000", cs="http://c.test/*"
        ),
    )
    shown = _preflight("rules", "show", str(origin))
    assert shown.returncode == 0
    assert "# note: order.merchant[0]: 'http://127.0.0.1:8000' is read as" in shown.stdout


# --- traps: valid rules that judge wrong (issue #27) ---------------------------------------------


def test_rules_check_warns_of_payment_without_order_later_no_service_rule_a_lost_confirmation(
    tmp_path: Path,
) -> None:
    text = MINIMAL.format(
        entry="http://acn.test/go/*", merchant="http://shop.test/*", cs="/contact/"
    ).replace('urls = ["/contact/"]', "")
    text = text.replace(
        'merchant = ["http://shop.test/*"]',
        'merchant = ["http://shop.test/*"]\npayment = ["http://shop.test/pay*"]\n'
        'confirmation = ["http://other.test/thanks*", "http://shop.test/thanks*"]',
    )
    done = _preflight("rules", "check", str(_rules(tmp_path, text)))
    assert done.returncode == 0, done.stderr  # valid: warned, not refused
    out = " ".join(done.stdout.split())
    assert "warning: order.payment is set but order.order_later is empty" in out
    assert "warning: customer_service has no selectors, texts or urls" in out
    assert "order.confirmation[0] 'http://other.test/thanks*' is not on the merchant's site" in out
    assert "confirmation[1]" not in out
    assert load_rules("demo", variables={"PORT": "1"}).traps() == []
    assert load_rules("default").traps() == []


def test_a_mistyped_required_key_is_named_as_the_typo_not_as_the_missing_key(
    tmp_path: Path,
) -> None:
    # docs/commands.md's example: `merchnt` for `merchant` in [order] (issue #27).
    text = MINIMAL.format(entry="http://acn.test/go/*", merchant="http://shop.test/*", cs="/c/")
    with pytest.raises(RulesError) as caught:
        load_rules(_rules(tmp_path, text.replace("merchant =", "merchnt =")))
    assert "unknown key 'merchnt' in table order (did you mean 'merchant'?)" in str(caught.value)
