"""What the importer and the recorder write stays what it was: a value one value, a comment one
comment. Issue 13: a recorded step type holding a newline imported as real `goto
file:///etc/shadow` and `screenshot` steps, while stderr listed it as "not imported"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inprocess import Ran, preflight

from preflight.errors import ScenarioError
from preflight.scenario import (
    Expect,
    Fill,
    Goto,
    Scenario,
    dump,
    import_recording,
    load_file,
    loads,
)

INJECTED = "z\n  - goto: file:///etc/shadow\n  - screenshot: shadow.png\n  #"


def _import_command(recording: Path, out: Path) -> Ran:
    return preflight("import-recording", str(recording), "-o", str(out))  # in-process


def _recording(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "t",
        "steps": [{"type": "navigate", "url": "http://127.0.0.1:8765/acn/boutique"}, *steps],
    }


@pytest.mark.parametrize(
    "step",
    [
        {"type": INJECTED},
        {"type": "click", "selectors": [["#a" + INJECTED]]},
        {"type": "click", "selectors": [["#ok"], ["#a\u2028- goto: file:///etc/shadow"]]},
        {"type": "change", "selectors": ["#b\r- goto: x"], "value": "v"},
        {"type": "waitForElement", "selectors": [["#c\x85x"]]},
    ],
    ids=["type", "selector", "line-separator", "carriage-return", "next-line"],
)
def test_a_control_character_in_a_step_type_or_selector_is_refused_in_one_line(
    tmp_path: Path, step: dict[str, Any]
) -> None:
    recording = tmp_path / "hostile.json"
    recording.write_text(json.dumps(_recording(step)), encoding="utf-8")
    out = tmp_path / "out.yaml"
    done = _import_command(recording, out)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "step 2" in line and "control character" in line and str(recording) in line
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_file_name_with_newlines_stays_in_its_comment(tmp_path: Path) -> None:
    # The header names the recording's file: a name may hold any character but "/".
    recording = tmp_path / "r\n  - screenshot: s.png\n  - goto: about:blank\n#.json"
    recording.write_text(json.dumps(_recording()), encoding="utf-8")
    out = tmp_path / "out.yaml"
    done = _import_command(recording, out)
    assert done.returncode == 0, done.stderr
    [scenario] = load_file(out)
    assert [type(step) for step in scenario.steps] == [Goto]
    assert [getattr(step, "url", None) for step in scenario.steps] == [
        "http://127.0.0.1:8765/acn/boutique"
    ]


def test_comments_cannot_start_a_line_of_their_own() -> None:
    scenario = Scenario(name="s", steps=[Goto(url="/a")], expect=Expect(verdict="attributed"))
    text = dump(
        [scenario],
        header=["h\n- goto: file:///etc/shadow"],
        step_comments={(0, 0): [INJECTED, "rtl \u202e override"]},
        trailing_comments={0: ["t\u2029  - goto: file:///etc/passwd"]},
    )
    [again] = loads(text)
    assert [s.model_dump() for s in again.steps] == [s.model_dump() for s in scenario.steps]
    assert "\u202e" not in text
    for line in text.splitlines():
        assert not line.lstrip().startswith("- goto: file"), text


_HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from("ab:-#'\"{}[], \n\r\t\x85\u2028\u2029\x00\x1b\\"), max_size=30
)


@given(selector=_HOSTILE_TEXT.filter(str.strip), value=_HOSTILE_TEXT, name=_HOSTILE_TEXT)
def test_any_value_written_reads_back_as_the_same_one_step(
    selector: str, value: str, name: str
) -> None:
    fill = Fill(selector=selector, value=value, name=name or None)
    scenario = Scenario(name="s", steps=[fill], expect=Expect(verdict="attributed"))
    [again] = loads(dump([scenario]))
    [step] = again.steps
    assert isinstance(step, Fill)
    assert (step.selector, step.value, step.name) == (selector, value, name or None)


def test_the_importer_refuses_in_the_library_too() -> None:
    with pytest.raises(ScenarioError, match=r"step 2.*control character \(\\n\) in its type"):
        import_recording(_recording({"type": INJECTED}))
