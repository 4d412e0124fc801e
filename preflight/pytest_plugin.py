"""preflight's pytest plugin (registered with the `pytest11` entry point).

It builds on pytest-playwright's fixtures and options (`--browser`, `--browser-channel`,
`--headed`, `--tracing`, `--screenshot`, `--output`, `--base-url`) and adds its own group:

* `pytest` collects the scenario files where it is asked to — `*.yaml`/`*.yml` under the
  folders of the `preflight_scenarios` ini option (default `scenarios/` at the rootdir), a file
  named `*.preflight.yaml`/`*.preflight.yml`, or a file given on the command line — as one test
  per scenario and browser, replayed on pytest-playwright's `context` with the watcher
  attached; any other YAML (a CI pipeline's `steps:`) is left alone;
* without `--base-url` the demo shop is served for the session (one per xdist worker);
* fixtures for hand-written tests: `preflight_rules`, `preflight_base_url`,
  `preflight_watch` (a watcher attached to `context`), `preflight_replay`.

Each scenario file becomes a synthetic Python module whose test functions request the usual
fixtures, so pytest-playwright's browser parametrization, artifacts (traces, screenshots),
`-n` (xdist) and `--junitxml` all work as for any other test.

pytest loads this module in every run wherever preflight[qa] is installed: it imports only what
its options and hooks need, and the scenario package, the rules, the browsers and the matrix
when a scenario is collected or run (`tests/test_pytest_plugin.py` checks what it loads).
"""

from __future__ import annotations

import contextlib
import os
import re
import types
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from loguru import logger

from preflight._playwright import playwright_error
from preflight._private import SyntheticModule
from preflight.errors import PreflightError, UsageError
from preflight.pytest_results import (
    RunIndex,
    attach_result,
    gaps_of,
    mark_scenario,
    refuse_report_links,
    scenario_of,
)
from preflight.variables import parse_assignments

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from preflight.demo_shop import DemoShop
    from preflight.i18n import Lang
    from preflight.rules import Rules
    from preflight.scenario import Scenario
    from preflight.scenario._results import ScenarioResult
    from preflight.watch import Watcher

_SCENARIO_SUFFIXES = (".yaml", ".yml")
_MARKED = tuple(".preflight" + suffix for suffix in _SCENARIO_SUFFIXES)
_FOLDERS_INI = "preflight_scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _FOLDERS_INI,
        type="paths",
        default=[],
        help="Folders whose *.yaml/*.yml files are preflight scenarios (several allowed; "
        "relative to the ini file). Default: scenarios/ at the rootdir. Elsewhere, only a "
        "*.preflight.yaml file or a file given on the command line is a scenario.",
    )
    group = parser.getgroup("preflight", "preflight: ACN session rules and scenarios")
    group.addoption(
        "--preflight-rules",
        default=None,
        metavar="FILE",
        help="Rules file (TOML) or builtin name (default, demo). Default: demo when the demo "
        "shop serves the run, default otherwise.",
    )
    group.addoption(
        "--preflight-var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A value for ${NAME} in scenarios and rules (repeatable). The demo shop run sets "
        "MERCHANT (its SFR site) and DEMO_PORT; BASE_URL is always the base URL.",
    )
    group.addoption(
        "--preflight-bfcache",
        action="store_true",
        default=False,
        help="Launch the browsers with the back/forward cache on, as a real user's browser "
        "has it (Playwright turns it off by default).",
    )
    group.addoption(
        "--preflight-step-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="How long one scenario step may wait for its element or URL (default 10).",
    )
    group.addoption(
        "--preflight-connect",
        default=None,
        metavar="WS_ENDPOINT",
        help="Use the browsers of a remote Playwright server (`playwright launch-server` or "
        "`run-server`, a grid speaking Playwright's protocol) instead of launching them here.",
    )
    group.addoption(
        "--preflight-allow-local-files",
        action="store_true",
        default=False,
        help="Let a scenario's `goto` open file: URLs and browser pages (chrome:, about:, "
        "data:…); by default only http(s), so that a scenario cannot read this machine's files.",
    )
    group.addoption(
        "--preflight-report",
        default=None,
        metavar="DIR",
        help="Write each scenario's order report into DIR/NAME-BROWSER, and DIR/index.html: "
        "the run on one page.",
    )
    group.addoption(
        "--preflight-lang",
        default=None,
        metavar="LANG",
        help="Language of the reports (default: from the locale, else French).",
    )
    group.addoption(
        "--preflight-artifacts",
        default=None,
        metavar="DIR",
        help="Where a failed scenario's screenshot goes (default: the test's --output folder).",
    )
    group.addoption(
        "--preflight-shard",
        default=None,
        metavar="K/N",
        help="Run only shard K of N of the collected tests (split by sorted test id; the N "
        "shards are disjoint and cover the suite), to spread a suite over N CI machines.",
    )
    group.addoption(
        "--preflight-matrix",
        nargs="?",
        const="all",
        default=None,
        metavar="all|N|N@SEED",
        help="Turn each clean scenario into its flow matrix: every Refresh, Back, Back then "
        "Forward and customer-service click at every step, one item each "
        "(clean-order-later-mpa[step-4-reload-firefox]). N: only N items drawn per scenario "
        "and browser, with a random seed (printed) or SEED.",
    )
    group.addoption(
        "--preflight-matrix-cells",
        default=None,
        metavar="FILE",
        help="With --preflight-matrix: replay exactly the cells FILE lists (JSON), each item's "
        "replay on its report — what `preflight matrix` runs on.",
    )


