from __future__ import annotations

import json
import subprocess
import sys

from playwright.sync_api import Page

from preflight.browsers import discover


def test_discovery_finds_a_drivable_chromium_and_firefox_with_versions() -> None:
    found = discover()
    engines = {b.engine for b in found if b.drivable}
    assert {"chromium", "firefox"} <= engines
    for b in found:
        if b.drivable and b.driver != "playwright-bundled":
            assert b.version and b.version[0].isdigit(), b


def test_browsers_json_lists_the_documented_fields() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "preflight", "browsers", "--json"],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = json.loads(out)
    assert rows and all({"family", "version", "executable", "driver", "default"} <= r.keys() for r in rows)


def test_the_launched_browser_renders_a_page(page: Page) -> None:
    page.set_content("<h1>Bonjour</h1>")
    assert page.inner_text("h1") == "Bonjour"
