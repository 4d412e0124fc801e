"""What `report.json` holds: the `Report` model, and its one loader.

Paths inside a report (screenshots, support bundle) are relative to the report folder, so a
folder can be moved, renamed or zipped and sent without breaking its links.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from preflight._validation import dotted
from preflight.errors import ReportError
from preflight.i18n import Lang, shop_names
from preflight.watch.events import CoverageGap, ReasonKind, Verdict, Violation, Warning

# How a seller's order ended (`preflight.report.advice`); a replay's report has none.
Ending = Literal["confirmed", "order_later", "not_placed", "lost", "at_risk"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesRef(_Model):
    """Which rules judged the order, and the names its report gives the shop (`[shop]`); a
    report written before they were kept is an ACN × SFR one."""

    name: str
    source: str = ""
    merchant_name: str = "SFR"
    affiliate_name: str = "ACN"
    order_later: list[str] = ["Commander plus tard"]
    validation_business_days: dict[str, int] = {"fibre": 3, "adsl": 25}

    def names(self, lang: Lang) -> dict[str, str]:
        return shop_names(self.merchant_name, self.affiliate_name, self.order_later, lang)


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
    # How the seller's order ended (`preflight order` only): what its words and exit code say.
    ending: Ending | None = None
    incomplete: bool
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    browser: dict[str, str] = {}
    # The ACN link's seller id (`ei=`): whose order this is (issue #24).
    seller: str | None = None
    rules: RulesRef
    entry_seen: bool = False
    # The verdict in words (English), what kind of reason it is, whether the order got to its
    # end, and the rules keys whose URL globs matched nothing during the run.
    reason: str | None = None
    reason_kind: ReasonKind | None = None
    merchant_seen: bool = False
    completed: bool = False
    coverage: list[CoverageGap] = []
    violations: list[Violation] = []
    warnings: list[Warning] = []
    order: OrderReport | None = None
    events: int = 0
    # The hash of the events log's last line (`preflight.report.chain`): lines removed from its
    # end show; None for a log without events or one written before the chain.
    chain_head: str | None = None
    # Page loads that failed during the order (network lost; issue #23).
    load_failures: int = 0
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
        where = dotted(first["loc"]) or "the file"
        raise ReportError(f"{path}: not a preflight report ({where}: {first['msg']})") from None
