"""The scenario format and its loader: what a file may say; one clear message when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import InputError, ScenarioError
from preflight.scenario import (
    Back,
    Click,
    ExpectText,
    Fill,
    Goto,
    Press,
    Reload,
    Screenshot,
    Select,
    WaitFor,
    discover,
    fill_placeholders,
    load_file,
    load_paths,
    loads,
)
from preflight.scenario._writer import dump

ISSUE_EXAMPLE = """\
name: refresh-during-eligibility
description: the EI refreshes the page while the eligibility test runs
steps:
  - goto: /acn/boutique            # relative to the base URL, or absolute
  - click: "text=Commander la Fibre"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - select: {selector: "#pays", value: "FR"}
  - press: {selector: "#adresse", key: "Enter"}
  - wait_for: "#resultat"           # a selector, or {url: "**/coordonnees*"}
  - back                            # also: forward, reload (bare words)
  - expect_url: "**/eligibilite*"
  - expect_text: "Éligible"
expect:
  verdict: lost                     # attributed | at_risk | lost
  violations: [reload]              # kinds, in order; optional
"""


def _error(text: str, tmp_path: Path) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_file(path)
    return str(caught.value)


def test_the_issue_example_loads_into_typed_steps_with_their_lines() -> None:
    [scenario] = loads(ISSUE_EXAMPLE, file="x.yaml")
    assert scenario.name == "refresh-during-eligibility"
    kinds = [type(step) for step in scenario.steps]
    assert kinds[:6] == [Goto, Click, Fill, Select, Press, WaitFor]
    assert isinstance(scenario.steps[6], Back)
    assert [step.line for step in scenario.steps] == list(range(4, 13))
    assert scenario.expect.verdict == "lost"
    assert scenario.expect.violations == ["reload"]
    assert scenario.expect.warnings is None
    fill = scenario.steps[2]
    assert isinstance(fill, Fill) and fill.value == "12 rue de la Paix 75002 Paris"


def test_shorthand_and_mapping_forms_mean_the_same_step() -> None:
    text = """\
name: forms
steps:
  - click: "#a"
  - click: {selector: "#a"}
  - press: Enter
  - wait_for: {url: "**/coordonnees*"}
  - expect_text: {text: "Éligible", selector: "#resultat"}
  - fill: {selector: "#cp", value: 75002}
  - reload
  - screenshot
  - screenshot: eligibilite.png
