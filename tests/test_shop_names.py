"""Another shop's rules give a check, an order and reports that speak of that shop (issue 14):
the merchant's and the affiliate's names and the seller's checklist come from `[shop]`, a
violation is said with its step and its page, and `replay` writes its reports in the language
asked (`--lang`, else the locale, else French)."""

from __future__ import annotations

import builtins
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from preflight.check import manual_checks
from preflight.cli import _check
from preflight.demo_shop import DemoShop
from preflight.i18n import default_lang
from preflight.report import ReportWriter, load_report, recover
from preflight.report import support as support_bundle
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event, OrderInfo, Outcome, Violation, Warning

REPO = Path(__file__).resolve().parent.parent
DEMO_RULES = REPO / "preflight" / "demo_shop" / "demo_rules.toml"
# Words of the default shop that another shop's messages must never say.
FOREIGN = re.compile(r"sfr|acn|fibre", re.IGNORECASE)

OTHER_SHOP = """
[shop]
merchant_name = "Boutique Test"
affiliate_name = "Partenaire X"
validation_business_days = {}

[[shop.checklist]]
id = "conditions_lues"
question = { fr = "Avez-vous lu les conditions ?", en = "Have you read the terms?" }
done = { fr = "Conditions lues au client.", en = "Terms read to the customer." }
todo = { fr = "À faire : lire les conditions.", en = "To do: read the terms." }

[[shop.checklist]]
id = "telephone_client"
question = { fr = "Téléphone du client (vide : passer)", en = "Their phone (empty: skip)" }
done = { fr = "Téléphone du client donné.", en = "The customer's phone was given." }
todo = { fr = "À faire : demander le téléphone.", en = "To do: ask for the phone." }
answer = "french_phone"
"""


def other_shop_text() -> str:
    """The demo shop's rules, for a shop named otherwise: same pages, its own `[shop]`."""
    text = DEMO_RULES.read_text(encoding="utf-8")
    text = text.replace('name = "demo"', 'name = "boutique-test"')
    return text[: text.index("[shop]")] + OTHER_SHOP


@pytest.fixture
def other_rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "boutique-test.toml"
    path.write_text(other_shop_text(), encoding="utf-8")
    return path


@pytest.fixture
def other_rules(other_rules_file: Path) -> Rules:
    return load_rules(other_rules_file)


