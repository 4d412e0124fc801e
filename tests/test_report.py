"""The report without a browser: log, report.json, report.html, atomicity, privacy, faults."""

from __future__ import annotations

import html
import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.errors import ReportError
from preflight.report import (
    Report,
    ReportWriter,
    load_events,
    load_report,
    recover,
    redact_url,
)
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event, OrderInfo, Outcome, Violation, Warning

T0 = datetime(2026, 11, 27, 13, 3, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("demo")


def event(seq: int, kind: str = "navigation", **fields: object) -> Event:
    values: dict[str, object] = {
        "seq": seq,
        "kind": kind,
        "at": T0 + timedelta(seconds=seq),
        "url": f"http://localhost:8765/sfr/step{seq}?t=tok{seq}",
        "page": 1,
    }
    if kind == "navigation":
        values["nav"] = "navigate"
    values.update(fields)
    return Event.model_validate(values)


def local_time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def lost_by_back(back: Event) -> Outcome:
    violation = Violation(kind="back", url=back.url, at=back.at, step=back.step, event_seq=back.seq)
    return Outcome(verdict="lost", entry_seen=True, violations=[violation], events=3)


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# -- the event log ------------------------------------------------------------------------------


def test_each_event_is_one_line_on_disk_before_on_event_returns(
    tmp_path: Path, rules: Rules
) -> None:
    rw = ReportWriter(tmp_path / "r", rules)
    log = tmp_path / "r" / "events.jsonl"
    for seq in (1, 2, 3):
        rw.on_event(event(seq))
        # Read through a separate handle while the writer still holds its own open.
        lines = read_lines(log)
        assert len(lines) == seq
        assert json.loads(lines[-1])["seq"] == seq
    assert [e.seq for e in load_events(tmp_path / "r")] == [1, 2, 3]
    rw.close()


def test_events_read_back_equal_the_events_written(tmp_path: Path, rules: Rules) -> None:
    written = [
        event(1, "acn_entry", url="http://127.0.0.1:8765/acn/go/EI42?acn=s1"),
        event(2, nav="back", step="Vos coordonnées", sources=["probe:stamp", "cdp"]),
        event(3, "customer_service", detail={"selector": "#chat", "text": "Chat"}),
    ]
    with ReportWriter(tmp_path / "r", rules) as rw:
        for item in written:
            rw.on_event(item)
    assert list(load_events(tmp_path / "r")) == written


def test_a_torn_last_line_is_skipped_and_the_rest_read(tmp_path: Path, rules: Rules) -> None:
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event(1))
        rw.on_event(event(2))
    log = tmp_path / "r" / "events.jsonl"
    whole = event(3).model_dump_json()
    with log.open("a", encoding="utf-8") as stream:
        stream.write(whole[: len(whole) // 2])  # a crash in the middle of a write
    assert [e.seq for e in load_events(tmp_path / "r")] == [1, 2]


def test_a_broken_line_in_the_middle_names_the_file_and_line(tmp_path: Path, rules: Rules) -> None:
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event(1))
    log = tmp_path / "r" / "events.jsonl"
    with log.open("a", encoding="utf-8") as stream:
        stream.write('{"seq": "not a number"}\n' + event(3).model_dump_json() + "\n")
    with pytest.raises(ReportError, match=r"events\.jsonl:2: not an event"):
        list(load_events(tmp_path / "r"))


def test_no_event_log_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"events\.jsonl: cannot be read"):
        list(load_events(tmp_path))


def test_an_event_after_finish_is_refused(tmp_path: Path, rules: Rules) -> None:
    rw = ReportWriter(tmp_path / "r", rules)
    rw.finish(Outcome(verdict="attributed", entry_seen=True))
    with pytest.raises(ReportError, match="already finished"):
        rw.on_event(event(1))


# -- report.json --------------------------------------------------------------------------------


