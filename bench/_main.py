"""`python -m bench`: run every figure on each browser, print the table, write the JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from loguru import logger
from rich.console import Console

from bench import (
    _calls,
    _check,
    _fill,
    _globs,
    _latency,
    _matrix,
    _memory,
    _overhead,
    _suite,
    _tracing,
)
from bench._remote import browser_server
from bench._report import markdown, render, write_json
from bench._scenarios import bench_set, long_order
from bench._stats import Figure, timed
from preflight.browsers import choose, executable_version, spec_for
from preflight.demo_shop import DemoShop
from preflight.scenario._scale import connect_browser

RESULTS = Path(__file__).with_name("results.json")
console = Console(stderr=True)


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--browsers", default="chromium,firefox", help="comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="A/B pairs per ratio figure")
    parser.add_argument("--check-repeats", type=int, default=4, help="pairs for figure 1")
    parser.add_argument("--latency-repeats", type=int, default=10, help="samples per action")
    parser.add_argument("--suite-repeats", type=int, default=1, help="rounds of the suite runs")
    parser.add_argument("--long-order", type=int, default=200, help="steps of the long order")
    parser.add_argument(
        "--suite-sizes", default="10,20,40", help="suite sizes for the throughput figure"
    )
    parser.add_argument(
        "--only",
        default="",
        help="figures to run: check,calls,overhead,latency,memory,remote,suite,fill,globs,tracing,"
        "matrix",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=5.5,
        help="minutes for the whole run: a ratio figure starts no new pair past its share",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument(
        "--profile", action="store_true", help="profile one replay of the bench set instead"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print --output's table as Markdown (no run)"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep --output's figures this run does not measure (with --only: update some rows)",
    )
    return parser.parse_args(argv)


class _Run:
    """Runs figures; a figure that fails is reported as such and the others still run."""

    def __init__(self, only: set[str]) -> None:
        self.only = only
        self.figures: list[Figure] = []
        self.failed: list[str] = []
        self.saved: Callable[[], object] = lambda: None  # called after each figure

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def do(self, name: str, browser: str, work: Callable[[], list[Figure]]) -> None:
        if not self.wanted(name):
            return
        started = time.perf_counter()
        console.print(f"[dim]{browser}: {name}…[/]")
        try:
            figures = work()
        except Exception as error:
            logger.opt(exception=error).debug("figure {} failed", name)
            traceback.print_exc(limit=3, file=sys.stderr)
            self.failed.append(f"{name} on {browser}")
            figures = [
                Figure(id=name, browser=browser, title=name, unit="", note=f"failed: {error}")
            ]
        elapsed = time.perf_counter() - started
        for figure in figures:
            figure.detail["elapsed_s"] = round(elapsed, 1)
        self.figures.extend(figures)
        self.saved()
        console.print(f"[dim]{browser}: {name} took {elapsed:.0f} s[/]")


# Shares of one browser's budget for the figures whose repeats can be cut short; the memory
# order and the suite runs are fixed work and take the rest.
_SHARES = {"check": 0.16, "latency": 0.07, "overhead": 0.16, "remote": 0.11, "tracing": 0.12}


def _budget(options: argparse.Namespace) -> Callable[[str], float]:
    each = float(options.budget) * 60 / len(_names(options))
    return lambda name: _SHARES[name] * each


def _check_figures(run: _Run, browser: str, options: argparse.Namespace) -> None:
    budget = _budget(options)
    run.do(
        "check", browser, lambda: _check.measure(browser, options.check_repeats, budget("check"))
    )


def _suite_figures(run: _Run, browser: str, options: argparse.Namespace) -> None:
    sizes = tuple(int(size) for size in options.suite_sizes.split(","))
    run.do("suite", browser, lambda: _suite.measure(browser, options.suite_repeats, sizes))
    run.do("matrix", browser, lambda: _matrix.measure(browser))


def _in_process_figures(run: _Run, browser: str, options: argparse.Namespace) -> None:
    """The figures measured in this process, on one browser launched once and one demo shop."""
    from playwright.sync_api import sync_playwright

    budget = _budget(options)
    spec = spec_for(choose(browser))
    scenarios = bench_set()
    in_process = ("calls", "latency", "overhead", "memory", "remote", "fill", "tracing")
    if any(run.wanted(name) for name in in_process):
        with sync_playwright() as playwright, DemoShop(port=0) as shop:
            local = getattr(playwright, spec.engine).launch(**spec.launch_kwargs())
            try:
                run.do(
                    "calls",
                    browser,
                    lambda: _calls.measure(local, browser, options.latency_repeats * 3),
                )
                run.do(
                    "latency",
                    browser,
                    lambda: _latency.measure(
                        local, browser, shop, options.latency_repeats, budget("latency")
                    ),
                )
                run.do(
                    "overhead",
                    browser,
                    lambda: [
                        _overhead.watcher_overhead(
                            local, browser, scenarios, shop, options.repeats, budget("overhead")
                        )
                    ],
                )
                run.do(
                    "memory",
                    browser,
                    lambda: _memory.measure(local, browser, shop, long_order(options.long_order)),
                )

                def remote() -> list[Figure]:
                    browser_type = getattr(playwright, spec.engine)
                    with browser_server(spec) as endpoint:
                        served = connect_browser(browser_type, endpoint, spec.launch_kwargs())
                        try:
                            return [
                                _overhead.remote_ratio(
                                    served,
                                    local,
                                    browser,
                                    scenarios,
                                    shop,
                                    options.repeats,
                                    budget("remote"),
                                )
                            ]
                        finally:
                            served.close()

                run.do("remote", browser, remote)
                run.do(
                    "fill",
                    browser,
                    lambda: _fill.measure(local, browser, shop, options.latency_repeats),
                )
                run.do(
                    "tracing",
                    browser,
                    lambda: _tracing.measure(
                        local, browser, scenarios, shop, options.repeats, budget("tracing")
                    ),
                )
            finally:
                local.close()


def _profile(browser: str, output: Path) -> None:
    """pyinstrument over one replay of the bench set, plus where the replay's wall time goes.

    With Playwright's sync API the main greenlet sleeps while the dispatcher greenlet waits for
    the browser: pyinstrument shows that wait as `greenlet_main`, so the time spent in the
    watcher's `settle()` (its rounds and pauses, inside Playwright calls) is timed separately."""
    from playwright.sync_api import sync_playwright
    from pyinstrument import Profiler

    from preflight.watch import Watcher

    spent = {"settle": 0.0, "drain": 0.0, "settle_calls": 0.0, "drain_calls": 0.0}
    settle, drain = Watcher.settle, Watcher._drain

    def timed_settle(self: Watcher, timeout: float = 2.0) -> None:
        started = time.perf_counter()
        try:
            settle(self, timeout)
        finally:
            spent["settle"] += time.perf_counter() - started
            spent["settle_calls"] += 1

    def timed_drain(self: Watcher, idle_ms: float, deadline: float, least_s: float = 0.0) -> bool:
        started = time.perf_counter()
        try:
            return drain(self, idle_ms, deadline, least_s)
        finally:
            spent["drain"] += time.perf_counter() - started
            spent["drain_calls"] += 1

    spec = spec_for(choose(browser))
    with sync_playwright() as playwright, DemoShop(port=0) as shop:
        local = getattr(playwright, spec.engine).launch(**spec.launch_kwargs())
        _overhead.replay_all(local, bench_set(), shop)  # warm
        plain = timed(lambda: _overhead.drive_all(local, bench_set(), shop))
        Watcher.settle, Watcher._drain = timed_settle, timed_drain  # type: ignore[method-assign]
        profiler = Profiler(interval=0.001)
        try:
            with profiler:
                watched = timed(lambda: _overhead.replay_all(local, bench_set(), shop))
        finally:
            Watcher.settle, Watcher._drain = settle, drain  # type: ignore[method-assign]
        local.close()
    session = profiler.last_session
    cpu = session.cpu_time if session else float("nan")
    summary = (
        f"{browser}: replay with watcher {watched:.2f} s (plain Playwright {plain:.2f} s); "
        f"Python CPU {cpu:.2f} s; in settle() {spent['settle']:.2f} s over "
        f"{spent['settle_calls']:.0f} calls, of which reading the probes {spent['drain']:.2f} s "
        f"over {spent['drain_calls']:.0f} rounds\n"
    )
    text = summary + profiler.output_text(unicode=True, color=False, show_all=False)
    output.write_text(text, encoding="utf-8")
    print(text)


