"""Where `make test`'s time goes: per kind of test, per engine, per file, and the slowest tests.

    python scripts/test_time.py                          # the committed measure
    python scripts/test_time.py --junit run.xml          # a run of yours (below)
    python scripts/test_time.py --junit run.xml --write  # keep it as the committed measure
    python scripts/test_time.py --before old.tsv         # the same tables, before and after

A run of yours: `make test PYTEST_ARGS=--junitxml=run.xml`. The committed measure is
tests/durations.tsv, one line per test.

Each test's kind is what it did (tests/conftest.py records it in the JUnit file): `browser` (a
browser fixture), `subprocess` (it started a Python or preflight process), `pytester` (a pytest
run inside the test), `python` (none of these). Worker time is the sum of the tests' times
(setup, call and teardown); wall time runs from the first test's start to the last one's end.
"""

from __future__ import annotations

import argparse
import csv
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "tests" / "durations.tsv"
COLUMNS = ("nodeid", "seconds", "kind", "engine", "worker", "started")


@dataclass(frozen=True)
class Timed:
    nodeid: str
    seconds: float
    kind: str
    engine: str
    worker: str
    started: float  # seconds after the run's first test started

    @property
    def file(self) -> str:
        return self.nodeid.split("::", 1)[0]


def _nodeid(classname: str, name: str) -> str:
    """JUnit's classname back to a path: `tests.test_x` (.py) or `scenarios.flow.yaml`."""
    if classname.endswith((".yaml", ".yml")):
        folder, _, rest = classname.partition(".")
        return f"{folder}/{rest}::{name}"
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):  # a test class: tests.test_x.TestY
        path = "/".join(parts[:cut]) + ".py"
        if (ROOT / path).is_file() or cut == 1:
            return "::".join([path, *parts[cut:], name])
    raise AssertionError("unreachable")


def _engine(name: str) -> str:
    params = name.partition("[")[2]
    for engine in ("chromium", "firefox"):
        if engine in params.split("-") or params.rstrip("]").endswith(engine):
            return engine
    return "-"


def from_junit(path: Path) -> list[Timed]:
    """The tests of a JUnit file written by `make test` (with tests/conftest.py's properties)."""
    rows: list[tuple[str, float, str, str, float]] = []
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        rows.append(
            (
                _nodeid(case.get("classname", ""), case.get("name", "")),
                float(case.get("time") or 0),
                str(props.get("kind") or "unknown"),
                str(props.get("worker") or "-"),
                float(props.get("started") or 0),
            )
        )
    first = min((r[4] for r in rows if r[4]), default=0.0)
    return [
        Timed(nodeid, seconds, kind, _engine(nodeid), worker, max(0.0, started - first))
        for nodeid, seconds, kind, worker, started in rows
    ]


def read(path: Path) -> list[Timed]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Timed(
                r["nodeid"],
                float(r["seconds"]),
                r["kind"],
                r["engine"],
                r["worker"],
                float(r["started"]),
            )
            for r in csv.DictReader(f, delimiter="\t")
        ]


def write(tests: Iterable[Timed], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter="\t", lineterminator="\n")
        out.writerow(COLUMNS)
        for t in sorted(tests, key=lambda t: t.nodeid):
            out.writerow(
                [t.nodeid, f"{t.seconds:.2f}", t.kind, t.engine, t.worker, f"{t.started:.1f}"]
            )


def wall(tests: list[Timed]) -> float:
    return max((t.started + t.seconds for t in tests), default=0.0)


def _by(tests: Iterable[Timed], key: str) -> dict[str, tuple[int, float]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for t in tests:
        groups[getattr(t, key)].append(t.seconds)
    return {k: (len(v), sum(v)) for k, v in groups.items()}


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:6.1f}"


def table(
    title: str,
    after: dict[str, tuple[int, float]],
    before: dict[str, tuple[int, float]] | None,
    top: int | None = None,
) -> list[str]:
    keys = sorted(
        set(after) | set(before or {}),
        key=lambda k: -max(after.get(k, (0, 0.0))[1], (before or {}).get(k, (0, 0.0))[1]),
    )
    if top is not None:
        keys = keys[:top]
    width = max([len(title), *(len(k) for k in keys)])
    head = f"{title:<{width}}  {'tests':>5}  {'min':>6}"
    lines = [head + ("   before:  tests     min" if before is not None else "")]
    for k in keys:
        n, s = after.get(k, (0, 0.0))
        line = f"{k:<{width}}  {n:>5}  {_minutes(s)}"
        if before is not None:
            bn, bs = before.get(k, (0, 0.0))
            line += f"   {'':>7}  {bn:>5}  {_minutes(bs)}"
        lines.append(line)
    return lines


def report(tests: list[Timed], before: list[Timed] | None = None, top: int = 25) -> str:
    out: list[str] = []

    def totals(ts: list[Timed]) -> str:
        work = sum(t.seconds for t in ts)
        workers = len({t.worker for t in ts}) or 1
        return (
            f"{len(ts)} tests, {work / 60:.1f} worker-minutes on {workers} worker(s), "
            f"wall {wall(ts) / 60:.1f} min"
        )

    out.append("after:  " + totals(tests) if before is not None else totals(tests))
    if before is not None:
        out.append("before: " + totals(before))
    for title, key, limit in (
        ("kind", "kind", None),
        ("engine", "engine", None),
        ("file", "file", top),
    ):
        out.append("")
        out.extend(table(title, _by(tests, key), _by(before, key) if before else None, limit))
    out.append("")
    out.append(f"slowest {top}:")
    for t in sorted(tests, key=lambda t: -t.seconds)[:top]:
        out.append(f"{t.seconds:7.1f} s  {t.kind:<10} {t.nodeid}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--junit", type=Path, help="a JUnit file of `make test` to read")
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"keep the JUnit file's times as {DURATIONS.relative_to(ROOT)}",
    )
    parser.add_argument("--before", type=Path, help="an older durations file to compare with")
    parser.add_argument("--top", type=int, default=25, help="files and tests listed (default 25)")
    args = parser.parse_args(argv)
    try:
        tests = from_junit(args.junit) if args.junit else read(DURATIONS)
        before = read(args.before) if args.before else None
    except (OSError, ET.ParseError, KeyError, ValueError) as error:
        print(f"test_time: {error}", file=sys.stderr)
        return 2
    if args.write:
        if args.junit is None:
            parser.error("--write needs --junit FILE")
        write(tests, DURATIONS)
    print(report(tests, before, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
