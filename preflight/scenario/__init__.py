"""Recorded order flows for QA: the format, its loaders (YAML, Chrome DevTools Recorder JSON),
the replayer, and the recorder.

    from preflight.scenario import load_paths, replay_scenario
"""

from __future__ import annotations

from preflight.scenario._loader import (
    discover,
    fill_placeholders,
    load_file,
    load_paths,
    loads,
)
from preflight.scenario._model import (
    STEP_TYPES,
    Back,
    Check,
    Click,
    Expect,
    ExpectText,
    ExpectUrl,
    Fill,
    Forward,
    Goto,
    Press,
    Reload,
    Scenario,
    Screenshot,
    Select,
    Step,
    WaitFor,
)

__all__ = [
    "STEP_TYPES",
    "Back",
    "Check",
    "Click",
    "Expect",
    "ExpectText",
    "ExpectUrl",
    "Fill",
    "Forward",
    "Goto",
    "Press",
    "Reload",
    "Scenario",
    "Screenshot",
    "Select",
    "Step",
    "WaitFor",
    "discover",
    "fill_placeholders",
    "load_file",
    "load_paths",
    "loads",
]
