"""`python -m bench.protocol`: count the protocol calls Playwright's driver sends the browser,
per step kind, for the bench set replayed with the watcher and driven by plain Playwright.

Deterministic where wall-clock ratios are not (a shared machine): over WebDriver BiDi each call
may wait ~40 ms (docs/performance.md, « Firefox's 40 ms waits »), so the calls the replay adds
to plain Playwright's are its cost on Firefox (issue #27 item 7).

How: a child process of this module runs with `DEBUG=pw:protocol` (Playwright's driver logs
each message it sends, `SEND ►`, on the stderr it shares with Python) and writes a marker line
on that same stderr before each step; the parent splits the log at the markers and counts the
sent messages by method. Each scenario is run once as a warm-up, then once counted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

MARK = "@@bench-protocol "
_SEND = re.compile(r"SEND ► (\{.*)$")


def _mark(text: str) -> None:
    os.write(2, f"\n{MARK}{text}\n".encode())


def _child(browser: str) -> None:
    """Replay then drive the bench set, markers on stderr (the driver logs there too)."""
    from playwright.sync_api import sync_playwright

    from bench._plain import drive
    from bench._scenarios import bench_set, replay_on_shop
    from preflight.browsers import choose, spec_for
    from preflight.demo_shop import DemoShop

    spec = spec_for(choose(browser))
    with sync_playwright() as playwright, DemoShop(port=0) as shop:
        local = getattr(playwright, spec.engine).launch(**spec.launch_kwargs())
        for counted in (False, True):
            for scenario in bench_set():
                for way in ("replay", "plain"):
                    where = f"{way} {scenario.name}" if counted else "warm-up"
                    _mark(f"{where}|setup")
                    context = local.new_context()

                    def on_step(index: int, step: object, where: str = where) -> None:
                        _mark(f"{where}|{index} {getattr(step, 'action', '?')}")

                    if way == "replay":
                        result = replay_on_shop(context, scenario, shop, browser, on_step=on_step)
                        _mark(f"{where}|end")
                        assert result.passed, result.failure
                    else:
                        drive(context, scenario, shop.acn_url, on_step=on_step)
                        _mark(f"{where}|end")
                    context.close()
                    _mark("between|close")
        local.close()


def _count(log: str) -> dict[str, dict[str, Counter[str]]]:
    """{"replay clean-order": {"3 click": Counter(method → sends)}}"""
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    where, step = "start", "start"
    for line in log.splitlines():
        if line.startswith(MARK):
            where, step = line.removeprefix(MARK).split("|", 1)
            continue
        found = _SEND.search(line)
        if found is None:
            continue
        try:
            method = json.loads(found.group(1)).get("method", "?")
        except json.JSONDecodeError:
            method = "?"
        counts[where][step][method] += 1
    return counts


def _table(counts: dict[str, dict[str, Counter[str]]], verbose: bool) -> str:
    lines: list[str] = []
    scenarios = sorted({w.split(" ", 1)[1] for w in counts if w.startswith(("replay ", "plain "))})
    total = Counter[str]()
    for scenario in scenarios:
        ours, plain = counts.get(f"replay {scenario}", {}), counts.get(f"plain {scenario}", {})
        lines.append(f"{scenario}:  replay {_sum(ours)}  plain {_sum(plain)}")
        total["replay"] += _sum(ours)
        total["plain"] += _sum(plain)
        for step in _steps(ours, plain):
            a, b = ours.get(step, Counter()), plain.get(step, Counter())
            extra = ""
            if verbose:
                diff = {m: a[m] - b[m] for m in sorted(set(a) | set(b)) if a[m] != b[m]}
                extra = "  " + ", ".join(f"{m} {d:+d}" for m, d in diff.items())
            lines.append(f"  {step:<18} {sum(a.values()):>4} {sum(b.values()):>4}{extra}")
    lines.append(f"set: replay {total['replay']}  plain {total['plain']}")
    return "\n".join(lines)


def _sum(steps: dict[str, Counter[str]]) -> int:
    return sum(sum(c.values()) for c in steps.values())


def _steps(*sides: dict[str, Counter[str]]) -> list[str]:
    names = {step for side in sides for step in side}

    def order(step: str) -> tuple[int, int]:
        head = step.split(" ", 1)[0]
        return (0, 0) if step == "setup" else (2, 0) if step == "end" else (1, int(head))

    return sorted(names, key=order)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.protocol", description=__doc__)
    parser.add_argument("--browsers", default="firefox,chromium", help="comma-separated")
    parser.add_argument("--methods", action="store_true", help="each step's extra methods")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        _child(options.child)
        return
    everything: dict[str, object] = {}
    for browser in options.browsers.split(","):
        with tempfile.TemporaryFile("w+") as log:
            env = {**os.environ, "DEBUG": "pw:protocol", "DEBUG_COLORS": "0"}
            done = subprocess.run(
                [sys.executable, "-m", "bench.protocol", "--child", browser],
                stderr=log,
                env=env,
                check=False,
            )
            log.seek(0)
            text = log.read()
        if done.returncode != 0:
            sys.exit(f"{browser}: the run failed:\n{text[-3000:]}")
        counts = _count(text)
        print(f"== {browser}")
        print(_table(counts, options.methods))
        everything[browser] = {
            where: {step: dict(sent) for step, sent in steps.items()}
            for where, steps in counts.items()
        }
    if options.json:
        options.json.write_text(json.dumps(everything, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
