"""Playwright's trace under pytest's `--tracing on`: the scenario's steps as groups, the
watcher's events where they happened, and none of the watcher's polling (issue 14).

Each test runs pytest in a subprocess (pytester) on a real scenario against the demo shop, then
opens the trace.zip pytest-playwright wrote and reads its actions (`trace.trace`) and the
Python stack of each (`trace.stacks`, written because pytest-playwright traces with sources).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from preflight.scenario import load_file
from preflight.scenario._replay import step_title
from preflight.watch._tracing import label, tracing_on

pytest_plugins = ["pytester"]

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
# The watcher's polling: what filled the action list before (9 evaluates, 5 cookie reads and 3
# pauses of the 37 actions of refresh-during-eligibility-mpa on Chromium, measured); settle() now
# asks each page once, without pauses (issue #27).
POLLING = ("Watcher._drain", "Watcher._check_session_cookie")
# What the watcher may still add: attaching it (the binding, the probe's init script and, on
# Chromium, its CDP session), once per context whatever the scenario's length.
WATCHER_SETUP = 3
# A step's own actions: a `fill` is its `fill` (reading the field's tag and, on Firefox, the
# React-aware edit are ours: left out, issue #27); a history step is its key press and its
# move. Polls past the first are left out, so no step holds more, however long it waits.
MOST_PER_STEP = 5


@dataclass
class Action:
    call_id: str
    title: str  # a group's name, or Class.method
    group: bool
    parent: str | None
    functions: list[str] = field(default_factory=list)  # preflight's frames, innermost first
    params: dict[str, Any] = field(default_factory=dict)


def read_trace(path: Path) -> list[Action]:
    with zipfile.ZipFile(path) as archive:
        lines = archive.read("trace.trace").decode().splitlines()
        stacks = json.loads(archive.read("trace.stacks"))
    files = stacks["files"]
    frames = {call_id: frames for call_id, frames in stacks["stacks"]}
    actions = []
    for line in lines:
        event = json.loads(line) if line.strip() else {}
        if event.get("type") != "before":
            continue
        group = event.get("method") == "tracingGroup"
        functions = [
            str(function)
            for index, _line, _column, function in frames.get(event["callId"], [])
            if "/preflight/" in files[index]
        ]
        actions.append(
            Action(
                call_id=event["callId"],
                title=event["title"] if group else f"{event['class']}.{event['method']}",
                group=group,
                parent=event.get("parentId"),
                functions=functions,
                params=event.get("params") or {},
            )
        )
    return actions


def traced_run(
    pytester: pytest.Pytester, browser_name: str, files: dict[str, str], *args: str
) -> list[list[Action]]:
    """Run pytest with `--tracing on` on scenario files; each test's trace, read."""
    pytester.mkdir("scenarios")
    for name, text in files.items():
        pytester.path.joinpath("scenarios", name).write_text(text, encoding="utf-8")
    out = pytester.path / "test-results"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--browser", browser_name, "--tracing", "on",
        "--output", str(out), *args, timeout=300,
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") and not outcomes.get("failed"), result.stdout.str()[-3000:]
    traces = sorted(out.rglob("trace.zip"))
    assert len(traces) == outcomes["passed"], traces
    return [read_trace(trace) for trace in traces]


def step_groups(actions: list[Action]) -> list[Action]:
    return [a for a in actions if a.group and a.parent is None and a.title[:1].isdigit()]


def inside(actions: list[Action], group: Action) -> list[Action]:
    return [a for a in actions if a.parent == group.call_id]


def assert_watcher_stays_out(actions: list[Action]) -> None:
    polling = [a for a in actions if not a.group and set(a.functions) & set(POLLING)]
    assert polling == [], [(a.title, a.functions[:2]) for a in polling]
    watcher = [
        a for a in actions if not a.group and any(f.startswith("Watcher.") for f in a.functions)
    ]
    assert len(watcher) <= WATCHER_SETUP, [(a.title, a.functions[:2]) for a in watcher]


