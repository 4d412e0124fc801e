"""One way to put anything on the terminal: as text, never as markup.

What preflight prints comes largely from outside — page URLs and texts, confirmation numbers,
scenario names and paths, `--var` values, rules files, IndexedDB names of a profile — and Rich
reads `[…]` in a plain string as markup: `[/x]` raised `MarkupError` (a traceback instead of
the verdict), `[link=https://evil.example]` printed a hyperlink and `[bare]` vanished. So the
CLI's consoles never parse markup or emoji codes (style comes from `style=` or `styled()`),
neutralise control characters (an ESC from a page could drive the terminal: colours, titles,
OSC-8 links, bidi overrides that reorder what the seller reads), and never let a rendering
failure escape: the line is written as plain text instead. (Rich's own advice for foreign
strings: `escape()` or `Text`, markup off — https://rich.readthedocs.io/en/latest/markup.html)
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.text import Text

# Where output is not a terminal (a CI log, a pipe, a file) and COLUMNS does not say otherwise,
# lines are this wide: Rich's 80 columns squeezed the results table and cut scenario names into
# pieces (issue 14), and a log viewer scrolls sideways anyway. Tables still take only the width
# they need; nothing the CLI prints pads itself to the console's width.
PIPE_WIDTH = 1000

# C0 (but tab and newline), DEL, C1, and the invisible direction marks and overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object) -> str:
    """`value` as one safe string: control characters shown as `\\xNN`, nothing else changed."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # any: a foreign object's __str__ may raise anything
        text = f"<{type(value).__name__}>"
    return _CONTROL.sub(_visible, text)


def styled(value: object, style: str = "") -> Text:
    """`value` as text in `style`: what the CLI uses instead of `[style]…[/]` markup."""
    return Text(plain(value), style=style)


class SafeConsole(Console):
    """A Rich console that prints strings as text and falls back to plain text on any error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal and not self._environ.get("COLUMNS"):
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # Every string Rich renders passes here: print arguments, table cells and titles.
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(plain(text), **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        try:
            super().print(*objects, **kwargs)
        except Exception:  # any: output never ends in a traceback
            sep = kwargs.get("sep", " ")
            line = sep.join(plain(o.plain if isinstance(o, Text) else o) for o in objects)
            # If even that fails the terminal itself is gone (closed, or it cannot encode the
            # text): there is nothing left to tell.
            with contextlib.suppress(OSError, ValueError):
                self.file.write(line + kwargs.get("end", "\n"))
                self.file.flush()
