"""Scrub bank details from a Playwright trace (a zip) after a replay that typed them.

Playwright's trace keeps every typed value — in the `fill` actions, in DOM snapshots and in
recorded request bodies — with no option to mask them (microsoft/playwright#10526, #19992).
What the replayer typed into the rules' sensitive fields is replaced everywhere in the zip, in
every spelling a trace uses (raw, JSON-escaped, URL- and form-encoded, HTML-escaped), and the
screencast frames are dropped: their pixels show the typed details and cannot be searched.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = b"***"
# Screencast frames: JPEG pictures of the page as it was typed in.
_FRAME_SUFFIXES = (".jpeg", ".jpg")


def _spellings(value: str) -> list[bytes]:
    forms = {
        value,
        json.dumps(value)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
        html.escape(value),
        value.replace(" ", ""),
    }
    # Longest first, so a spelling that contains another is replaced whole.
    return sorted((f.encode() for f in forms if len(f) >= 4), key=len, reverse=True)


def scrub_trace(path: Path, values: Iterable[str]) -> bool:
    """Rewrite the zip at `path` without `values`; True when it was rewritten."""
    patterns = [form for value in values for form in _spellings(value)]
    if not patterns:
        return False
    folder = path.parent
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".scrub-", suffix=".zip")
    os.close(handle)
    try:
        with (
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                if info.filename.lower().endswith(_FRAME_SUFFIXES):
                    continue
                data = source.read(info)
                for pattern in patterns:
                    data = data.replace(pattern, MASK)
                target.writestr(info, data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return True
