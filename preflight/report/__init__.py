"""The order report: JSONL event log, report.json, report.html and the support bundle.

    with ReportWriter(folder, rules, browser_info={...}) as rw:
        rw.on_event(event)                 # one durable line of events.jsonl
        rw.screenshot(page, event)         # masked PNG in the timeline
        rw.support_bundle(page, address=…, phone=…)   # R7, into support/
        rw.finish(outcome)                 # report.json + report.html, atomically

Leaving the block without `finish` (an exception, a killed browser) marks the report
incomplete; `load_events(folder)` reads the log back, even after a crash, and
`recover(folder)` writes the HTML of a report whose process was killed outright;
`verify_chain(folder)` says whether the log is as written, or which line breaks its chain.
"""

from __future__ import annotations

from preflight.privacy import redact_url
from preflight.report.chain import ChainCheck
from preflight.report.chain import verify as verify_chain
from preflight.report.dates import add_business_days, expected_validation
from preflight.report.models import OrderReport, Report, ScreenshotRecord, load_report
from preflight.report.writer import MASK_COLOR, ReportWriter, load_events, recover

__all__ = [
    "MASK_COLOR",
    "ChainCheck",
    "OrderReport",
    "Report",
    "ReportWriter",
    "ScreenshotRecord",
    "add_business_days",
    "expected_validation",
    "load_events",
    "load_report",
    "recover",
    "redact_url",
    "verify_chain",
]