def test_report_json_holds_the_outcome_and_validates(tmp_path: Path, rules: Rules) -> None:
    back = event(2, nav="back", step="Vos coordonnées")
    with ReportWriter(tmp_path / "r", rules, browser_info={"family": "firefox"}) as rw:
        for item in (event(1, "acn_entry"), back, event(3)):
            rw.on_event(item)
        html = rw.finish(lost_by_back(back))
    assert html == tmp_path / "r" / "report.html"
    raw = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert set(raw) >= {
        "verdict", "incomplete", "started_at", "ended_at", "browser", "rules", "entry_seen",
        "violations", "warnings", "order", "events", "screenshots", "support_bundle",
    }  # fmt: skip
    report = Report.model_validate(raw)
    assert report.verdict == "lost"
    assert report.incomplete is False
    assert report.events == 3
    assert report.browser == {"family": "firefox"}
    assert report.rules.name == "demo"
    assert [v.kind for v in report.violations] == ["back"]
    assert report.ended_at is not None and report.ended_at >= report.started_at
    assert report.support_bundle is None


def test_a_report_exists_and_says_incomplete_from_the_start(tmp_path: Path, rules: Rules) -> None:
    rw = ReportWriter(tmp_path / "r", rules)
    rw.on_event(event(1))
    # What a killed process leaves behind: the provisional report and the log.
    report = load_report(tmp_path / "r")
    assert report.incomplete is True
    assert report.verdict is None
    assert report.ended_at is None
    rw.close()


def test_close_without_finish_marks_the_report_incomplete(tmp_path: Path, rules: Rules) -> None:
    rw = ReportWriter(tmp_path / "r", rules)
    rw.on_event(event(1))
    html = rw.close()
    assert html is not None and html.exists()
    report = load_report(tmp_path / "r")
    assert report.incomplete is True
    assert report.events == 1
    assert "Rapport incomplet" in html.read_text(encoding="utf-8")
    assert rw.close() is None  # closing twice changes nothing


def test_an_exception_in_the_block_leaves_an_incomplete_report(
    tmp_path: Path, rules: Rules
) -> None:
    with (
        pytest.raises(RuntimeError, match="browser killed"),
        ReportWriter(tmp_path / "r", rules) as rw,
    ):
        rw.on_event(event(1))
        rw.on_event(event(2))
        raise RuntimeError("browser killed")
    report = load_report(tmp_path / "r")
    assert report.incomplete is True
    assert [e.seq for e in load_events(tmp_path / "r")] == [1, 2]
    assert (tmp_path / "r" / "report.html").exists()


def test_finish_incomplete_keeps_the_verdict_and_says_incomplete(
    tmp_path: Path, rules: Rules
) -> None:
    back = event(1, nav="back", step="Offre")
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(back)
        html = rw.finish(lost_by_back(back), incomplete=True)
    report = load_report(tmp_path / "r")
    assert (report.verdict, report.incomplete) == ("lost", True)
    text = html.read_text(encoding="utf-8")
    assert "Commande perdue" in text and "Rapport incomplet" in text


def test_report_json_is_replaced_by_a_rename_and_leaves_no_temporary_file(
    tmp_path: Path, rules: Rules
) -> None:
    rw = ReportWriter(tmp_path / "r", rules)
    provisional = (tmp_path / "r" / "report.json").stat().st_ino
    rw.finish(Outcome(verdict="attributed", entry_seen=True))
    # A new inode: the file was renamed over, never rewritten in place.
    assert (tmp_path / "r" / "report.json").stat().st_ino != provisional
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "events.jsonl",
        "report.html",
        "report.json",
    ]


