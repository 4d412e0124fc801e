"""Recorded order flows for QA: the format, its loaders (YAML, Chrome DevTools Recorder JSON),
the replayer, and the recorder.

    from preflight.scenario import load_paths, replay_scenario
    for scenario in load_paths(["scenarios/"]):
        result = replay_scenario(context, scenario, rules=rules, base_url=url)

Modules: `_model` (the format), `_loader` (YAML → models, `${NAME}`), `_writer` (models →
YAML), `_replay` (one scenario on a context, step after step), its driver `_drive` (the small
base) with one module per kind of step (`_forms`, `_waits`, `_moves`, `_frames`), `_results`
(the result and its judging), `_gotos` (where a `goto` may go), `_scale` (shards, remote
browsers), `_runner` (a run's browsers, shop and checks), `_pytest_run` (`preflight replay` on
the pytest plugin), `_chrome`
(Chrome Recorder import), `_recorder` (record).
"""

from __future__ import annotations

from preflight.scenario._chrome import Imported, import_recording, read_recording
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
from preflight.scenario._recorder import Recording, RecordingInterrupted, record
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import Failure, ScenarioResult, judge
from preflight.scenario._runner import RunSettings
from preflight.scenario._writer import dump

__all__ = [
    "STEP_TYPES",
    "Back",
    "Check",
    "Click",
    "Expect",
    "ExpectText",
    "ExpectUrl",
    "Failure",
    "Fill",
    "Forward",
    "Goto",
    "Imported",
    "Press",
    "Recording",
    "RecordingInterrupted",
    "Reload",
    "RunSettings",
    "Scenario",
    "ScenarioResult",
    "Screenshot",
    "Select",
    "Step",
    "WaitFor",
    "discover",
    "dump",
    "fill_placeholders",
    "import_recording",
    "judge",
    "load_file",
    "load_paths",
    "loads",
    "read_recording",
    "record",
    "replay_scenario",
]
