"""Figure 4, suite throughput and growth: `preflight replay DIR -j 1|2 --json` on 10, 20 and 40
copies of a short scenario (the offer page reloaded), as whole processes (Python, the demo
shop, one browser per worker, one context per scenario). -j 1 and -j 2 are interleaved for
each size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from bench._scenarios import SHORT
from bench._stats import Figure, Summary, timed

SIZES = (10, 20, 40)
_REPLAY = [sys.executable, "-m", "preflight", "replay"]
JOBS = (1, 2)
_CORES = os.cpu_count() or 1


def available() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "replay", "--help"], capture_output=True, text=True
    )
    return done.returncode == 0 and "-j" in done.stdout


def _suite(folder: Path, size: int) -> Path:
    suite = folder / f"suite-{size}"
    suite.mkdir()
    for index in range(size):
        name = f"bench-{index:03d}"
        (suite / f"{name}.yaml").write_text(SHORT.format(name=name, index=index), "utf-8")
    return suite


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine from /proc/stat, or None off Linux. The
    machine, not our process tree: a browser's helpers (crash handler, zygote children) are not
    all reaped by it, so `getrusage(RUSAGE_CHILDREN)` misses much of the browser's CPU."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _replay(suite: Path, browser: str, jobs: int, size: int, busy: list[float]) -> None:
    before = _cpu_ticks()
    done = subprocess.run(
        [*_REPLAY, str(suite), "--browser", browser, "-j", str(jobs), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    after = _cpu_ticks()
    if before is not None and after is not None and after[1] > before[1]:
        busy.append((after[0] - before[0]) / (after[1] - before[1]) * _CORES)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"preflight replay gave no JSON ({done.returncode}): {done.stderr[-800:]}"
        ) from None
    if report.get("passed") != size:
        failures = [r.get("failure") for r in report.get("results", []) if not r.get("passed")]
        raise RuntimeError(f"preflight replay: {report.get('failed')} failed: {failures[:2]}")


def measure(browser: str, repeats: int, sizes: tuple[int, ...] = SIZES) -> list[Figure]:
    if not available():
        return [
            Figure(
                id="suite_throughput",
                browser=browser,
                title="suite throughput",
                unit="/min",
                note="not measured: `preflight replay -j` is not available in this tree",
            )
        ]
    walls: dict[tuple[int, int], list[float]] = {}
    # The machine's CPU cores kept busy during each run, on average (Linux).
    busy: dict[tuple[int, int], list[float]] = {(n, j): [] for n in sizes for j in JOBS}
    with tempfile.TemporaryDirectory(prefix="preflight-bench-suite-") as tmp:
        suites = {size: _suite(Path(tmp), size) for size in sizes}
        for _ in range(repeats):
            for size in sizes:
                for jobs in JOBS:  # interleaved: -j 1, -j 2 for each size, each round
                    wall = timed(
                        partial(_replay, suites[size], browser, jobs, size, busy[size, jobs])
                    )
                    walls.setdefault((size, jobs), []).append(wall)
    figures: list[Figure] = []
    for size in sizes:
        for jobs in JOBS:
            rate = Summary.of([size / wall * 60 for wall in walls[size, jobs]])
            cost = Summary.of([wall / size for wall in walls[size, jobs]])
            note = f"{cost.median:.2f} s per scenario"
            detail: dict[str, object] = {"wall_s": Summary.of(walls[size, jobs]).model_dump()}
            if busy[size, jobs]:
                cores = Summary.of(busy[size, jobs])
                note += f", {cores.median:.1f} of {_CORES} cores busy"
                detail["machine_cores_busy"] = cores.model_dump()
            if jobs == 2:
                speedup = Summary.of(
                    [a / b for a, b in zip(walls[size, 1], walls[size, 2], strict=True)]
                )
                note += f"; -j 2 speed-up {speedup.median:.2f}×"
                detail["speedup"] = speedup.model_dump()
            figures.append(
                Figure(
                    id=f"suite_{size}_j{jobs}",
                    browser=browser,
                    title=f"suite of {size}, -j {jobs} (whole process)",
                    unit="/min",
                    value=rate,
                    repeats=repeats,
                    note=note,
                    detail=detail,
                )
            )
    # Growth: what one more scenario costs (the slope between 10 and 40) against the cost of
    # one scenario in the suite of 10 — flat means the slope does not exceed the average.
    for jobs in JOBS:
        slope = [
            (w40 - w10) / (sizes[-1] - sizes[0])
            for w10, w40 in zip(walls[sizes[0], jobs], walls[sizes[-1], jobs], strict=True)
        ]
        fixed = [w10 - s * sizes[0] for w10, s in zip(walls[sizes[0], jobs], slope, strict=True)]
        figures.append(
            Figure(
                id=f"suite_marginal_j{jobs}",
                browser=browser,
                title=f"one more scenario, -j {jobs} ({sizes[0]}→{sizes[-1]} slope)",
                unit="s",
                value=Summary.of(slope),
                repeats=repeats,
                note=f"fixed start-up {Summary.of(fixed).median:.1f} s",
            )
        )
    return figures
