"""Hostile names, URLs and paths reach the terminal, the disk and the report as harmless text
(issue #13, items 3, 4, 8 and 12): each test replays one attack a security review ran."""

from __future__ import annotations

import html
import io
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page
from rich.table import Table

from preflight.cli._out import SafeConsole, plain, styled
from preflight.demo_shop import DemoShop
from preflight.errors import ReportError
from preflight.privacy import decoded, redact
from preflight.report import ReportWriter
from preflight.report.files import write_inside
from preflight.rules import Rules, load_rules
from preflight.scenario import loads
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult
from preflight.watch import Watcher
from preflight.watch.events import Event, Outcome, Violation

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LONG = "x" * 3000


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("demo")


def _event(seq: int, **fields: object) -> Event:
    values: dict[str, object] = {
        "seq": seq,
        "kind": "navigation",
        "nav": "navigate",
        "at": T0 + timedelta(seconds=seq),
        "url": f"http://localhost:8765/sfr/step{seq}",
        "page": 1,
    }
    values.update(fields)
    return Event.model_validate(values)


# -- 12: long names do not widen the report ---------------------------------------------------


@pytest.mark.parametrize("where", ["step", "url"])
def test_a_3000_character_name_does_not_widen_the_report(
    page: Page, tmp_path: Path, rules: Rules, where: str
) -> None:
    url = f"http://localhost:8765/sfr/{LONG}" if where == "url" else "http://localhost:8765/sfr/a"
    step = LONG if where == "step" else "1 goto"
    back = _event(2, nav="back", url=url, step=step)
    violation = Violation(kind="back", url=url, at=back.at, step=step, event_seq=2)
    outcome = Outcome(verdict="lost", entry_seen=True, violations=[violation], events=2)
    with ReportWriter(tmp_path / "r", rules) as writer:
        writer.on_event(_event(1, url=url, step=step))
        writer.on_event(back)
        writer.finish(outcome)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto((tmp_path / "r" / "report.html").as_uri())
    assert LONG in page.content()  # the name is there, wrapped
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"the report is {width} px wide in a 1024 px window"


# -- 8: paths — inside the folder, no link followed, owner-only, loud ------------------------


def _replay(browser: Browser, shop: DemoShop, steps: str, artifacts: Path) -> ScenarioResult:
    """One replay in a context of its own: a watcher attaches once per context."""
    text = f"name: shot\nsteps:\n  - goto: /acn/boutique\n{steps}expect: {{verdict: at_risk}}\n"
    [scenario] = loads(text, file="inline.yaml")
    context = browser.new_context()
    try:
        return replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            variables={"MERCHANT": shop.sfr_url},
            browser=browser.browser_type.name,
            artifacts=artifacts,
        )
    finally:
        context.close()


def test_a_screenshot_name_with_dot_dots_cannot_leave_the_artifacts_folder(
    browser: Browser, shop: DemoShop, tmp_path: Path
) -> None:
    art = tmp_path / "deep" / "art"
    result = _replay(browser, shop, '  - screenshot: "/x/../../../../escaped.png"\n', art)
    assert not result.passed
    assert result.failure is not None and result.failure.step == 2
    assert "inside" in result.failure.message and "'..'" in result.failure.message
    assert [p.name for p in tmp_path.rglob("escaped*")] == []


@pytest.mark.parametrize("bad", ["nul", "long", "folder-is-a-file"])
def test_a_screenshot_that_cannot_be_written_fails_its_step_in_words(
    browser: Browser, shop: DemoShop, tmp_path: Path, bad: str
) -> None:
    art = tmp_path / "art"
    name = {"nul": "a\\0b.png", "long": "n" * 5000 + ".png"}.get(bad, "fine.png")
    if bad == "folder-is-a-file":
        art.write_text("not a folder")
    result = _replay(browser, shop, f'  - screenshot: "{name}"\n', art)
    assert not result.passed, "the scenario passed without its screenshot"
    assert result.failure is not None and result.failure.step == 2
    reason = {"nul": "NUL", "long": "255 bytes", "folder-is-a-file": "not a folder"}[bad]
    assert reason in result.failure.message
    assert "\n" not in result.failure.message