def _matrix_asked(config: pytest.Config) -> bool:
    """Whether `--preflight-matrix` was given: the matrix is imported only then."""
    return config.getoption("--preflight-matrix", default=None) is not None


def pytest_configure(config: pytest.Config) -> None:
    _check_options(config)
    if config.getoption("--preflight-report", default=None) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(RunIndex(config, _lang(config)), "preflight-run-index")
    if _matrix_asked(config):
        from preflight.matrix import _pytest as matrix

        matrix.configure(config)
    # Registered here, after pytest-playwright, so that these fixtures override its defaults
    # (a fixture from a later plugin wins): without Playwright's own builds, the browsers that
    # preflight's discovery finds (Debian's chromium, stock Firefox over BiDi) are launched.
    if not config.pluginmanager.has_plugin("preflight-launch"):
        from preflight import pytest_launch

        config.pluginmanager.register(pytest_launch, "preflight-launch")


def _check_options(config: pytest.Config) -> None:
    """A bad `--preflight-var` or `--preflight-rules` is one usage error (exit 4) before any
    test, not a setup error per test. The rules are loaded as the session will load them, the
    demo shop's values (known only once it runs) stood in for by values of the same form."""
    if hasattr(config, "workerinput") or config.getoption("help", default=False):
        return  # xdist's controller checked them; --help must show the help whatever they are
    variables = _variables(config)
    _lang(config)
    source = config.getoption("--preflight-rules")
    if source is None:
        return
    base_url = config.getoption("--base-url", default=None)
    known = {"BASE_URL": str(base_url).rstrip("/")} if base_url else dict(_DEMO_STAND_INS)
    from preflight.rules import load_rules

    try:
        load_rules(source, variables={**known, **variables})
    except PreflightError as error:
        raise pytest.UsageError(f"--preflight-rules: {error}") from None


_DEMO_STAND_INS = {
    "BASE_URL": "http://127.0.0.1:1",
    "MERCHANT": "http://localhost:1",
    "DEMO_PORT": "1",
}
_NO_BASE_URL = "no --base-url given: the scenarios ran against preflight's built-in demo shop"


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = (
        []
        if config.getoption("--base-url", default=None)
        else [
            "preflight: no --base-url given: scenarios run against preflight's built-in demo shop "
            "(a local server started for the session)"
        ]
    )
    if not _matrix_asked(config):
        return lines
    from preflight.matrix import _pytest as matrix

    sample = matrix.report_header(config)
    return lines + ([sample] if sample else [])


# --- fixtures ------------------------------------------------------------------------------------