def test_without_a_folder_the_report_goes_under_the_data_folder_named_by_verdict(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    rw = ReportWriter(None, rules)
    assert rw.folder.parent == tmp_path / "preflight" / "rapports"
    assert rw.folder.name.endswith("-en-cours")
    html = rw.finish(Outcome(verdict="at_risk", entry_seen=True))
    assert rw.folder.name.endswith("-a-risque")  # French, no accent: the seller opens it
    assert html == rw.folder / "report.html" and html.exists()
    assert not list(rw.folder.parent.glob("*-en-cours"))


def test_reports_of_successive_orders_go_side_by_side_under_a_chosen_base(
    tmp_path: Path, rules: Rules
) -> None:
    first = ReportWriter(None, rules, base=tmp_path / "rapports")
    second = ReportWriter(None, rules, base=tmp_path / "rapports")
    first.finish(Outcome(verdict="lost", entry_seen=True))
    second.finish(Outcome(verdict="attributed", entry_seen=True))
    names = sorted(p.name for p in (tmp_path / "rapports").iterdir())
    assert len(names) == 2
    assert {name.split("-", 2)[-1] for name in names} == {"perdue", "attribuee"}


def test_a_closed_report_without_verdict_is_named_incomplete(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rw = ReportWriter(None, rules)
    rw.close()
    assert rw.folder.name.endswith("-incomplete")
    assert load_report(rw.folder).incomplete


# -- report.html ----------------------------------------------------------------------------------


def write_report(folder: Path, rules: Rules, events: list[Event], outcome: Outcome) -> str:
    """The HTML as written (entities and all)."""
    with ReportWriter(folder, rules) as rw:
        for item in events:
            rw.on_event(item)
        return rw.finish(outcome).read_text(encoding="utf-8")


def html_text(folder: Path, rules: Rules, events: list[Event], outcome: Outcome) -> str:
    """The HTML with entities decoded, as a reader sees its sentences."""
    return html.unescape(write_report(folder, rules, events, outcome))


def test_html_says_attributed_in_one_sentence(tmp_path: Path, rules: Rules) -> None:
    text = html_text(
        tmp_path / "r",
        rules,
        [event(1, "acn_entry")],
        Outcome(verdict="attributed", entry_seen=True),
    )
    assert "Commande attribuée à votre session ACN." in text
    assert "Commande perdue" not in text


def test_html_names_the_violation_its_page_and_time(tmp_path: Path, rules: Rules) -> None:
    back = event(2, nav="back", step="Vos coordonnées")
    text = html_text(tmp_path / "r", rules, [event(1), back], lost_by_back(back))
    sentence = (
        "Retour arrière du navigateur à l'étape « Vos coordonnées » sur la page "
        f"localhost:8765/sfr/step2, à {local_time(back.at)}"
    )
    assert f"Commande perdue : {sentence}." in text
    assert f"<li>{sentence}</li>" in text  # listed under what ended the session
    assert '<tr class="violation">' in text  # and highlighted in the timeline
    assert "ne sera pas comptabilisée pour votre rémunération" in text


def test_html_explains_an_order_at_risk(tmp_path: Path, rules: Rules) -> None:
    pay = event(4, "payment_reached")
    warning = Warning(kind="payment_without_order_later", url=pay.url, at=pay.at, event_seq=pay.seq)
    text = html_text(
        tmp_path / "r",
        rules,
        [pay],
        Outcome(verdict="at_risk", entry_seen=True, warnings=[warning]),
    )
    assert "Commande à risque : paiement atteint sans passer par « Commander plus tard »" in text
    assert "<li>Paiement atteint sans passer par" in text  # listed as a sentence of its own
    assert '<tr class="warning">' in text


def test_html_of_a_fibre_order_gives_the_validation_date_and_the_acn_form_reminder(
    tmp_path: Path, rules: Rules
) -> None:
    order = OrderInfo(number="SFR-2026-000123", type="Fibre", date="27/11/2026")
    text = html_text(
        tmp_path / "r",
        rules,
        [event(1, "confirmation")],
        Outcome(verdict="attributed", entry_seen=True, order=order),
    )
    # Friday 27 November 2026 + 3 business days = Wednesday 2 December 2026.
    assert "au plus tard le mercredi 2 décembre 2026" in text
    assert "« Confirmation SFR »" in text
    assert "SFR-2026-000123" in text
    report = load_report(tmp_path / "r")
    assert report.order is not None
    assert str(report.order.expected_validation_date) == "2026-12-02"
    assert report.order.validation_business_days == 3


def test_html_of_an_adsl_order_counts_25_business_days(tmp_path: Path, rules: Rules) -> None:
    order = OrderInfo(number="A1", type="ADSL", date="2026-12-18")
    text = html_text(
        tmp_path / "r", rules, [], Outcome(verdict="attributed", entry_seen=True, order=order)
    )
    assert "au plus tard le mardi 26 janvier 2027" in text
    assert load_report(tmp_path / "r").order.validation_business_days == 25  # type: ignore[union-attr]


def test_html_of_a_mobile_order_invents_no_date(tmp_path: Path, rules: Rules) -> None:
    order = OrderInfo(number="M1", type="Mobile 5G", date="27/11/2026")
    text = html_text(
        tmp_path / "r", rules, [], Outcome(verdict="attributed", entry_seen=True, order=order)
    )
    assert "n'est pas précisé" in text
    assert "première carte SIM activée" in text
    assert "au plus tard le" not in text
    report = load_report(tmp_path / "r")
    assert report.order is not None and report.order.expected_validation_date is None


def test_an_order_without_a_date_is_dated_by_its_confirmation(tmp_path: Path, rules: Rules) -> None:
    confirmation = event(1, "confirmation")
    order = OrderInfo(number="F1", type="Fibre")
    write_report(
        tmp_path / "r",
        rules,
        [confirmation],
        Outcome(verdict="attributed", entry_seen=True, order=order),
    )
    report = load_report(tmp_path / "r")
    assert report.order is not None
    assert report.order.date == confirmation.at.astimezone().date().isoformat()
    assert report.order.expected_validation_date is not None


def test_html_in_english_when_asked(tmp_path: Path, rules: Rules) -> None:
    with ReportWriter(tmp_path / "r", rules, lang="en") as rw:
        text = rw.finish(Outcome(verdict="attributed", entry_seen=True)).read_text("utf-8")
    assert "Order attributed to your ACN session." in text


def test_page_texts_are_escaped_in_html(tmp_path: Path, rules: Rules) -> None:
    hostile = event(
        1,
        nav="back",
        step="<script>alert(1)</script>",
        url="http://localhost:8765/sfr/x?t=<img src=x onerror=alert(2)>",
        detail={"title": "<b>bold</b>"},
    )
    text = write_report(tmp_path / "r", rules, [hostile], lost_by_back(hostile))
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text
    assert "script-src" not in text and "default-src 'none'" in text  # no script may run


# -- privacy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost/sfr/a?t=abc&acn=s1", "http://localhost/sfr/a?t=abc&acn=s1"),
        ("http://localhost/sfr/a?nom=Dupont&t=abc", "http://localhost/sfr/a?nom=***&t=abc"),
        ("http://h/p?iban=FR76+3000&mode=spa", "http://h/p?iban=***&mode=spa"),
        ("http://h/p?jean.dupont@example.fr", "http://h/p?***"),
        ("http://h/app#/coordonnees", "http://h/app#/coordonnees"),
        ("http://h/app#/x?email=a@b.fr&t=1", "http://h/app#/x?email=***&t=1"),
        ("http://h/app#nom=Dupont", "http://h/app#nom=***"),
        ("http://user:secret@h/p", "http://***@h/p"),
        ("about:blank", "about:blank"),
        ("http://h/p?a%3Db=1", "http://h/p?***=***"),  # a name that is no field name: data
    ],
)
def test_url_query_values_other_than_the_allowed_ones_are_hidden(url: str, expected: str) -> None:
    assert redact_url(url) == expected


