"""`ReportWriter`: the evidence of one watched order, written as it happens.

A report is a folder, owner-only, holding:

* `events.jsonl` — one event per line, appended, flushed and fsynced per event: a crash keeps
  every event up to it (`load_events` reads it back and tolerates a torn last line); each line
  carries the hash of the one before (`preflight.report.chain`), so an edit is detectable;
* `report.json` — the summary (`preflight.report.models.Report`); a provisional one, marked
  incomplete, is written as soon as the folder exists and rewritten at each screenshot, so
  even a killed process leaves a report that says it is incomplete;
* `report.html` — what the seller reads (`preflight.report.html`), written by `finish`/`close`;
* `screenshots/` — PNGs with bank and personal fields masked;
* `support/` — R7's bundle for the EI help desk, the only place personal data may appear.

Without a folder, a new one is made under the user's data folder (`preflight.places`:
`~/.local/share/preflight/rapports/` on Linux) named
`<YYYYmmdd-HHMMSS>-en-cours`, renamed at the end to `<YYYYmmdd-HHMMSS>-<verdict>` (with
`-incomplete` when the watch did not end normally) so a file manager shows which orders were
lost (`base=` puts that folder elsewhere: `ReportWriter(None, rules, base="~/rapports")`). A
folder given explicitly is this order's own: used as is, never renamed, and new or empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from loguru import logger
from pydantic import ValidationError

from preflight._playwright import playwright_error
from preflight.errors import ReportError
from preflight.i18n import Lang, say
from preflight.places import reports_folder
from preflight.privacy import (
    allowed_params,
    mask_locators,
    redact_event,
    redact_text,
    redact_url,
    screenshot_masks,
    text_masks,
)
from preflight.report import chain, files, html, support
from preflight.report.dates import expected_validation, parse_order_date
from preflight.report.models import (
    Ending,
    OrderReport,
    Report,
    RulesRef,
    ScreenshotRecord,
    load_report,
)
from preflight.watch.events import Event, Outcome, now

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from preflight.rules import Rules

EVENTS_FILE = chain.EVENTS_FILE
REPORT_FILE = "report.json"
HTML_FILE = "report.html"
SCREENSHOTS_DIR = "screenshots"
RUNNING_SUFFIX = "en-cours"
# A finished report's folder says how the order ended, in French without accents (the seller
# opens it in a file manager; ASCII is safe on every file system and in a zip).
FOLDER_WORDS = {
    "confirmed": "attribuee",
    "attributed": "attribuee",
    "order_later": "commande-plus-tard",
    "not_placed": "non-passee",
    "lost": "perdue",
    "at_risk": "a-risque",
    "incomplete": "incomplete",
}
# The ACN link's parameter naming the seller (the EI's business number, not the customer's):
# kept in report.json, as the URLs themselves are redacted.
SELLER_PARAM = "ei"
# Playwright's own default mask colour, named so tests can look for it in the pixels.
MASK_COLOR = "#FF00FF"
# A screenshot waits at most this long: over WebDriver BiDi, Firefox's waits can hang on a page
# restored from the back/forward cache (see RESEARCH.md), and the watch must go on regardless.
SCREENSHOT_TIMEOUT_MS = 5000.0


class ReportWriter:
    """Writes one order's report; see the module docstring for what the folder holds."""

    def __init__(
        self,
        folder: str | Path | None,
        rules: Rules,
        *,
        browser_info: dict[str, str] | None = None,
        lang: Lang = "fr",
        screenshot_timeout_ms: float = SCREENSHOT_TIMEOUT_MS,
        base: str | Path | None = None,
    ) -> None:
        self.rules = rules
        self.lang: Lang = lang
        self.browser_info = dict(browser_info or {})
        self.screenshot_timeout_ms = screenshot_timeout_ms
        self._allowed = allowed_params(rules)
        self._auto = folder is None
        if folder is None:
            self.folder = _new_default_folder(Path(base) if base is not None else reports_folder())
        else:
            self.folder = Path(folder)
        files.make_private_dir(self.folder, must_be_new_or_empty=True)
        self._log_path = self.folder / EVENTS_FILE
        self._fd: int | None = files.open_append(self._log_path)
        self.started_at = now()
        # The hash the next line of the log carries (`preflight.report.chain`).
        self._prev = chain.start_hash(self.started_at)
        self._events = 0
        self._confirmation_at: datetime | None = None
        self._screenshots: list[ScreenshotRecord] = []
        self._support = support.SupportBundle()
        self._support_path: str | None = None
        self._ending: Ending | None = None
        # The ACN link's seller id, set by whoever knows the link (event URLs are redacted).
        self.seller: str | None = None
        self._finished = False
        # The watcher may report from Playwright callbacks and from its own thread alike.
        self._lock = threading.RLock()
        logger.debug("report folder {}", self.folder)
        try:
            self._write_report(self._build(None, incomplete=True, ended=False))
        except ReportError:
            self._close_fd()
            raise

    # -- events -------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Append `event` (URLs redacted) to events.jsonl and make it durable before returning."""
        with self._lock:
            fd = self._open_fd(f"event {event.seq} ({event.kind})")
            safe = redact_event(event, self._allowed)
            line = chain.chained(safe.model_dump_json().encode(), self._prev)
            files.append_durably(fd, line, self._log_path)
            self._prev = chain.line_hash(line)  # only once the line is on disk
            self._events += 1
            if event.kind == "confirmation":
                self._confirmation_at = event.at

    # -- screenshots --------------------------------------------------------------------------

    def screenshot(
        self, page: Page, event: Event, *, known: Iterable[str] = ()
    ) -> ScreenshotRecord:
        """A PNG of `page` with bank and personal fields masked, linked to `event`; so is
        every text holding a `known` value (what the customer typed, echoed by the page).

        Never raises because of the page: a page closed, a browser gone, a selector that cannot
        be resolved all give a record saying why no screenshot was taken. An unmasked screenshot
        is never the fallback.
        """
        with self._lock:
            self._open_fd("a screenshot")
            selectors = screenshot_masks(self.rules)
            png, reason = self._capture(page, selectors, known)
            record = ScreenshotRecord(
                event_seq=event.seq, at=now(), reason=reason, masked=selectors
            )
            if png is not None:
                folder = self.folder / SCREENSHOTS_DIR
                files.make_private_dir(folder)
                name = _free_name(folder, f"{event.seq:04d}-{event.kind}", ".png")
                files.write_atomically(folder / name, png)
                record.path = f"{SCREENSHOTS_DIR}/{name}"
            self._screenshots.append(record)
            self._write_report(self._build(None, incomplete=True, ended=False))
            return record

    def _capture(
        self,
        page: Page,
        selectors: list[str],
        known: Iterable[str] = (),
        *,
        full_page: bool = False,
    ) -> tuple[bytes | None, str | None]:
        try:
            png = page.screenshot(
                mask=mask_locators(page, selectors) + text_masks(page, known),
                mask_color=MASK_COLOR,
                scale="css",
                full_page=full_page,
                timeout=self.screenshot_timeout_ms,
            )
        # Whatever went wrong with the page or the browser, the watch must go on; the report
        # records why there is no picture instead.
        except playwright_error() as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            logger.debug("no screenshot: {}", first_line)
            return None, first_line[:300]
        return png, None

    # -- support bundle (R7) ------------------------------------------------------------------

    def support_bundle(self, page: Page, *, address: str | None, phone: str | None) -> Path:
        """The eligibility test failed: write what the EI help desk needs into `support/`.

        A screenshot of the error (bank fields and personal fields other than the address and
        phone masked), the address and daytime phone as typed — read from the page through
        `rules.privacy.address`/`.phone` when not given — and `demande-assistance.txt`, a
        French message ready to send. Each failed attempt adds its screenshot; the message lists
        them all, up to `support.MAX_ATTEMPTS` (later ones are not recorded). Returns the path
        of the message.
        """
        with self._lock:
            self._open_fd("a support bundle")
            folder = self.folder / support.FOLDER
            if len(self._support.attempts) >= support.MAX_ATTEMPTS:
                logger.debug("support bundle: {} attempts kept already", support.MAX_ATTEMPTS)
                return folder / support.MESSAGE_FILE
            files.make_private_dir(folder)
            number = len(self._support.attempts) + 1
            at = now()
            # The whole page: the error message may sit below the fold.
            masks = screenshot_masks(self.rules, for_support=True)
            png, reason = self._capture(page, masks, full_page=True)
            picture: str | None = None
            if png is not None:
                picture = f"erreur-eligibilite-{number}.png"
                files.write_atomically(folder / picture, png)
            timeout = min(self.screenshot_timeout_ms, 2000.0)
            attempt = support.Attempt(
                number=number,
                at=at,
                url=redact_url(_page_url(page), self._allowed),
                address=address or support.read_field(page, self.rules.privacy.address, timeout),
                phone=phone or support.read_field(page, self.rules.privacy.phone, timeout),
                error_text=support.read_error(page, self.rules.order.eligibility_error, timeout),
                screenshot=picture,
                no_screenshot_reason=reason,
            )
            self._support.attempts.append(attempt)
            files.write_atomically(
                folder / support.MESSAGE_FILE,
                support.message(
                    self._support, self.rules.shop.merchant_name, self.rules.shop.affiliate_name
                ).encode(),
            )
            files.write_atomically(
                folder / support.DATA_FILE, self._support.model_dump_json(indent=2).encode()
            )
            self._support_path = f"{support.FOLDER}/{support.MESSAGE_FILE}"
            self._write_report(self._build(None, incomplete=True, ended=False))
            return folder / support.MESSAGE_FILE

    def _incident_message(self, outcome: Outcome, ending: Ending) -> None:
        """The help-desk message for a lost order or a payment on the spot (the seed's « Qui
        contacter » and « Pour éviter tout rejet de paiement »), beside the eligibility one: what
        happened, when, on which page, the masked screenshot; the customer's details are left
        for the seller to complete (never read from the page here)."""
        if ending == "lost" and outcome.violations:
            first = outcome.violations[0]
            kind, at, url, seq = "lost", first.at, first.url, first.event_seq
            # In French, as the whole message (the help desk's language).
            what = say(f"report.violation.{first.kind}", "fr", **self.rules.names("fr"))
        else:
            paid = [w for w in outcome.warnings if w.kind == "payment_without_order_later"]
            if ending != "at_risk" or not paid:
                return
            kind, at, url, seq, what = "payment", paid[0].at, paid[0].url, paid[0].event_seq, ""
        pictures = [s.path for s in self._screenshots if s.path and s.event_seq >= seq] or [
            s.path for s in self._screenshots if s.path
        ][-1:]
        folder = self.folder / support.FOLDER
        files.make_private_dir(folder)
        text = support.incident_message(
            kind,
            at=at,
            url=redact_url(url, self._allowed),
            what=what,
            pictures=pictures,
            merchant=self.rules.shop.merchant_name,
            affiliate=self.rules.shop.affiliate_name,
        )
        name = support.INCIDENT_FILES[kind]
        files.write_atomically(folder / name, text.encode())
        if self._support_path is None:
            self._support_path = f"{support.FOLDER}/{name}"

    # -- the end ------------------------------------------------------------------------------

    def finish(
        self, outcome: Outcome, *, incomplete: bool = False, ending: Ending | None = None
    ) -> Path:
        """Write report.json and report.html (each atomically) and return report.html's path.

        `ending`: how a seller's order ended (`preflight order`; a replay has none). A lost
        order, or one paid on the spot, also gets its help-desk message in `support/`."""
        with self._lock:
            self._ending = ending
            if ending is not None and not self._finished:
                self._incident_message(outcome, ending)
            return self._finish(outcome, incomplete=incomplete)

    def close(self) -> Path | None:
        """End a report `finish` never ended: it is marked incomplete. No-op after `finish`."""
        with self._lock:
            if self._finished:
                return None
            return self._finish(None, incomplete=True)

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # The exception in flight is the news; a report that cannot be written is logged.
        try:
            self.close()
        except ReportError as error:
            logger.warning("{}", error)

    @property
    def events_path(self) -> Path:
        return self.folder / EVENTS_FILE

    def _finish(self, outcome: Outcome | None, *, incomplete: bool) -> Path:
        with self._lock:
            if self._finished:
                raise ReportError(f"report {self.folder} is already finished")
            report = self._build(outcome, incomplete=incomplete or outcome is None, ended=True)
            page = html.render(report, list(load_events(self.folder)), self.folder, self.lang)
            files.write_atomically(self.folder / HTML_FILE, page.encode())
            # report.json last: until it is replaced, the provisional one says "incomplete",
            # so a failure on the way never leaves a report.json claiming a finished report.
            self._write_report(report)
            self._close_fd()
            self._finished = True
            if self._auto:
                self._rename_auto_folder(report)
            return self.folder / HTML_FILE

    def _build(self, outcome: Outcome | None, *, incomplete: bool, ended: bool) -> Report:
        order = None
        if outcome is not None and outcome.order is not None:
            given = parse_order_date(outcome.order.date)
            if given is None and outcome.order.date is None and self._confirmation_at:
                # No date on the page: the order was passed when its confirmation showed.
                given = self._confirmation_at.astimezone().date()
            validation = expected_validation(outcome.order.type, given, _delays(self.rules))
            order = OrderReport(
                number=outcome.order.number,
                type=outcome.order.type,
                date=outcome.order.date or (given.isoformat() if given else None),
                expected_validation_date=validation.expected_date,
                validation_business_days=validation.business_days,
            )
        keep = self._allowed
        return Report(
            verdict=outcome.verdict if outcome else None,
            ending=self._ending if outcome else None,
            incomplete=incomplete,
            started_at=self.started_at,
            ended_at=now() if ended else None,
            browser=self.browser_info,
            seller=self.seller,
            rules=RulesRef(
                name=self.rules.name,
                source=self.rules.source,
                merchant_name=self.rules.shop.merchant_name,
                affiliate_name=self.rules.shop.affiliate_name,
                order_later=list(self.rules.order.order_later),
                validation_business_days=_delays(self.rules),
            ),
            entry_seen=outcome.entry_seen if outcome else False,
            reason=redact_text(outcome.reason, keep) if outcome else None,
            reason_kind=outcome.reason_kind if outcome else None,
            merchant_seen=outcome.merchant_seen if outcome else False,
            completed=outcome.completed if outcome else False,
            coverage=list(outcome.coverage) if outcome else [],
            violations=[
                v.model_copy(
                    update={"url": redact_url(v.url, keep), "message": redact_text(v.message, keep)}
                )
                for v in (outcome.violations if outcome else [])
            ],
            warnings=[
                w.model_copy(
                    update={"url": redact_url(w.url, keep), "message": redact_text(w.message, keep)}
                )
                for w in (outcome.warnings if outcome else [])
            ],
            order=order,
            events=self._events,
            # Only once ended: a provisional report.json lags behind the log it would vouch for.
            chain_head=self._prev if self._events and ended else None,
            load_failures=outcome.load_failures if outcome else 0,
            screenshots=list(self._screenshots),
            support_bundle=self._support_path,
        )

    def _write_report(self, report: Report) -> None:
        files.write_atomically(self.folder / REPORT_FILE, report.model_dump_json(indent=2).encode())

    def _open_fd(self, what: str) -> int:
        if self._finished or self._fd is None:
            raise ReportError(f"report {self.folder} is already finished: {what} not recorded")
        return self._fd

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _rename_auto_folder(self, report: Report) -> None:
        stamp = self.folder.name.removesuffix(f"-{RUNNING_SUFFIX}")
        said = report.ending or report.verdict
        parts = [stamp, *([FOLDER_WORDS[said]] if said else [])]
        if report.incomplete:
            parts.append(FOLDER_WORDS["incomplete"])
        target = self.folder.with_name("-".join(parts))
        counter = 2
        while target.exists():  # another order finished in the same second
            target = self.folder.with_name("-".join([f"{stamp}.{counter}", *parts[1:]]))
            counter += 1
        try:
            self.folder.rename(target)
        except OSError as error:
            logger.debug("report folder kept as {}: {}", self.folder, error)
            return
        self.folder = target


