"""Figure: the cost of Playwright's tracing (as pytest-playwright's `--tracing on` records it:
screenshots, DOM snapshots, sources, the zip written), with and without the watcher.

Each round replays the bench set five ways, interleaved, and each ratio is taken within a
round (the same machine load on both sides):

* replay (watcher) traced ÷ replay untraced — what `--tracing on` costs a scenario now;
* plain Playwright traced ÷ plain untraced — what it costs steps with no watcher at all;
* replay traced with the watcher's polling traced too ÷ replay traced — what leaving that
  polling out of the trace saves (the polling as it was before issue 14: each `evaluate`
  and pause a traced action, with its DOM snapshots);
* replay traced ÷ plain traced, and replay ÷ plain untraced — what the watcher costs against
  plain Playwright on the same steps, traced against traced and untraced against untraced
  (issue #27: target ≤ 1.05× both ways).

The traced runs also count the trace's actions (`trace.trace`): what the viewer lists.
"""

from __future__ import annotations

import json
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._plain import drive
from bench._stats import Figure, Summary, timed
from preflight.demo_shop import DemoShop
from preflight.scenario import Scenario
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import known_values
from preflight.watch import _session as session_module
from preflight.watch import _watcher as watcher_module
from preflight.watch._tracing import without_screencast

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

WAYS = ("replay_traced", "replay", "plain_traced", "plain", "polling_traced")
TARGET = 1.05


def _traced_polling() -> Callable[..., Any]:
    def traced(owner: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(owner, method)(*args, **kwargs)

    return traced


@contextmanager
def _polling_in_the_trace() -> Iterator[None]:
    """The watcher's polls as ordinary, traced calls (as before issue 14)."""
    # The replayer's polls are history.probe's; the watcher's settle asks through `_ask`.
    modules = [m for m in (watcher_module, session_module) if "untraced" in vars(m)]
    saved = [vars(module)["untraced"] for module in modules]
    for module in modules:
        vars(module)["untraced"] = _traced_polling()
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            vars(module)["untraced"] = original


def _actions(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        lines = archive.read("trace.trace").decode().splitlines()
    events = (json.loads(line) for line in lines if line.strip())
    return sum(1 for e in events if e.get("type") == "before" and e.get("method") != "tracingGroup")


def _one(
    browser: Browser,
    scenario: Scenario,
    shop: DemoShop,
    *,
    watcher: bool,
    trace: Path | None,
) -> int:
    """One scenario in a fresh context; the trace's action count (0 when not traced)."""
    context: BrowserContext = browser.new_context()
    try:
        if trace is not None:
            context.tracing.start(screenshots=True, snapshots=True, sources=True)
        if watcher:
            if trace is not None and known_values(scenario):
                without_screencast(context, scenario.name)  # as the pytest plugin does
            result = replay_scenario(
                context,
                scenario,
                rules=shop.rules(),
                base_url=shop.acn_url,
                variables={"MERCHANT": shop.sfr_url},
                browser=browser.browser_type.name,
            )
            if not result.passed:
                failure = result.failure.message if result.failure else "?"
                raise RuntimeError(f"{scenario.name}: {failure}")
        else:
            drive(context, scenario, shop.acn_url)
        if trace is not None:
            context.tracing.stop(path=str(trace))
            return _actions(trace)
        return 0
    finally:
        context.close()


def measure(
    browser: Browser,
    name: str,
    scenarios: list[Scenario],
    shop: DemoShop,
    repeats: int,
    budget_s: float | None = None,
) -> list[Figure]:
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    actions: dict[str, list[int]] = {way: [] for way in WAYS}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as folder:
        trace = Path(folder) / "trace.zip"

        def run(way: str, which: list[Scenario]) -> None:
            traced = trace if way.endswith("_traced") else None
            counts: list[int] = []

            def all_scenarios() -> None:
                for scenario in which:
                    counts.append(
                        _one(browser, scenario, shop, watcher=not way.startswith("plain"),
                             trace=traced)
                    )  # fmt: skip

            if way == "polling_traced":
                with _polling_in_the_trace():
                    seconds[way].append(timed(all_scenarios))
            else:
                seconds[way].append(timed(all_scenarios))
            actions[way].append(sum(counts))

        for way in WAYS:  # a warm-up scenario each way, dropped: the first ones read from disk
            run(way, scenarios[:1])
            seconds[way].clear()
            actions[way].clear()
        for _ in range(repeats):
            spent = time.perf_counter() - started
            if budget_s is not None and len(seconds["replay"]) >= 2 and spent > budget_s:
                break
            for way in WAYS:
                run(way, scenarios)

    def ratio(a: str, b: str) -> Summary:
        return Summary.of([x / y for x, y in zip(seconds[a], seconds[b], strict=True)])

    n = len(seconds["replay"])
    sides = {way: Summary.of(values).model_dump() for way, values in seconds.items()}
    counts = {way: max(values) for way, values in actions.items() if any(values)}
    where = f"{len(scenarios)} scenarios"

    def median(way: str) -> float:
        return Summary.of(seconds[way]).median

    def against_plain(way: str, plain: str, title: str) -> Figure:
        value = ratio(way, plain)
        return Figure(
            id=f"{way}_vs_plain",
            browser=name,
            title=title,
            unit="×",
            value=value,
            target=f"≤ {TARGET:.2f}×",
            met=value.median <= TARGET,
            repeats=n,
            note=f"{where}: {median(way):.2f} s vs {median(plain):.2f} s",
        )

    return [
        against_plain("replay_traced", "plain_traced", "traced replay ÷ traced plain Playwright"),
        against_plain("replay", "plain", "replay ÷ plain Playwright (in the tracing rounds)"),
        Figure(
            id="tracing_cost",
            browser=name,
            title="replay traced ÷ untraced (watcher on)",
            unit="×",
            value=ratio("replay_traced", "replay"),
            repeats=n,
            note=f"{where}: {median('replay_traced'):.2f} s vs {median('replay'):.2f} s; "
            f"{counts.get('replay_traced', 0)} trace actions",
            detail={"seconds": sides, "trace_actions": counts},
        ),
        Figure(
            id="tracing_cost_plain",
            browser=name,
            title="plain Playwright traced ÷ untraced (no watcher)",
            unit="×",
            value=ratio("plain_traced", "plain"),
            repeats=n,
            note=f"{where}: {median('plain_traced'):.2f} s vs {median('plain'):.2f} s; "
            f"{counts.get('plain_traced', 0)} trace actions",
        ),
        Figure(
            id="tracing_polling_saved",
            browser=name,
            title="replay traced, polling in the trace ÷ left out",
            unit="×",
            value=ratio("polling_traced", "replay_traced"),
            repeats=n,
            note=f"{where}: {median('polling_traced'):.2f} s vs {median('replay_traced'):.2f} s; "
            f"trace actions {counts.get('polling_traced', 0)} vs "
            f"{counts.get('replay_traced', 0)}",
        ),
    ]
