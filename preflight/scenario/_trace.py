"""Scrub what a scenario typed from a Playwright trace (a zip), whatever ended the test.

Playwright's trace keeps every typed value — in the `fill` actions, in DOM snapshots
(`__playwright_value_`), in recorded request bodies (`trace.network`, `resources/`) — with no
option to mask them (microsoft/playwright#10526, #19992). The values a scenario types (name,
address, phone, email, bank details…) are known before it runs, so the pytest plugin records
them first and scrubs the trace after the test, whether it passed, failed, errored or was
stopped by pytest-timeout. Each value is replaced in every spelling a trace uses (raw,
JSON-escaped, URL- and form-encoded, HTML-escaped). A value shorter than four characters (a
CVC) would also match unrelated text, so it is replaced only where it stands as a value: a JSON
`"value"`-like member, an HTML `value` attribute, a form field of a request body. The screencast
frames are dropped: their pixels show the typed details and cannot be searched.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from preflight.atomic import replacing
from preflight.privacy import spellings

MASK = b"***"
SHORT = 4
# Screencast frames: JPEG pictures of the page as it was typed in.
_FRAME_SUFFIXES = (".jpeg", ".jpg")


def _short_patterns(value: str) -> list[re.Pattern[bytes]]:
    """Where a short value is a value: `"value":"737"`, `value="737"`, `cvc=737&`, and a string
    argument of an `evaluate` (Playwright writes it `{"s":"737"}`: on Firefox the replayer fills
    a field through one evaluate, see fill_control)."""
    patterns = []
    for form in sorted({f.encode() for f in spellings(value)}, key=len, reverse=True):
        v = re.escape(form)
        patterns.append(re.compile(rb'("[A-Za-z_]*[Vv]alue[A-Za-z_]*"\s*:\s*")' + v + rb'(?=")'))
        patterns.append(re.compile(rb"(\bvalue\s*=\s*[\"'])" + v + rb"(?=[\"'])"))
        patterns.append(re.compile(rb'(\{"s"\s*:\s*")' + v + rb'(?="\})'))
        patterns.append(re.compile(rb"((?:^|[?&\s])[\w.%\[\]-]+=)" + v + rb"(?=[&\s\"]|$)"))
    return patterns


def scrub_trace(path: Path, values: Iterable[str]) -> bool:
    """Rewrite the zip at `path` without `values`; True when it was rewritten."""
    wanted = {value for value in values if value}
    if not wanted:
        return False
    long_forms = sorted(
        {form.encode() for value in wanted for form in spellings(value) if len(form) >= SHORT},
        key=len,
        reverse=True,
    )
    short = [p for value in wanted if len(value) < SHORT for p in _short_patterns(value)]
    # The source is closed before the rename: Windows cannot replace a file still open.
    with (
        replacing(path) as scrubbed,
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(scrubbed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename.lower().endswith(_FRAME_SUFFIXES):
                continue
            data = source.read(info)
            for form in long_forms:
                data = data.replace(form, MASK)
            for pattern in short:
                data = pattern.sub(lambda m: m.group(1) + MASK, data)
            target.writestr(info, data)
    return True