def test_a_link_planted_under_the_next_screenshot_name_is_not_followed(
    browser: Browser, shop: DemoShop, tmp_path: Path
) -> None:
    art = tmp_path / "art"
    art.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    engine = browser.browser_type.name
    # Both: the screenshot a step asks for, and the one of a failing step.
    (art / f"shot-{engine}-planned.png").symlink_to(victim)
    (art / f"shot-{engine}-failed-step-2.png").symlink_to(victim)
    result = _replay(browser, shop, '  - screenshot: "planned.png"\n', art)
    assert result.failure is not None and "symbolic link" in result.failure.message
    result = _replay(browser, shop, '  - wait_for: {selector: "#never", timeout_s: 0.2}\n', art)
    assert result.failure is not None and result.failure.step == 2  # its own failure, still
    assert victim.read_text() == "precious"
    assert (art / f"shot-{engine}-failed-step-2.png").is_symlink()  # refused, not replaced


def test_screenshots_are_owner_only_whatever_the_umask(
    browser: Browser, shop: DemoShop, tmp_path: Path
) -> None:
    old = os.umask(0)
    try:
        result = _replay(browser, shop, "  - screenshot: sub/here.png\n", tmp_path / "art")
    finally:
        os.umask(old)
    assert result.passed, result.failure
    [png] = (tmp_path / "art").rglob("*.png")
    assert stat.S_IMODE(png.stat().st_mode) == 0o600
    assert stat.S_IMODE(png.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "art").stat().st_mode) == 0o700


def test_a_report_folder_that_is_a_link_is_refused_and_its_target_untouched(
    tmp_path: Path, rules: Rules
) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.chmod(target, 0o755)
    link = tmp_path / "report"
    link.symlink_to(target)
    with pytest.raises(ReportError, match="symbolic link"):
        ReportWriter(link, rules)
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert list(target.iterdir()) == []


def test_the_folders_preflight_creates_above_a_report_are_owner_only(
    tmp_path: Path, rules: Rules
) -> None:
    old = os.umask(0o022)
    try:
        with ReportWriter(tmp_path / "reports" / "by-day" / "one", rules) as writer:
            writer.on_event(_event(1))
    finally:
        os.umask(old)
    for folder in (tmp_path / "reports", tmp_path / "reports" / "by-day"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_write_inside_replaces_atomically_and_refuses_links_on_the_way(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    assert write_inside(folder, "a/b.png", b"one") == folder / "a" / "b.png"
    write_inside(folder, "a/b.png", b"two")
    assert (folder / "a" / "b.png").read_bytes() == b"two"
    assert [p.name for p in (folder / "a").iterdir()] == ["b.png"]  # no temporary left
    (folder / "linked").symlink_to(tmp_path)
    with pytest.raises(ReportError, match="symbolic link"):
        write_inside(folder, "linked/x.png", b"x")
    for bad in ("/etc/x.png", "../x.png", "a/../../x.png", ""):
        with pytest.raises(ReportError, match="inside"):
            write_inside(folder, bad, b"x")
    assert not (tmp_path / "x.png").exists()


# -- 4: the terminal shows text, never markup ---------------------------------------------------

HOSTILE = [
    "[/x]",
    "[bare]",
    "[link=https://evil.example]click me[/link]",
    "[blink]blink[/blink]",
    "\x1b]8;;https://evil.example\x1b\\osc8\x1b]8;;\x1b\\",
    "\x1b[5mraw blink\x1b[0m",
    "\u202eevil-rtl",
    ":warning:",
]


def _terminal() -> tuple[SafeConsole, io.StringIO]:
    buffer = io.StringIO()
    return SafeConsole(
        file=buffer, force_terminal=True, width=300, color_system="truecolor"
    ), buffer


def _only_our_escapes(output: str) -> None:
    assert "\x1b]" not in output, "an OSC sequence (hyperlink, title) reached the terminal"
    assert "\x1b[5m" not in output, "blinking text reached the terminal"
    assert "\u202e" not in output
    # What remains of ESC: Rich's own colour codes (CSI … m) only.
    assert re.sub(r"\x1b\[[0-9;]*m", "", output).count("\x1b") == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_foreign_text_is_printed_as_text(text: str) -> None:
    console, buffer = _terminal()
    console.print(styled("✗", "red"), f"step {text} at http://h/sfr/{text}")
    table = Table(title=text)
    table.add_column(text)
    table.add_row(text)
    console.print(table)
    output = buffer.getvalue()
    _only_our_escapes(output)
    visible = plain(text)
    assert visible in re.sub(r"\x1b\[[0-9;]*m", "", output)


def test_a_rendering_failure_falls_back_to_plain_text() -> None:
    class Broken:
        def __rich__(self) -> str:
            raise RuntimeError("boom")

    console, buffer = _terminal()
    console.print("before [/x]", Broken())
    assert "before [/x]" in buffer.getvalue()


def test_the_order_summary_and_live_lines_keep_bracketed_step_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from preflight.cli import _order

    console, buffer = _terminal()
    monkeypatch.setattr(_order, "console", console)
    confirmation = _event(
        3, kind="confirmation", nav=None, detail={"number": "[/x][link=https://evil.example]SFR"}
    )
    watcher = Watcher(load_rules("default"))  # not attached: its state is all that is read
    _order.LiveAlerts("en")(confirmation, watcher)
    path = _event(4, url="http://localhost/sfr/[/x]/[bare]#email=canary.mail@example.fr")
    _order.LiveAlerts("en")(path, watcher)
    output = buffer.getvalue()
    _only_our_escapes(output)
    assert "[/x][link=https://evil.example]SFR" in output
    assert "/sfr/[/x]/[bare]" in output
    assert "canary" not in output


def _preflight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "300"},
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "scenarios", "--var", "[/x]"],
        ["replay", "[/x]/[link=https://evil.example]nope.yaml"],
        ["replay", "scenarios", "--rules", "[/x].toml"],
        ["check", "--rules", "[/x]"],
        ["order", "http://127.0.0.1:9/", "--rules", "[/x]"],
    ],
)
def test_markup_in_arguments_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a.yaml").write_text(
        "name: a\nsteps:\n  - goto: /\nexpect: {verdict: attributed}\n"
    )
    done = _preflight(*args, cwd=tmp_path)
    assert "Traceback" not in done.stderr and "MarkupError" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "[/x]" in done.stderr
    assert "\x1b]" not in done.stderr