def _variables(pytestconfig: pytest.Config) -> dict[str, str]:
    given = [str(raw) for raw in pytestconfig.getoption("--preflight-var") or []]
    try:
        return parse_assignments(given, "--preflight-var")
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="session")
def preflight_demo_shop(pytestconfig: pytest.Config) -> Iterator[DemoShop | None]:
    """The demo shop on a free port when no `--base-url` is given (else None)."""
    if pytestconfig.getoption("--base-url", default=None):
        yield None
        return
    from preflight.demo_shop import DemoShop

    with DemoShop(port=0) as shop:
        yield shop


@pytest.fixture(scope="session")
def preflight_base_url(pytestconfig: pytest.Config, preflight_demo_shop: DemoShop | None) -> str:
    """Where scenarios start: `--base-url`, or the demo shop's ACN site."""
    if preflight_demo_shop is not None:
        return preflight_demo_shop.acn_url
    return str(pytestconfig.getoption("--base-url"))


@pytest.fixture(scope="session")
def preflight_variables(
    pytestconfig: pytest.Config, preflight_base_url: str, preflight_demo_shop: DemoShop | None
) -> dict[str, str]:
    """Values for `${NAME}` placeholders: the demo shop's, then `--preflight-var`."""
    variables = {"BASE_URL": preflight_base_url.rstrip("/")}
    if preflight_demo_shop is not None:
        variables["MERCHANT"] = preflight_demo_shop.sfr_url
        variables["DEMO_PORT"] = str(preflight_demo_shop.port)
    variables.update(_variables(pytestconfig))
    return variables


@pytest.fixture(scope="session")
def preflight_rules(
    pytestconfig: pytest.Config,
    preflight_demo_shop: DemoShop | None,
    preflight_variables: dict[str, str],
) -> Rules:
    """The rules in force for this run (`--preflight-rules`; demo with the demo shop)."""
    source: Any = pytestconfig.getoption("--preflight-rules")
    if source is None:
        source = "demo" if preflight_demo_shop is not None else "default"
    from preflight.rules import load_rules

    try:
        return load_rules(source, variables=preflight_variables)
    except PreflightError as error:
        raise pytest.UsageError(f"--preflight-rules: {error}") from None


@pytest.fixture
def preflight_watch(
    context: BrowserContext, preflight_rules: Rules, pytestconfig: pytest.Config
) -> Iterator[Watcher]:
    """A watcher attached to pytest-playwright's `context`, for hand-written tests:

    def test_refresh_is_caught(preflight_watch, page, preflight_base_url):
        page.goto(preflight_base_url + "/acn/boutique") ...
        preflight_watch.settle()
        assert preflight_watch.outcome().verdict == "lost"
    """
    from preflight.watch import Watcher

    _no_video(pytestconfig)
    watcher = Watcher(preflight_rules)
    watcher.attach(context)
    yield watcher
    watcher.detach()


