"""`Order`: one row of the book, and what is left to do about it (`status`).

The verdict is the order's ending (`preflight.report.advice.Ending`); the status is where the
order stands now, from the ending, the seller's marks and today's date:

    running        the watch is going on (its process is alive)
    unfinished     the watch never ended (killed, crashed, power cut): see its report
    lost           the ACN session ended: no commission for it
    not_placed     stopped before the confirmation or « Commander plus tard »
    at_risk        placed with a warning (a payment on the spot…), not marked attributed
    to_attribute   confirmed or « Commander plus tard »: send SFR's confirmation form
    overdue        attributed, not validated, and its validation date has passed
    waiting        attributed, waiting for SFR's validation
    validated      validated by SFR
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

Status = Literal[
    "running",
    "unfinished",
    "lost",
    "not_placed",
    "at_risk",
    "to_attribute",
    "overdue",
    "waiting",
    "validated",
]
STATUSES: tuple[Status, ...] = get_args(Status)  # the one list, in the Literal's order
# The endings of an order the seller attributes (`--todo`).
TO_ATTRIBUTE = ("confirmed", "order_later")


@dataclass(frozen=True)
class Order:
    id: int
    run: str
    started_at: dt.datetime
    folder: Path
    ended_at: dt.datetime | None = None
    pid: int | None = None
    host: str | None = None
    browser: str = ""
    seller: str | None = None
    steps: Sequence[str] = ()
    ending: str | None = None
    verdict: str | None = None
    reason: str | None = None
    violations: Sequence[str] = ()
    number: str | None = None
    type: str | None = None
    order_date: str | None = None
    validation_due: dt.date | None = None
    incomplete: bool = True
    attributed_on: dt.date | None = None
    validated_on: dt.date | None = None
    installation_on: dt.date | None = None
    sim_activated_on: dt.date | None = None
    customer: str | None = None

    @property
    def running(self) -> bool:
        """Still being watched: not ended, and its process alive on this machine."""
        if self.ended_at is not None:
            return False
        return self.host == socket.gethostname() and self.pid is not None and _alive(self.pid)

    def status(self, today: dt.date | None = None) -> Status:
        today = today or dt.date.today()
        if self.ended_at is None:
            return "running" if self.running else "unfinished"
        if self.ending == "lost":
            return "lost"
        if self.ending == "not_placed" or self.ending is None:
            return "not_placed"
        if self.attributed_on is None:
            return "to_attribute" if self.ending in TO_ATTRIBUTE else "at_risk"
        if self.validated_on is not None:
            return "validated"
        if self.validation_due is not None and self.validation_due < today:
            return "overdue"
        return "waiting"

    @property
    def todo(self) -> bool:
        """In `--todo`: confirmed or « Commander plus tard », attribution not marked done."""
        return self.ended_at is not None and self.ending in TO_ATTRIBUTE and not self.attributed_on


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: it exists
    return True


# What `preflight orders --json/--csv` gives of an order, in this order (no customer data; the
# customer's fingerprint neither: it is only for the second-SIM reminder).
EXPORTED = (
    "number",
    "verdict",
    "status",
    "validation_due",
    "type",
    "order_date",
    "started_at",
    "ended_at",
    "seller",
    "browser",
    "steps",
    "reason",
    "violations",
    "attributed_on",
    "validated_on",
    "installation_on",
    "sim_activated_on",
    "folder",
)


def exported(order: Order, today: dt.date | None = None) -> dict[str, object]:
    """The order as JSON values: `verdict` is its ending, `status` what is left to do."""
    values: dict[str, object] = {}
    for name in EXPORTED:
        if name == "verdict":
            value: object = order.ending
        elif name == "status":
            value = order.status(today)
        else:
            value = getattr(order, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple | list):
            value = list(value)
        values[name] = value
    return values
