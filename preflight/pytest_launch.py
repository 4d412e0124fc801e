"""The browser fixtures preflight puts over pytest-playwright's defaults: without Playwright's
own builds, the browsers that preflight's discovery finds (Debian's chromium, stock Firefox over
WebDriver BiDi) are launched, or a remote Playwright server's are used (`--preflight-connect`).

Not a `pytest11` entry point: `preflight.pytest_plugin` registers this module in its
`pytest_configure`, after pytest-playwright, so that these fixtures override its own (a fixture
of a later plugin wins).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserType

    from preflight.browsers import LaunchSpec


@pytest.fixture(scope="session")
def preflight_launch_spec(browser_name: str, pytestconfig: pytest.Config) -> LaunchSpec:
    from preflight.browsers import choose, spec_for

    bfcache = bool(pytestconfig.getoption("--preflight-bfcache"))
    return spec_for(choose(browser_name), bfcache=bfcache, frame_input=True)


@pytest.fixture(scope="session", name="browser_type_launch_args")
def launch_args(
    browser_type_launch_args: dict[str, Any], preflight_launch_spec: LaunchSpec
) -> dict[str, Any]:
    spec_kwargs = preflight_launch_spec.launch_kwargs()
    spec_kwargs.pop("headless", None)  # --headed (pytest-playwright) decides
    if browser_type_launch_args.get("channel") and preflight_launch_spec.channel is None:
        spec_kwargs.pop("executable_path", None)  # --browser-channel asked for a branded one
    return {**spec_kwargs, **browser_type_launch_args}


@pytest.fixture(scope="session", name="connect_options")
def connect_options(pytestconfig: pytest.Config) -> dict[str, Any] | None:
    # pytest-playwright's own seam: its `browser` fixture connects instead of launching, with
    # our launch options in the `x-playwright-launch-options` header (used by run-server).
    endpoint = pytestconfig.getoption("--preflight-connect")
    return {"endpoint": str(endpoint), "timeout": 60_000} if endpoint else None


@pytest.fixture(scope="session", name="launch_browser")
def launch_browser(
    browser_type_launch_args: dict[str, Any],
    browser_type: BrowserType,
    connect_options: dict[str, Any] | None,
) -> Callable[..., Browser]:
    # pytest-playwright's own, but a remote server that cannot be used says which endpoint and
    # what was expected (`connect_browser`), instead of Playwright's bare WebSocket error.
    def launch(**kwargs: Any) -> Browser:
        options = {**browser_type_launch_args, **kwargs}
        if connect_options:
            from preflight.scenario._scale import connect_browser

            return connect_browser(browser_type, str(connect_options["endpoint"]), options)
        return browser_type.launch(**options)

    return launch
