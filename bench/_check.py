"""Figure 1: `preflight check` (fresh profile) as a whole process ÷ a bare Playwright script
that launches the same browser the same way, opens a page and closes — both subprocesses, so
both pay for Python, imports and the browser's start.

The check runs on the real rules with one change: the SFR account page is the demo shop's,
served here. Its proofs then load a real account page with a cacheable resource, as they do on
a connected machine, besides the storage pages of the other three order origins (fulfilled by
Playwright, no network). With the real account page on a machine without internet, that page
fails to resolve instead — at once usually, after 1–5 s of Chromium's DNS retries sometimes
(measured here) — and the check proves less: the figure would time the resolver."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import preflight
from bench._stats import Figure, interleaved, timed
from preflight.browsers import choose, spec_for
from preflight.rules import load_rules

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


# What a check must have proved for its time to count: R2 and R3 verified, not assumed.
PROVED = ("cookies", "storage", "cache", "merchant_session")


REAL_ACCOUNT = 'account_url = "https://www.sfr.fr/mon-espace-client/"\n'


def rules_with_demo_account(port: int, folder: Path) -> Path:
    """The real rules, but for the account page: the demo shop's, with its logged-in and
    logged-out markers."""
    real = (Path(preflight.__file__).parent / "default_rules.toml").read_text(encoding="utf-8")
    if REAL_ACCOUNT not in real:
        raise RuntimeError(f"the real rules no longer say {REAL_ACCOUNT.strip()!r}: update bench")
    demo = load_rules("demo", variables={"DEMO_PORT": str(port)}).merchant_session
    path = folder / "rules-demo-account.toml"
    account = (
        f"account_url = {json.dumps(demo.account_url)}\n"
        f"logged_in = {json.dumps(demo.logged_in)}\n"
        f"logged_out = {json.dumps(demo.logged_out)}\n"
    )
    path.write_text(real.replace(REAL_ACCOUNT, account), encoding="utf-8")
    return path


def _check(browser: str, rules: Path) -> None:
    args = ["check", "--browser", browser, "--rules", str(rules), "--json", "--yes"]
    done = subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode not in (0, 1):  # 1 = not ready (e.g. Chromium is not Chrome): it ran
        raise RuntimeError(f"preflight check failed ({done.returncode}): {done.stderr[-500:]}")
    statuses = {c["id"]: c["status"] for c in json.loads(done.stdout)["checks"]}
    unproved = {name: statuses.get(name) for name in PROVED if statuses.get(name) != "pass"}
    if unproved:
        raise RuntimeError(f"preflight check did not prove its point: {unproved}")


def _bare(engine: str, kwargs: dict[str, Any]) -> None:
    subprocess.run(
        [sys.executable, "-c", BARE, engine, json.dumps(kwargs)],
        check=True,
        capture_output=True,
        timeout=180,
    )


def measure(browser: str, repeats: int, budget_s: float | None = None) -> list[Figure]:
    from preflight.demo_shop import DemoShop

    spec = spec_for(choose(browser))
    kwargs = spec.launch_kwargs()
    with DemoShop(port=0) as shop, tempfile.TemporaryDirectory() as folder:
        rules = rules_with_demo_account(shop.port, Path(folder))
        pair = interleaved(
            lambda: timed(lambda: _check(browser, rules)),
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
            note=f"check {pair.a.median:.2f} s (every proof made), bare {pair.b.median:.2f} s",
            detail={"check_s": pair.a.model_dump(), "bare_s": pair.b.model_dump()},
        )
    ]


def stages(browser: str, rounds: int = 3) -> str:
    """Where a fresh-profile check's time goes, stage by stage, in this process (the same calls
    as `preflight check`, in its order), next to the bare floor: launch, page, close. For
    `python -m bench --profile`."""
    import time

    from playwright.sync_api import sync_playwright

    from preflight import check as checks
    from preflight.check import _run
    from preflight.demo_shop import DemoShop

    spec = spec_for(choose(browser))
    lines = [f"{browser}: a fresh-profile check, stage by stage (seconds, {rounds} rounds)"]
    with (
        DemoShop(port=0) as shop,
        tempfile.TemporaryDirectory() as folder,
        sync_playwright() as playwright,
    ):
        rules = load_rules(rules_with_demo_account(shop.port, Path(folder)))
        sites = checks.order_sites(rules)
        for _ in range(rounds):
            marks = [("", time.perf_counter())]
            driven = _run._open_browser(playwright, spec, headless=True)
            marks.append(("launch", time.perf_counter()))
            context = driven.new_context()
            page = context.new_page()
            marks.append(("context+page", time.perf_counter()))
            checks.identify_fresh(driven, page, spec.engine, sites)
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
