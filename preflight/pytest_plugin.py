"""preflight's pytest plugin (registered with the `pytest11` entry point).

It builds on pytest-playwright's fixtures and options (`--browser`, `--browser-channel`,
`--headed`, `--tracing`, `--output`, `--base-url`) and adds its own option group.
"""

from __future__ import annotations

from typing import Any

import pytest

from preflight.rules import Rules, load_rules


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("preflight", "preflight: ACN session rules and scenarios")
    group.addoption(
        "--preflight-rules",
        default=None,
        metavar="FILE",
        help="Rules file (TOML) or builtin name (default, demo). Default: demo when the demo "
        "shop serves the run, default otherwise.",
    )


@pytest.fixture(scope="session")
def preflight_rules(pytestconfig: pytest.Config) -> Rules:
    """The rules in force for this run (`--preflight-rules`)."""
    source: Any = pytestconfig.getoption("--preflight-rules") or "default"
    return load_rules(source)
