"""What a flow matrix is made of: the boundaries seen in a clean run, the cells derived from
them, and each cell's result, judged against the watcher's expectation and the shop's truth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from preflight.watch.events import Verdict, ViolationKind

Action = Literal["clean", "reload", "back", "back-forward", "customer-service"]
# The actions a matrix may insert, in the order of its columns.
ACTIONS: tuple[Action, ...] = ("reload", "back", "back-forward", "customer-service")
# What each inserted action must cost: exactly these violations.
EXPECTED_VIOLATIONS: dict[Action, list[ViolationKind]] = {
    "clean": [],
    "reload": ["reload"],
    "back": ["back"],
    "back-forward": ["back", "forward"],
    "customer-service": ["customer_service"],
}

# right: the watcher said what the cell expects and the shop's truth agrees (or there is none).
# false_alarm / miss: the watcher and the shop disagree (lost vs attributed, either way).
# wrong: the watcher missed the expectation though the shop agrees with it.
# inconclusive: the replay failed for a reason that is not the verdict (the shop's HTTP 5xx, a
# step's timeout, a browser that died, the shop's truth unreadable): nothing was judged, and
# the cell says why; never counted as a wrong verdict (« ⚠ rejoué sans conclusion »).
# n/a: the cell does not apply (before the ACN entry, no customer-service element there…).
# skipped: not in the random sample this run replays.
Status = Literal["right", "wrong", "false_alarm", "miss", "inconclusive", "n/a", "skipped"]
# The statuses of a verdict that is not the expected one (exit 1), and of a cell worth
# replaying again (`--rerun failed`).
WRONG: tuple[Status, ...] = ("wrong", "false_alarm", "miss")
RERUN: tuple[Status, ...] = (*WRONG, "inconclusive")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsElement(_Model):
    """A customer-service element the rules match on a page, found at run time."""

    selector: str  # a CSS selector unique in its document
    frame: str | None = None  # the <iframe> (in the page) whose document holds it
    how: str = ""  # what the rules matched: selector, text, url, tel
    label: str = ""  # its visible text, short

    @property
    def title(self) -> str:
        where = f" in {self.frame}" if self.frame else ""
        label = f" «{self.label}»" if self.label else ""
        return f"{self.selector}{where}{label}"


class Boundary(_Model):
    """The page shown after step `step` of a clean run (1-based), and what applies there."""

    step: int
    title: str  # the step's name, or "N action"
    url: str = ""  # redacted
    applies: bool = False
    why_not: str = ""  # when it does not apply
    elements: list[CsElement] = []


class Cell(_Model):
    """One variant of a clean scenario on one browser: `action` inserted after step `step`
    (0 and "clean" for the clean scenario itself)."""

    scenario: str
    browser: str
    step: int = 0
    step_title: str = ""
    action: Action = "clean"
    element: CsElement | None = None
    index: int = 0  # the element's number on that page, from 1 (customer-service only)
    applies: bool = True
    why_not: str = ""

    @property
    def key(self) -> str:
        """`step-4-reload`, `step-4-customer-service-2`, `clean`: unique per scenario."""
        if self.action == "clean":
            return "clean"
        key = f"step-{self.step}-{self.action}"
        return f"{key}-{self.index}" if self.index else key

    @property
    def id(self) -> str:
        return f"{self.key}-{self.browser}"

    @property
    def expected_verdict(self) -> Verdict:
        return "attributed" if self.action == "clean" else "lost"

    @property
    def expected_violations(self) -> list[ViolationKind]:
        return list(EXPECTED_VIOLATIONS[self.action])


class Truth(_Model):
    """What the shop recorded for the cell's order."""

    attributed: bool
    ended_by: str | None = None
    ended_at: str | None = None


class CellResult(_Model):
    cell: Cell
    status: Status
    verdict: Verdict | None = None
    reason: str | None = None  # why the watcher judged so, as every verdict of preflight says
    violations: list[str] = []
    duration_s: float = 0.0
    failure: str | None = None
    failing_step: int | None = None
    truth: Truth | None = None
    report: str | None = None  # the order report's folder, when reports are written
    # Not in the JSON: the shop's order id, read from the context's cookies for the oracle.
    order_id: str | None = None

    @property
    def applicable(self) -> bool:
        return self.status not in ("n/a", "skipped")

    @property
    def right(self) -> bool:
        return self.status == "right"

    def public(self) -> dict[str, Any]:
        """The `--json` row: every cell, applicable or not."""
        cell = self.cell
        return {
            "scenario": cell.scenario,
            "id": cell.key,
            "step": cell.step,
            "step_title": cell.step_title,
            "action": cell.action,
            "element": cell.element.model_dump() if cell.element else None,
            "browser": cell.browser,
            "expected": {"verdict": cell.expected_verdict, "violations": cell.expected_violations},
            "got": self.verdict,
            "reason": self.reason,
            "violations": list(self.violations),
            "status": self.status,
            "why_not": cell.why_not or None,
            "truth": self.truth.model_dump() if self.truth else None,
            "duration_s": round(self.duration_s, 3),
            "failure": self.failure,
            "failing_step": self.failing_step,
            "report": self.report,
        }

    @classmethod
    def from_public(cls, row: Mapping[str, Any]) -> CellResult:
        """A `--json` row read back (`--rerun failed`); pydantic's ValidationError, or a
        ValueError naming the row, when it is not one."""
        element = row.get("element")
        action = row.get("action")
        key = str(row.get("id", ""))
        index = key.rsplit("-", 1)[-1] if action == "customer-service" and element else ""
        cell = Cell.model_validate(
            {
                "scenario": row.get("scenario"),
                "browser": row.get("browser"),
                "step": row.get("step", 0),
                "step_title": row.get("step_title") or "",
                "action": action,
                "element": element,
                "index": int(index) if index.isdigit() else 0,
                "applies": row.get("status") != "n/a",
                "why_not": row.get("why_not") or "",
            }
        )
        if cell.key != key:
            raise ValueError(f"cell {key!r}: its step and action say {cell.key!r}")
        status = row.get("status")
        return cls.model_validate(
            {
                "cell": cell,
                # `failed`: what a cell replayed without a conclusion was called before #27.
                "status": "inconclusive" if status == "failed" else status,
                "verdict": row.get("got"),
                "reason": row.get("reason"),
                "violations": row.get("violations") or [],
                "duration_s": row.get("duration_s") or 0.0,
                "failure": row.get("failure"),
                "failing_step": row.get("failing_step"),
                "truth": row.get("truth"),
                "report": row.get("report"),
            }
        )
