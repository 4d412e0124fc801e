"""preflight's pytest plugin (registered with the `pytest11` entry point).

It builds on pytest-playwright's fixtures and options (`--browser`, `--browser-channel`,
`--headed`, `--tracing`, `--screenshot`, `--output`, `--base-url`) and adds its own group:

* `pytest scenarios/` collects every scenario file (`*.yaml`/`*.yml` under a folder named
  `scenarios`, or any YAML file with a top-level `steps:`) as one test per scenario and
  browser, replayed on pytest-playwright's `context` with the watcher attached;
* without `--base-url` the demo shop is served for the session (one per xdist worker);
* fixtures for hand-written tests: `preflight_rules`, `preflight_base_url`,
  `preflight_watch` (a watcher attached to `context`), `preflight_replay`.

Each scenario file becomes a synthetic Python module whose test functions request the usual
fixtures, so pytest-playwright's browser parametrization, artifacts (traces, screenshots),
`-n` (xdist) and `--junitxml` all work as for any other test.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from preflight.browsers import LaunchSpec, choose, spec_for
from preflight.errors import PreflightError
from preflight.rules import Rules, load_rules
from preflight.scenario._trace import scrub_trace

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from preflight.demo_shop import DemoShop
    from preflight.scenario import Scenario
    from preflight.scenario._replay import ScenarioResult
    from preflight.watch import Watcher

_SCENARIO_SUFFIXES = (".yaml", ".yml")
_HAS_STEPS = re.compile(r"^(?:- )?steps\s*:", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
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
        "--preflight-shard",
        default=None,
        metavar="K/N",
        help="Run only shard K of N of the collected tests (split by sorted test id; the N "
        "shards are disjoint and cover the suite), to spread a suite over N CI machines.",
    )


# --- the browser: whatever preflight's discovery finds, on pytest-playwright's fixtures --------


def _launch_spec(browser_name: str, pytestconfig: pytest.Config) -> LaunchSpec:
    bfcache = bool(pytestconfig.getoption("--preflight-bfcache"))
    return spec_for(choose(browser_name), bfcache=bfcache)


def _launch_args(
    browser_type_launch_args: dict[str, Any], preflight_launch_spec: LaunchSpec
) -> dict[str, Any]:
    spec_kwargs = preflight_launch_spec.launch_kwargs()
    spec_kwargs.pop("headless", None)  # --headed (pytest-playwright) decides
    if browser_type_launch_args.get("channel") and preflight_launch_spec.channel is None:
        spec_kwargs.pop("executable_path", None)  # --browser-channel asked for a branded one
    return {**spec_kwargs, **browser_type_launch_args}


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, after pytest-playwright, so that these fixtures override its defaults
    # (a fixture from a later plugin wins): without Playwright's own builds, the browsers that
    # preflight's discovery finds (Debian's chromium, stock Firefox over BiDi) are launched.
    if config.pluginmanager.has_plugin("preflight-launch"):
        return
    launch = types.ModuleType("preflight_launch")
    launch.preflight_launch_spec = pytest.fixture(scope="session")(_launch_spec)  # type: ignore[attr-defined]
    launch.browser_type_launch_args = pytest.fixture(  # type: ignore[attr-defined]
        scope="session", name="browser_type_launch_args"
    )(_launch_args)
    launch.connect_options = pytest.fixture(scope="session", name="connect_options")(  # type: ignore[attr-defined]
        _connect_options
    )
    config.pluginmanager.register(launch, "preflight-launch")


def _connect_options(pytestconfig: pytest.Config) -> dict[str, Any] | None:
    # pytest-playwright's own seam: its `browser` fixture connects instead of launching, with
    # our launch options in the `x-playwright-launch-options` header (used by run-server).
    endpoint = pytestconfig.getoption("--preflight-connect")
    return {"endpoint": str(endpoint), "timeout": 60_000} if endpoint else None


# --- fixtures ------------------------------------------------------------------------------------


def _variables(pytestconfig: pytest.Config) -> dict[str, str]:
    variables: dict[str, str] = {}
    for raw in pytestconfig.getoption("--preflight-var") or []:
        name, sep, value = str(raw).partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise pytest.UsageError(f"--preflight-var {raw!r}: expected NAME=VALUE")
        variables[name] = value
    return variables


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
    try:
        return load_rules(source, variables=preflight_variables)
    except PreflightError as error:
        raise pytest.UsageError(f"--preflight-rules: {error}") from None


@pytest.fixture
def preflight_watch(context: BrowserContext, preflight_rules: Rules) -> Iterator[Watcher]:
    """A watcher attached to pytest-playwright's `context`, for hand-written tests:

    def test_refresh_is_caught(preflight_watch, page, preflight_base_url):
        page.goto(preflight_base_url + "/acn/boutique") ...
        preflight_watch.settle()
        assert preflight_watch.outcome().verdict == "lost"
    """
    from preflight.watch import Watcher

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
    output_path: str,
    browser_name: str,
    request: pytest.FixtureRequest,
) -> Callable[..., ScenarioResult]:
    """`preflight_replay(scenario, context)` replays a scenario and fails the test, with an
    assertion-style message and the events, when its expectation does not hold."""
    from preflight.scenario._replay import replay_scenario

    step_timeout = float(pytestconfig.getoption("--preflight-step-timeout"))

    def replay(scenario: Scenario, context: BrowserContext) -> ScenarioResult:
        try:
            result = replay_scenario(
                context,
                scenario,
                rules=preflight_rules,
                base_url=preflight_base_url,
                variables=preflight_variables,
                browser=browser_name,
                artifacts=Path(output_path),
                step_timeout_s=step_timeout,
            )
        except PreflightError as error:
            pytest.fail(str(error), pytrace=False)
        if result.sensitive_values:
            # Scrubbed from this test's Playwright trace once pytest-playwright has written it.
            request.node.stash[_SENSITIVE] = (
                request.node.stash.get(_SENSITIVE, frozenset()) | result.sensitive_values
            )
            request.node.stash[_OUTPUT] = output_path
        if not result.passed:
            pytest.fail(failure_message(scenario, result), pytrace=False)
        return result

    return replay


def failure_message(scenario: Scenario, result: ScenarioResult) -> str:
    """What a failed scenario says: the expectation, what happened, where, and the events."""
    assert result.failure is not None
    failure = result.failure
    lines = [f"{scenario.name} ({result.browser}): {failure.message}"]
    if failure.step is not None:
        where = f"{scenario.file}:{failure.line}" if failure.line else scenario.file
        lines.append(f"  failing step: {failure.step} ({failure.action}) at {where}")
    lines.append(f"  scenario: {scenario.where} — {scenario.description or 'no description'}")
    if result.violations:
        lines.append("  violations:")
        lines.extend(f"    {v.kind} at {v.url} (step {v.step})" for v in result.violations)
    if failure.screenshot:
        lines.append(f"  screenshot: {failure.screenshot}")
    lines.append("  last events, oldest first:" if result.timeline else "  no event was seen")
    lines.extend(f"    {line}" for line in result.timeline[-15:])
    return "\n".join(lines)


# --- collection: scenario files as test modules -------------------------------------------------


def _is_scenario_file(file_path: Path) -> bool:
    if file_path.suffix not in _SCENARIO_SUFFIXES:
        return False
    if "scenarios" in file_path.parts[:-1]:
        return True
    try:
        head = file_path.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return False
    return bool(_HAS_STEPS.search(head))


_SENSITIVE = pytest.StashKey[frozenset[str]]()
_OUTPUT = pytest.StashKey[str]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    # Every phase is over: pytest-playwright has moved the trace into the test's output folder
    # (at the teardown report). Bank details typed by the replay must not stay in it.
    values = item.stash.get(_SENSITIVE, frozenset())
    output = item.stash.get(_OUTPUT, None)
    if values and output and Path(output).is_dir():
        for trace in Path(output).glob("*.zip"):
            scrub_trace(trace, values)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _scenario_test(scenario: Scenario, module: str) -> Callable[..., None]:
    def test(preflight_replay: Callable[..., Any], context: BrowserContext) -> None:
        preflight_replay(scenario, context)

    test.__name__ = test.__qualname__ = scenario.name
    test.__module__ = module
    test.__doc__ = scenario.description or None
    test.preflight_scenario = scenario  # type: ignore[attr-defined]
    return test


class ScenarioFile(pytest.Module):
    """A scenario file, seen by pytest as a module of test functions (one per scenario)."""

    _module: types.ModuleType | None = None

    def _getobj(self) -> types.ModuleType:
        if self._module is None:
            from preflight.scenario import load_file

            try:
                scenarios = load_file(self.path)
            except PreflightError as error:
                raise self.CollectError(str(error)) from None
            name = "preflight_scenarios." + re.sub(r"\W", "_", str(self.path.with_suffix("")))
            module = types.ModuleType(name, f"scenarios of {self.path}")
            module.__file__ = str(self.path)
            for scenario in scenarios:
                setattr(module, scenario.name, _scenario_test(scenario, name))
            self._module = module
        return self._module

    def istestfunction(self, obj: object, name: str) -> bool:
        return callable(obj) and hasattr(obj, "preflight_scenario")

    def istestclass(self, obj: object, name: str) -> bool:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        scenario = getattr(getattr(item, "obj", None), "preflight_scenario", None)
        if scenario is not None:
            item.user_properties.append(("expected", scenario.expect.verdict))
    _keep_shard(config, items)


def _keep_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    raw = config.getoption("--preflight-shard", default=None)
    if not raw:
        return
    from preflight.scenario._replay import in_shard, parse_shard

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
