"""A person's hands on a headed browser: real key presses through the X server, on a display of
the test's own.

Playwright's `page.close()` and `keyboard.press()` act from inside the browser's protocol:
they never go through the browser's own shortcuts (Ctrl+W closes a tab only when the window
system delivers it) and they run on the test's thread, so a test cannot use them while
`run_order` waits on the seller. These keys come from outside, as the seller's do: XTest
events on a private Xvfb display (no window manager: the pointer's window gets the keys), sent
from any thread. One display per test, so that two xdist workers never press keys in each
other's windows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from Xlib import XK, X, display  # type: ignore[import-untyped]
from Xlib.ext import xtest  # type: ignore[import-untyped]

# How long Xvfb may take to say which display it opened.
_START_TIMEOUT_S = 10.0


class Hands:
    """Keys and pointer moves on display `name` (":N")."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._display: Any = display.Display(name)
        self._lock = threading.Lock()

    def env(self) -> dict[str, str]:
        """The environment a browser launched on this display needs."""
        return {**os.environ, "DISPLAY": self.name}

    def press(self, *keys: str) -> None:
        """Press `keys` together and release them (`press("Control_L", "w")`), over the window
        under the pointer (moved to the middle of the screen first)."""
        with self._lock:
            d = self._display
            screen = d.screen()
            xtest.fake_input(
                d, X.MotionNotify, x=screen.width_in_pixels // 2, y=screen.height_in_pixels // 2
            )
            codes = [d.keysym_to_keycode(XK.string_to_keysym(key)) for key in keys]
            for code in codes:
                xtest.fake_input(d, X.KeyPress, code)
            for code in reversed(codes):
                xtest.fake_input(d, X.KeyRelease, code)
            d.sync()

    def when(self, ready: Callable[[], bool], then: Callable[[], None], *, within: float) -> None:
        """In a thread: once `ready()` is true (polled for at most `within` seconds), `then()`.
        The test's own thread stays in Playwright's hands (`run_order` waits on the seller)."""

        def watch() -> None:
            wait = threading.Event()
            for _ in range(int(within / 0.1)):
                if ready():
                    wait.wait(0.5)  # the page is painted and has the focus
                    then()
                    return
                wait.wait(0.1)

        threading.Thread(target=watch, daemon=True).start()

    def close(self) -> None:
        self._display.close()


def has_xvfb() -> bool:
    return shutil.which("Xvfb") is not None


@contextmanager
def private_display() -> Iterator[Hands]:
    """An Xvfb display for this test only, and the hands on it."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        number = _read_display_number(read)
        hands = Hands(f":{number}")
        try:
            yield hands
        finally:
            hands.close()
    finally:
        os.close(read)
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _read_display_number(fd: int) -> int:
    found: list[bytes] = []

    def read() -> None:
        found.append(os.read(fd, 16))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(_START_TIMEOUT_S)
    if not found or not found[0].strip():
        raise RuntimeError(f"Xvfb did not open a display within {_START_TIMEOUT_S} s")
    return int(found[0].strip())