_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_[]", min_size=1, max_size=12).filter(
    lambda name: name not in {"t", "acn", "mode"}
)
_VALUES = st.text(min_size=0, max_size=30).map(lambda text: f"CANARY{text}")


@settings(max_examples=500, deadline=None)
@given(
    hidden=st.lists(st.tuples(_NAMES, _VALUES), min_size=1, max_size=5),
    kept=st.lists(st.tuples(st.sampled_from(["t", "acn", "mode"]), _NAMES), max_size=3),
    in_fragment=st.booleans(),
)
def test_no_generated_query_value_survives_redaction(
    hidden: list[tuple[str, str]], kept: list[tuple[str, str]], in_fragment: bool
) -> None:
    query = urlencode(hidden + kept)
    url = (
        f"http://localhost:8765/app#/coordonnees?{query}"
        if in_fragment
        else (f"http://localhost:8765/sfr/coordonnees?{query}")
    )
    redacted = redact_url(url)
    assert "CANARY" not in redacted
    for name, value in kept:
        assert urlencode([(name, value)]) in redacted


def test_no_query_value_from_a_get_form_reaches_any_report_file(
    tmp_path: Path, rules: Rules
) -> None:
    leaky = "http://localhost:8765/sfr/coordonnees?t=ok&nom=CanaryNom&iban=FR76CanaryIban"
    detail = {"from": leaky, "message": f"back from {leaky} to the offer", "label": "Suivant"}
    back = event(2, nav="back", url=leaky, detail=detail)
    outcome = lost_by_back(back)
    outcome.violations[0].message = f"Back on {leaky}"
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event(1, url=leaky))
        rw.on_event(back)
        rw.finish(outcome)
    found = [p for p in (tmp_path / "r").rglob("*") if p.is_file() and b"Canary" in p.read_bytes()]
    assert found == []
    hidden = "http://localhost:8765/sfr/coordonnees?t=ok&nom=***&iban=***"
    assert json.loads(read_lines(tmp_path / "r" / "events.jsonl")[1])["detail"] == {
        "from": hidden,
        "message": f"back from {hidden} to the offer",
        "label": "Suivant",
    }
    assert load_report(tmp_path / "r").violations[0].message == f"Back on {hidden}"


