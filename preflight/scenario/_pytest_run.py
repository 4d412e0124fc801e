"""`preflight replay` on pytest: the plugin (`preflight.pytest_plugin`) replays the scenarios,
one test per scenario and browser, in this process (`pytest.main`), with xdist's workers for
`-j`, pytest's own `-k`, and the plugin's shard, order reports and index.

Two sessions: the first only collects — the files, `-k`, the shard and the report folder are
judged there, before any browser or worker starts — and the second runs exactly the tests the
first chose. pytest itself says nothing (no terminal reporter, no ini file, no conftest, no
plugin but those named here): what the command prints is made of the `ScenarioResult` each
test's report carries (`preflight.pytest_results.replayed`), as results come in.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import PreflightError, UsageError
from preflight.scenario._model import Scenario
from preflight.scenario._results import ScenarioResult

# The plugins a replay runs on, loaded by name: none of whatever else this environment has
# installed (a shuffling or coverage plugin would change the run), and no terminal output.
_PLUGINS = (
    "pytest_base_url.plugin",  # before pytest-playwright, which then uses its `base_url`
    "pytest_playwright.pytest_playwright",
    "xdist.plugin",
    "preflight.pytest_plugin",
)
_QUIET = ("no:terminal", "no:cacheprovider", "no:stepwise")


@dataclass(frozen=True)
class ReplayOptions:
    """What `preflight replay` asks of the plugin, in its own terms."""

    base_url: str
    rules: str
    variables: dict[str, str]
    browsers: list[str]
    artifacts: Path | None  # None: pytest's output folder, a scratch one (`preflight matrix`)
    report: Path | None = None
    lang: str = "fr"
    headed: bool = False
    bfcache: bool = False
    step_timeout_s: float = 10.0
    connect: str | None = None
    allow_local_files: bool = False


@dataclass(frozen=True)
class Test:
    """One collected test: a scenario on a browser."""

    # The scenario's file (absolute, as pytest loaded it), name and browser: what its result
    # says, whichever session ran it (a node id depends on how the files were named to pytest).
    key: tuple[str, str, str]
    scenario: Scenario
    browser: str
    # What names it on pytest's command line (a node id has no path for a file outside the
    # rootdir, the current folder).
    arg: str


@dataclass
class Replayed:
    """A finished run: its results in collection order, and the rules keys no run matched."""

    results: list[ScenarioResult] = field(default_factory=list)
    never_matched: list[str] = field(default_factory=list)


def _session_args(browsers: Sequence[str], report: Path | None) -> list[str]:
    """What both sessions are given: pytest on its own (no ini file, no conftest, only the
    plugins named), the browsers, and the report folder (refused if it is a link)."""
    args = ["--disable-plugin-autoload", "-c", os.devnull, "--rootdir", str(Path.cwd())]
    args += ["--noconftest", "-s"]
    for plugin in (*_QUIET, *_PLUGINS):
        args += ["-p", plugin]
    for browser in browsers:
        args += ["--browser", browser]
    if report is not None:
        args += ["--preflight-report", str(report)]
    return args


def _args(options: ReplayOptions, scratch: Path) -> list[str]:
    args = _session_args(options.browsers, options.report)
    args += ["--base-url", options.base_url, "--preflight-rules", options.rules]
    for name, value in options.variables.items():
        args += ["--preflight-var", f"{name}={value}"]
    if options.artifacts is not None:
        args += ["--preflight-artifacts", str(options.artifacts)]
    args += ["--output", str(scratch)]
    args += ["--preflight-step-timeout", str(options.step_timeout_s)]
    args += ["--preflight-lang", options.lang]
    if options.headed:
        args.append("--headed")
    if options.bfcache:
        args.append("--preflight-bfcache")
    if options.connect:
        args += ["--preflight-connect", options.connect]
    if options.allow_local_files:
        args.append("--preflight-allow-local-files")
    return args


class _Session:
    """The plugin object `pytest.main` is given: what was collected, each result as it comes,
    and why a session stopped (a usage error, an interrupt)."""

    def __init__(
        self,
        on_result: Callable[[ScenarioResult], None] | None = None,
        files: Mapping[tuple[str, str, str], str] | None = None,
        on_report: Callable[[pytest.TestReport], None] | None = None,
    ) -> None:
        self.on_result = on_result
        self.on_report = on_report
        self.files = dict(files or {})  # test's key: the scenario's file, as the user named it
        self.tests: list[Test] = []
        self.candidates = 0  # scenarios found, before -k and the shard
        self.usage: str | None = None
        self.interrupt: BaseException | None = None
        self.results: dict[tuple[str, str, str], ScenarioResult] = {}
        self.gaps: list[set[str]] = []
        self.errors: list[str] = []

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Any:
        # One per scenario, whatever its browsers: the function a test was made from.
        self.candidates = len(
            {(item.path, getattr(item, "originalname", item.name)) for item in items}
        )
        try:
            return (yield)
        except pytest.UsageError as error:  # -k, the shard, a report folder: said by the command
            self.usage = str(error)
            pytest.exit(self.usage, returncode=pytest.ExitCode.USAGE_ERROR)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(str(report.longrepr).strip().splitlines()[-1])

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from preflight.pytest_results import scenario_of

        for item in session.items:
            scenario = scenario_of(item)
            callspec = getattr(item, "callspec", None)
            browser = str(callspec.params.get("browser_name")) if callspec else ""
            if scenario is not None:
                key = (scenario.file, scenario.name, browser)
                self.tests.append(Test(key, scenario, browser, f"{item.path}::{item.name}"))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from preflight.pytest_results import replayed

        if self.on_report is not None:
            self.on_report(report)
        found = replayed(report)
        if found is None:
            return
        key = (found[0].file, found[0].scenario, found[0].browser)
        if key in self.results:
            return
        result, gaps = found
        if key in self.files:
            result = result.model_copy(update={"file": self.files[key]})
        self.results[key] = result
        if gaps is not None:
            self.gaps.append(set(gaps))
        if self.on_result is not None:
            self.on_result(result)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        if isinstance(excinfo.value, KeyboardInterrupt):
            self.interrupt = excinfo.value

    def raise_for_stop(self) -> None:
        if self.interrupt is not None:
            raise self.interrupt
        if self.usage is not None:
            raise UsageError(_said(self.usage))
        if self.errors:
            raise UsageError(self.errors[0])


def _said(message: str) -> str:
    """pytest's words for a malformed `-k` (`Wrong expression passed to '-k': EXPR: at column
    N: …`), in the command's."""
    prefix = "Wrong expression passed to '-k': "
    if not message.startswith(prefix):
        return message
    expression, at, what = message.removeprefix(prefix).rpartition(": at column ")
    if not at:
        return message
    return (
        f"-k {expression!r}: at column {what} — expected words joined by and, or, not and "
        "parentheses, as in pytest -k"
    )


def _main(args: list[str], session: _Session) -> int:
    try:
        code = pytest.main(args, plugins=[session])
    finally:
        session.raise_for_stop()
    return int(code)


def collect(
    paths: Sequence[Path],
    browsers: Sequence[str],
    *,
    keyword: str | None = None,
    shard: str | None = None,
    report: Path | None = None,
    given: Sequence[Scenario] = (),
) -> list[Test]:
    """The tests a run replays, in order: the scenarios of `paths` on each browser, chosen by
    pytest's `-k` and the plugin's shard. Nothing starts: no browser, no worker, no shop. A
    scenario of `given` (as loaded from `paths`) stands for the one pytest loaded: its file is
    named as the user gave it, not by its absolute path."""
    session = _Session()
    args = [*_session_args(browsers, report), "--collect-only", "-o", _folders(paths)]
    if keyword is not None:
        args += ["-k", keyword]
    if shard is not None:
        args += ["--preflight-shard", shard]
    _main([*args, *map(str, paths)], session)
    if keyword is not None and not session.tests:
        raise UsageError(
            f"-k {keyword!r} selects none of the {session.candidates} scenarios — expected a "
            "word found in a scenario's name or its file's name"
        )
    named = {(str(Path(s.file).resolve()), s.name): s for s in given}
    return [
        replace(test, scenario=named.get((test.scenario.file, test.scenario.name), test.scenario))
        for test in session.tests
    ]


def _folders(paths: Sequence[Path]) -> str:
    """The folders given are scenario folders (the plugin collects YAML there only)."""
    folders = [str(path.resolve()) for path in paths if path.is_dir()]
    return "preflight_scenarios=" + " ".join(shlex.quote(folder) for folder in folders)


def run(
    tests: Sequence[Test],
    options: ReplayOptions,
    *,
    jobs: int = 1,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> Replayed:
    """Replay `tests` (from `collect`), `jobs` worker processes when there is more than one
    test; the results in the tests' order. An interrupt is raised again once pytest has shut
    the browsers."""
    if not tests:
        return Replayed()
    session = _Session(on_result, {t.key: t.scenario.file for t in tests})
    _run(options, [test.arg for test in tests], len(tests), jobs, session)
    missing = [t.arg for t in tests if t.key not in session.results]
    if missing:
        raise PreflightError(f"no result for {missing[0]}: the run stopped before it")
    ordered = [session.results[t.key] for t in tests]
    never = sorted(set.intersection(*session.gaps)) if session.gaps else []
    return Replayed(ordered, never)


def run_reports(
    paths: Sequence[Path],
    options: ReplayOptions,
    extra: Sequence[str],
    *,
    count: int,
    jobs: int = 1,
    on_report: Callable[[pytest.TestReport], None],
) -> None:
    """Run the plugin on the scenarios of `paths` with the options `extra` adds, for a front
    end whose `count` tests carry their own results on their reports (`preflight matrix`'s
    cells): `on_report` is given each report as it comes."""
    session = _Session(on_report=on_report)
    targets = ["-o", _folders(paths), *extra, *map(str, paths)]
    _run(options, targets, count, jobs, session)


def _run(
    options: ReplayOptions, targets: Sequence[str], count: int, jobs: int, session: _Session
) -> None:
    """One session running `targets` (`count` tests): `jobs` xdist workers when there is
    more than one test. An interrupt is raised again once pytest has shut the browsers."""
    scratch = Path(tempfile.mkdtemp(prefix="preflight-replay-"))
    try:
        args = _args(options, scratch)
        if jobs > 1 and count > 1:
            args += ["-n", str(min(jobs, count))]
        _main([*args, *targets], session)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
