"""The bench harness's own logic (no browser): `--merge` updates some rows of the results."""

from __future__ import annotations

from bench._main import _merged
from bench._stats import Figure


def _figure(id: str, browser: str, note: str) -> Figure:
    return Figure(id=id, browser=browser, title=id, unit="×", note=note)


def test_merge_replaces_the_figures_measured_again_in_place_and_appends_new_ones() -> None:
    kept = [_figure("check", "chromium", "old"), _figure("tracing_cost", "firefox", "old")]
    measured = [
        _figure("tracing_cost", "firefox", "new"),
        _figure("replay_vs_plain", "firefox", "new"),
    ]
    merged = _merged(measured, kept)
    assert [(f.id, f.browser, f.note) for f in merged] == [
        ("check", "chromium", "old"),
        ("tracing_cost", "firefox", "new"),
        ("replay_vs_plain", "firefox", "new"),
    ]
