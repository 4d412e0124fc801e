"""SFR's validation deadline in French business days (seed section 3, R11)."""

from __future__ import annotations

from datetime import date

import pytest

from preflight.report.dates import (
    add_business_days,
    expected_validation,
    is_business_day,
    order_kind,
    parse_order_date,
)


def test_a_fibre_order_on_the_friday_before_easter_monday_skips_weekend_and_holiday() -> None:
    # Friday 26 March 2027; Monday 29 March 2027 is Easter Monday.
    assert add_business_days(date(2027, 3, 26), 3) == date(2027, 4, 1)


def test_a_fibre_order_on_the_friday_before_whit_monday_skips_it() -> None:
    # Monday 25 May 2026 is Lundi de Pentecôte, a public holiday in France.
    assert add_business_days(date(2026, 5, 22), 3) == date(2026, 5, 28)


def test_a_holiday_on_a_weekday_in_the_middle_of_the_count_is_skipped() -> None:
    # Monday 11 May 2026: Tuesday 12, Wednesday 13, Thursday 14 = Ascension (holiday) → Friday 15.
    assert add_business_days(date(2026, 5, 11), 3) == date(2026, 5, 15)


def test_an_adsl_order_counts_25_business_days_across_christmas_and_new_year() -> None:
    # From Friday 18 December 2026: 25 and 1 January are holidays, weekends skipped.
    assert add_business_days(date(2026, 12, 18), 25) == date(2027, 1, 26)


def test_an_order_on_a_saturday_starts_counting_on_monday() -> None:
    assert add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)


def test_the_order_day_itself_never_counts() -> None:
    assert add_business_days(date(2026, 11, 23), 0) == date(2026, 11, 23)
    assert add_business_days(date(2026, 11, 23), 1) == date(2026, 11, 24)


def test_holidays_and_weekends_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 7, 14))  # Fête nationale, a Tuesday
    assert not is_business_day(date(2026, 11, 28))  # a Saturday
    assert is_business_day(date(2026, 11, 27))


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        add_business_days(date(2026, 11, 27), -1)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Fibre", "fibre"),
        ("Box 8 Fibre Power", "fibre"),
        ("FTTH", "fibre"),
        ("ADSL", "adsl"),
        ("Box ADSL", "adsl"),
        ("Forfait mobile 100 Go", "mobile"),
        ("Carte SIM", "mobile"),
        ("Télévision", None),
        ("", None),
        (None, None),
    ],
)
def test_the_order_kind_is_read_from_the_type_shown(text: str | None, kind: str | None) -> None:
    assert order_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27", date(2026, 11, 27)),
        ("2026-11-27T14:03:12+01:00", date(2026, 11, 27)),
        ("27/11/2026", date(2026, 11, 27)),
        ("Commande du 27-11-2026", date(2026, 11, 27)),
        ("27 novembre 2026", date(2026, 11, 27)),
        ("vendredi 1er mai 2026", date(2026, 5, 1)),
        ("3 Février 2027", date(2027, 2, 3)),
        ("31/02/2026", None),
        ("demain", None),
        ("", None),
        (None, None),
    ],
)
def test_order_dates_are_read_as_shops_write_them(text: str | None, expected: date | None) -> None:
    assert parse_order_date(text) == expected


def test_fibre_is_validated_within_3_business_days_and_adsl_within_25() -> None:
    fibre = expected_validation("Fibre", date(2026, 11, 27))
    assert (fibre.kind, fibre.business_days, fibre.expected_date) == ("fibre", 3, date(2026, 12, 2))
    adsl = expected_validation("ADSL", date(2026, 11, 27))
    # 5 weeks of 5 days would be 1 January; Christmas and New Year's Day push it 2 days on.
    assert (adsl.business_days, adsl.expected_date) == (25, date(2027, 1, 5))


def test_mobile_orders_get_no_invented_delay() -> None:
    mobile = expected_validation("Mobile", date(2026, 11, 27))
    assert (mobile.kind, mobile.business_days, mobile.expected_date) == ("mobile", None, None)


def test_a_known_kind_without_a_date_keeps_the_delay_but_no_date() -> None:
    fibre = expected_validation("Fibre", None)
    assert (fibre.business_days, fibre.expected_date) == (3, None)