def recover(folder: str | Path, *, lang: Lang = "fr") -> Path:
    """Finish the report of a process that died without `close` (SIGKILL, power cut).

    What is on disk is the evidence: the log up to its last whole line and the provisional
    report.json (with its screenshots). The report becomes incomplete, its event count is the
    log's, and report.html is written. Returns report.html's path.
    """
    folder = Path(folder)
    report = load_report(folder)
    events = list(load_events(folder))
    if report.ended_at is None:
        report = report.model_copy(update={"incomplete": True, "events": len(events)})
    page = html.render(report, events, folder, lang)
    files.write_atomically(folder / HTML_FILE, page.encode())
    files.write_atomically(folder / REPORT_FILE, report.model_dump_json(indent=2).encode())
    return folder / HTML_FILE


def load_events(folder: str | Path) -> Iterator[Event]:
    """The events of a report folder, in order; a torn last line (a crash mid-write) is skipped."""
    path = Path(folder) / EVENTS_FILE
    try:
        stream = path.open("rb")
    except OSError as error:
        raise ReportError(f"{path}: cannot be read ({error.strerror})") from None
    with stream:
        pending: tuple[int, bytes] | None = None
        for number, raw in enumerate(stream, start=1):
            if pending is not None:
                yield _parse_line(path, *pending)
            pending = (number, raw) if raw.strip() else None
        if pending is not None:
            with contextlib.suppress(ReportError):
                yield _parse_line(path, *pending)


