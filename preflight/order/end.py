"""The end page: the verdict in words, what to do now, the attribution data to copy.

Built from the finished report (`report.json`), so it says exactly what the report says: the
order number, type and date as the confirmation page showed them (each with a copy button, for
SFR's attribution form), the date by which SFR should validate the order (R11), and, when the
eligibility test failed, what to send to the EI help desk and where the bundle is (R7). A
watch cut short (`--timeout`, Ctrl+C) is said first: « Commande interrompue », why, and what
its verdict is worth for the commission. No customer data is on it: the bundle's path is
shown, never its content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from preflight.i18n import Lang, say
from preflight.order.render import render_page
from preflight.report import html as report_html
from preflight.report.advice import advice
from preflight.report.models import Report


@dataclass
class Field:
    key: str  # names the element (`end-number`…): what tests and the copy button find
    label: str
    value: str
    known: bool


@dataclass
class EndView:
    verdict: str  # the colour: attributed, at_risk, lost, not_placed, unknown
    headline: str
    more: str
    todo: list[str] = field(default_factory=list)
    reminder_title: str = ""
    reminder_text: str = ""
    fields: list[Field] = field(default_factory=list)
    validation: str = ""
    support_title: str = ""
    support_text: str = ""
    support_path: str = ""
    report_folder: str = ""
    has_report: bool = False
    stopped_title: str = ""  # a watch cut short: « Commande interrompue », why, what it means
    stopped_text: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # the shop's, for the page's own words
    orders_link: str = ""  # « Mes commandes », when the order book is kept


def end_view(
    report: Report, folder: Path, lang: Lang, *, has_report: bool, ended: str = "confirmation"
) -> EndView:
    names = report.rules.names(lang)  # the report's messages name the shop, as in report.html

    def t(key: str, **values: object) -> str:
        return say(key, lang, **names, **values)

    violations = [report_html.violation_text(v, {}, t) for v in report.violations]
    warnings = [report_html.warning_text(w, t) for w in report.warnings]
    said = advice(report, violations, warnings, t)  # what report.html says too
    view = EndView(
        verdict=said.css,
        headline=said.headline,
        more=said.more,
        todo=list(said.todo),
        report_folder=str(folder),
        has_report=has_report,
        names=names,
    )
    if ended in ("timeout", "interrupted"):
        view.stopped_title = t("order.end.stopped.title")
        view.stopped_text = [
            t(f"order.end.stopped.{ended}"),
            t("order.end.stopped.commission"),
        ]
    order = report_html.attribution_lines(report, lang, t)
    if order is not None and said.attribute:
        view.reminder_title = t("report.reminder.title")
        view.reminder_text = t("report.reminder.text")
        given = report.order
        assert given is not None
        for key, label, value in (
            ("number", t("report.order.number"), given.number),
            ("type", t("report.order.type"), given.type),
            ("date", t("report.order.date"), given.date),
        ):
            view.fields.append(Field(key, label, value or t("report.unknown"), value is not None))
        view.validation = str(order["validation"])
    if report.support_bundle:
        view.support_title = t("report.support.title")
        view.support_text = t("report.support.text")
        view.support_path = str(folder / Path(report.support_bundle).parent)
    return view


def render_end(view: EndView, lang: Lang, nonce: str) -> str:
    return render_page("end.html", lang, nonce, view.names, view=view, orders_link=view.orders_link)