@pytest.fixture
def preflight_replay(
    pytestconfig: pytest.Config,
    preflight_rules: Rules,
    preflight_base_url: str,
    preflight_variables: dict[str, str],
    preflight_demo_shop: DemoShop | None,
    output_path: str,
    browser_name: str,
    request: pytest.FixtureRequest,
    new_context: Callable[..., BrowserContext],
) -> Iterator[Callable[..., ScenarioResult]]:
    """`preflight_replay(scenario, context)` replays a scenario and fails the test, with an
    assertion-style message and the events, when its expectation does not hold."""
    # `new_context` is requested so that this fixture ends before pytest-playwright closes the
    # contexts: its failure screenshot (`--screenshot`) is taken then, of the page as it is.
    from preflight.privacy import allowed_params, redact
    from preflight.scenario._loader import fill_placeholders
    from preflight.scenario._replay import replay_scenario
    from preflight.scenario._results import known_values
    from preflight.watch._tracing import without_screencast

    _no_video(pytestconfig)
    step_timeout = float(pytestconfig.getoption("--preflight-step-timeout"))
    allow_local_files = bool(pytestconfig.getoption("--preflight-allow-local-files"))
    given_artifacts = pytestconfig.getoption("--preflight-artifacts")
    artifacts = Path(given_artifacts) if given_artifacts else Path(output_path)
    contexts: list[BrowserContext] = []
    _private_output(request.node, output_path)

    def replay(scenario: Scenario, context: BrowserContext) -> ScenarioResult:
        contexts.append(context)
        writer = _report_writer(pytestconfig, preflight_rules, scenario, browser_name)
        try:
            # Known before the first step, so that a trace is scrubbed of them however the test
            # ends: a failure, an error, or pytest-timeout stopping it mid-scenario.
            values = {"BASE_URL": preflight_base_url.rstrip("/"), **preflight_variables}
            known = known_values(fill_placeholders(scenario, values), values)
            _remember_known(request.node, known)
            if known:  # its screencast would be dropped by the scrub: not captured at all
                without_screencast(context, request.node.nodeid)
            result = replay_scenario(
                context,
                scenario,
                rules=preflight_rules,
                base_url=preflight_base_url,
                variables=preflight_variables,
                browser=browser_name,
                artifacts=artifacts,
                on_event=writer.on_event if writer is not None else None,
                step_timeout_s=step_timeout,
                allow_local_files=allow_local_files,
            )
            if writer is not None and result.outcome is not None:
                writer.finish(result.outcome)
        except PreflightError as error:
            pytest.fail(str(error), pytrace=False)
        finally:
            # However the replay ends (an interrupt included): a report closed, as incomplete
            # when it did not finish.
            if writer is not None:
                writer.close()
        request.node.stash[_RESULT] = result
        _remember_known(request.node, result.sensitive_values)
        # Which rules keys matched nothing, for the run's coverage summary (pytest_terminal_
        # summary; user_properties travel from xdist workers to the controller).
        if result.ran_through:  # a run cut short reached none of the pages: it tells nothing
            request.node.user_properties.append(
                (_COVERAGE, ",".join(g.key for g in gaps_of(result)))
            )
        # What was reached, next to `expected`, for whoever reads only the JUnit file; masked
        # as every message is (a step name may quote what it types).
        for name, value in _properties(result):
            request.node.user_properties.append(
                (
                    name,
                    redact(value, allowed_params(preflight_rules), known | result.sensitive_values),
                )
            )
        if not result.passed:
            demo = None
            if preflight_demo_shop is not None and _blame_the_target(result, preflight_rules):
                demo = preflight_demo_shop.acn_url
            pytest.fail(failure_message(scenario, result, demo_shop=demo), pytrace=False)
        return result

    yield replay
    if pytestconfig.getoption("--screenshot", default="off") != "off":
        known = request.node.stash.get(_SENSITIVE, frozenset())
        for context in contexts:
            mask_pages(context, preflight_rules, known)


def _report_writer(config: pytest.Config, rules: Rules, scenario: Scenario, browser: str) -> Any:
    """The order report of one scenario on one browser (`--preflight-report`), else None."""
    folder = config.getoption("--preflight-report")
    if not folder:
        return None
    from preflight.report import ReportWriter
    from preflight.report.index import report_folder

    return ReportWriter(
        Path(folder) / report_folder(scenario.name, browser),
        rules,
        browser_info={"browser": browser, "scenario": scenario.name},
        lang=_lang(config),
    )


def _lang(config: pytest.Config) -> Lang:
    from preflight.i18n import checked_lang

    try:
        return checked_lang(config.getoption("--preflight-lang"))
    except UsageError as error:
        raise pytest.UsageError(f"--preflight-lang: {error}") from None


# Paints the fields to mask in the mask colour, text and value gone, and every element whose
# text holds a known customer value (the smallest one, as Playwright's text locator finds it):
# what Playwright's `mask=` does to preflight's own screenshots, done to the page itself for
# pytest-playwright's. Text is compared as the text locator does: case and white space aside.
_MASK_PAGE = r"""([selectors, values, colour]) => {
    const paint = (el) => {
        for (const [name, value] of [["background", colour], ["color", "transparent"],
                ["-webkit-text-fill-color", "transparent"], ["caret-color", "transparent"],
                ["text-shadow", "none"], ["border-color", colour]]) {
            el.style.setProperty(name, value, "important");
        }
    };
    for (const selector of selectors) {
        let found;
        try { found = document.querySelectorAll(selector); } catch (error) { continue; }
        for (const el of found) {
            if ("value" in el) { try { el.value = ""; } catch (error) {} }
            if (el.isContentEditable) el.textContent = "";
            paint(el);
        }
    }
    const plain = (text) => (text || "").replace(/\s+/g, " ").toLowerCase();
    const holds = (el, value) => plain(el.textContent).includes(value);
    for (const value of values.map(plain)) {
        const open = document.body && holds(document.body, value) ? [document.body] : [];
        while (open.length) {
            const el = open.pop();
            const inner = [...el.children].filter((child) => holds(child, value));
            if (inner.length) open.push(...inner); else paint(el);
        }
    }
}"""