expect: {verdict: attributed, violations: []}
"""
    [scenario] = loads(text)
    steps = scenario.steps
    assert steps[0] == steps[1].model_copy(update={"line": steps[0].line})
    assert isinstance(steps[2], Press) and steps[2].key == "Enter" and steps[2].selector is None
    assert isinstance(steps[3], WaitFor) and steps[3].url == "**/coordonnees*"
    assert isinstance(steps[4], ExpectText) and steps[4].selector == "#resultat"
    # A number typed in a form is the text the person types, not an int.
    assert isinstance(steps[5], Fill) and steps[5].value == "75002"
    assert isinstance(steps[6], Reload)
    assert isinstance(steps[7], Screenshot) and steps[7].file is None
    assert isinstance(steps[8], Screenshot) and steps[8].file == "eligibilite.png"
    assert scenario.expect.violations == []


def test_a_step_may_carry_a_name_and_a_description_used_as_its_title() -> None:
    [scenario] = loads(
        "name: n\nsteps:\n  - click: '#tester'\n    name: eligibilite\n"
        "    description: the EI runs the test\n  - reload\nexpect: {verdict: lost}\n"
    )
    assert scenario.steps[0].title == "eligibilite"
    assert scenario.steps[0].description == "the EI runs the test"
    assert scenario.steps[1].title == "reload"


def test_a_file_may_hold_a_list_of_scenarios_or_several_documents() -> None:
    listed = loads(
        "- name: a\n  steps: [back]\n  expect: {verdict: lost}\n"
        "- name: b\n  steps: [reload]\n  expect: {verdict: lost}\n"
    )
    documents = loads(
        "name: a\nsteps: [back]\nexpect: {verdict: lost}\n---\n"
        "name: b\nsteps: [reload]\nexpect: {verdict: lost}\n"
    )
    assert [s.name for s in listed] == [s.name for s in documents] == ["a", "b"]
    assert documents[1].line == 5


def test_broken_yaml_names_the_file_and_the_line(tmp_path: Path) -> None:
    message = _error(
        'name: x\nsteps:\n  - click: "#a\n  - back\nexpect: {verdict: lost}\n', tmp_path
    )
    assert "bad.yaml:" in message
    assert "not valid YAML" in message
    bad_indent = _error(
        "name: x\nsteps:\n  - back\nexpect:\n  verdict: lost\n    violations: [back]\n", tmp_path
    )
    assert "bad.yaml:6" in bad_indent


def test_an_unknown_action_names_the_line_the_step_and_a_close_match(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps:\n  - goto: /\n  - clik: '#a'\nexpect: {verdict: lost}\n", tmp_path
    )
    assert "bad.yaml:4" in message
    assert "step 2" in message
    assert "'clik'" in message and "did you mean 'click'" in message
    assert "expected one of goto, click" in message


def test_an_unknown_bare_word_is_refused_with_the_allowed_ones(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps:\n  - goto: /\n  - refresh\nexpect: {verdict: lost}\n", tmp_path
    )
    assert "bad.yaml:4" in message and "unknown step 'refresh'" in message
    assert "back, forward, reload" in message


def test_two_actions_in_one_step_are_refused(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps:\n  - click: '#a'\n    goto: /\nexpect: {verdict: lost}\n", tmp_path
    )
    assert "bad.yaml:3" in message and "2 actions (click, goto)" in message
    assert "exactly one action per step" in message


def test_a_missing_argument_names_the_step_line_and_the_missing_key(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps:\n  - goto: /\n  - fill: {selector: '#adresse'}\nexpect: {verdict: lost}\n",
        tmp_path,
    )
    assert "bad.yaml:4" in message and "step 2 (fill)" in message
    assert "'value' is missing" in message


def test_a_wrong_argument_shape_says_what_the_action_takes(tmp_path: Path) -> None:
    message = _error("name: x\nsteps:\n  - fill: '#adresse'\nexpect: {verdict: lost}\n", tmp_path)
    assert "bad.yaml:3" in message
    assert "fill: {selector: SELECTOR, value: TEXT}" in message


def test_a_bad_verdict_names_its_line_and_the_allowed_values(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps: [back]\nexpect:\n  verdict: perdu\n  violations: [back]\n", tmp_path
    )
    assert "bad.yaml:4" in message
    assert "'attributed', 'at_risk' or 'lost'" in message
    kind = _error(
        "name: x\nsteps: [back]\nexpect:\n  verdict: lost\n  violations: [refresh]\n", tmp_path
    )
    assert "bad.yaml:5" in kind and "'reload'" in kind


def test_missing_expect_and_unknown_top_level_keys_are_refused(tmp_path: Path) -> None:
    assert "no 'expect'" in _error("name: x\nsteps: [back]\n", tmp_path)
    unknown = _error("name: x\nstep: [back]\nexpect: {verdict: lost}\n", tmp_path)
    assert "bad.yaml:2" in unknown and "did you mean 'steps'" in unknown


def test_a_key_given_twice_is_refused_rather_than_silently_overwritten(tmp_path: Path) -> None:
    message = _error(
        "name: x\nsteps:\n  - click: '#a'\n    click: '#b'\nexpect: {verdict: lost}\n", tmp_path
    )
    assert "bad.yaml:4" in message and "appears twice" in message


def test_scenario_names_are_unique_in_a_file(tmp_path: Path) -> None:
    message = _error(
        "- {name: a, steps: [back], expect: {verdict: lost}}\n"
        "- {name: a, steps: [reload], expect: {verdict: lost}}\n",
        tmp_path,
    )
    assert "bad.yaml:2" in message and "second scenario named 'a'" in message


def test_missing_and_non_utf8_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_file(tmp_path / "absent.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: x\nsteps: [back]\n# Éligibilité\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin.yaml:3: not UTF-8"):
        load_file(latin)


def test_scenario_errors_are_input_errors_the_cli_maps_to_exit_2() -> None:
    assert issubclass(ScenarioError, InputError)


def test_placeholders_are_filled_from_scenario_vars_then_the_given_variables() -> None:
    [scenario] = loads(
        "name: direct\nvars: {MERCHANT: 'http://shop.invalid'}\nsteps:\n"
        "  - goto: ${MERCHANT}/sfr/offre/${OFFER}\n"
        "  - fill: {selector: '#iban', value: '${SECRET_1}'}\n"
        "expect: {verdict: lost, violations: [left_session]}\n"
    )
    assert scenario.placeholders() == {"MERCHANT", "OFFER", "SECRET_1"}
    filled = fill_placeholders(scenario, {"OFFER": "fibre", "SECRET_1": "FR76"})
    assert isinstance(filled.steps[0], Goto)
    assert filled.steps[0].url == "http://shop.invalid/sfr/offre/fibre"
    overridden = fill_placeholders(
        scenario, {"MERCHANT": "http://localhost:1", "OFFER": "adsl", "SECRET_1": "x"}
    )
    assert overridden.steps[0].url == "http://localhost:1/sfr/offre/adsl"  # type: ignore[attr-defined]


def test_an_unknown_placeholder_names_the_step_and_how_to_give_it() -> None:
    [scenario] = loads(
        "name: n\nsteps:\n  - goto: /\n  - goto: ${NOWHERE}/x\nexpect: {verdict: lost}\n",
        file="p.yaml",
    )
    with pytest.raises(ScenarioError) as caught:
        fill_placeholders(scenario, {"MERCHANT": "m"})
    message = str(caught.value)
    assert "p.yaml:4" in message and "step 2 (goto)" in message
    assert "${NOWHERE}" in message and "--var NOWHERE=VALUE" in message


def test_written_yaml_loads_back_into_the_same_scenario() -> None:
    [scenario] = loads(ISSUE_EXAMPLE)
    text = dump([scenario], header=["written by a test"], step_comments={(0, 6): ["went back"]})
    assert text.startswith("# written by a test\n")
    assert "  # went back\n  - back\n" in text
    [again] = loads(text)
    strip = [step.model_copy(update={"line": 0}) for step in scenario.steps]
    assert [step.model_copy(update={"line": 0}) for step in again.steps] == strip
    assert again.expect == scenario.expect and again.description == scenario.description


def test_folders_are_searched_for_yaml_files_in_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "notes.txt"):
        (tmp_path / name).write_text(
            f"name: {Path(name).stem}\nsteps: [back]\nexpect: {{verdict: lost}}\n", encoding="utf-8"
        )
    assert [p.name for p in discover([tmp_path])] == ["a.yml", "b.yaml", "c.yaml"]
    assert [s.name for s in load_paths([tmp_path])] == ["a", "b", "c"]
    with pytest.raises(ScenarioError, match="no such file or folder"):
        discover([tmp_path / "nowhere"])
