"""preflight: keeps an ACN seller's SFR order inside the ACN session.

The public API is re-exported here; everything else is private to its module.
"""

from __future__ import annotations

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
from preflight.rules import Rules, load_rules

__version__ = "0.1.0"

# A library stays quiet; the CLI adds sinks (loguru's advice for libraries).
logger.disable("preflight")

__all__ = [
    "BrowserError",
    "BrowserNotFound",
    "InputError",
    "PreflightError",
    "ProfileError",
    "ReportError",
    "Rules",
    "RulesError",
    "ScenarioError",
    "UsageError",
    "__version__",
    "load_rules",
]
