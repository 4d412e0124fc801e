"""Shared fixtures: real browsers (whichever the set-up found), loguru into caplog."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import settings
from loguru import logger
from playwright.sync_api import Browser, BrowserType, Page

from preflight.browsers import FIREFOX_FRAME_INPUT_PREFS, LaunchSpec, choose, spec_for
from preflight.demo_shop import DemoShop

# Generated cases: in `make test` the same every run (drawn from each test's own seed), so a run
# passes or fails on the code, not on the draw; `make fuzz` (PREFLIGHT_FUZZ_SCALE) draws fresh
# ones. No example database either way: what a run saw does not change the next one's cases.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("fresh", derandomize=False, database=None)
settings.load_profile("fresh" if os.environ.get("PREFLIGHT_FUZZ_SCALE") else "fixed")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "engine_of(param, engines): run each value of the parameter `param` only on the engine(s)"
        " `engines` maps it to (a name or a tuple of names)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.engine_of("mode", {"mpa": ("chromium", "firefox"), "spa": "firefox"})`:
    a parametrised test whose values do not each need both engines runs each value on the
    engines named, so every value runs and both engines are crossed with the values, at part of
    the cost (#22). A value mapped to no engine of this run runs on the engines of the run."""
    run = set(config.option.browser or ["chromium"])
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        mark = item.get_closest_marker("engine_of")
        callspec = getattr(item, "callspec", None)
        if mark is None or callspec is None:
            kept.append(item)
            continue
        param, engines = mark.args
        named = engines[callspec.params[param]]
        wanted = {named} if isinstance(named, str) else set(named)
        engine = callspec.params["browser_name"]
        (kept if engine in wanted or not wanted & run else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def launch_spec(preflight_launch_spec: LaunchSpec) -> LaunchSpec:
    """How this machine launches the browser under test (preflight's pytest plugin decides:
    Playwright's build, a channel or a path — and it launches pytest-playwright's `browser`)."""
    return preflight_launch_spec


@pytest.fixture(scope="session")
def bfcache_browser(
    browser_type: BrowserType, browser_name: str, browser_type_launch_args: dict[str, Any]
) -> Iterator[Browser]:
    """The same browser with the back/forward cache on, as a real user's browser has it."""
    spec = spec_for(choose(browser_name), bfcache=True, frame_input=True)
    kwargs = {**browser_type_launch_args, **spec.launch_kwargs()}
    if spec.engine == "firefox":
        # None of the prefs that turn Firefox's bfcache off (the plugin's launch args have them).
        kwargs["firefox_user_prefs"] = dict(FIREFOX_FRAME_INPUT_PREFS)
    browser = browser_type.launch(**kwargs)
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _own_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's data folder (order book, reports, the customer key) is the test session's own:
    no test writes into the real one. Subprocesses inherit it through the environment."""
    folder = tmp_path_factory.mktemp("data-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        patch.delenv("PREFLIGHT_BOOK", raising=False)
        yield folder


@pytest.fixture(autouse=True)
def _loguru_into_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The library logs with loguru; route it to pytest's caplog (loguru's documented recipe)."""
    logger.enable("preflight")
    handler_id = logger.add(
        caplog.handler,
        format="{message}",
        level=0,
        filter=lambda r: r["level"].no >= caplog.handler.level,
    )
    caplog.set_level(logging.DEBUG)
    yield
    logger.remove(handler_id)
    logger.disable("preflight")


@pytest.fixture(scope="session")
def demo_shop() -> Iterator[DemoShop]:
    """The demo shop on a free loopback port, one per test process (xdist-safe)."""
    with DemoShop(port=0) as shop:
        yield shop


@pytest.fixture
def closed_port() -> int:
    """A loopback port that was free a moment ago: nothing listens there (connections are
    refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def new_browser_mains() -> Callable[[], list[psutil.Process]]:
    """A call that finds the main processes of the browsers launched since the test began: new
    children of Playwright's driver (itself our child). The shared browser's processes, even
    ones it starts meanwhile, descend from another parent; and psutil's `children()` skips a
    process that exits while it looks (a browser's helpers may, at any moment)."""
    me = psutil.Process()
    before = {child.pid for child in me.children(recursive=True)}

    def mains() -> list[psutil.Process]:
        found = [p for driver in me.children() for p in driver.children() if p.pid not in before]
        assert found, "the launched browser's main process was not found"
        return found

    return mains


@pytest.fixture
def shop(demo_shop: DemoShop) -> DemoShop:
    """The demo shop with an empty truth: no orders, sessions, tokens or logins."""
    demo_shop.reset()
    return demo_shop


@pytest.fixture
def demo_customer() -> Callable[..., dict[str, str]]:
    """A call that drives the demo shop's made-up customer from the offer page to the
    confirmation with « Commander plus tard » (`failed_eligibility=True`: the eligibility test
    fails once first, at an address outside the coverage) and returns what the confirmation
    shows: `number`, `type` and `date` (`summary=True`: stops on the summary, returns {})."""

    def drive(
        page: Page, *, failed_eligibility: bool = False, summary: bool = False
    ) -> dict[str, str]:
        page.locator("#tester-eligibilite").click()
        if failed_eligibility:
            page.fill("#adresse", "3 chemin de la zone blanche")
            page.click("#tester")
            page.locator("[data-testid=eligibility-error]").wait_for()
        page.fill("#adresse", "12 rue de la Paix, 75002 Paris")
        page.click("#tester")
        page.click("#continuer")
        page.fill("#nom", "Camille Martin")
        page.fill("#telephone", "0612345678")
        # Typed key by key: the shop binds this field to `change`, which a value filled from
        # script never fires on Firefox (a person's typing does, when the field is left).
        page.locator("#email").press_sequentially("camille@example.fr")
        page.click("#valider")
        if summary:
            page.locator("#commander-plus-tard").wait_for()
            return {}
        page.click("#commander-plus-tard")
        return {
            k: page.get_by_test_id(f"order-{k}").inner_text().strip()
            for k in ("number", "type", "date")
        }

    return drive
