"""Which orders a listing shows: the filters of `preflight orders` and « Mes commandes »."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from preflight.book._model import Order


def select(
    orders: Iterable[Order],
    *,
    todo: bool = False,
    lost: bool = False,
    overdue: bool = False,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> list[Order]:
    """The orders kept by every filter given (none: all), in the order given (newest first)."""
    kept = []
    for order in orders:
        if todo and not order.todo:
            continue
        if lost and order.ending != "lost":
            continue
        if overdue and order.status(today) != "overdue":
            continue
        if since is not None and order.started_at.astimezone().date() < since:
            continue
        kept.append(order)
    return kept