def mask_pages(context: BrowserContext, rules: Rules, known: Iterable[str] = ()) -> None:
    """Mask the bank and personal fields of every page of `context`, in every frame, and every
    text that holds a known customer value (`known`: what the scenario types, its variables)."""
    from preflight.privacy import maskable_values, screenshot_masks
    from preflight.report import MASK_COLOR

    selectors = screenshot_masks(rules)
    values = maskable_values(known)
    for page in list(context.pages):
        for frame in page.frames:
            try:
                frame.evaluate(_MASK_PAGE, [selectors, values, MASK_COLOR])
            except playwright_error() as error:  # a frame gone or navigating
                logger.debug("mask before pytest-playwright's screenshot: {}", error)


def _remember_known(item: pytest.Item, values: Iterable[str]) -> None:
    item.stash[_SENSITIVE] = item.stash.get(_SENSITIVE, frozenset()) | frozenset(values)


def _private_output(item: pytest.Item, output_path: str) -> None:
    """The test's artifacts folder (and `--output` above it), made owner-only before
    pytest-playwright writes into them: its screenshots and traces are 0644 otherwise."""
    folder = Path(output_path)
    item.stash[_OUTPUT] = output_path
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        for each in (folder.parent, folder):
            if not each.is_symlink():
                os.chmod(each, 0o700)


def _properties(result: ScenarioResult) -> list[tuple[str, str]]:
    violations = "; ".join(
        f"{v.kind} (step {v.step})" if v.step else v.kind for v in result.violations
    )
    verdict = result.verdict or ""
    return [("verdict", verdict), ("reason", result.reason), ("violations", violations)]


def _blame_the_target(result: ScenarioResult, rules: Rules) -> bool:
    """Whether a failure against the demo shop may be a forgotten `--base-url`: a step that
    found nothing to act on, or any failure under rules that are not the demo shop's."""
    failure = result.failure
    return failure is not None and (failure.action != "expect" or rules.source != _DEMO_RULES)


_DEMO_RULES = "<builtin demo rules>"


def _at(scenario: Scenario, line: int | None) -> str:
    return f"{scenario.file}:{line}" if line else scenario.file


def failure_message(
    scenario: Scenario, result: ScenarioResult, *, demo_shop: str | None = None
) -> str:
    """What a failed scenario says: the expectation, what happened, where, and the events.
    `demo_shop` (its URL) says that the run fell back on the demo shop, for want of a
    `--base-url`."""
    assert result.failure is not None
    failure = result.failure
    lines = [f"{scenario.name} ({result.browser}): {failure.message}"]
    if demo_shop:
        lines.append(
            f"  {_NO_BASE_URL} ({demo_shop}); give --base-url URL to run them against your shop"
        )
    if failure.action == "expect":
        lines.append(f"  expectation: expect at {_at(scenario, failure.line)}")
        if failure.step is not None and failure.step <= len(scenario.steps):
            step = scenario.steps[failure.step - 1]
            lines.append(
                f"  first violation not expected: during step {failure.step} ({step.action}) "
                f"at {_at(scenario, step.line)}"
            )
    elif failure.step is not None:
        lines.append(
            f"  failing step: {failure.step} ({failure.action}) at {_at(scenario, failure.line)}"
        )
    lines.append(f"  scenario: {scenario.where} — {scenario.description or 'no description'}")
    if result.verdict is not None and result.reason:
        lines.append(f"  verdict {result.verdict}: {result.reason}")
    if result.coverage:
        lines.append("  rule patterns that matched nothing in this run:")
        lines.extend(f"    {gap}" for gap in result.coverage)
    if result.violations:
        lines.append("  violations:")
        lines.extend(f"    {v.kind} at {v.url} (step {v.step})" for v in result.violations)
    if failure.screenshot:
        lines.append(f"  screenshot: {failure.screenshot}")
    lines.append("  last events, oldest first:" if result.timeline else "  no event was seen")
    lines.extend(f"    {line}" for line in result.timeline[-15:])
    return "\n".join(lines)


