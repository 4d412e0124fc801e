"""Where a scenario's `goto` may go: web pages only, unless `--allow-local-files` (issue 13),
checked as the browser will read the URL, and refused before anything runs."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from preflight.errors import ScenarioError
from preflight.scenario._model import Goto, Scenario

# What `goto` opens without --allow-local-files: web pages. `file:` would let a step read the
# machine's files (a screenshot of /etc/shadow, `expect_text` on it) and `chrome://version`
# shows the browser's command line (issue 13); `about:`, `data:`, `javascript:`,
# `view-source:` and extension pages are no order flow either.
WEB_SCHEMES = ("http", "https")

# What a browser strips from a URL before parsing it (WHATWG URL: leading and trailing C0
# controls and spaces, every tab and newline): checked as the browser will read it.
_URL_STRIPPED = "".join(chr(c) for c in range(0x21))


def goto_url(base_url: str, url: str, *, allow_local_files: bool = False) -> str | None:
    """The absolute URL a `goto` opens (relative ones joined to `base_url`), or None when its
    scheme is not allowed: only http(s) unless `allow_local_files`."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip(_URL_STRIPPED))
    joined = urljoin(base_url.rstrip("/") + "/", cleaned)
    if allow_local_files or urlsplit(joined).scheme.lower() in WEB_SCHEMES:
        return joined
    return None


def check_gotos(scenario: Scenario, base_url: str, *, allow_local_files: bool = False) -> None:
    """Refuse, before anything runs, a `goto` (placeholders filled) that would open a local
    file or a browser page."""
    for index, step in enumerate(scenario.steps, start=1):
        if not isinstance(step, Goto):
            continue
        if goto_url(base_url, step.url, allow_local_files=allow_local_files) is not None:
            continue
        shown = step.url if len(step.url) <= 120 else step.url[:120] + "…"
        scheme = urlsplit(goto_url(base_url, step.url, allow_local_files=True) or "").scheme
        raise ScenarioError(
            f"goto {shown!r}: the {scheme or '?'}: scheme is not allowed",
            file=scenario.file,
            line=step.line or None,
            where=f"step {index} (goto)",
            expected="an http: or https: URL — local files and browser pages only with "
            "--allow-local-files",
        )
