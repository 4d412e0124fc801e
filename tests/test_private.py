"""What `preflight/_private.py` relies on in the installed Playwright and pytest (issue #26).

The first two tests fail as soon as an upgrade removes or changes one of those internals; the
ones after prove that the check sees each change, and that the helpers then make the ordinary
call with one WARNING instead of degrading silently. No browser: tests/test_trace.py proves on
a real trace that an untraced call leaves no action, tests/test_hostile_pages.py that a bounded
question to a spinning page gives up, tests/test_pytest_plugin.py that scenario files are
collected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright._impl._connection import ChannelOwner, Connection
from playwright._impl._impl_to_api_mapping import ImplWrapper
from playwright._impl._locator import Locator
from playwright._impl._sync_base import SyncBase
from playwright._impl._tracing import Tracing

from preflight import _private


@pytest.fixture(autouse=True)
def _fresh_checks() -> Iterator[None]:
    """Each test checks the classes as they are now (the check is cached for the process)."""
    _private.playwright_problems.cache_clear()
    _private._warn_once.cache_clear()
    yield
    _private.playwright_problems.cache_clear()
    _private._warn_once.cache_clear()


def test_the_installed_playwright_has_every_internal_preflight_relies_on() -> None:
    assert _private.playwright_problems() == ()


def test_the_installed_pytest_has_every_internal_preflight_relies_on() -> None:
    assert _private.pytest_problems() == ()


def _init_without(cls: type, name: str) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        """Sets everything it did but `name`."""

    __init__.__doc__ = f"{cls.__name__} without {name}"
    return __init__


async def _wrap_api_call(self: Any, cb: Callable[[], Any], title: str = "") -> Any:
    return await cb()


def _dispatch(self: Any, msg: Any) -> None:
    """Resolves every answer, given up or not."""


@pytest.mark.parametrize(
    ("cls", "name", "replacement", "said"),
    [
        (Connection, "wrap_api_call", _wrap_api_call, "wrap_api_call"),
        (Connection, "wrap_api_call", None, "wrap_api_call"),
        (Connection, "__init__", _init_without(Connection, "_api_zone"), "_api_zone"),
        (Connection, "dispatch", _dispatch, "given up"),
        (SyncBase, "_sync", None, "_sync"),
        (ImplWrapper, "__init__", _init_without(ImplWrapper, "_impl_obj"), "_impl_obj"),
        (Tracing, "__init__", _init_without(Tracing, "_is_tracing"), "_is_tracing"),
        (ChannelOwner, "__init__", _init_without(ChannelOwner, "_connection"), "_connection"),
        (Locator, "__init__", _init_without(Locator, "_frame"), "_frame"),
    ],
    ids=[
        "wrap-signature",
        "wrap-gone",
        "api-zone",
        "dispatch",
        "sync",
        "impl-obj",
        "is-tracing",
        "connection",
        "locator-frame",
    ],
)
def test_each_internal_that_changes_is_named_by_the_check(
    monkeypatch: pytest.MonkeyPatch, cls: type, name: str, replacement: Any, said: str
) -> None:
    if replacement is None:
        monkeypatch.delattr(cls, name)
    else:
        monkeypatch.setattr(cls, name, replacement)

    problems = _private.playwright_problems()

    assert len(problems) == 1 and said in problems[0], problems


def test_pytests_getobj_gone_is_named_by_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(pytest.Module, "_getobj")
    assert any("_getobj" in problem for problem in _private.pytest_problems())


class _Owner:
    """A sync API object as the helpers see one, without Playwright's internals."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def evaluate(self, *args: Any) -> str:
        self.calls.append(("evaluate", args))
        return "answered"


def test_without_the_internals_each_helper_makes_the_ordinary_call_and_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_private, "playwright_problems", lambda: ("Connection changed",))
    owner = _Owner()
    context: Any = object()

    assert _private.untraced(owner, "evaluate", "1") == "answered"
    assert _private.bounded(owner, "evaluate", "2", timeout_s=1.0, traced=False) == "answered"
    assert _private.tracing_on(context) is True  # a group on an untraced context is a no-op
    assert _private.untraced(owner, "evaluate", "3") == "answered"

    assert owner.calls == [("evaluate", ("1",)), ("evaluate", ("2",)), ("evaluate", ("3",))]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Connection changed" in warnings[0].getMessage()


def test_a_frame_of_playwrights_connection_is_told_from_ours() -> None:
    # What the signal handler asks (preflight.cli._interrupt): a frame running the code of the
    # installed Playwright's connection module is inside its dispatch; ours is not.
    import sys

    from playwright._impl import _connection

    inside: dict[str, Any] = {}
    code = compile("import sys\nframe = sys._getframe()", _connection.__file__, "exec")
    exec(code, inside)

    assert _private.in_playwright_dispatch(inside["frame"])
    assert not _private.in_playwright_dispatch(sys._getframe())
    assert not _private.in_playwright_dispatch(None)