# --- coverage: the rule patterns that matched nothing in the whole run --------------------------

_COVERAGE = "preflight_coverage"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which rules keys no scenario of the run matched: a wrong pattern (a URL glob that
    matches no page) judges nothing, and every verdict would pass without proof."""
    runs: list[set[str]] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == _COVERAGE:
                    runs.append({key for key in str(value).split(",") if key})
    if not runs:
        return
    never = sorted(set.intersection(*runs))
    if never:
        title = "preflight: rule patterns that matched nothing"
        terminalreporter.write_sep("=", title, yellow=True)
        for key in never:
            terminalreporter.write_line(
                f"{key}: no URL of any of the {len(runs)} scenario runs matched it — check its "
                "patterns (preflight rules check FILE)"
            )


# --- collection: scenario files as test modules -------------------------------------------------


def _is_scenario_file(file_path: Path, session: pytest.Session) -> bool:
    """A YAML file is a scenario where the user said so: under a `preflight_scenarios` folder,
    named `*.preflight.yaml`, or given on the command line. What it holds decides nothing: a
    CI pipeline's `steps:` (azure-pipelines.yml) is not a scenario."""
    if file_path.suffix not in _SCENARIO_SUFFIXES:
        return False
    if file_path.name.endswith(_MARKED) or session.isinitpath(file_path):
        return True
    where = file_path.resolve()
    return any(where.is_relative_to(folder) for folder in _scenario_folders(session.config))


def _scenario_folders(config: pytest.Config) -> list[Path]:
    folders = config.stash.get(_FOLDERS, None)
    if folders is None:
        given: list[Path] = config.getini(_FOLDERS_INI) or [config.rootpath / "scenarios"]
        folders = config.stash[_FOLDERS] = [folder.resolve() for folder in given]
    return folders


_FOLDERS = pytest.StashKey[list[Path]]()
_RESULT = pytest.StashKey["ScenarioResult"]()
_REPLAYED = pytest.StashKey[dict[str, "ScenarioResult"]]()
_ORDER = pytest.StashKey[list[str]]()
_SENSITIVE = pytest.StashKey[frozenset[str]]()
_OUTPUT = pytest.StashKey[str]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    # Every phase is over — passed, failed, errored or stopped by pytest-timeout: pytest-playwright
    # has moved the trace and screenshots into the test's output folder (at the teardown
    # report). What the replay typed must not stay in a trace, and nothing there is for others.
    values = item.stash.get(_SENSITIVE, frozenset())
    output = item.stash.get(_OUTPUT, None)
    if output and Path(output).is_dir():
        for trace in Path(output).glob("*.zip"):
            if values:
                from preflight.scenario._trace import scrub_trace

                scrub_trace(trace, values)
        for path in Path(output).rglob("*"):
            if not path.is_symlink():  # chmod would follow a link to whatever it points to
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700 if path.is_dir() else 0o600)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    # A failure's traceback shows the arguments of every frame: a pytest-timeout that stops a
    # replay inside a `fill` printed the card number being typed (Playwright's `arg = '4970…'`)
    # into the terminal and JUnit. What the replay typed, and every --preflight-var value but a
    # site's address, is redacted from the report before any reporter sees it.
    outcome = yield
    report = outcome.get_result()
    attach_result(item, call, report, item.stash.get(_RESULT, None))
    if report.longrepr is None:
        return
    from preflight.privacy import may_be_customer_data, redact

    variables = _variables(item.config).values()
    values = item.stash.get(_SENSITIVE, frozenset()) | {
        v for v in variables if may_be_customer_data(v)
    }
    text = str(report.longrepr)
    clean = redact(text, known=values)
    if clean != text:
        report.longrepr = clean


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_scenario_file(file_path, parent.session):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _scenario_test(scenario: Scenario, module: str) -> Callable[..., None]:
    def test(preflight_replay: Callable[..., Any], context: BrowserContext) -> None:
        preflight_replay(scenario, context)

    test.__name__ = test.__qualname__ = scenario.name
    test.__module__ = module
    test.__doc__ = scenario.description or None
    mark_scenario(test, scenario)
    return test


