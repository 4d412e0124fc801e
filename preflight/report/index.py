"""index.html: the whole `preflight replay --report DIR` run on one page, for QA.

One row per scenario and browser: the verdict reached, the one expected, the reason, the
duration, and a relative link to that order's report.html (`NAME-BROWSER/report.html`, the
folder the runner wrote), so the folder can be moved or archived whole. Same policy as
report.html: Jinja2 autoescape, a Content-Security-Policy without scripts or remote loads, and
every reason and failure message redacted (they may quote a page's URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from preflight.i18n import Lang, say, translations
from preflight.privacy import redact
from preflight.report import files
from preflight.report.html import _ENV
from preflight.report.writer import HTML_FILE

if TYPE_CHECKING:  # the replay builds on the report, not the other way round
    from preflight.scenario._results import ScenarioResult

INDEX_FILE = "index.html"


@dataclass(frozen=True)
class IndexRow:
    scenario: str
    file: str
    browser: str
    verdict: str
    verdict_css: str
    expected: str
    passed: bool
    reason: str
    failure: str
    duration: str
    link: str | None


def report_folder(scenario: str, browser: str) -> str:
    """The folder name the runner gives one scenario's report on one browser."""
    return f"{scenario}-{browser}"


def render_index(
    results: Sequence[ScenarioResult], folder: Path, *, lang: Lang = "fr", at: datetime
) -> str:
    """The index page of `results`, whose order reports are under `folder`."""

    def t(key: str, **values: object) -> str:
        return say(key, lang, **values)

    def verdict(value: str | None) -> str:
        return t(f"index.verdict.{value}") if value else t("index.verdict.none")

    rows = []
    for r in results:
        name = report_folder(r.scenario, r.browser)
        exists = (folder / name / HTML_FILE).is_file()
        rows.append(
            IndexRow(
                scenario=r.scenario,
                file=r.file,
                browser=r.browser,
                verdict=verdict(r.verdict),
                verdict_css=r.verdict or "unknown",
                expected=verdict(r.expected),
                passed=r.passed,
                reason=redact(r.reason),
                failure=redact(r.failure.message) if r.failure and not r.passed else "",
                duration=t("index.seconds", s=f"{r.duration_s:.1f}"),
                # Percent-encoded and relative: a name can never become another scheme or path.
                link=f"{quote(name, safe='')}/{HTML_FILE}" if exists else None,
            )
        )
    passed = sum(1 for r in results if r.passed)
    return _ENV.get_template("index.html").render(
        lang=lang,
        **translations(lang),
        rows=rows,
        summary=t("index.summary", passed=passed, failed=len(results) - passed, total=len(results)),
        started=at.strftime("%Y-%m-%d %H:%M"),
    )


def write_index(
    results: Sequence[ScenarioResult], folder: Path, *, lang: Lang = "fr", at: datetime
) -> Path:
    """Write `folder/index.html` (owner-only, atomically); its path."""
    page = render_index(results, folder, lang=lang, at=at)
    return files.write_inside(folder, INDEX_FILE, page.encode("utf-8"))
