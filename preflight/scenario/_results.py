"""What a replay gives, and how it is judged: the result row (`--json`, JUnit, the index
page), the failure it names, the scenario's expectation against the watcher's outcome, and the
one-line timeline of events a failure message shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from preflight.privacy import may_be_customer_data
from preflight.scenario._model import Fill, Scenario
from preflight.watch.events import Event, Outcome, Verdict


class ViolationRow(BaseModel):
    kind: str
    url: str
    step: str | None = None


class Failure(BaseModel):
    """Why a scenario did not pass: a step that failed, or an expectation that did not hold."""

    message: str
    # A failed step: its 1-based index, action and line. An expectation that did not hold:
    # action "expect", the line of `expect:`, and the step during which the first violation
    # the scenario does not expect was seen (None when what is wrong is something missing).
    step: int | None = None
    action: str | None = None
    line: int | None = None
    screenshot: str | None = None


class ScenarioResult(BaseModel):
    scenario: str
    file: str
    browser: str
    verdict: Verdict | None
    expected: Verdict
    passed: bool
    violations: list[ViolationRow]
    warnings: list[str] = []
    # The verdict in words, the order's end reached, and the rule patterns that matched nothing.
    reason: str = ""
    completed: bool = False
    coverage: list[str] = []
    duration_s: float
    failure: Failure | None = None
    # The last events, one line each: what a failure message shows.
    timeline: list[str] = []
    # The watcher's full outcome (for a report); not part of the JSON row.
    outcome: Outcome | None = Field(None, exclude=True)
    # Values typed into bank-detail fields, kept only so that artifacts (a Playwright trace)
    # can be scrubbed of them; never dumped, never shown.
    sensitive_values: frozenset[str] = Field(default=frozenset(), exclude=True, repr=False)

    @property
    def ran_through(self) -> bool:
        """Whether every step ran: only such a run can say which rule patterns matched nothing
        (one cut short by a failed step never reached the pages they are for)."""
        cut_short = self.failure is not None and self.failure.action != "expect"
        return self.outcome is not None and not cut_short

    def public(self) -> dict[str, Any]:
        """The `--json` row of issue #5, plus `failure` (null when it passed)."""
        keys = ("scenario", "file", "browser", "verdict", "expected", "passed")
        row: dict[str, Any] = {key: getattr(self, key) for key in keys}
        row["reason"] = self.reason
        row["completed"] = self.completed
        row["coverage"] = list(self.coverage)
        row["violations"] = [v.model_dump() for v in self.violations]
        row["duration_s"] = round(self.duration_s, 3)
        row["failure"] = self.failure.model_dump() if self.failure else None
        return row


def not_replayed(
    scenario: Scenario, browser: str, message: str, duration_s: float
) -> ScenarioResult:
    """The result of a scenario that could not be replayed: no browser, no context, a worker
    lost. It failed, with no verdict."""
    return ScenarioResult(
        scenario=scenario.name,
        file=scenario.file,
        browser=browser,
        verdict=None,
        expected=scenario.expect.verdict,
        passed=False,
        violations=[],
        duration_s=duration_s,
        failure=Failure(message=message),
    )


def never_matched(results: Iterable[ScenarioResult]) -> list[str]:
    """The rules keys (order.merchant…) that no result of a run matched: a wrong pattern, or
    a flow no scenario covers. Results without an outcome (a browser that did not start) or cut
    short by a failed step tell nothing either way."""
    runs = [{gap.key for gap in r.outcome.coverage} for r in results if r.outcome and r.ran_through]
    return sorted(set.intersection(*runs)) if runs else []


def describe_expectation(scenario: Scenario) -> str:
    expect = scenario.expect
    text = f"{expect.verdict}"
    if expect.violations:
        text += f" by [{', '.join(expect.violations)}]"
    elif expect.violations == []:
        text += " with no violation"
    if expect.warnings:
        text += f" with warnings [{', '.join(expect.warnings)}]"
    if expect.completed is not None:
        text += ", the order completed" if expect.completed else ", the order not completed"
    return text


def collapse(kinds: Sequence[str]) -> list[str]:
    """Consecutive repeats of a kind count once: one click on « Service client » is seen both
    as the click and as the page it opens, and the scenario states actions, not evidence."""
    return [kind for i, kind in enumerate(kinds) if i == 0 or kinds[i - 1] != kind]


def judge(scenario: Scenario, outcome: Outcome) -> str | None:
    """None when `outcome` is what the scenario expects; else an assertion-style message."""
    expect = scenario.expect
    kinds = [v.kind for v in outcome.violations]
    warnings = [w.kind for w in outcome.warnings]
    ok = outcome.verdict == expect.verdict
    if expect.violations is not None and collapse(kinds) != collapse(expect.violations):
        ok = False
    if expect.warnings is not None and warnings != list(expect.warnings):
        ok = False
    if expect.completed is not None and outcome.completed != expect.completed:
        ok = False
    if ok:
        return None
    got: str = outcome.verdict
    if kinds:
        got += f" by [{', '.join(kinds)}]"
    if warnings:
        got += f" with warnings [{', '.join(warnings)}]"
    if expect.completed is not None:
        got += ", the order completed" if outcome.completed else ", the order not completed"
    if outcome.reason_kind in ("no_entry", "no_merchant"):
        got += f": {outcome.reason}"  # a kind list says the other reasons already
    return f"expected {describe_expectation(scenario)}, got {got}"


def first_unexpected(scenario: Scenario, outcome: Outcome) -> str | None:
    """The step (as the watcher names it) during which the first violation the scenario does
    not expect was seen; None when the mismatch is something missing, not something seen."""
    wanted = list(scenario.expect.violations or [])
    matched, previous = 0, None
    for violation in outcome.violations:
        if violation.kind == previous:
            continue  # repeated evidence of one action (see `collapse`)
        previous = violation.kind
        if matched < len(wanted) and wanted[matched] == violation.kind:
            matched += 1
            continue
        return violation.step
    return None


def step_of(scenario: Scenario, title: str | None) -> int | None:
    """The 1-based index of the step the watcher named `title` (see `replay_scenario`)."""
    for index, step in enumerate(scenario.steps, start=1):
        if title is not None and title == (step.name or f"{index} {step.action}"):
            return index
    return None


def known_values(scenario: Scenario, variables: Mapping[str, str] | None = None) -> frozenset[str]:
    """What must leave no trace anywhere, known before the first step: every value a
    (placeholder-filled) scenario types, and every value of a `${NAME}` placeholder (`--var`,
    the scenario's `vars`) that may be the customer's — all but a site's address or a port
    (`may_be_customer_data`) — wherever the scenario uses it: a `goto` URL, a `select`, an
    `expect_text`. A literal label or text the scenario selects or expects (« Madame »,
    « Récapitulatif ») is the page's own vocabulary: hiding it would hide the page's words in
    every picture and trace, not a customer."""
    typed = {step.value for step in scenario.steps if isinstance(step, Fill)}
    placeholders = {**scenario.vars, **(variables or {})}.values()
    typed |= {value for value in placeholders if may_be_customer_data(value)}
    return frozenset(value for value in typed if value)


def event_line(event: Event) -> str:
    parts = [f"#{event.seq}", event.kind]
    if event.nav:
        parts.append(f"({event.nav})")
    if event.url:
        parts.append(event.url)
    if event.step:
        parts.append(f"[step {event.step}]")
    return " ".join(parts)
