"""What `report.json` holds: the `Report` model, and its one loader.

Paths inside a report (screenshots, support bundle) are relative to the report folder, so a
folder can be moved, renamed or zipped and sent without breaking its links.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from preflight.errors import ReportError
from preflight.watch.events import Verdict, Violation, Warning


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesRef(_Model):
    """Which rules judged the order."""

    name: str
    source: str = ""


class OrderReport(_Model):
    """The order as the confirmation page showed it, and when SFR should validate it."""

    number: str | None = None
    type: str | None = None
    date: str | None = None
    expected_validation_date: dt.date | None = None
    validation_business_days: int | None = None


class ScreenshotRecord(_Model):
    """One screenshot asked for an event; `path` is None when none could be taken (`reason`)."""

    event_seq: int
    at: dt.datetime
    path: str | None = None
    reason: str | None = None
    masked: list[str] = []


class Report(_Model):
    verdict: Verdict | None  # None: the watch stopped before a verdict was reached
    incomplete: bool
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    browser: dict[str, str] = {}
    rules: RulesRef
    entry_seen: bool = False
    violations: list[Violation] = []
    warnings: list[Warning] = []
    order: OrderReport | None = None
    events: int = 0
    screenshots: list[ScreenshotRecord] = []
    support_bundle: str | None = None


def load_report(folder: str | Path) -> Report:
    """The `report.json` of a report folder, validated."""
    path = Path(folder) / "report.json"
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as error:
        raise ReportError(f"{path}: cannot be read ({error.strerror})") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ReportError(f"{path}: not a preflight report ({where}: {first['msg']})") from None
