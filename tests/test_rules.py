from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import RulesError
from preflight.globs import url_matches
from preflight.rules import load_rules


def test_builtin_rules_load_and_match_their_own_sites() -> None:
    sfr = load_rules("default")
    assert sfr.is_entry("https://www.myacn.eu/fr/boutique/sfr?ei=123")
    assert sfr.is_merchant("https://boutique.sfr.fr/offre/fibre")
    assert not sfr.is_merchant("https://www.myacn.eu/sfr")
    demo = load_rules("demo", variables={"DEMO_PORT": 4321})
    assert demo.merchant_session.account_url == "http://localhost:4321/sfr/mon-espace-client/"
    assert demo.is_entry("http://127.0.0.1:4321/acn/go/fibre?ei=EI-1")
    assert demo.is_customer_service_url("tel:1023")


def test_glob_star_spans_path_segments_and_other_characters_are_literal() -> None:
    assert url_matches("https://a.sfr.fr/x/y/z", ["https://*.sfr.fr/*"])
    assert not url_matches("https://a.sfr.fr.evil.com/", ["https://*.sfr.fr/*"])
    assert url_matches("http://x/[a]", ["http://x/[a]"])


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text('[order]\nentry = ["a"\n', encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(bad)
    assert str(bad) in str(caught.value)
    assert "TOML" in str(caught.value)


def test_wrong_type_names_the_key_and_what_was_expected(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        '[order]\nentry = "not a list"\nmerchant = ["http://x.test/*"]\n'
        '[merchant_session]\ndomains = ["x"]\naccount_url = "http://x/"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as caught:
        load_rules(bad)
    message = str(caught.value)
    assert f"{bad}:2" in message and "order.entry" in message and "a list" in message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        '[order]\nentry = ["http://a.test/*"]\nmerchant = ["http://x.test/*"]\nmerchnat = []\n'
        '[merchant_session]\ndomains = ["x"]\naccount_url = "http://x/"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match="merchnat"):
        load_rules(bad)


def test_missing_file_and_non_utf8_are_clear(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no such file"):
        load_rules(tmp_path / "nope.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes("name = 'é'\n".encode("latin-1"))
    with pytest.raises(RulesError, match="UTF-8"):
        load_rules(latin)


def test_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        '[order]\nentry = ["${NOPE}/a"]\nmerchant = ["http://x.test/*"]\n'
        '[merchant_session]\ndomains = ["x"]\naccount_url = "http://x/"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match=r"\$\{NOPE\}"):
        load_rules(bad)
