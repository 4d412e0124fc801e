"""preflight: keeps an ACN seller's SFR order inside the ACN session.

The public API is re-exported here; everything else is private to its module. Only the
errors are imported with the package: the rest (`load_rules`, `Rules`, `go_back`, `record`,
`Outcome`…) on first use, since they pull in pydantic, the catalogues or Playwright, which
`import preflight` (the pytest plugin's entry point, loaded by every pytest run; the CLI's
start) does not need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight.errors import (
    BrowserError,
    BrowserNotFound,
    InputError,
    PreflightError,
    ProfileError,
    ReportError,
    RulesError,
    ScenarioError,
    UsageError,
)

if TYPE_CHECKING:
    from preflight.history import go_back, go_forward
    from preflight.rules import Rules, load_rules
    from preflight.scenario._recorder import Recording, RecordingInterrupted, record
    from preflight.watch.events import Outcome, Violation

__version__ = "0.1.0"

# A library stays quiet; the CLI adds sinks (loguru's advice for libraries).
logger.disable("preflight")

__all__ = [
    "BrowserError",
    "BrowserNotFound",
    "InputError",
    "Outcome",
    "PreflightError",
    "ProfileError",
    "Recording",
    "RecordingInterrupted",
    "ReportError",
    "Rules",
    "RulesError",
    "ScenarioError",
    "UsageError",
    "Violation",
    "__version__",
    "go_back",
    "go_forward",
    "load_rules",
    "record",
]

_LAZY = {
    "Rules": "preflight.rules",
    "load_rules": "preflight.rules",
    "go_back": "preflight.history",
    "go_forward": "preflight.history",
    "Outcome": "preflight.watch.events",
    "Violation": "preflight.watch.events",
    "Recording": "preflight.scenario._recorder",
    "RecordingInterrupted": "preflight.scenario._recorder",
    "record": "preflight.scenario._recorder",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'preflight' has no attribute {name!r}")
