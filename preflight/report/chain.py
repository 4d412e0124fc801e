"""The events log's hash chain: an edited, inserted or deleted line is detectable (issue #24).

Each line of `events.jsonl` carries `prev`, the SHA-256 (hex) of the previous line's bytes
(without its newline); the first line's `prev` is the hash of the report's start
(`start_hash(report.started_at)`), so lines removed from the top show too. The hash of the last
line is the chain's head: `report.json` records it (`chain_head`), so lines removed from the end
show as well, and a claim prints it (`preflight.book.claim`).

A log written before the chain existed has no `prev` at all: it reads as ever
(`load_events` ignores the field) and `verify` says it is `unchained`, not that it was edited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from preflight.errors import ReportError
from preflight.report.models import load_report
from preflight.watch.events import Event

FIELD = "prev"
EVENTS_FILE = "events.jsonl"

# intact: every line links to the one before and the head is the one report.json recorded;
# edited: a line does not (`line` says which); unchained: a log from before the chain;
# unreadable: no log, or no report.json to start the chain from.
ChainStatus = Literal["intact", "edited", "unchained", "unreadable"]


def start_hash(started_at: dt.datetime) -> str:
    """The first line's `prev`: the report's start, as report.json records it."""
    stamp = started_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return hashlib.sha256(f"preflight-events:{stamp}".encode()).hexdigest()


def line_hash(line: bytes) -> str:
    """The hash the next line carries: of this line's bytes, without its newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def chained(event_json: bytes, prev: str) -> bytes:
    """`event_json` (one JSON object) with its `prev` added last, and the newline."""
    body = event_json.rstrip()
    assert body.endswith(b"}"), "an event is one JSON object"
    separator = b"," if body != b"{}" else b""
    return body[:-1] + separator + b'"' + FIELD.encode() + b'":"' + prev.encode() + b'"}\n'


@dataclass(frozen=True)
class ChainCheck:
    status: ChainStatus
    lines: int = 0
    head: str | None = None
    # The first line (from 1) that does not link to the one before; lines + 1: lines missing
    # at the end (the head is not the one report.json recorded).
    line: int | None = None

    @property
    def intact(self) -> bool:
        return self.status == "intact"


def verify(folder: str | Path) -> ChainCheck:
    """Check the chain of a report folder's `events.jsonl` against its `report.json`."""
    folder = Path(folder)
    try:
        report = load_report(folder)
        raw = (folder / EVENTS_FILE).read_bytes()
    except (OSError, ReportError):  # no log, or no report.json to start the chain from
        return ChainCheck("unreadable")
    lines = raw.split(b"\n")
    torn = lines.pop()  # b"" after the last newline; else a line cut by a crash mid-write
    if torn.strip() and _parsed(torn) is not None:
        lines.append(torn)  # whole, just without its newline
    lines = [line for line in lines if line.strip()]
    expected = start_hash(report.started_at)
    chained_any = False
    for number, line in enumerate(lines, start=1):
        found = _parsed(line)
        prev = found.get(FIELD) if found is not None else None
        if prev is None:
            # The first line has no link: a log from before the chain, if no line has one.
            if number == 1 and found is not None and all(_prev(o) is None for o in lines):
                return ChainCheck("unchained", len(lines))
            return ChainCheck("edited", len(lines), line=number)
        chained_any = True
        if prev != expected or found is None or not _an_event(found):
            return ChainCheck("edited", len(lines), line=number)
        expected = line_hash(line)
    head = expected if chained_any else None
    if report.chain_head is not None and report.chain_head != head:
        return ChainCheck("edited", len(lines), head, line=len(lines) + 1)
    if not chained_any:
        return ChainCheck("unchained", 0)
    return ChainCheck("intact", len(lines), head)


def _parsed(line: bytes) -> dict[str, object] | None:
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _prev(line: bytes) -> object:
    found = _parsed(line)
    return found.get(FIELD) if found is not None else None


def _an_event(found: dict[str, object]) -> bool:
    try:
        Event.model_validate(found)
    except ValidationError:
        return False
    return True
