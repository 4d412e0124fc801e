"""How a seller's order ended, and what to do now: one source for the terminal, the end page
and report.html, so that the three never say different things.

An order watched by `preflight order` ends one of five ways (`Ending`), each with its words,
colour and exit code:

* `confirmed` — the confirmation page was seen, nothing ended the ACN session: attribute it;
* `order_later` — « Commander plus tard » was reached (the cart goes to the customer by
  e-mail), nothing ended the session: attribute it once it has a number;
* `not_placed` — stopped before either (a tab or the browser closed, the time limit): nothing
  to attribute, never green;
* `lost` — a Back, Forward, Refresh or customer-service contact ended the session: abandon
  this cart, start again from the ACN link, or have the help desk told (the seed's « Qui
  contacter »);
* `at_risk` — placed, but with a warning (a payment on the spot…): what the seed says to do.

A replay's report (QA) has no ending: it says the session's verdict only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from preflight.i18n import known
from preflight.report.models import Ending, Report
from preflight.watch.events import Outcome

__all__ = ["EXIT_CODES", "Advice", "Ending", "advice", "ending_of"]

# `t(key, **values)`: a catalogue message in the report's language and shop names.
_T = Callable[..., str]

# Documented in docs/commands.md (`preflight order`) and docs/vendeur.md (« Codes de sortie »):
# 0 is an attributed order and nothing else.
EXIT_CODES: dict[Ending, int] = {
    "confirmed": 0,
    "order_later": 0,
    "at_risk": 1,
    "lost": 3,
    "not_placed": 4,
}


def ending_of(outcome: Outcome) -> Ending:
    """The way an order ended, from the watch's outcome: a lost session first (it is lost
    whatever came after), then an order never placed, then the verdict of a placed one."""
    if outcome.verdict == "lost":
        return "lost"
    if not outcome.completed:
        return "not_placed"
    if outcome.verdict == "at_risk":
        return "at_risk"
    return "confirmed" if outcome.confirmed else "order_later"


Css = Literal["attributed", "at_risk", "lost", "not_placed", "unknown"]


@dataclass
class Advice:
    """What the seller reads first: the verdict in a sentence, why, and what to do now."""

    css: Css  # the colour: green only for an attributed order
    headline: str
    more: str = ""
    todo: list[str] = field(default_factory=list)
    # The attribution reminder (number, type, date for SFR's form) applies: a placed order
    # whose session held. Never for a lost one (it will not be attributed).
    attribute: bool = False


def advice(report: Report, violations: list[str], warnings: list[str], t: _T) -> Advice:
    """The advice for `report`, whose violations and warnings are already in words."""
    has_order = report.order is not None and bool(
        report.order.number or report.order.type or report.order.date
    )
    ending = report.ending
    if ending is None:  # a replay's report, or one written before endings were kept
        return _session_only(report, violations, warnings, has_order, t)
    if ending == "lost":
        return Advice(
            "lost",
            _headline("lost", violations, report, t),
            t("report.verdict.lost.more"),
            [t("report.todo.lost.restart"), t("report.todo.lost.help_desk")],
        )
    if ending == "not_placed":
        return Advice("not_placed", t("report.ending.not_placed"), "", [t("order.end.no_order")])
    if ending == "at_risk":
        todo = [t("report.todo.payment")] if _paid_on_the_spot(report) else []
        return Advice(
            "at_risk", _headline("at_risk", warnings, report, t), "", todo, attribute=has_order
        )
    more = t("report.verdict.attributed.more")
    if ending == "order_later":
        return Advice(
            "attributed",
            t("report.ending.order_later"),
            more,
            [] if has_order else [t("report.todo.order_later")],
            attribute=has_order,
        )
    return Advice("attributed", t("report.ending.confirmed"), more, attribute=has_order)


def _paid_on_the_spot(report: Report) -> bool:
    return any(w.kind == "payment_without_order_later" for w in report.warnings)


def _headline(verdict: str, reasons: list[str], report: Report, t: _T) -> str:
    """« Commande perdue / à risque : {first reason}. », with how many more."""
    if reasons:
        extra = f" {t('report.more_points', n=len(reasons) - 1)}" if len(reasons) > 1 else ""
        return t(f"report.verdict.{verdict}", reason=reasons[0]) + "." + extra
    key = f"report.reason.{report.reason_kind}"
    if known(key):
        return t(f"report.verdict.{verdict}", reason=t(key)) + "."
    if not report.entry_seen:  # a report written before reasons were kept
        return t(f"report.verdict.{verdict}", reason=t("report.reason.no_entry")) + "."
    return t(f"report.verdict.{verdict}", reason=report.reason or "?")


def _session_only(
    report: Report, violations: list[str], warnings: list[str], has_order: bool, t: _T
) -> Advice:
    verdict = report.verdict
    if verdict == "attributed":
        return Advice(
            "attributed",
            t("report.verdict.attributed"),
            t("report.verdict.attributed.more"),
            attribute=has_order,
        )
    if verdict == "lost":
        return Advice(
            "lost", _headline("lost", violations, report, t), t("report.verdict.lost.more")
        )
    if verdict == "at_risk":
        return Advice("at_risk", _headline("at_risk", warnings, report, t), attribute=has_order)
    return Advice("unknown", t("report.verdict.none"))