def ours(text: str) -> str:
    """What preflight itself wrote: tags, URLs and paths (the shop's own, `/sfr/…`) removed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\S*(?:/|localhost|127\.0\.0\.1)\S*", " ", text)


def _preflight(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=280,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        stdin=subprocess.DEVNULL,
    )


# What a command says of the rules' shop does not depend on the engine that ran it: said once,
# on Chromium (the check's and the order's browser work, on both engines, have tests of their own).
ONE_ENGINE = pytest.mark.only_browser("chromium")

# -- the rules --------------------------------------------------------------------------------


def test_the_default_rules_keep_the_seeds_names_and_checklist() -> None:
    for source in ("default", "demo"):
        shop = load_rules(source).shop
        assert (shop.merchant_name, shop.affiliate_name) == ("SFR", "ACN")
        assert [i.id for i in shop.checklist] == [
            "offers_explained",
            "installation_explained",
            "daytime_phone_given",
            "customer_computer",
        ]
    results = manual_checks(None, "fr", load_rules("default").shop.checklist)
    assert results[1].message == (
        "À faire : expliquer la procédure d'installation (Fibre en immeuble : accès au local "
        "technique, clé souvent chez le concierge). (non demandé)"
    )


def test_a_checklist_item_twice_or_without_english_is_one_clear_rules_error(
    tmp_path: Path,
) -> None:
    twice = other_shop_text().replace('id = "telephone_client"', 'id = "conditions_lues"')
    path = tmp_path / "twice.toml"
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(Exception, match="conditions_lues given twice"):
        load_rules(path)
    path.write_text(
        other_shop_text().replace(', en = "Terms read to the customer."', ""), encoding="utf-8"
    )
    with pytest.raises(Exception, match=r"shop\.checklist\.0\.done\.en"):
        load_rules(path)
    path.write_text(other_shop_text().replace("answer = ", "answr = "), encoding="utf-8")
    with pytest.raises(Exception, match="did you mean 'answer'"):
        load_rules(path)


# -- check ------------------------------------------------------------------------------------


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    typed: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda *a: typed.pop(0))
    yield typed


def test_the_checklist_asked_is_the_rules_one(
    answers: list[str], other_rules: Rules, capsys: pytest.CaptureFixture[str]
) -> None:
    answers += ["y", "12", "06 12 34 56 78"]
    manual = _check._ask("en", other_rules.shop.checklist)
    assert manual.answers == {"conditions_lues": True, "telephone_client": True}
    out = capsys.readouterr().out
    assert "Have you read the terms?" in out
    assert "Not a valid French number" in out
    assert not FOREIGN.search(out), out
    results = manual_checks(manual, "fr", other_rules.shop.checklist)
    assert [(r.id, r.status, r.message) for r in results] == [
        ("conditions_lues", "pass", "Conditions lues au client."),
        ("telephone_client", "pass", "Téléphone du client donné."),
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_check_of_a_user_agent_speaks_of_the_rules_shop(
    lang: str, other_rules_file: Path, tmp_path: Path
) -> None:
    safari = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4.1 Safari/605.1.15"
    )
    done = _preflight(
        "check", "--user-agent", safari, "--rules", str(other_rules_file), "--lang", lang,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Boutique Test" in done.stdout and "Partenaire X" in done.stdout
    # Each check named in words, the rules' own checklist question included (never its id).
    question = "Avez-vous lu les conditions ?" if lang == "fr" else "Have you read the terms?"
    assert question in done.stdout and "conditions_lues" not in done.stdout, done.stdout
    assert not FOREIGN.search(done.stdout + done.stderr), done.stdout


@ONE_ENGINE
def test_check_of_a_real_browser_says_no_session_of_the_rules_merchant(
    browser_name: str, demo_shop: DemoShop, other_rules_file: Path, tmp_path: Path
) -> None:
    env = {"PREFLIGHT_DEMO_PORT": str(demo_shop.port)}
    done = _preflight(
        "check", "--browser", browser_name, "--rules", str(other_rules_file), "--yes",
        "--lang", "en", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No Boutique Test session: a fresh profile" in done.stdout
    assert "Click the Partenaire X link." in done.stdout
    assert "To do: read the terms. (not asked)" in done.stdout
    assert not FOREIGN.search(ours(done.stdout + done.stderr)), done.stdout
    french = _preflight(
        "check", "--browser", browser_name, "--rules", str(other_rules_file), "--yes", "--json",
        "--lang", "fr", cwd=tmp_path, env=env,
    )  # fmt: skip
    checks = {c["id"]: c["message"] for c in json.loads(french.stdout)["checks"]}
    assert checks["merchant_session"].startswith("Aucune session Boutique Test : profil neuf")
    assert list(checks)[-2:] == ["conditions_lues", "telephone_client"]


# -- reports, without a browser ---------------------------------------------------------------

T0 = datetime(2026, 11, 27, 13, 3, 12, tzinfo=UTC)


def event(seq: int, kind: str = "navigation", **fields: object) -> Event:
    values: dict[str, object] = {
        "seq": seq,
        "kind": kind,
        "at": T0 + timedelta(seconds=seq),
        "url": f"http://boutique.test/commande/etape{seq}",
        "page": 1,
    }
    if kind == "navigation":
        values["nav"] = "navigate"
    values.update(fields)
    return Event.model_validate(values)


def local_time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def write(folder: Path, rules: Rules, events: list[Event], outcome: Outcome, lang: str) -> str:
    with ReportWriter(folder, rules, lang=lang) as writer:
        for item in events:
            writer.on_event(item)
        return html.unescape(writer.finish(outcome).read_text(encoding="utf-8"))


def lost_at(step: str | None) -> tuple[list[Event], Outcome]:
    reload = event(2, nav="reload", step=step)
    violation = Violation(
        kind="reload", url=reload.url, at=reload.at, step=step, event_seq=reload.seq
    )
    return [event(1, "acn_entry"), reload], Outcome(
        verdict="lost", entry_seen=True, violations=[violation]
    )


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("fr", "Actualisation de la page à l'étape 6 (click) sur la page {url}, à {time}"),
        ("en", "Page refresh at step 6 (click) on the page {url}, at {time}"),
    ],
)
def test_a_violation_is_said_at_its_step_on_its_page(
    lang: str, sentence: str, tmp_path: Path
) -> None:
    events, outcome = lost_at("6 click")
    text = write(tmp_path / "r", load_rules("demo"), events, outcome, lang)
    expected = sentence.format(url="boutique.test/commande/etape2", time=local_time(events[1].at))
    assert f"<li>{expected}</li>" in text
    assert "page 6" not in text and "page 6 click" not in text
    # The timeline's page column is the page; the step is said under what happened.
    step = "étape 6 (click)" if lang == "fr" else "step 6 (click)"
    assert f'<div class="muted">{step}</div>' in text


def test_a_named_step_is_said_by_its_name(tmp_path: Path) -> None:
    events, outcome = lost_at("actualiser-ici")
    text = write(tmp_path / "r", load_rules("demo"), events, outcome, "fr")
    assert "Actualisation de la page à l'étape « actualiser-ici » sur la page" in text
    events, outcome = lost_at(None)  # an order a person drives has no steps
    text = write(tmp_path / "r2", load_rules("demo"), events, outcome, "en")
    assert "Page refresh on the page boutique.test/commande/etape2, at" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_report_of_another_shop_names_that_shop_only(
    lang: str, other_rules: Rules, tmp_path: Path
) -> None:
    pay = event(3, "payment_reached")
    late = Warning(kind="payment_without_order_later", url=pay.url, at=pay.at, event_seq=3)
    events, lost = lost_at("6 click")
    cases = {
        "lost": (events, lost),
        "at_risk": (
            [event(1, "acn_entry"), pay],
            Outcome(verdict="at_risk", entry_seen=True, warnings=[late]),
        ),
        "no_entry": (
            [event(1)],
            Outcome(verdict="at_risk", entry_seen=False, reason_kind="no_entry"),
        ),
        "no_merchant": (
            [event(1, "acn_entry")],
            Outcome(verdict="at_risk", entry_seen=True, reason_kind="no_merchant"),
        ),
        "attributed": (
            [event(1, "acn_entry"), event(4, "merchant_reached"), event(5, "confirmation")],
            Outcome(
                verdict="attributed",
                entry_seen=True,
                order=OrderInfo(number="BT-42", type="Abonnement", date="27/11/2026"),
            ),
        ),
    }
    for name, (seen, outcome) in cases.items():
        text = write(tmp_path / name, other_rules, seen, outcome, lang)
        assert "Partenaire X" in text or "Boutique Test" in text, name
        assert not FOREIGN.search(ours(text)), (name, FOREIGN.findall(ours(text)))
    attributed = ours((tmp_path / "attributed" / "report.html").read_text(encoding="utf-8"))
    assert "« Confirmation Boutique Test »" in attributed
    assert "validation" not in attributed.lower().replace("validation_", "")  # no delays given
    report = load_report(tmp_path / "lost")
    assert report.rules.merchant_name == "Boutique Test"
    assert report.rules.affiliate_name == "Partenaire X"
    # A report finished after a crash is rendered again from report.json: same names.
    recovered = html.unescape(recover(tmp_path / "lost", lang=lang).read_text(encoding="utf-8"))
    assert "Partenaire X" in recovered and not FOREIGN.search(ours(recovered))


def test_the_reasons_in_report_json_name_the_rules_affiliate(other_rules: Rules) -> None:
    from preflight.watch._judge import Judge

    judge = Judge(other_rules)
    judge.judge(event(1), on_merchant=True)
    reason = judge.outcome().reason or ""
    assert "Partenaire X entry page was never seen" in reason and not FOREIGN.search(reason)
    default = Judge(load_rules("demo"))
    assert "the ACN entry page was never seen" in (default.outcome().reason or "")


def test_the_help_desk_message_names_the_rules_shop() -> None:
    attempt = support_bundle.Attempt(
        number=1, at=T0, url="", address=None, phone=None, error_text=None, screenshot=None
    )
    bundle = support_bundle.SupportBundle(attempts=[attempt])
    other = support_bundle.message(bundle, "Boutique Test", "Partenaire X")
    assert "Test d'éligibilité Boutique Test en échec" in other
    assert "Numéro d'entreprise Partenaire X" in other and not FOREIGN.search(other)
    assert "Test d'éligibilité SFR en échec" in support_bundle.message(bundle)


# -- the language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "POSIX"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "fr_CA.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "C"}, "en"),
    ],
)
def test_the_default_language_is_the_locales_else_french(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_lang() == expected


SCENARIO = """\
name: refresh-here
description: a refresh on the eligibility page
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - expect_url: "*/sfr/offre/*"
  - click: "#tester-eligibilite"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - click: "#tester"
  - expect_text: {text: "Éligible", selector: "#resultat"}
  - reload
  - wait_for: "#resultat"