def _machine(browsers: list[str]) -> dict[str, Any]:
    found = {}
    for name in browsers:
        chosen = choose(name)
        found[name] = {
            "executable": chosen.executable,
            "version": executable_version(chosen.executable)[0] if chosen.executable else None,
            "driver": chosen.driver,
        }
    return {
        "cpus": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "playwright": version("playwright"),
        "browsers": found,
    }


def _names(options: argparse.Namespace) -> list[str]:
    return [b.strip() for b in options.browsers.split(",") if b.strip()]


def _figures(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    return [Figure.model_validate(f) for f in document["figures"]]


def _merged(measured: list[Figure], kept: list[Figure]) -> list[Figure]:
    """`kept` with each figure this run measured again in its place, the new ones after."""
    new = {(f.id, f.browser): f for f in measured}
    merged = [new.pop((f.id, f.browser), f) for f in kept]
    return merged + list(new.values())


def main(argv: list[str] | None = None) -> None:
    options = _options(argv)
    browsers = _names(options)
    if options.markdown:
        document = json.loads(options.output.read_text(encoding="utf-8"))
        print(markdown([Figure.model_validate(f) for f in document["figures"]]))
        return
    if options.profile:
        for browser in browsers:
            print(_check.stages(browser))
            _profile(browser, options.output.with_name(f"profile-{browser}.txt"))
        return
    started = time.perf_counter()
    sizes = [int(size) for size in options.suite_sizes.split(",")]
    machine = _machine(browsers)
    command = ("python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)).strip()

    def save(run: _Run, complete: bool) -> float:
        """Write what is measured so far (atomically): a run stopped half-way keeps it."""
        elapsed = time.perf_counter() - started
        payload = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command,
            "complete": complete,
            "elapsed_s": round(elapsed, 1),
            "machine": {**machine, "load_average_now": list(os.getloadavg())},
            "repeats": {
                "ratio_pairs": options.repeats,
                "check_pairs": options.check_repeats,
                "latency_samples": options.latency_repeats,
                "suite_rounds": options.suite_repeats,
                "long_order_steps": options.long_order,
                "suite_sizes": sizes,
                "budget_min": options.budget,
                "note": "repeats are maxima: a ratio figure starts no new pair past its share "
                "of the budget (at least 2 pairs); each figure's n is what ran",
            },
            "figures": [figure.model_dump() for figure in _merged(run.figures, kept)],
            "failed": run.failed,
        }
        write_json(options.output, payload)
        return elapsed

    kept = _figures(options.output) if options.merge else []
    run = _Run({name.strip() for name in options.only.split(",") if name.strip()})
    run.saved = lambda: save(run, complete=False)
    run.do("globs", "-", lambda: _globs.measure(options.repeats))
    # Phase by phase, each on every browser: a run stopped early still has both browsers.
    for phase in (_check_figures, _in_process_figures, _suite_figures):
        for browser in browsers:
            phase(run, browser, options)
    elapsed = save(run, complete=True)
    title = f"preflight benchmarks — {command} — {elapsed / 60:.1f} min"
    wide = Console()
    wide.width = max(wide.width, 160)  # the notes matter more than a narrow terminal's wrap
    render(run.figures, title=title, console=wide)
    console.print(f"written: {options.output}")
    if run.failed:
        console.print(f"[red]failed: {', '.join(run.failed)}[/]")
        sys.exit(1)
