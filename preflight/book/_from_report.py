"""What the book takes from a report folder: the one reading shared by the end of a watched
order and by `rebuild` (the reports are the source of truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from preflight.report.models import Report
from preflight.report.writer import seller_of

__all__ = ["browser_of", "report_values", "seller_of"]


def browser_of(info: dict[str, str]) -> str:
    return " ".join(part for part in (info.get("family", ""), info.get("version", "")) if part)


def report_values(report: Report, folder: Path) -> dict[str, Any]:
    """The book's columns for a report (its end: verdict, order, validation date…)."""
    order = report.order
    values: dict[str, Any] = {
        "browser": browser_of(report.browser),
        "seller": report.seller,
        "ending": report.ending,
        "verdict": report.verdict,
        "reason": report.reason_kind if report.reason_kind != "clean" else None,
        "violations": [v.kind for v in report.violations],
        "incomplete": report.incomplete,
        "folder": folder,
        "ended_at": report.ended_at,
    }
    if order is not None:
        values.update(
            number=order.number,
            type=order.type,
            order_date=order.date,
            validation_due=order.expected_validation_date,
        )
    return values