def test_a_failing_replay_prints_bracketed_names_and_urls_as_they_are(
    tmp_path: Path, browser_name: str
) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "a.yaml").write_text(
        "name: a\nsteps:\n"
        "  - goto: '/sfr/[/x]'\n"
        "  - name: '[link=https://evil.example]x[/link] [bare]'\n"
        "    expect_url: {url: '*never*', timeout_s: 0.5}\n"
        "expect: {verdict: attributed}\n"
    )
    done = _preflight("replay", "scenarios", "--browser", browser_name, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 1, output
    assert "/sfr/[/x]" in output
    assert "\x1b]" not in output


# -- 3: one redaction, whatever the place and the encoding -------------------------------------

SCALE = max(int(os.environ.get("PREFLIGHT_FUZZ_SCALE", "1") or 1), 1)
CANARIES = {
    "name": "Zorglub Canarynom",
    "address": "12 rue Canaryrue, 75002 Paris",
    "phone": "0611223344",
    "spaced phone": "06 11 22 33 44",
    "international phone": "+33611223344",
    "email": "canary.mail@example.fr",
    "iban": "FR3230006000019876543210189",
    "spaced iban": "FR32 3000 6000 0198 7654 3210 189",
    "card": "4970109988776651",
    "spaced card": "4970 1099 8877 6651",
}
# How a browser, a server or a log spells a value inside a URL.
ENCODINGS: dict[str, Callable[[str], str]] = {
    "percent": lambda v: quote(v, safe=""),
    "percent, / kept": lambda v: quote(v),
    "form": quote_plus,
    "lower-case hex": lambda v: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(v)),
    "double": lambda v: quote(quote(v, safe=""), safe=""),
    "html": lambda v: html.escape(quote(v, safe="@+")),
    "json \\u": lambda v: json.dumps(v.replace(" ", "%20"), ensure_ascii=True)[1:-1].replace(
        "@", "\\u0040"
    ),
    "raw (no spaces)": lambda v: v.replace(" ", "%20"),
}
PLACES = {
    "query value": "http://localhost:8765/sfr/coordonnees?t=tok&email={}",
    "query name": "http://localhost:8765/sfr/coordonnees?{}=1&t=tok",
    "bare query word": "http://localhost:8765/sfr/coordonnees?{}",
    "fragment pair": "http://localhost:8765/app#email=x&tel={}",
    "bare fragment": "http://localhost:8765/app#{}",
    "route segment": "http://localhost:8765/app#/client/{}/suite",
    "route query": "http://localhost:8765/app#/coordonnees?nom={}",
    "path segment": "http://localhost:8765/sfr/client/{}/confirmation",
    "user-info": "http://{}:pw@localhost:8765/sfr/",
    "relative, in a message": "the URL is /sfr/coordonnees?nom={}&t=1, expected *x",
}