def test_report_files_and_folders_are_owner_only_whatever_the_umask(
    tmp_path: Path, rules: Rules
) -> None:
    old = os.umask(0)  # the most permissive umask possible
    try:
        with ReportWriter(tmp_path / "r", rules) as rw:
            rw.on_event(event(1))
    finally:
        os.umask(old)
    folder = tmp_path / "r"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert modes == {"events.jsonl": 0o600, "report.json": 0o600, "report.html": 0o600}


# -- faults -------------------------------------------------------------------------------------


def test_a_folder_that_cannot_be_created_is_a_clear_report_error(
    tmp_path: Path, rules: Rules
) -> None:
    # A path under a regular file fails for every user, root included (chmod would not).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        ReportWriter(blocker / "report", rules)
    message = str(caught.value)
    assert str(blocker / "report") in message
    assert "cannot create the folder" in message


def test_a_folder_holding_other_files_is_refused(tmp_path: Path, rules: Rules) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match="not empty"):
        ReportWriter(tmp_path / "r", rules)
    assert (tmp_path / "r" / "notes.txt").read_text(encoding="utf-8") == "mine"


# A real write failure for every user: the process's file-size limit (RLIMIT_FSIZE) makes the
# kernel refuse writes past it with EFBIG, as a full disk refuses them with ENOSPC. It runs in a
# child process so the limit cannot touch the test runner.
DISK_FULL_SCRIPT = textwrap.dedent(
    """
    import json, resource, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from preflight.errors import ReportError
    from preflight.report import ReportWriter, load_events, load_report
    from preflight.rules import load_rules
    from preflight.watch.events import Event, Outcome

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
    folder = Path(sys.argv[1])
    rw = ReportWriter(folder, load_rules("demo"))
    log = folder / "events.jsonl"
    def ev(seq):
        detail = {"message": "x" * 200}
        return Event(seq=seq, kind="note", url="http://localhost/sfr/a", detail=detail)
    rw.on_event(ev(1)); rw.on_event(ev(2))
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Room for one more whole line and half of the next one.
    line = len(ev(3).model_dump_json()) + 1
    resource.setrlimit(resource.RLIMIT_FSIZE, (log.stat().st_size + line + line // 2, hard))
    rw.on_event(ev(3))
    result = {}
    try:
        rw.on_event(ev(4))
    except ReportError as error:
        result["event_error"] = str(error)
    result["after_event_error"] = [e.seq for e in load_events(folder)]
    try:
        rw.finish(Outcome(verdict="attributed", entry_seen=True))
    except ReportError as error:
        result["finish_error"] = str(error)
    result["report_after_failed_finish"] = load_report(folder).model_dump(mode="json")
    result["leftovers"] = sorted(p.name for p in folder.iterdir())
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # the disk has room again
    rw.on_event(ev(5))
    rw.finish(Outcome(verdict="attributed", entry_seen=True), incomplete=True)
    result["final"] = [e.seq for e in load_events(folder)]
    result["final_report"] = load_report(folder).model_dump(mode="json")
    print(json.dumps(result))
    """
)