expect: {verdict: lost, violations: [reload]}
"""


def _replay_report(
    browser_name: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    (tmp_path / "refresh.yaml").write_text(SCENARIO, encoding="utf-8")
    reports = tmp_path / "reports"
    done = _preflight(
        "replay", "refresh.yaml", "--browser", browser_name, "--report", str(reports), *args,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    page = reports / f"refresh-here-{browser_name}" / "report.html"
    return done, page.read_text(encoding="utf-8")


@ONE_ENGINE
def test_replay_lang_en_writes_an_english_report_of_the_rules_shop(
    browser_name: str, other_rules_file: Path, tmp_path: Path
) -> None:
    done, page = _replay_report(
        browser_name, tmp_path, "--rules", str(other_rules_file), "--lang", "en",
        env={"LANG": "fr_FR.UTF-8"},  # the option wins over the locale
    )  # fmt: skip
    text = ours(page)
    assert '<html lang="en">' in page
    assert "Order lost: Page refresh at step 8 (reload) on the page" in text
    assert "Your Partenaire X session expired: the order goes to Boutique Test directly" in text
    assert not FOREIGN.search(text), FOREIGN.findall(text)
    assert not FOREIGN.search(ours(done.stdout + done.stderr)), done.stdout


@ONE_ENGINE
@pytest.mark.parametrize(
    ("locale", "lang", "headline"),
    [("en_GB.UTF-8", "en", "Order lost: Page refresh"), ("C.UTF-8", "fr", "Commande perdue")],
)
def test_replay_without_lang_writes_its_reports_in_the_locales_language(
    browser_name: str, locale: str, lang: str, headline: str, tmp_path: Path
) -> None:
    _, page = _replay_report(browser_name, tmp_path, env={"LANG": locale, "LC_ALL": ""})
    assert f'<html lang="{lang}">' in page and headline in ours(page)
    assert "ACN" in page  # the demo rules: the seed's names


@ONE_ENGINE
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_order_for_another_shop_speaks_of_it_on_screen_and_in_its_report(
    lang: str, browser_name: str, shop: DemoShop, other_rules_file: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    done = _preflight(
        "order", shop.link(), "--rules", str(other_rules_file), "--browser", browser_name,
        "--headless", "--timeout", "3", "--report", str(report), "--lang", lang,
        cwd=tmp_path, env={"PREFLIGHT_DEMO_PORT": str(shop.port)},
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr  # stopped by --timeout: not placed
    said = {
        "fr": ["Lien Partenaire X suivi", "Site de commande Boutique Test atteint"],
        "en": ["Partenaire X link followed", "Boutique Test order site reached"],
    }[lang]
    assert all(line in done.stdout for line in said), done.stdout
    assert not FOREIGN.search(ours(done.stdout + done.stderr)), done.stdout
    page = (report / "report.html").read_text(encoding="utf-8")
    # A watched order's steps are its pages' last path segments (« étape « fibre » »): the URL's.
    text = re.sub(r"(?:étape|step) « [a-z0-9_-]+ »", " ", ours(page))
    assert "Partenaire X" in page and not FOREIGN.search(text), FOREIGN.findall(text)
    reason = json.loads((report / "report.json").read_text(encoding="utf-8"))["reason"]
    assert "Partenaire X link" in reason and not FOREIGN.search(reason)