def _parse_line(path: Path, number: int, raw: bytes) -> Event:
    try:
        return Event.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as error:
        reason = str(error).splitlines()[0]
        raise ReportError(
            f"{path}:{number}: not an event ({reason}) — expected one JSON event per line"
        ) from None


def seller_of(url: str) -> str | None:
    """The seller id an ACN link carries (`?ei=…`), or None."""
    try:
        values = parse_qs(urlsplit(url).query).get(SELLER_PARAM, [])
    except ValueError:
        return None
    value = values[0].strip() if values else ""
    return value[:64] or None


def _new_default_folder(base: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = base / f"{stamp}-{RUNNING_SUFFIX}"
    counter = 2
    while folder.exists():
        folder = base / f"{stamp}.{counter}-{RUNNING_SUFFIX}"
        counter += 1
    return folder


def _delays(rules: Rules) -> dict[str, int]:
    return {str(kind): days for kind, days in rules.shop.validation_business_days.items()}


def _free_name(folder: Path, stem: str, suffix: str) -> str:
    name, counter = f"{stem}{suffix}", 2
    while (folder / name).exists():
        name, counter = f"{stem}-{counter}{suffix}", counter + 1
    return name


def _page_url(page: Page) -> str:
    try:
        return page.url
    except playwright_error():  # a page whose browser is gone: the URL is only context
        return ""
