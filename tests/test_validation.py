"""One wording for a value of the wrong kind, whichever file held it (issue #26): a rules file
(TOML) and a scenario (YAML) say the same « expected … » for the same mistake, each with its
file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.rules import load_rules
from preflight.scenario import loads

RULES = (
    '[order]\nentry = ["http://a.test/*"]\nmerchant = ["http://x.test/*"]\n'
    '[merchant_session]\ndomains = ["x"]\naccount_url = {value}\n'
)
SCENARIO = "name: s\nsteps:\n  - goto: /a\n  - {step}\nexpect: {{verdict: lost}}\n"


def _rules_error(tmp_path: Path, value: str) -> InputError:
    path = tmp_path / "r.toml"
    path.write_text(RULES.format(value=value), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rules(path)
    assert f"{path}:6" in str(caught.value) and "merchant_session.account_url" in str(caught.value)
    return caught.value


def _scenario_error(step: str) -> InputError:
    with pytest.raises(InputError) as caught:
        loads(SCENARIO.format(step=step), file="s.yaml")
    assert "s.yaml:4" in str(caught.value), caught.value
    return caught.value


def test_a_number_where_text_goes_reads_the_same_in_rules_and_scenarios(tmp_path: Path) -> None:
    assert _rules_error(tmp_path, "3").expected == "text (quote it)"
    assert _scenario_error("fill: {selector: '#a', value: [3]}").expected == "text (quote it)"


def test_numbers_and_their_bounds_are_said_in_words() -> None:
    assert _scenario_error("click: {selector: '#a', click_count: x}").expected == "a whole number"
    assert _scenario_error("click: {selector: '#a', click_count: 7}").expected == "at most 3"
    assert _scenario_error("click: {selector: '#a', click_count: 0}").expected == "at least 1"
