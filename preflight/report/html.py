"""report.html: the order's story for the seller, in plain words, in one self-contained file.

Screenshots are embedded as `data:` URIs rather than linked: the seller can send or move the
one file (to the help desk, to a colleague) and it still shows everything. They are the masked
screenshots only; the support bundle's picture, which shows the customer's address, is linked
(`support/…`), never embedded, so personal data stays inside `support/`.

Everything that comes from a page (URLs, titles, step names) is untrusted: Jinja2 autoescapes
it, URLs are shown as text and never as links (a click would reach SFR outside the ACN
session), and a Content-Security-Policy forbids scripts and remote loads.

The sentences the seller reads are public, for the end page to say exactly what the report
says (with `preflight.report.advice`, the verdict and what to do now): `violation_text`,
`warning_text`, `attribution_lines`, `long_date`; each takes `t`, a catalogue message
(`report.…`, `preflight.i18n`) said in one language with the report's shop names.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from preflight.i18n import Lang, known, say, templates, translations
from preflight.report.advice import advice
from preflight.report.dates import order_kind
from preflight.report.models import Report, ScreenshotRecord
from preflight.watch.events import CoverageGap, Event, Violation, Warning

# `t(key, **values)`: a catalogue message (`report.…`) in the report's language and shop names.
_T = Callable[..., str]

# The words: `{{ _("report.…") }}`, gettext bound to the report's language at each render.
_ENV = templates("preflight.report")


@dataclass
class Row:
    time: str
    text: str
    page: str
    url: str
    css: str
    pictures: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    step: str = ""


def render(report: Report, events: list[Event], folder: Path, lang: Lang) -> str:
    """The HTML page for `report`, whose events are `events` and files are in `folder`."""

    names = report.rules.names(lang)

    def t(key: str, **values: object) -> str:
        return say(key, lang, **names, **values)

    by_seq = {event.seq: event for event in events}
    violations = [violation_text(v, by_seq, t) for v in report.violations]
    warnings = [warning_text(w, t) for w in report.warnings]
    return _ENV.get_template("report.html").render(
        lang=lang,
        **translations(lang, **names),
        report=report,
        advice=advice(report, violations, warnings, t),
        violations=violations,
        warnings=warnings,
        load_failures=t("report.load_failures", n=report.load_failures)
        if report.load_failures
        else "",
        coverage=[coverage_line(gap, lang) for gap in report.coverage],
        order=attribution_lines(report, lang, t),
        rows=_rows(report, events, folder, t),
        started=_stamp(report.started_at),
        ended=_stamp(report.ended_at) if report.ended_at else "—",
    )


def violation_text(violation: Violation, by_seq: dict[int, Event], t: _T) -> str:
    """A violation in words, with its step, page and time when known (« Actualisation… »)."""
    event = by_seq.get(violation.event_seq)
    key = f"report.violation.{violation.kind}"
    parts = [t(key) if known(key) else violation.message or violation.kind]
    step = violation.step or (event.step if event else None)
    if step:
        parts.append(_step_text(step, t, at=True))
    title = event.detail.get("title") if event else None
    url = _short_url(violation.url or (event.url if event else ""))
    if title and url:
        parts.append(t("report.on.page_titled", title=title, url=url))
    elif title or url:
        parts.append(t("report.on.page", url=title or url))
    return " ".join(parts) + ", " + t("report.at.time", time=_time(violation.at))


# How the replayer labels an unnamed step: its number and its action (`6 click`).
_NUMBERED_STEP = re.compile(r"(\d+) ([a-z_]+)")


def _step_text(step: str, t: _T, *, at: bool = False) -> str:
    """A scenario step in words: « (à l')étape 6 (click) », or « étape « payer » » by its name."""
    numbered = _NUMBERED_STEP.fullmatch(step)
    if numbered:
        key = "report.at.step_action" if at else "report.step"
        return t(key, n=numbered[1], action=numbered[2])
    return t("report.at.step_named" if at else "report.step_named", name=step)


def coverage_line(gap: CoverageGap, lang: Lang) -> str:
    """A rules key whose patterns matched nothing, in one line (report.html, the terminal)."""
    if gap.key == "order.entry":
        key = "report.coverage.entry"
    elif gap.key == "customer_service.urls":
        key = "report.coverage.pattern" if len(gap.patterns) == 1 else "report.coverage.patterns"
    else:
        key = "report.coverage.other"
    shown = ", ".join(f"`{glob}`" for glob in gap.patterns)
    return say(key, lang, key=gap.key, patterns=shown, count=len(gap.patterns))


def warning_text(warning: Warning, t: _T) -> str:
    """A warning in words (« paiement sans Commander plus tard… »)."""
    key = f"report.warning.{warning.kind}"
    return t(key) if known(key) else warning.message or warning.kind


def attribution_lines(report: Report, lang: Lang, t: _T) -> dict[str, object] | None:
    """The number, type, date and validation sentence for SFR's form; None: no order seen."""
    order = report.order
    if order is None or not (order.number or order.type or order.date):
        return None
    kind = order_kind(order.type)
    delays = report.rules.validation_business_days
    if order.expected_validation_date and order.validation_business_days:
        validation = t(
            "report.validation.date",
            date=long_date(order.expected_validation_date, lang),
            days=order.validation_business_days,
        )
    elif kind is not None and kind in delays:
        validation = t(
            "report.validation.no_date", kind=_KIND_LABELS.get(kind, kind), days=delays[kind]
        )
    elif kind == "mobile":
        validation = t("report.validation.mobile")
    elif delays:
        told = ", ".join(
            t("report.validation.delay", kind=_KIND_LABELS.get(k, k), days=days)
            for k, days in delays.items()
        )
        validation = t("report.validation.unknown_type", delays=told)
    else:  # the rules give no delays: nothing to say about validation
        validation = ""
    return {
        "number": order.number or t("report.unknown"),
        "type": order.type or t("report.unknown"),
        "date": order.date or t("report.unknown"),
        "validation": validation,
    }


_KIND_LABELS = {"fibre": "Fibre", "adsl": "ADSL"}


def _rows(report: Report, events: list[Event], folder: Path, t: _T) -> list[Row]:
    flagged = {v.event_seq: "violation" for v in report.violations}
    flagged.update({w.event_seq: "warning" for w in report.warnings if w.event_seq not in flagged})
    shots: dict[int, list[ScreenshotRecord]] = {}
    for record in report.screenshots:
        shots.setdefault(record.event_seq, []).append(record)
    rows = []
    for event in events:
        row = Row(
            time=_time(event.at),
            text=event_text(event, t),
            page=_page_label(event) or "",
            url=event.url,
            step=_step_text(event.step, t) if event.step else "",
            css=flagged.get(event.seq, "ok" if event.kind in _GOOD else "info"),
        )
        for record in shots.get(event.seq, []):
            picture = data_uri(folder, record.path) if record.path else None
            if picture:
                row.pictures.append(picture)
            else:
                row.missing.append(t("report.no_screenshot", reason=record.reason or "?"))
        rows.append(row)
    return rows


_GOOD = {"acn_entry", "order_later", "confirmation"}


def event_text(event: Event, t: _T) -> str:
    """An event in words (the timeline's « Commande confirmée »…)."""
    if event.kind == "navigation":
        key = f"report.event.navigation.{event.nav}"
        # Kinds added to the vocabulary later still get a sentence, a generic one.
        return t(key if known(key) else "report.event.navigation")
    if event.kind == "guard":
        # The guarded action in words, as the terminal says it; its mechanism (beforeunload…)
        # stays in report.json.
        action = event.detail.get("action", "")
        action = action if known(f"cli.order.guard.{action}") else "other"
        what = t(f"cli.order.guard.{action}", shortcut=event.detail.get("key", "?"))
        return t("report.event.guard", what=what)
    if event.kind == "note":
        what = event.detail.get("message") or event.detail.get("action") or ""
        return t(f"report.event.{event.kind}", what=what).rstrip(" :")
    key = f"report.event.{event.kind}"
    return t(key) if known(key) else event.kind


def _page_label(event: Event) -> str | None:
    """The page, as a person recognises it: its title, else its host and path (never the step:
    a step is not a page)."""
    return event.detail.get("title") or _short_url(event.url) or None


def _short_url(url: str) -> str:
    """Host and path: what a person recognises, without the query noise."""
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.netloc:
            return parts.netloc + parts.path
    return url


def data_uri(folder: Path, relative: str) -> str | None:
    """A PNG of the report folder as a `data:` URI (None: not readable)."""
    path = folder / relative
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def _stamp(at: datetime) -> str:
    return at.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def long_date(day: date, lang: Lang) -> str:
    """« mardi 3 mars 2026 », « Tuesday 3 March 2026 »."""
    weekday = say(f"report.weekday.{day.weekday()}", lang)
    month = say(f"report.month.{day.month}", lang)
    return f"{weekday} {day.day} {month} {day.year}"
