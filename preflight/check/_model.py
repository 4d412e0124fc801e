"""What a check says (`CheckResult`), and the report of them all (`CheckReport`) with its
verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

Status = Literal["pass", "warn", "fail", "fixed"]
Verdict = Literal["ready", "not_ready"]


class CheckResult(BaseModel):
    id: str
    status: Status
    message: str


class BrowserInfo(BaseModel):
    family: str
    version: str | None
    executable: str | None
    driver: str


class CheckReport(BaseModel):
    verdict: Verdict
    browser: BrowserInfo
    checks: list[CheckResult]

    @property
    def ready(self) -> bool:
        return self.verdict == "ready"


def verdict_of(checks: Sequence[CheckResult]) -> Verdict:
    return "not_ready" if any(c.status == "fail" for c in checks) else "ready"