# The multi-page shop on both engines, each single-page one on one (#22).
@pytest.mark.engine_of(
    "mode", {"mpa": ("chromium", "firefox"), "spa": "chromium", "react": "firefox"}
)
@pytest.mark.parametrize("mode", ["mpa", "spa", "react"])
def test_a_traced_replay_shows_its_steps_as_groups_and_the_reload_where_it_happened(
    pytester: pytest.Pytester, browser_name: str, mode: str
) -> None:
    source = SCENARIOS / "refresh-during-eligibility.yaml"
    scenario = next(s for s in load_file(source) if s.name.endswith(f"-{mode}"))
    (actions,) = traced_run(
        pytester, browser_name, {source.name: source.read_text("utf-8")}, "-k", mode
    )
    groups = step_groups(actions)
    expected = [step_title(step, i) for i, step in enumerate(scenario.steps, start=1)]
    assert [g.title for g in groups] == expected
    assert expected[0] == "1 goto /acn/boutique" + (f"?mode={mode}" if mode != "mpa" else "")
    for step, each in zip(scenario.steps, groups, strict=True):
        own = [a for a in inside(actions, each) if not a.group]
        assert own, f"group {each.title!r} holds no action"
        assert len(own) <= MOST_PER_STEP, (each.title, [a.title for a in own])
        if step.action in ("click", "fill", "goto"):
            assert f"Frame.{step.action}" in [a.title for a in own], (each.title, own)
        if step.action == "reload":
            assert "Page.reload" in [a.title for a in own]
    # The reload that ended the session: a marker inside the reload step's group.
    lost = [a for a in actions if a.group and a.title.startswith("⚠ session lost: reload")]
    assert len(lost) == 1, [a.title for a in actions if a.group]
    reload_group = groups[[s.action for s in scenario.steps].index("reload")]
    assert lost[0].parent == reload_group.call_id, "the marker is not in the reload step"
    # Our own evaluates (a field's tag, the React-aware edit, a move's mark) stay out: each
    # evaluate left is a wait step's first look at the page (issue #27).
    evaluates = [a.title for a in actions if not a.group and ".evaluate" in a.title]
    waits = [s for s in scenario.steps if s.action in ("expect_url", "expect_text", "wait_for")]
    assert len(evaluates) == len(waits), evaluates
    entry = [a for a in actions if a.group and a.title.startswith("→ ACN entry")]
    assert len(entry) == 1 and entry[0].parent == groups[1].call_id  # the click that entered
    assert_watcher_stays_out(actions)


@pytest.mark.parametrize("bfcache", [False, True], ids=["bfcache-off", "bfcache-on"])
def test_a_traced_back_is_marked_with_the_cache_on_and_off(
    pytester: pytest.Pytester, browser_name: str, bfcache: bool
) -> None:
    # With the cache on, Firefox over BiDi gives Playwright no event for the restore: the
    # watcher finds the Back by reading the probe's queue — out of the trace, the mark in it.
    source = SCENARIOS / "back-from-details.yaml"  # it stops after its Back: a short trace
    args = ["-k", "back-from-details-mpa"] + (["--preflight-bfcache"] if bfcache else [])
    (actions,) = traced_run(pytester, browser_name, {source.name: source.read_text("utf-8")}, *args)
    groups = step_groups(actions)
    back = next(g for g in groups if g.title.endswith(" back"))
    marks = [a.title for a in inside(actions, back) if a.group]
    assert any(m.startswith("⚠ session lost: back") for m in marks), marks
    assert_watcher_stays_out(actions)


# A step name that spells out what the step types (the file's author wrote it in clear).
ADDRESS = "27 avenue Hostile 13001 Marseille"
HOSTILE = """\
name: hostile-step-names
steps:
  - goto: /acn/boutique
  - name: "look\\x1b[31m red\\u202eevil\\r\\nnext line %s"
    click: "text=Commander la Fibre"
  - expect_url: "*/sfr/offre/*"
  - click: "#tester-eligibilite"
  - name: "type %s in"
    fill: {selector: "#adresse", value: "${ADDRESS}"}
  - goto: "/acn/boutique?email=jean.dupont@example.fr"
expect: {verdict: attributed}
""" % ("x" * 400, ADDRESS)  # noqa: UP031 - a YAML file with braces of its own


def test_step_names_from_the_file_are_bounded_one_line_and_keep_no_personal_data(
    pytester: pytest.Pytester, browser_name: str
) -> None:
    address = ADDRESS
    (actions,) = traced_run(
        pytester, browser_name, {"hostile.yaml": HOSTILE}, "--preflight-var", f"ADDRESS={address}"
    )
    titles = [a.title for a in actions if a.group and a.parent is None]
    named = next(t for t in titles if t.startswith("look"))
    assert named.startswith("look [31m red evil next line xxx") and named.endswith("…"), named
    assert len(named) <= 120
    assert all(ord(c) >= 0x20 and c not in "\u202e\u2028" for t in titles for c in t), titles
    typed = next(t for t in titles if t.startswith("type "))
    assert address not in typed and "***" in typed, typed
    goto = next(t for t in titles if t.startswith("6 goto"))
    assert "jean.dupont" not in goto, goto
    assert_watcher_stays_out(actions)


def test_label_drops_controls_and_bounds_the_length() -> None:
    assert label("a\x00b\tc\u2028d\x9be") == "a b c d e"
    assert label("é" * 300, limit=10) == "é" * 9 + "…"
    assert label("  spaced   out  ") == "spaced out"


def test_tracing_on_follows_the_context(shop: Any, browser: Any) -> None:
    context = browser.new_context()
    try:
        assert not tracing_on(context)
        context.tracing.start(snapshots=True)
        assert tracing_on(context)
        context.tracing.stop()
        assert not tracing_on(context)
    finally:
        context.close()