def _leaks(text: str, value: str) -> list[str]:
    forms = {value, quote(value), quote_plus(value), quote(value, safe=""), json.dumps(value)[1:-1]}
    forms |= {html.escape(value), value.replace("@", "&#64;"), value.replace("@", "\\u0040")}
    found = [form for form in forms if form in text]
    return found + (["(decoded)"] if value in decoded(text) else [])


@settings(max_examples=600 * SCALE, deadline=None)
@given(
    canary=st.sampled_from(sorted(CANARIES)),
    place=st.sampled_from(sorted(PLACES)),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    in_message=st.booleans(),
    noise=st.lists(
        st.tuples(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.text(max_size=12)),
        max_size=3,
    ),
)
def test_no_canary_survives_the_one_redaction(
    canary: str, place: str, encoding: str, in_message: bool, noise: list[tuple[str, str]]
) -> None:
    value = CANARIES[canary]
    url = PLACES[place].format(ENCODINGS[encoding](value))
    if noise and "?" in url and place != "relative, in a message":
        url += "&" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in noise)
    text = f"expect_url: the URL is {url}, expected one matching */fin*" if in_message else url
    redacted = redact(text)
    assert not _leaks(redacted, value), (text, redacted)
    assert redact(redacted) == redacted  # stable: redacting twice changes nothing


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("http://localhost:8765/sfr/coordonnees?t=tok1&acn=s1&mode=spa", None),
        ("http://localhost:8765/app#/coordonnees", None),
        ("http://localhost:8765/sfr/[/x]", None),
        ("http://localhost:8765/sfr/confirmation#paiement", None),
        ("Chromium 156.0.7800.1, seq 1733080000000 at 2026-12-01 21:06:17", None),
        ("order SFR-123456 confirmed", None),
        ("http://localhost:8765/sfr/a?nom=Dupont", "http://localhost:8765/sfr/a?nom=***"),
    ],
)
def test_the_redaction_keeps_what_holds_no_typed_data(text: str, kept: str | None) -> None:
    assert redact(text) == (kept or text)


def test_known_values_are_hidden_in_free_text_in_every_spelling() -> None:
    known = ["Zorglub Canarynom"]
    text = "Zorglub Canarynom / Zorglub%20Canarynom / Zorglub+Canarynom / ZorglubCanarynom"
    assert "Canarynom" not in redact(text, known=known)


@pytest.mark.timeout(60)  # a hang guard, not a speed test: the quadratic version took hours
@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "http://h/" + "a" * 200_000,
        "x" * 100_000 + "@" + "y" * 100_000,
        "a@" * 100_000,
    ],
)
def test_redaction_stays_linear_on_huge_tokens(text: str) -> None:
    # A single-page shop's URL can carry a 100 KB token; every event URL is redacted.
    assert redact(text + " canary.mail@example.fr").endswith(" ***")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("#3 reload (reload) http://shop.test/sfr/eligibilite [step 8 reload]", True),
        ("http://shop.test/aide#12", True),
        ("http://shop.test/aide#paiement", True),
        ("http://shop.test/#0612345678", False),  # seven digits or more: a phone, a card
        ("http://shop.test/#jean.dupont", False),
    ],
)
def test_a_short_number_after_hash_is_no_personal_data(text: str, kept: bool) -> None:
    # Event lines read `#3 reload …`: the numbers were hidden as `#***`, losing the order of
    # events in every failure message.
    assert (redact(text) == text) is kept


def test_a_short_number_known_as_typed_is_hidden_after_hash() -> None:
    assert redact("http://shop.test/pay#737", known=["737"]) == "http://shop.test/pay#***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "unknown key 'sesion_param' (did you mean 'session_param'?) — expected one of a, b",
            "unknown key 'sesion_param' (did you mean 'session_param'?) — expected one of a, b",
        ),
        ("issue #27, item 5", "issue #27, item 5"),
        ("(see http://h/p?nom=Jean&t=3).", "(see http://h/p?nom=***&t=3)."),
        ("at http://h/p?nom=Jean, then", "at http://h/p?nom=***, then"),
        ("http://h/wiki/A_(b)?x=1", "http://h/wiki/A_(b)?x=***"),
    ],
)
def test_redaction_replaces_values_never_the_punctuation_or_words_around_them(
    text: str, expected: str
) -> None:
    assert redact(text) == expected
