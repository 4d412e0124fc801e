"""When SFR should validate an order (seed section 3, DESIGN R11), in French business days.

« Les commandes de la Fibre sont validées dans les 3 jours ouvrables après passage de la
commande. Les commandes de l'ADSL sont validées dans les 25 jours ouvrables ». The seed says
nothing about mobile orders, so no date is computed for them.

Business days here are Monday to Friday minus French public holidays (the `holidays` library,
metropolitan France). Strictly, French law's « jours ouvrables » also count Saturdays; counting
them would announce an earlier date. Skipping Saturdays gives the later of the two readings, so
a seller is never told to worry before SFR's own deadline has passed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import holidays
from pydantic import BaseModel

OrderKind = Literal["fibre", "adsl", "mobile"]
VALIDATION_BUSINESS_DAYS: dict[str, int] = {"fibre": 3, "adsl": 25}  # SFR's (the seed)

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}


class Validation(BaseModel):
    """What the report says about validation: which kind of order, how long, until when."""

    kind: OrderKind | None
    business_days: int | None = None
    expected_date: date | None = None


def _plain(text: str) -> str:
    """Lower case without accents, so « Février » and « fevrier » read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def order_kind(order_type: str | None) -> OrderKind | None:
    """The kind of order from the type shown on the confirmation page (« Fibre », « ADSL »…)."""
    if not order_type:
        return None
    words = set(re.findall(r"[a-z0-9]+", _plain(order_type)))
    if words & {"fibre", "fiber", "ftth", "thd"}:
        return "fibre"
    if "adsl" in words:
        return "adsl"
    if words & {"mobile", "sim", "forfait", "5g", "4g"}:
        return "mobile"
    return None


def parse_order_date(text: str | None) -> date | None:
    """A date as shop pages write it: ISO (2026-11-27[T…]), 27/11/2026, 27-11-2026 or
    « 27 novembre 2026 » (with or without a weekday). None when it is none of these."""
    if not text:
        return None
    value = text.strip()
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        pass
    match = re.search(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b", value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _date_or_none(year, month, day)
    match = re.search(r"\b(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})\b", _plain(value))
    if match and match.group(2) in _MONTHS:
        return _date_or_none(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    return None


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _french_holidays() -> holidays.HolidayBase:
    # Metropolitan France; the calendar extends itself to any year asked for.
    return holidays.country_holidays("FR")


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays()


def add_business_days(start: date, days: int) -> date:
    """The `days`-th French business day after `start` (the start day itself never counts)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def expected_validation(
    order_type: str | None,
    order_date: date | None,
    business_days: Mapping[str, int] = VALIDATION_BUSINESS_DAYS,
) -> Validation:
    """The merchant's validation deadline for an order of `order_type` passed on `order_date`,
    `business_days` by kind of order (the rules' `shop.validation_business_days`; SFR's)."""
    kind = order_kind(order_type)
    if kind is None or kind not in business_days:
        return Validation(kind=kind)
    days = business_days[kind]
    expected = add_business_days(order_date, days) if order_date else None
    return Validation(kind=kind, business_days=days, expected_date=expected)
