"""The private APIs of preflight's dependencies, and the only module that uses them (issue #26).

Everywhere else preflight uses Playwright's and pytest's public APIs. What is here has no public
way, says why and names the upstream issue; `tests/test_private.py` fails as soon as the
installed Playwright or pytest no longer has what this module relies on (`problems()`). At run
time the same check decides: when the internals are not those this was written for, each
helper makes the ordinary public call and says so once, at WARNING — never a silent
degradation.

Playwright (pinned at 1.64.*, pyproject.toml):

* `untraced` — a call left out of a Playwright trace. Each of the watcher's polls (an
  `evaluate`, a cookie read, a pause) would otherwise be an action with a DOM snapshot before
  and after: a slower run and a trace full of polls (issue #27). Playwright's JavaScript client
  marks its own calls internal (`_wrapApiCall(…, {internal: true})`); Python has the same
  mechanism only privately: the sync object's `_impl_obj`, its connection's
  `wrap_api_call(cb, is_internal=True)` and `_sync()` (playwright-python 1.64.1,
  `_connection.py`; the driver's tracer then skips the call). No public option excludes a call
  from a trace: https://github.com/microsoft/playwright-python/issues/2664 (closed without one).
* `bounded` — a call given up after a time limit of its own. `page.evaluate` has no timeout,
  and a page whose script spins never answers it (issue #25): Playwright's own answer is "use
  a timeout around it", https://github.com/microsoft/playwright/issues/13253 (a timeout for
  evaluate, closed as collecting feedback). The sync API gives no way to put one around a call;
  its impl coroutine under `asyncio.wait_for`, run by the same `_sync()`, does (the connection
  drops the late answer of a call given up: `Connection.dispatch` checks `future.cancelled()`).
  `wait_for_function(timeout=…)` is no substitute: once its poller has answered, a timeout waits
  for the page to abort it (20 s and more on a spinning page, measured on Chromium).
* `in_playwright_dispatch` — whether an interrupted frame is inside Playwright's connection,
  dispatching the driver's messages (the signal handler of `preflight.cli` defers its
  interrupt there): Python's frames and Playwright's file layout, see its docstring.
* `tracing_on` — whether a context is being traced (client side): `Tracing` has no public
  getter (no upstream issue found). Asked before each step's trace group and the watcher's
  marks, so that an untraced run makes no group calls at all.

pytest:

* `SyntheticModule` — a scenario file collected as a module of test functions, so that
  pytest-playwright's browser parametrization, its fixtures, `-n` and `--junitxml` work as for
  any test. pytest builds parametrized functions only inside a `Module`/`Class`
  (`pytest_generate_tests` runs there), and a `Module` gets its object only from `_getobj()`
  (pytest 9.2 itself calls it directly under `collect_imported_tests = false`, so overriding the
  public `obj` property is not enough). Fixtures for non-Python items have no public API:
  https://github.com/pytest-dev/pytest/issues/3639 (open) and
  https://github.com/pytest-dev/pytest/issues/2471.

This module imports neither Playwright nor pytest at import time: the seller's install has no
pytest, and importing the watcher loads no Playwright (tests/test_layers.py).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import types
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

# --- Playwright ----------------------------------------------------------------------------------


@functools.cache
def playwright_problems() -> tuple[str, ...]:
    """What this module relies on in the installed Playwright and does not find there (empty:
    all of it is there). Checked on the classes, without a browser."""
    found: list[str] = []
    try:
        from playwright._impl._connection import ChannelOwner, Connection
        from playwright._impl._locator import Locator
        from playwright._impl._sync_base import SyncBase
        from playwright._impl._tracing import Tracing
    except ImportError as error:
        return (f"playwright._impl: {error}",)
    wrap = getattr(Connection, "wrap_api_call", None)
    if wrap is None or not inspect.iscoroutinefunction(wrap):
        found.append("Connection.wrap_api_call is no longer a coroutine function")
    elif list(inspect.signature(wrap).parameters)[:3] != ["self", "cb", "is_internal"]:
        found.append(f"Connection.wrap_api_call{inspect.signature(wrap)}: not (cb, is_internal)")
    if not _uses(Connection.__init__, "_api_zone"):
        found.append("Connection no longer sets _api_zone")
    if not _uses(Connection.dispatch, "cancelled"):
        found.append("Connection.dispatch no longer drops the answer of a call given up")
    if not callable(getattr(SyncBase, "_sync", None)):
        found.append("SyncBase._sync is gone")
    if not any(_uses(vars(cls).get("__init__"), "_impl_obj") for cls in SyncBase.__mro__):
        found.append("SyncBase no longer sets _impl_obj")
    if not _uses(Tracing.__init__, "_is_tracing"):
        found.append("Tracing no longer sets _is_tracing")
    if not _uses(ChannelOwner.__init__, "_connection"):
        found.append("ChannelOwner no longer sets _connection")
    if not _uses(Locator.__init__, "_frame"):
        found.append("Locator no longer sets _frame")
    if not inspect.getfile(Connection).endswith(_DISPATCH):
        found.append(f"Playwright's connection is no longer in {_DISPATCH}")
    return tuple(found)


def _uses(function: Any, name: str) -> bool:
    """Whether the code of `function` names the attribute `name` (`self.NAME = …`,
    `x.NAME()`): read from its byte code, which needs no source file and costs nothing."""
    code = getattr(function, "__code__", None)
    return code is not None and name in code.co_names


def _usable() -> bool:
    """Whether Playwright's internals are those this module was written for; when not, say so
    once (WARNING) and let the caller make the ordinary call."""
    problems = playwright_problems()
    if problems:
        _warn_once(problems)
    return not problems


@functools.cache
def _warn_once(problems: tuple[str, ...]) -> None:
    logger.warning(
        "Playwright's internals are not those preflight relies on ({}): its polls are traced, "
        "its questions to a page have no time limit and every context counts as traced — "
        "tests/test_private.py says what changed",
        "; ".join(problems),
    )


def _parts(owner: Any, method: str) -> tuple[Any, Any, Any]:
    """The Playwright connection of a sync API `owner`, its sync runner and the impl's
    `method`."""
    impl = owner._impl_obj
    # A Locator's impl is no channel owner: its connection is its frame's (a locator's call was
    # silently traced before, issue #27).
    connection = getattr(impl, "_connection", None) or impl._frame._connection
    return connection, owner._sync, getattr(impl, method)


def untraced(owner: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """`owner.method(*args, **kwargs)` on a sync API object (a Page, a BrowserContext, a
    Locator), left out of Playwright's trace. The result is returned as the impl gives it: use
    it only for methods whose result is plain data (evaluate, cookies, count, inner_text)."""
    if not _usable():
        return getattr(owner, method)(*args, **kwargs)
    connection, sync, call = _parts(owner, method)
    return sync(connection.wrap_api_call(lambda: call(*args, **kwargs), True))


def bounded(
    owner: Any, method: str, *args: Any, timeout_s: float, traced: bool = True, **kwargs: Any
) -> Any:
    """`owner.method(*args, **kwargs)` on a sync API object, given up after `timeout_s`
    (`TimeoutError`) however the page behaves; `traced=False`: left out of the trace, as
    `untraced`. The result is returned as the impl gives it: plain data only (evaluate).
    Without the internals: the ordinary call, with no time limit (and a WARNING)."""
    if not _usable():
        return getattr(owner, method)(*args, **kwargs)
    connection, sync, call = _parts(owner, method)

    async def within() -> Any:
        zone = connection._api_zone.get() if traced else None
        if isinstance(zone, dict) and not zone.get("apiName"):
            # The sync API names a call after its own frame (`Page.evaluate`) and traces only a
            # named call: this one is made from here, so it is named as the sync API would.
            zone["apiName"] = f"{type(owner).__name__}.{method}"
        return await asyncio.wait_for(call(*args, **kwargs), timeout_s)

    return sync(connection.wrap_api_call(within, not traced))


def tracing_on(context: BrowserContext) -> bool:
    """Whether `context` is being traced (client side). Without the internals, True: a group on
    a context that is not traced is a no-op in the driver."""
    if not _usable():
        return True
    return bool(context.tracing._impl_obj._is_tracing)


def in_playwright_dispatch(frame: types.FrameType | None) -> bool:
    """Whether the interrupted `frame` is inside Playwright's connection (`_connection.py`),
    dispatching one of the driver's messages. An interrupt raised there leaves the connection's
    object table half updated (a later message then fails with `KeyError: 'request@…'`, seen
    once in 16 runs of an order's SIGINT on Firefox when only the greenlet rule of
    `preflight.cli._inside_a_playwright_callback` was asked): that code runs from the event
    loop's reader callback, in no asyncio task, so no public API tells it from the loop waiting
    for the driver — where an interrupt must be raised at once. Python's frames and
    Playwright's file layout are the only way; no upstream issue asks for one (Playwright's
    sync API leaves signals to the application)."""
    while frame is not None:
        if frame.f_code.co_filename.endswith(_DISPATCH):
            return True
        frame = frame.f_back
    return False


_DISPATCH = os.path.join("playwright", "_impl", "_connection.py")


# --- pytest --------------------------------------------------------------------------------------


class SyntheticModule:
    """Mixed into a `pytest.Module` (before it) whose module object is built by
    `synthetic_module()` instead of imported from its path. pytest is not imported here."""

    def synthetic_module(self) -> types.ModuleType:
        raise NotImplementedError

    def _getobj(self) -> types.ModuleType:
        return self.synthetic_module()


def pytest_problems() -> tuple[str, ...]:
    """What `SyntheticModule` relies on in the installed pytest and does not find there."""
    import pytest

    found: list[str] = []
    getobj = vars(pytest.Module).get("_getobj")  # Module's own: how it imports its module
    if getobj is None or list(inspect.signature(getobj).parameters) != ["self"]:
        found.append("pytest.Module._getobj(self) is gone")
    if not _uses(getattr(pytest.Module.obj, "fget", None), "_getobj"):
        found.append("pytest.Module.obj no longer gets its object from _getobj()")
    return tuple(found)


__all__ = [
    "SyntheticModule",
    "bounded",
    "in_playwright_dispatch",
    "playwright_problems",
    "pytest_problems",
    "tracing_on",
    "untraced",
]