def test_a_full_disk_keeps_every_whole_event_and_the_previous_report(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL_SCRIPT, str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "cannot append to" in result["event_error"]
    assert str(tmp_path / "r" / "events.jsonl") in result["event_error"]
    assert "File too large" in result["event_error"]
    # The half-written line was cut back: every whole event stays, nothing torn.
    assert result["after_event_error"] == [1, 2, 3]
    assert "report.html" in result["finish_error"]
    # The failed finish left the provisional report.json (written last) whole, no temporary file.
    assert result["report_after_failed_finish"]["incomplete"] is True
    assert result["leftovers"] == ["events.jsonl", "report.json"]
    # Once there is room again, the log goes on where it stopped and the report says incomplete.
    assert result["final"] == [1, 2, 3, 5]
    assert result["final_report"]["incomplete"] is True
    assert result["final_report"]["verdict"] == "attributed"


KILLED_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from preflight.report import ReportWriter
    from preflight.rules import load_rules
    from preflight.watch.events import Event

    rw = ReportWriter(Path(sys.argv[1]), load_rules("demo"))
    for seq in range(1, 6):
        rw.on_event(Event(seq=seq, kind="navigation", nav="navigate", url="http://localhost/sfr/a"))
    os.kill(os.getpid(), signal.SIGKILL)  # no finally, no atexit: the hardest stop there is
    """
)


def test_a_killed_process_leaves_every_event_and_a_report_saying_incomplete(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_SCRIPT, str(tmp_path / "r")],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -9, done.stderr
    assert [e.seq for e in load_events(tmp_path / "r")] == [1, 2, 3, 4, 5]
    assert load_report(tmp_path / "r").incomplete is True
    html_path = recover(tmp_path / "r")
    report = load_report(tmp_path / "r")
    assert (report.incomplete, report.events, report.verdict) == (True, 5, None)
    text = html.unescape(html_path.read_text("utf-8"))
    assert "Rapport incomplet" in text
    assert text.count('<tr class="info">') == 5


# A real full disk: a 256 KiB tmpfs mounted in a private mount namespace (`unshare -rm`, so no
# root is needed and nothing outside the child process sees it).
TMPFS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from preflight.errors import ReportError
    from preflight.report import ReportWriter, load_events, load_report
    from preflight.rules import load_rules
    from preflight.watch.events import Event, Outcome

    disk = Path(sys.argv[1])
    rw = ReportWriter(disk / "r", load_rules("demo"))
    filler = disk / "filler"
    filler.write_bytes(b"x" * 196608)  # room the test frees later, as a user would
    seq, error = 0, None
    while error is None and seq < 100000:
        seq += 1
        event = Event(seq=seq, kind="note", url="http://localhost/a", detail={"m": "y" * 20})
        try:
            rw.on_event(event)
        except ReportError as caught:
            error = str(caught)
    result = {"error": error, "failed_seq": seq}
    result["logged"] = [e.seq for e in load_events(disk / "r")]
    try:
        rw.finish(Outcome(verdict="attributed", entry_seen=True), incomplete=True)
    except ReportError as caught:
        result["finish_error"] = str(caught)
    result["provisional_incomplete"] = load_report(disk / "r").incomplete
    filler.unlink()
    rw.finish(Outcome(verdict="attributed", entry_seen=True), incomplete=True)
    result["final"] = load_report(disk / "r").model_dump(mode="json")
    print(json.dumps(result))
    """
)


def test_a_real_full_disk_is_a_clear_error_and_the_log_stays_whole(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    shell = (
        f'mount -t tmpfs -o size=256k tmpfs {disk} || exit 77; exec {sys.executable} -c "$0" {disk}'
    )
    try:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", shell, TMPFS_SCRIPT],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no unshare here (util-linux); the RLIMIT_FSIZE test covers the same path")
    if done.returncode == 77 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "the disk is full" in result["error"]
    assert str(disk / "r" / "events.jsonl") in result["error"]
    # Every event that was accepted is in the log, whole; the refused one is not.
    assert result["logged"] == list(range(1, result["failed_seq"]))
    assert "report not written" in result["finish_error"]
    assert result["provisional_incomplete"] is True
    assert result["final"]["incomplete"] is True
    assert result["final"]["events"] == result["failed_seq"] - 1
