"""The browser families preflight names: one vocabulary for the rules (`browser.allowed`),
the browsers it finds and launches, and the user agents it reads."""

from __future__ import annotations

from typing import Literal

# "other": a browser known to be none of these (an app's embedded view, a rare browser).
Family = Literal["chrome", "chromium", "firefox", "edge", "safari", "opera", "samsung", "other"]
