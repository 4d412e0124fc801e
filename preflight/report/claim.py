"""The « Dossier de réclamation »: one self-contained HTML file proving a watched order (#24).

What ACN's missing-commission claim forms ask for — the order's number, type and date, the
seller, the browser history, the confirmation screenshot — from the order's report folder only
(the report is the source of truth): the watched session's timeline in words, the masked
screenshot of the confirmation (or « Commander plus tard ») step embedded as a `data:` URI, and
the report's fingerprint (SHA-256 of report.json and of the log's chain head) with whether the
events log is as written (`preflight.report.chain`). An edited log makes the claim say so
first, in red: a claim is evidence, it never hides that its evidence was touched.

No customer data: the report holds none, and `support/` (the one place that may) is never read.
Like report.html: no script, inline CSS, a CSP that forbids everything but the pictures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from preflight.i18n import Lang, say, translations
from preflight.report import html as report_html
from preflight.report.advice import advice
from preflight.report.chain import ChainCheck, verify
from preflight.report.models import Report, load_report
from preflight.report.writer import REPORT_FILE, SCREENSHOTS_DIR, load_events
from preflight.watch.events import Event

__all__ = ["CLAIM_FILE", "Claim", "claim", "render_claim", "report_fingerprint"]

# Where a claim goes by default: in the order's report folder, beside report.html.
CLAIM_FILE = "dossier-de-reclamation.html"

# The events after which the order was placed: their screenshot is the claim's picture.
_PLACED = {"confirmation": "claim.confirmation", "order_later": "claim.order_later"}


@dataclass
class Claim:
    """What the claim says, in words (the template only lays it out)."""

    report: Report
    chain: ChainCheck
    fingerprint: str
    headline: str
    css: str
    summary: list[str] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (when, what)
    picture: str | None = None
    picture_caption: str = ""
    chain_text: str = ""


def report_fingerprint(folder: Path, head: str | None) -> str:
    """SHA-256 of report.json's bytes, then of the log's chain head: one value to quote."""
    digest = hashlib.sha256((folder / REPORT_FILE).read_bytes())
    digest.update(b"\n" + (head or "").encode())
    return digest.hexdigest()


def claim(folder: str | Path, lang: Lang = "fr") -> Claim:
    """The claim for the order whose report is `folder` (ReportError: no readable report)."""
    folder = Path(folder)
    report = load_report(folder)
    names = report.rules.names(lang)

    def t(key: str, **values: object) -> str:
        return say(key, lang, **names, **values)

    events = list(load_events(folder))
    checked = verify(folder)
    by_seq = {event.seq: event for event in events}
    violations = [report_html.violation_text(v, by_seq, t) for v in report.violations]
    warnings = [report_html.warning_text(w, t) for w in report.warnings]
    said = advice(report, violations, warnings, t)
    found = Claim(
        report=report,
        chain=checked,
        fingerprint=report_fingerprint(folder, checked.head),
        headline=said.headline,
        css=said.css,
    )
    found.summary = _summary(report, events, violations, t)
    found.timeline = [(_stamp(e), _said(e, t)) for e in events]
    found.picture, found.picture_caption = _picture(report, events, folder, t)
    found.chain_text = t(f"claim.chain.{checked.status}", line=checked.line or 0)
    return found


def render_claim(found: Claim, lang: Lang = "fr") -> str:
    """The claim's HTML page (one file, nothing to fetch)."""
    names = found.report.rules.names(lang)
    order = found.report.order
    return report_html._ENV.get_template("claim.html").render(
        lang=lang,
        **translations(lang, **names),
        claim=found,
        report=found.report,
        number=(order.number if order else None) or say("report.unknown", lang),
        type=(order.type if order else None) or say("report.unknown", lang),
        date=(order.date if order else None) or say("report.unknown", lang),
        started=found.report.started_at.astimezone().strftime("%d/%m/%Y %H:%M:%S"),
        ended=found.report.ended_at.astimezone().strftime("%d/%m/%Y %H:%M:%S")
        if found.report.ended_at
        else "—",
        browser=" ".join(v for v in (found.report.browser.get("family"),
                                     found.report.browser.get("version")) if v) or "—",
    )  # fmt: skip


def _stamp(event: Event) -> str:
    return event.at.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def _said(event: Event, t: report_html._T) -> str:
    """The event in words, with the page's name (its step) when known."""
    text = report_html.event_text(event, t)
    if event.step:
        return t("claim.on_page", what=text, page=event.step)
    return text


def _summary(
    report: Report, events: list[Event], violations: list[str], t: report_html._T
) -> list[str]:
    lines = []
    entry = next((e for e in events if e.kind == "acn_entry"), None)
    lines.append(t("claim.entry", at=_stamp(entry)) if entry else t("claim.no_entry"))
    pages = [e.step for e in events if e.kind == "navigation" and e.step]
    if pages:
        lines.append(t("claim.pages", pages=" → ".join(dict.fromkeys(pages))))
    if violations:
        lines.extend(violations)
    else:
        lines.append(t("claim.clean"))
    for event in events:
        if event.kind in _PLACED:
            lines.append(t(_PLACED[event.kind], at=_stamp(event)))
    return lines


def _picture(
    report: Report, events: list[Event], folder: Path, t: report_html._T
) -> tuple[str | None, str]:
    """The masked screenshot of the step where the order was placed (never `support/`)."""
    placed = [e.seq for e in events if e.kind in _PLACED]
    for seq in reversed(placed):
        for record in report.screenshots:
            path = record.path or ""
            if record.event_seq == seq and path.startswith(f"{SCREENSHOTS_DIR}/"):
                picture = report_html.data_uri(folder, path)
                if picture:
                    return picture, t("claim.picture", at=_stamp(_by_seq(events, seq)))
    return None, t("claim.no_picture")


def _by_seq(events: list[Event], seq: int) -> Event:
    return next(e for e in events if e.seq == seq)
