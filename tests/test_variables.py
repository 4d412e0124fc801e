"""`NAME=VALUE` is parsed once for `--var` and `--preflight-var` (issue #26): one rule for a
name, the last value of a name wins, one message naming the option for a bad item."""

from __future__ import annotations

import pytest

from preflight.errors import UsageError
from preflight.variables import parse_assignments


def test_the_last_value_of_a_name_wins_and_a_value_may_hold_equals_signs() -> None:
    given = ["A=1", "_b2=x=y", "A=", "URL=https://a.test/?q=1"]
    assert parse_assignments(given, "--var") == {
        "A": "",
        "_b2": "x=y",
        "URL": "https://a.test/?q=1",
    }


@pytest.mark.parametrize("item", ["NOVALUE", "=1", "2A=1", "A-B=1", "A B=1"])
@pytest.mark.parametrize("option", ["--var", "--preflight-var"])
def test_a_bad_item_names_its_option_and_what_was_expected(option: str, item: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_assignments(["OK=1", item], option)
    assert str(caught.value) == f"{option} {item!r}: expected NAME=VALUE"
