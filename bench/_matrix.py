"""Figure: the flow matrix (issue 16) — `preflight matrix` on one clean flow of the library
(clean-order-later-mpa), a sample of its cells drawn with a fixed seed, as a whole process;
then the same cells written out as scenario files and replayed by `preflight replay`: cut
after the action as the matrix replays them, and as a QA engineer writes them by hand (the
action inserted, the rest of the flow kept). Same browser, -j 1, the demo shop each time."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._stats import Figure, Summary, timed
from preflight.matrix import CellResult, cell_scenario, written_out
from preflight.matrix._derive import step_title
from preflight.scenario import dump, load_paths

FLOW = Path(__file__).resolve().parent.parent / "scenarios" / "clean-order-later.yaml"
NAME = "clean-order-later-mpa"
SAMPLE = 12
SEED = 16
_PREFLIGHT = [sys.executable, "-m", "preflight"]


def _run(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([*_PREFLIGHT, *args], capture_output=True, text=True, timeout=1200)
    try:
        document: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"preflight {args[0]}: no JSON ({done.returncode}): "
                           f"{done.stderr[-800:]}") from None  # fmt: skip
    return document


def measure(browser: str, sample: int = SAMPLE, seed: int = SEED) -> list[Figure]:
    [scenario] = [s for s in load_paths([FLOW]) if s.name == NAME]
    with tempfile.TemporaryDirectory(prefix="preflight-bench-matrix-") as tmp:
        folder = Path(tmp)
        flow = folder / f"{NAME}.yaml"
        flow.write_text(dump([scenario]), encoding="utf-8")
        found: dict[str, Any] = {}

        def matrix() -> None:
            found.update(
                _run(["matrix", str(flow), "--browser", browser, "--json",
                      "--sample", str(sample), "--seed", str(seed)])
            )  # fmt: skip

        matrix_s = timed(matrix)
        ran = [row for row in found["cells"] if row["status"] not in ("n/a", "skipped")]
        cells = [CellResult.from_public(row).cell for row in ran]
        for cell in cells:
            assert cell.action == "clean" or step_title(scenario, cell.step) == cell.step_title
        replays: dict[str, tuple[float, dict[str, Any]]] = {}
        for kind, build in (("cut", cell_scenario), ("full", written_out)):
            suite = folder / kind
            suite.mkdir()
            for number, cell in enumerate(cells):
                variant = build(scenario, cell)
                (suite / f"{number:03d}.yaml").write_text(dump([variant]), encoding="utf-8")
            result: dict[str, Any] = {}

            def replay(suite: Path = suite, result: dict[str, Any] = result) -> None:
                result.update(_run(["replay", str(suite), "--browser", browser, "--json"]))

            wall = timed(replay)
            replays[kind] = (wall, result)
    right = found["right"]
    figures = [
        Figure(
            id="matrix_cells_per_min",
            browser=browser,
            title=f"flow matrix, {len(ran)} cells of {NAME} (whole process, -j 1)",
            unit="/min",
            value=Summary.of([len(ran) / matrix_s * 60]),
            repeats=1,
            note=f"{matrix_s:.0f} s, {right}/{len(ran)} right, sample {sample} seed {seed}",
        )
    ]
    for kind, words in (("full", "written by hand (rest of the flow kept)"),
                        ("cut", "cut after the action, as the matrix replays them")):  # fmt: skip
        wall, result = replays[kind]
        figures.append(
            Figure(
                id=f"matrix_vs_files_{kind}",
                browser=browser,
                title=f"same {len(ran)} variants as scenario files, {words} ÷ matrix",
                unit="×",
                value=Summary.of([wall / matrix_s]),
                repeats=1,
                note=f"preflight replay {wall:.0f} s, {result.get('passed')} passed",
            )
        )
    return figures
