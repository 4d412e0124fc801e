"""Benchmarks of preflight (issue #6): what the tool costs beyond the browser, as ratios taken
in one run, on Chromium and Firefox. `make bench` (= `python -m bench`) prints a table and
writes `bench/results.json`.

Figures (one module each):

* `_check`   — `preflight check` as a process ÷ a bare Playwright launch-open-close script;
* `_overhead` — replaying scenarios with the watcher ÷ the same steps in plain Playwright, and a
  remote browser (Playwright server on loopback) ÷ a local one;
* `_latency` — action → its event in the watcher's stream;
* `_suite`   — `preflight replay -j 1|2` throughput for 10, 20, 40 scenarios;
* `_memory`  — peak resident memory during a 200-step order, and the watcher's own memory.

A/B figures are measured in pairs, A and B interleaved (ABAB…), so the machine's drift cancels
in each pair's ratio; every figure is reported as median, min and max over its repeats.
"""