class ScenarioFile(SyntheticModule, pytest.Module):
    """A scenario file, seen by pytest as a module of test functions (one per scenario): built,
    not imported (`preflight/_private.py` says why that takes a private method of pytest's)."""

    _module: types.ModuleType | None = None

    def synthetic_module(self) -> types.ModuleType:
        if self._module is None:
            from preflight.scenario import load_file

            try:
                scenarios = load_file(self.path)
            except PreflightError as error:
                raise self.CollectError(str(error)) from None
            name = "preflight_scenarios." + re.sub(r"\W", "_", str(self.path.with_suffix("")))
            module = types.ModuleType(name, f"scenarios of {self.path}")
            module.__file__ = str(self.path)
            from preflight.matrix import _pytest as matrix

            for scenario in scenarios:
                if matrix.wants_matrix(self.config, scenario):
                    setattr(module, scenario.name, matrix.matrix_test(scenario, name))
                else:
                    setattr(module, scenario.name, _scenario_test(scenario, name))
            self._module = module
        return self._module

    def istestfunction(self, obj: object, name: str) -> bool:
        return callable(obj) and scenario_of(obj) is not None

    def istestclass(self, obj: object, name: str) -> bool:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        scenario = scenario_of(item)
        if scenario is not None:
            item.user_properties.append(("expected", scenario.expect.verdict))
    if _matrix_asked(config):
        from preflight.matrix import _pytest as matrix

        matrix.keep_sample(config, items)
    _keep_shard(config, items)
    _refuse_video(config, items)
    refuse_report_links(config, items)


_WATCHED = frozenset({"preflight_replay", "preflight_watch"})


def _refuse_video(config: pytest.Config, items: list[pytest.Item]) -> None:
    """pytest-playwright's `--video` films the pages as they are, typed bank and personal data
    included, and a video cannot be masked afterwards as its screenshots are (`mask_pages`) or
    scrubbed as its traces are. So a session that drives an order refuses it: one usage error
    (exit 4); under xdist, where a worker cannot stop the session, each such test fails with
    the same line before its page is opened (`_no_video`)."""
    message = _video_refused(config)
    if message is None or hasattr(config, "workerinput"):
        return
    if any(_WATCHED & set(getattr(item, "fixturenames", ())) for item in items):
        raise pytest.UsageError(message)


def _video_refused(config: pytest.Config) -> str | None:
    video = config.getoption("--video", default="off")
    if video in (None, "off"):
        return None
    return (
        f"--video {video}: refused for preflight's scenarios — a video shows what is typed "
        "in the order's fields (bank details, name, address, phone) and cannot be masked; "
        "use --tracing (scrubbed) or --screenshot (masked) instead, or run the tests that "
        "need a video without preflight's scenarios"
    )


def _no_video(config: pytest.Config) -> None:
    message = _video_refused(config)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _matrix_asked(metafunc.config):
        from preflight.matrix import _pytest as matrix

        matrix.generate_tests(metafunc)  # before pytest-playwright's browser parametrization


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if _matrix_asked(node.config):
        from preflight.matrix import _pytest as matrix

        matrix.configure_node(node)  # xdist: the matrix sample's seed, the same on every worker


def _keep_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    raw = config.getoption("--preflight-shard", default=None)
    if not raw:
        return
    from preflight.scenario._scale import in_shard, parse_shard

    try:
        shard = parse_shard(str(raw), option="--preflight-shard")
    except PreflightError as error:
        raise pytest.UsageError(str(error)) from None
    kept = in_shard((item.nodeid for item in items), shard)
    deselected = [item for item in items if item.nodeid not in kept]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid in kept]


__all__ = ["ScenarioFile", "failure_message"]
