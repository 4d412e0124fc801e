"""`preflight replay` around the replay itself: `--check`, `-k`, the run's index.html, and what
a CI log (stdout a pipe) shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Page

from preflight.i18n import Lang
from preflight.report.index import render_index
from preflight.scenario import ScenarioResult, load_paths
from preflight.scenario._check import selector_problem
from preflight.scenario._results import Failure

REPO = Path(__file__).resolve().parent.parent
LIBRARY = REPO / "scenarios"

# Imported first by any Python started with this folder on PYTHONPATH: any process the run
# tries to start (Playwright's driver, hence any browser) is refused and said on stderr.
NO_PROCESS = """\
import sys
def _hook(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system"):
        sys.stderr.write("SPAWNED " + event + "\\n")
        raise RuntimeError("no process may start during --check")
sys.addaudithook(_hook)
"""


def _preflight(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 280
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _no_process_env(tmp_path: Path) -> dict[str, str]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_PROCESS, encoding="utf-8")
    return {"PYTHONPATH": str(hook), "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "none")}


# --- --check -----------------------------------------------------------------------------------

BAD_FILES = {
    "syntax.yaml": (
        'name: s\nsteps:\n  - goto: /\n  - click: "#a" x\nexpect: {verdict: lost}\n',
        4,
    ),
    "placeholder.yaml": (
        "name: p\nsteps:\n  - goto: /\n  - fill: {selector: '#a', value: '${NOPE}'}\n"
        "expect: {verdict: lost}\n",
        4,
    ),
    "selector.yaml": (
        "name: c\nsteps:\n  - goto: /\n  - wait_for: '#a'\n  - click: 'div[data-x=\"1\"'\n"
        "expect: {verdict: lost}\n",
        5,
    ),
    "engine.yaml": (
        "name: e\nsteps:\n  - goto: /\n  - click: {frame: 'iframe >> ', selector: 'lable=Nom'}\n"
        "expect: {verdict: lost}\n",
        4,
    ),
    "local.yaml": ("name: l\nsteps:\n  - goto: file:///etc/passwd\nexpect: {verdict: lost}\n", 3),
}


def test_check_says_ok_or_the_error_per_file_and_starts_no_process(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text((LIBRARY / "direct-entry.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for name, (text, _) in BAD_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = _no_process_env(tmp_path)
    done = _preflight("replay", "--check", ".", "missing.yaml", cwd=tmp_path, env=env)
    assert "SPAWNED" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok rules") and "good.yaml (3 scenarios)" in done.stdout
    for name, (_, line) in BAD_FILES.items():
        [said] = [entry for entry in lines if f"{name}:" in entry]
        assert said.startswith("error ") and f"{name}:{line}" in said and "expected" in said, said
    assert "${NOPE}" in done.stdout and "--var NOPE=VALUE" in done.stdout
    assert "unknown selector engine 'lable'" in done.stdout or "empty part" in done.stdout
    assert "file: scheme is not allowed" in done.stdout
    assert any("missing.yaml" in entry and "no such file" in entry for entry in lines)
    # One line per file (the rules, 1 good, 5 bad, 1 missing), nothing else.
    assert len(lines) == 8, done.stdout


def test_check_of_the_whole_library_is_ok_exit_0_without_a_process(tmp_path: Path) -> None:
    done = _preflight(
        "replay", "--check", str(LIBRARY), cwd=tmp_path, env=_no_process_env(tmp_path)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SPAWNED" not in done.stderr
    files = sorted(LIBRARY.glob("*.yaml"))
    assert len(done.stdout.splitlines()) == 1 + len(files)
    assert all(line.startswith("ok ") for line in done.stdout.splitlines())


def test_check_reports_a_broken_rules_file_and_still_checks_the_scenarios(tmp_path: Path) -> None:
    (tmp_path / "shop.toml").write_text("[order\nentry = 1\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD_FILES["selector.yaml"][0], encoding="utf-8")
    done = _preflight(
        "replay",
        "--check",
        "bad.yaml",
        *("--base-url", "http://127.0.0.1:9", "--rules", "shop.toml"),
        cwd=tmp_path,
        env=_no_process_env(tmp_path),
    )
    assert done.returncode == 2 and "SPAWNED" not in done.stderr, done.stdout + done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("error ") and "shop.toml:1" in first and "TOML" in first
    assert second.startswith("error ") and "bad.yaml:5" in second


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("text=Commander la Fibre", None),
        ('role=button[name="Payer \\"vite\\""s]', None),
        ("iframe#chat >> internal:control=enter-frame >> #envoyer", None),
        ("#host >> #inside", None),
        ("//a[@id='x']", None),
        ('"a >> b"', None),  # one quoted text, not a chain
        ("#a >> ", "an empty part in a >> chain"),
        ("lable=Nom", "unknown selector engine 'lable'"),
        ("text=", "nothing after text="),
        ("div[x='1'", "a ']' is missing"),
        ("a:has-text('x)", "a ' quote that is never closed"),
        ("a)", "a ')' that closes nothing"),
        # Issue #27: refused by Playwright 1.64.1 at run time (« Unexpected end of selector »,
        # InvalidSelectorError), or read as the text with its quote, which finds nothing.
        ('role=button[name="View basket"', "a ']' is missing"),
        ('text="Add to basket', 'a " quote that is never closed'),
        ('"Add to basket', 'a " quote that is never closed'),
        ('text="Add to basket"i', None),
    ],
)
def test_selector_syntax_as_playwright_splits_it(selector: str, problem: str | None) -> None:
    assert selector_problem(selector) == problem


# --- -k ----------------------------------------------------------------------------------------


def test_k_is_pytest_s_expression_on_names_and_file_names() -> None:
    # pytest's own -k, in a collection that starts nothing (no browser, no worker).
    from preflight.scenario._pytest_run import collect

    scenarios = load_paths([LIBRARY])

    def names(expression: str) -> list[str]:
        return [t.scenario.name for t in collect([LIBRARY], ["chromium"], keyword=expression)]

    assert names("refresh-during and MPA") == ["refresh-during-eligibility-mpa"]
    assert names("direct-entry and not (spa or react)") == ["direct-entry-mpa"]
    # A file's name counts, as a module's does for pytest: every scenario of chat-in-iframe.yaml.
    in_file = [s.name for s in scenarios if s.file.endswith("chat-in-iframe.yaml")]
    assert names("chat-in-iframe.yaml") == in_file and len(in_file) > 1
    # Selecting none, and a malformed expression: exit 2 before any browser (the test below).


FLOWS = """\
- name: shop-{n}
  steps:
    - goto: /acn/boutique
  expect: {{verdict: attributed}}
"""


def test_k_matches_names_never_what_the_plugin_keeps_of_a_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # #26: the scenario rode on its test function's attributes, which pytest's -k matches too:
    # `-k preflight` or `-k scenario` chose every scenario whatever its name. Here no name in
    # the chain (folder, file, scenario) holds either word, so both choose none.
    from preflight.errors import UsageError
    from preflight.scenario._pytest_run import collect

    monkeypatch.chdir(tmp_path)  # the rootdir: a folder's name is matched by -k as well
    (tmp_path / "flows.yaml").write_text(FLOWS.format(n=1) + FLOWS.format(n=2), encoding="utf-8")
    chosen = collect([tmp_path / "flows.yaml"], ["chromium"], keyword="shop-2")
    assert [t.scenario.name for t in chosen] == ["shop-2"]
    for word in ("preflight", "scenario", "matrix"):
        with pytest.raises(UsageError, match="selects none of the 2 scenarios"):
            collect([tmp_path / "flows.yaml"], ["chromium"], keyword=word)


def test_k_without_a_match_or_with_a_bad_expression_exits_2_before_any_browser(
    tmp_path: Path,
) -> None:
    env = _no_process_env(tmp_path)
    for expression, said in (("nothing-like-it", "selects none"), ("a or or b", "-k 'a or or b'")):
        done = _preflight("replay", str(LIBRARY), "-k", expression, cwd=tmp_path, env=env)
        assert done.returncode == 2, done.stdout + done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and said in lines[0], done.stderr
        assert "SPAWNED" not in done.stderr


# --- index.html --------------------------------------------------------------------------------


class _Index(HTMLParser):
    """The rows of index.html's results table, the links, the CSP and any script."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.links: list[str] = []
        self.csp = ""
        self.scripts = 0
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content") or ""
        if tag == "tr" and a.get("class") in ("passed", "failed"):
            self.rows.append({"class": a["class"] or ""})
        if tag == "td" and self.rows:
            self._cell = (a.get("class") or "").split()[0]
            self.rows[-1][self._cell] = ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell and self.rows:
            self.rows[-1][self._cell] += data


def test_report_writes_an_index_of_every_scenario_and_browser_with_links(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = _preflight(
        "replay",
        str(LIBRARY),
        *("-k", "direct-entry-mpa or refresh-during-eligibility-mpa"),
        *("--browser", "chromium,firefox", "-j", "2", "--json"),
        *("--report", str(reports)),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout)["results"]
    assert len(results) == 4  # -k chose 2 scenarios, on 2 browsers
    page = _Index()
    page.feed((reports / "index.html").read_text(encoding="utf-8"))
    assert page.scripts == 0 and "default-src 'none'" in page.csp
    seen = {(row["scenario"].split("/")[0], row["browser"]) for row in page.rows}
    assert len(page.rows) == 4
    for result in results:
        [row] = [
            r
            for r in page.rows
            if r["browser"] == result["browser"] and r["scenario"].startswith(result["scenario"])
        ]
        assert (row["verdict"], row["expected"], row["result"]) == ("perdue", "perdue", "réussi")
        assert row["reason"] == result["reason"] and row["duration"].endswith(" s")
        assert row["class"] == "passed" and seen
    assert sorted(page.links) == sorted(
        f"{r['scenario']}-{r['browser']}/report.html" for r in results
    )
    for link in page.links:  # relative, and each one opens that order's report
        assert (reports / link).is_file() and not link.startswith(("/", "http"))


def test_the_index_escapes_what_comes_from_outside_and_speaks_english_when_asked(
    tmp_path: Path,
) -> None:
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    result = ScenarioResult(
        scenario="odd..name",
        file=f"shop/{hostile}.yaml",
        browser="chromium",
        verdict="lost",
        expected="attributed",
        passed=False,
        violations=[],
        reason=f"left at https://shop.test/?email=jeanne@example.fr&x={hostile}",
        duration_s=1.25,
        failure=Failure(message=f"step 2: {hostile}"),
    )
    (tmp_path / "odd..name-chromium").mkdir()
    (tmp_path / "odd..name-chromium" / "report.html").write_text("x", encoding="utf-8")
    at = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    html = render_index([result], tmp_path, lang="en", at=at)
    page = _Index()
    page.feed(html)
    assert page.scripts == 0 and "<img" not in html and "&lt;script&gt;" in html
    assert "jeanne@example.fr" not in html  # redacted like every message that leaves
    [row] = page.rows
    assert (row["class"], row["verdict"], row["expected"], row["result"]) == (
        "failed",
        "lost",
        "attributed",
        "failed",
    )
    assert page.links == ["odd..name-chromium/report.html"]
    assert '<html lang="en">' in html and "Scenario" in html
    # No report folder: no link, said as such.
    french = render_index([result], tmp_path / "elsewhere", at=at)
    assert "aucun" in french and "<a href" not in french


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_index_column_headers_stay_on_one_line_at_1280_px(
    page: Page, tmp_path: Path, lang: Lang
) -> None:
    # Issue #27: at 1280 px long reasons squeezed the short columns and « Brows/er », « Verdi/ct »
    # broke inside the word (every element may wrap anywhere, for hostile names).
    words = " ".join(["the page was reloaded during the order at the eligibility step"] * 6)
    result = ScenarioResult(
        scenario="refresh-during-eligibility-" + "x" * 60,
        file="scenarios/refresh-during-eligibility.yaml",
        browser="firefox",
        verdict="at_risk",
        expected="attributed",
        passed=False,
        violations=[],
        reason=words,
        duration_s=12.5,
        failure=Failure(message=words),
    )
    at = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_content(render_index([result] * 3, tmp_path, lang=lang, at=at))
    lines = _header_lines(page)
    assert len(lines) == 8 and all(n == 1 for _, n in lines), lines
    short = "td.browser, td.verdict, td.expected, td.result, td.duration, td.report"
    cells = page.eval_on_selector_all(short, "tds => tds.map(td => td.getClientRects().length)")
    assert cells and all(n == 1 for n in cells), cells
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the index is {width} px wide in a 1280 px window"
    # The flow matrix's page shares the stylesheet: its header row stays whole too, with long
    # step names and a mark per customer-service element on two browsers.
    page.set_content(_matrix_page(tmp_path, lang))
    heads = _header_lines(page)
    assert len(heads) == 6 and all(n == 1 for _, n in heads), heads
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the matrix page is {width} px wide in a 1280 px window"


def _header_lines(page: Page) -> list[tuple[str, int]]:
    """Each column header's text and the number of lines it takes."""
    found: list[tuple[str, int]] = page.eval_on_selector_all(
        "thead th",
        """ths => ths.map(th => {
            const range = document.createRange();
            range.selectNodeContents(th);
            return [th.textContent, range.getClientRects().length];
        })""",
    )
    return found


def _matrix_page(folder: Path, lang: Lang) -> str:
    from preflight.matrix import ACTIONS, Cell, CellResult, CsElement
    from preflight.matrix._output import write_html
    from preflight.matrix._run import Matrix

    flow = load_paths([LIBRARY / "clean-order-later.yaml"])[0]
    title = "click " + "le bouton Continuer vers les coordonnées du client " * 3
    results = [CellResult(cell=Cell(scenario=flow.name, browser=b), status="right")
               for b in ("chromium", "firefox")]  # fmt: skip
    for step in range(2, 14):
        for browser in ("chromium", "firefox"):
            for action in ACTIONS:
                many = range(1, 7) if action == "customer-service" else [0]
                for index in many:
                    element = CsElement(selector=f"#cs-{index}") if index else None
                    cell = Cell(scenario=flow.name, browser=browser, step=step, step_title=title,
                                action=action, element=element, index=index)  # fmt: skip
                    results.append(CellResult(cell=cell, status="inconclusive", failure="HTTP 500"))
    matrix = Matrix([flow], ["chromium", "firefox"], list(ACTIONS), results, {})
    return write_html(matrix, folder / f"matrix-{lang}", lang=lang).read_text(encoding="utf-8")


# --- the terminal ------------------------------------------------------------------------------

LONG = "a-scenario-name-long-enough-that-eighty-columns-would-cut-it-into-pieces-direct-entry"


def test_a_piped_stdout_keeps_every_scenario_name_whole_on_one_line(tmp_path: Path) -> None:
    flow = (LIBRARY / "direct-entry.yaml").read_text(encoding="utf-8")
    (tmp_path / "long.yaml").write_text(
        flow.replace("name: direct-entry-", f"name: {LONG}-"), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    command = [sys.executable, "-m", "preflight", "replay", "long.yaml"]
    done = subprocess.run(
        [*command, "-k", "mpa or react", "--browser", "chromium"],
        cwd=tmp_path,
        capture_output=True,  # stdout is a pipe, as in a CI log
        text=True,
        timeout=280,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for variant in ("mpa", "react"):
        rows = [line for line in done.stdout.splitlines() if f"{LONG}-{variant}" in line]
        assert len(rows) == 1 and "chromium" in rows[0] and "passed" in rows[0], done.stdout
        lines = [line for line in done.stderr.splitlines() if f"{LONG}-{variant}" in line]
        assert len(lines) == 1 and "lost" in lines[0], done.stderr
