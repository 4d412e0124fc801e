"""The pre-order checks, kept here for one release so that `from preflight.checks import …`
still works: they live in `preflight.check` now (one module per concern). Import from there."""

from preflight.check import *  # noqa: F403
from preflight.check import __all__ as __all__
