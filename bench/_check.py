"""Figure 1: `preflight check` (fresh profile) as a whole process ÷ a bare Playwright script
that launches the same browser the same way, opens a page and closes — both subprocesses, so
both pay for Python, imports and the browser's start."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
from typing import Any

from bench._stats import Figure, interleaved, timed
from preflight.browsers import choose, spec_for

# The floor: nothing but Playwright, the browser launched with preflight's options.
BARE = """\
import json, sys
from playwright.sync_api import sync_playwright
engine, kwargs = sys.argv[1], json.loads(sys.argv[2])
with sync_playwright() as p:
    browser = getattr(p, engine).launch(**kwargs)
    page = browser.new_page()
    page.goto("about:blank")
    browser.close()
"""
TARGET = 1.3


def _check(browser: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "check", "--browser", browser, "--json", "--yes"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode not in (0, 1):  # 1 = not ready (e.g. Chromium is not Chrome): it ran
        raise RuntimeError(f"preflight check failed ({done.returncode}): {done.stderr[-500:]}")
    json.loads(done.stdout)


def _bare(engine: str, kwargs: dict[str, Any]) -> None:
    subprocess.run(
        [sys.executable, "-c", BARE, engine, json.dumps(kwargs)],
        check=True,
        capture_output=True,
        timeout=180,
    )


def measure(browser: str, repeats: int, budget_s: float | None = None) -> list[Figure]:
    spec = spec_for(choose(browser))
    kwargs = spec.launch_kwargs()
    pair = interleaved(
        lambda: timed(lambda: _check(browser)),
        lambda: timed(lambda: _bare(spec.engine, kwargs)),
        repeats,
        budget_s=budget_s,
    )
    return [
        Figure(
            id="check_overhead",
            browser=browser,
            title="check ÷ bare launch",
            unit="×",
            value=pair.ratio,
            target=f"≤ {TARGET}×",
            met=pair.ratio.median <= TARGET,
            repeats=pair.ratio.n,
            note=f"check {pair.a.median:.2f} s, bare {pair.b.median:.2f} s",
            detail={"check_s": pair.a.model_dump(), "bare_s": pair.b.model_dump()},
        )
    ]


def stages(browser: str, rounds: int = 3) -> str:
    """Where a fresh-profile check's time goes, stage by stage, in this process (the same calls
    as `preflight check`, in its order), next to the bare floor: launch, page, close. For
    `python -m bench --profile`."""
    import time

    from playwright.sync_api import sync_playwright

    from preflight import checks
    from preflight.rules import load_rules

    rules = load_rules("default")
    sites = checks.order_sites(rules)
    spec = spec_for(choose(browser))
    secure = next(o for o in sites.origins if o.startswith("https://"))
    lines = [f"{browser}: a fresh-profile check, stage by stage (seconds, {rounds} rounds)"]
    with sync_playwright() as playwright:
        for _ in range(rounds):
            marks = [("", time.perf_counter())]
            driven = checks._open_browser(playwright, spec, headless=True)
            marks.append(("launch", time.perf_counter()))
            context = driven.new_context()
            page = context.new_page()
            marks.append(("context+page", time.perf_counter()))
            page.route(checks._PROBE_GLOB, checks._fulfil_probe)
            page.goto(secure + checks._PROBE_PATH)
            checks.identify_running(driven, page, spec.engine, at=page.url)
            page.unroute(checks._PROBE_GLOB, checks._fulfil_probe)
            marks.append(("identify", time.perf_counter()))
            checks.inspect_context(
                context, sites, rules, only_order_sites=False, origins=sites.origins, page=page
            )
            marks.append(
                (f"storage of {len(sites.origins)} origins + account", time.perf_counter())
            )
            driven.close()
            marks.append(("close", time.perf_counter()))
            lines.append(
                "  "
                + ", ".join(
                    f"{name} {at - before:.2f}" for (_, before), (name, at) in pairwise(marks)
                )
            )
    return "\n".join(lines)
