"""The events log's hash chain (issue #24), without a browser: a written log verifies, an edited,
deleted or inserted line is found by its number, an old log without the chain still reads."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_book import watched

from preflight.report import ReportWriter, load_events, verify_chain
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("default")


@pytest.fixture
def folder(tmp_path: Path, rules: Rules) -> Path:
    _, result = watched(tmp_path, rules, tmp_path / "book.sqlite3")
    return result.folder


def _lines(folder: Path) -> list[bytes]:
    return (folder / "events.jsonl").read_bytes().splitlines(keepends=True)


def _write(folder: Path, lines: list[bytes]) -> None:
    (folder / "events.jsonl").write_bytes(b"".join(lines))


def test_a_written_log_is_chained_and_verifies_with_its_head_in_the_report(folder: Path) -> None:
    check = verify_chain(folder)
    assert check.status == "intact" and check.lines == 4
    report = json.loads((folder / "report.json").read_text())
    assert report["chain_head"] == check.head
    assert all(json.loads(line)["prev"] for line in _lines(folder))
    assert [e.seq for e in load_events(folder)] == [1, 2, 3, 4]  # `prev` is not an event field


def test_an_edited_line_is_found_by_its_number(folder: Path) -> None:
    lines = _lines(folder)
    lines[1] = lines[1].replace(b'"navigate"', b'"reload"')  # a Refresh hidden as a click
    _write(folder, lines)
    check = verify_chain(folder)
    assert check.status == "edited" and check.line == 3  # line 3 no longer links to line 2


def test_a_deleted_or_inserted_line_breaks_the_chain(folder: Path) -> None:
    lines = _lines(folder)
    _write(folder, lines[:1] + lines[2:])
    assert (verify_chain(folder).status, verify_chain(folder).line) == ("edited", 2)
    _write(folder, lines[1:])  # the ACN entry removed from the top
    assert verify_chain(folder).line == 1
    _write(folder, lines[:2] + lines[1:])  # a line repeated
    assert verify_chain(folder).status == "edited"


def test_lines_removed_from_the_end_show_against_the_recorded_head(folder: Path) -> None:
    _write(folder, _lines(folder)[:3])
    check = verify_chain(folder)
    assert check.status == "edited" and check.line == 4


def test_a_log_from_before_the_chain_reads_and_says_it_is_unchained(folder: Path) -> None:
    old = []
    for line in _lines(folder):
        data = json.loads(line)
        del data["prev"]
        old.append(json.dumps(data).encode() + b"\n")
    _write(folder, old)
    report = json.loads((folder / "report.json").read_text())
    del report["chain_head"]
    (folder / "report.json").write_text(json.dumps(report))
    assert verify_chain(folder).status == "unchained"
    assert len(list(load_events(folder))) == 4


def test_a_torn_last_line_is_left_out_as_load_events_leaves_it(folder: Path) -> None:
    lines = _lines(folder)
    report = json.loads((folder / "report.json").read_text())
    report["chain_head"] = None  # a killed order: its report.json is provisional
    (folder / "report.json").write_text(json.dumps(report))
    _write(folder, [*lines, b'{"seq": 5, "kind": "navi'])
    check = verify_chain(folder)
    assert check.status == "intact" and check.lines == 4


def test_a_folder_without_report_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    assert verify_chain(tmp_path).status == "unreadable"


def test_the_chain_costs_the_writer_little(tmp_path: Path, rules: Rules) -> None:
    # The fsync per line dominates; the hash is microseconds. 200 events in well under 2 s even
    # on a shared CI machine (fsync on tmpfs or ext4: ~0.1–5 ms each).
    with ReportWriter(tmp_path / "r", rules) as writer:
        began = time.perf_counter()
        for seq in range(1, 201):
            writer.on_event(Event(seq=seq, kind="navigation", nav="navigate", url="https://x/"))
        spent = time.perf_counter() - began
    assert verify_chain(tmp_path / "r").status == "intact"
    assert spent < 2.0
