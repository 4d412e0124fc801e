"""`preflight.record()` at its boundary: what it is given is checked before a browser starts
(a recording that cannot be written is a recording lost). No browser needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from inprocess import preflight as preflight_command

import preflight
from preflight.errors import BrowserError, RulesError, UsageError

URL = "http://127.0.0.1:9/acn/boutique"  # nothing listens: reaching it would be another error


def test_an_output_that_is_a_folder_is_refused_before_recording(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"is a folder — expected the scenario file"):
        preflight.record(URL, tmp_path, rules="demo")


def test_an_output_under_a_file_is_refused_before_recording(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"its folder cannot be created"):
        preflight.record(URL, str(tmp_path / "file" / "out.yaml"), rules="demo")


def test_an_output_that_is_not_a_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"expected a file path"):
        preflight.record(URL, 42, rules="demo")  # type: ignore[arg-type]


def test_rules_are_loaded_from_a_missing_file_name_with_the_cli_loader(tmp_path: Path) -> None:
    with pytest.raises(RulesError):
        preflight.record(URL, tmp_path / "out.yaml", rules=tmp_path / "missing.toml")


def test_rules_by_name_and_a_str_output_get_as_far_as_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both used to fail (AttributeError on 'privacy', then on 'parent' after the recording);
    # with no display the next thing is the clear "no display" error.
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(BrowserError, match=r"DISPLAY is not set.*xvfb-run -a preflight record"):
        preflight.record(URL, str(tmp_path / "sub" / "out.yaml"), rules="demo")
    assert (tmp_path / "sub").is_dir() and not (tmp_path / "sub" / "out.yaml").exists()


def test_the_public_api_names_what_the_readme_documents() -> None:
    for name in ("record", "Recording", "load_rules", "Outcome", "Violation", "go_back"):
        assert name in preflight.__all__ and getattr(preflight, name) is not None
    assert preflight.Violation.__name__ == "Violation"


def test_import_recording_says_1_step_not_1_steps(tmp_path: Path) -> None:
    import json

    recording = tmp_path / "one.json"
    recording.write_text(
        json.dumps({"title": "one", "steps": [{"type": "navigate", "url": "http://x.test/"}]}),
        encoding="utf-8",
    )
    out = tmp_path / "one.yaml"
    done = preflight_command("import-recording", str(recording), "-o", str(out))  # in-process
    assert done.returncode == 0, done.stderr
    assert "1 step written to" in done.stdout, done.stdout


def test_a_frame_is_named_by_what_its_document_says_when_playwright_does_not_know_yet() -> None:
    # Over WebDriver BiDi, Frame.name may still be empty when a new frame's first action is
    # recorded: `frame: iframe` would then be ambiguous on a page with two iframes.
    from types import SimpleNamespace

    from preflight.scenario._recorder import _frame_selector

    top = SimpleNamespace(name="", parent_frame=None)
    unnamed = SimpleNamespace(name="", parent_frame=top)
    named = SimpleNamespace(name="paiement", parent_frame=top)
    assert _frame_selector(top, "paiement") is None  # the page itself
    assert _frame_selector(unnamed, "paiement") == 'iframe[name="paiement"], iframe#paiement'
    assert _frame_selector(named, "") == 'iframe[name="paiement"], iframe#paiement'
    assert _frame_selector(named, "other") == 'iframe[name="paiement"], iframe#paiement'
    # What a page says is a name, never a selector of its choosing.
    assert _frame_selector(unnamed, 'x"], body, iframe[name="y') == "iframe"
    assert _frame_selector(unnamed, None) == "iframe"


def _collected(*messages: dict[str, object]) -> list[tuple[str, str | None]]:
    """The (action, name) of each step a recorder collects from these page messages."""
    from preflight.scenario._recorder import _Collector

    collector = _Collector("/acn/boutique")
    for at, msg in enumerate(messages, start=1):
        collector.on_message({"frame": None}, {"at": float(at), **msg})
    return [(step.action, step.name) for step in collector.named_steps()]


def test_recorded_steps_are_named_from_their_target_never_from_a_typed_value() -> None:
    steps = _collected(
        {"type": "click", "selector": "#continuer", "label": "Continuer"},
        {"type": "fill", "selector": "#nom", "value": "Jeanne Client", "label": "Nom"},
        {"type": "check", "selector": "#cgv", "checked": True, "label": "J'accepte les CGV"},
        {"type": "check", "selector": "#news", "checked": False, "label": "Lettre d'infos"},
        {"type": "select", "selector": "#civilite", "value": "mme", "label": "Civilité"},
        {"type": "press", "key": "Enter", "selector": "#cp", "label": "Code postal"},
        # A button whose caption echoes what was typed, a label shaped like a phone number,
        # one spread over lines and too long: named without the value, on one bounded line.
        {"type": "click", "selector": "#moi", "label": "Je suis Jeanne Client"},
        {"type": "fill", "selector": "#tel", "value": "x", "label": "ex. 06 12 34 56 78"},
        {"type": "click", "selector": "#long", "label": "Un\nbouton " + "très " * 40},
        {"type": "click", "selector": "#icone", "label": ""},
        {"type": "click", "selector": "#continuer", "label": "Continuer"},
    )
    assert steps[:7] == [
        ("goto", "goto /acn/boutique"),
        ("click", "click Continuer"),
        ("fill", "fill Nom"),
        ("check", "check J'accepte les CGV"),
        ("check", "uncheck Lettre d'infos"),
        ("select", "select Civilité"),
        ("press", "press Enter Code postal"),
    ]
    echo, phone, long, icon, again = (name for _, name in steps[7:])
    assert echo == "click Je suis ***" and phone == "fill ex. ***"
    assert long is not None and "\n" not in long and len(long) <= 70 and long.endswith("…")
    assert icon is None  # no words to name it by: the matrix says « 11 click »
    assert again == "click Continuer (2)"  # a name says one step: the watcher's events use it


def test_a_field_reported_as_it_is_typed_is_one_step_and_one_secret() -> None:
    from preflight.scenario._recorder import _Collector

    collector = _Collector("/x")
    typing: list[dict[str, object]] = [
        {"type": "fill", "selector": "#nom", "value": v, "label": "Nom"} for v in ("J", "Je", "Jea")
    ]
    iban: list[dict[str, object]] = [
        {"type": "fill", "selector": "#iban", "secret": True, "label": "IBAN"}
    ] * 3
    for at, msg in enumerate([*typing, *iban], start=1):
        collector.on_message({"frame": None}, {"at": float(at), **msg})
    collector.on_message({"frame": None}, {"type": "fill", "selector": "#iban", "secret": True})
    assert [(s.action, s.arguments().get("value")) for s in collector.steps] == [
        ("goto", None),
        ("fill", "Jea"),
        ("fill", "${SECRET_1}"),
    ]
    assert collector.secrets == ["SECRET_1"]
