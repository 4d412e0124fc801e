"""Chrome DevTools Recorder JSON into scenarios: mapping, what is reported, and the replay."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inprocess import preflight
from playwright.sync_api import Browser

from preflight.demo_shop import DemoShop
from preflight.errors import ScenarioError
from preflight.scenario import Click, Fill, Goto, Press, WaitFor, load_file
from preflight.scenario._chrome import import_recording, read_recording
from preflight.scenario._replay import replay_scenario

DATA = Path(__file__).parent / "data"
RECORDING = DATA / "chrome-recorder-demo-fibre.json"
ACN, SFR = "http://127.0.0.1:8765", "http://localhost:8765"


def _steps(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"title": "t", "steps": list(steps)}


def test_the_demo_recording_maps_to_our_steps_with_relative_urls() -> None:
    imported = import_recording(read_recording(RECORDING), base_url=ACN, merchant=SFR)
    steps = imported.scenario.steps
    assert isinstance(steps[0], Goto) and steps[0].url == "/acn/boutique"
    # aria/Name without a role: the CSS alternative (`… a`) says it is a link; role and name
    # are preferred to the recorded text/ alternative (issue 14).
    assert isinstance(steps[1], Click)
    assert steps[1].selector == 'role=link[name="Commander la Fibre"s]'

    # The navigation Chrome asserted becomes a URL wait that survives per-visit tokens.
    assert isinstance(steps[2], WaitFor) and steps[2].url == "*/sfr/offre/fibre*"
    assert isinstance(steps[3], Click) and steps[3].selector == "#tester-eligibilite"
    fills = [s for s in steps if isinstance(s, Fill)]
    assert [f.selector for f in fills] == ["#adresse", "#nom", "#telephone", "#email"]
    assert any(isinstance(s, Press) and s.key == "Tab" for s in steps)
    assert imported.scenario.name == "commande-fibre-boutique-acn-demo"


def test_unmappable_steps_are_reported_and_kept_as_comments_where_they_stood() -> None:
    imported = import_recording(read_recording(RECORDING), base_url=ACN, merchant=SFR)
    assert [line.split(":")[0] for line in imported.unmapped] == [
        "step 3 (hover)",
        "step 12 (scroll)",
        "step 20 (waitForExpression)",
    ]
    assert any("setViewport" in line for line in imported.comments[0])
    # The hover stood before the click on the Fibre offer (our step index 1).
    assert any("hover" in line for line in imported.comments[1])


def test_selector_preference_is_test_id_then_role_then_text_then_css_then_xpath() -> None:
    def chosen(*alternatives: list[str]) -> str:
        step = {"type": "click", "selectors": list(alternatives)}
        [click] = import_recording(_steps(step)).scenario.steps
        assert isinstance(click, Click)
        return click.selector

    assert chosen(["xpath///a"], ["[data-testid=payer]"], ["text/Payer"]) == "[data-testid=payer]"
    assert chosen(["xpath///a"], ['aria/Payer[role="button"]'], ["text/Payer"]) == (
        'role=button[name="Payer"s]'
    )
    # No role recorded: the one the CSS alternative implies, else text.
    assert chosen(["aria/Payer"], ["form > button.primary"], ["text/Payer"]) == (
        'role=button[name="Payer"s]'
    )
    assert chosen(["aria/Oui"], ["input[type='radio']"]) == 'role=radio[name="Oui"s]'
    assert chosen(["aria/Payer"], ["main > div"], ["text/Payer"]) == "text=Payer"
    assert chosen(["aria/Payer"], ["main a"], ["form button"], ["text/Payer"]) == "text=Payer"
    assert chosen(["xpath///a"], ["main > button"], ["text/Payer"]) == "text=Payer"
    assert chosen(["xpath///a"], ["main > button"]) == "main > button"
    assert chosen(["xpath///a"]) == "xpath=//a"
    # A chain through a shadow root keeps its host (`#inner` alone may be another element).
    assert chosen(["pierce/#host", "#inner"]) == "#host >> #inner"
    assert chosen(["#host", "#inner"], ["pierce/#inner"]) == "#host >> #inner"
    assert chosen(["my-app", 'aria/Envoyer[role="button"]']) == (
        'my-app >> role=button[name="Envoyer"s]'
    )


def test_hostile_names_and_texts_are_quoted_so_they_stay_one_selector() -> None:
    def chosen(*alternatives: list[str]) -> str:
        step = {"type": "click", "selectors": list(alternatives)}
        [click] = import_recording(_steps(step)).scenario.steps
        assert isinstance(click, Click)
        return click.selector

    assert chosen(['aria/Say "hi" \\ >> #x[role="button"]']) == (
        'role=button[name="Say \\"hi\\" \\\\ >> #x"s]'
    )
    assert chosen(['text/"Quoted" >> here']) == 'internal:text="\\"Quoted\\" >> here"i'
    assert chosen(["text//not a regex/"]) == 'internal:text="/not a regex/"i'
    assert chosen(["text/ padded "]) == 'internal:text=" padded "i'


def test_double_and_right_clicks_keep_their_meaning() -> None:
    steps = import_recording(
        _steps(
            {"type": "doubleClick", "selectors": [["#a"]]},
            {"type": "click", "button": "secondary", "selectors": [["#b"]]},
        )
    ).scenario.steps
    assert isinstance(steps[0], Click) and steps[0].click_count == 2
    assert isinstance(steps[1], Click) and steps[1].button == "right"


def test_a_value_typed_in_a_bank_field_becomes_a_placeholder() -> None:
    imported = import_recording(
        _steps(
            {"type": "navigate", "url": f"{SFR}/sfr/paiement?t=x"},
            {"type": "change", "value": "FR7630006000011234567890189", "selectors": [["#iban"]]},
        ),
        merchant=SFR,
    )
    goto, fill = imported.scenario.steps
    assert isinstance(goto, Goto) and goto.url == "${MERCHANT}/sfr/paiement?t=x"
    assert isinstance(fill, Fill) and fill.value == "${SECRET_1}"
    assert "FR76" not in json.dumps([s.arguments() for s in imported.scenario.steps])


def test_steps_in_frames_are_reported_not_silently_dropped() -> None:
    imported = import_recording(
        _steps(
            {"type": "navigate", "url": "https://shop.example/"},
            {"type": "click", "frame": [0], "selectors": [["#pay"]]},
        )
    )
    assert imported.unmapped == ["step 2 (click): in a frame or another tab — not imported"]


def test_broken_recordings_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x",\n "steps": [\n  {"type": "click",}\n ]}', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.json:3: not valid JSON"):
        read_recording(bad)
    with pytest.raises(ScenarioError, match="no selector"):
        import_recording(_steps({"type": "click", "selectors": []}), file="r.json")
    with pytest.raises(ScenarioError, match="steps"):
        import_recording({"title": "no steps"}, file="r.json")


def test_the_command_writes_yaml_and_lists_what_it_did_not_import(tmp_path: Path) -> None:
    out = tmp_path / "imported.yaml"
    done = preflight(  # in-process (tests/inprocess.py)
        "import-recording", str(RECORDING), "-o", str(out), "--base-url", ACN, "--merchant", SFR
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("not imported:") == 3 and "hover" in done.stderr
    text = out.read_text(encoding="utf-8")
    assert "# step 12 (scroll): Playwright scrolls to each element by itself" in text
    [scenario] = load_file(out)
    assert scenario.expect.verdict == "attributed"


def test_the_imported_demo_flow_replays_to_attributed(
    browser: Browser, shop: DemoShop, tmp_path: Path
) -> None:
    imported = import_recording(read_recording(RECORDING), base_url=ACN, merchant=SFR)
    context = browser.new_context()
    try:
        result = replay_scenario(
            context,
            imported.scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            variables={"MERCHANT": shop.sfr_url},
            browser=browser.browser_type.name,
        )
    finally:
        context.close()
    assert result.passed, (result.failure, result.timeline)
    [order] = shop.orders()
    assert order["attributed"] is True and order["status"] == "saved_for_later"


def test_a_recorded_change_on_a_select_replays_as_a_choice(
    browser: Browser, shop: DemoShop
) -> None:
    # The ACN « Confirmation SFR » form (R11): the order type is a <select>.
    recording = _steps(
        {"type": "navigate", "url": f"{ACN}/acn/confirmation-sfr"},
        {"type": "change", "value": "SFR-000042", "selectors": [["#numero-commande"]]},
        {"type": "change", "value": "adsl", "selectors": [["aria/Type"], ["#type-commande"]]},
    )
    imported = import_recording(recording, base_url=ACN, verdict="at_risk")
    context = browser.new_context()
    try:
        result = replay_scenario(
            context,
            imported.scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            browser=browser.browser_type.name,
        )
        chosen = context.pages[0].eval_on_selector("#type-commande", "e => e.value")
    finally:
        context.close()
    assert result.passed, (result.failure, result.timeline)
    assert chosen == "adsl"


def test_an_order_recorded_on_the_react_shop_imports_and_replays(
    browser: Browser, shop: DemoShop, tmp_path: Path
) -> None:
    # Chrome's recorder writes every field as a `change` (the <select>'s too) and a checkbox or
    # a radio as a click on it: React's controlled form must get each one, or its own
    # validation stops the order at « Vos coordonnées ».
    out = tmp_path / "react.yaml"
    done = preflight(
        *("import-recording", str(DATA / "chrome-recorder-demo-react.json"), "-o", str(out)),
        *("--base-url", ACN, "--merchant", SFR),
    )
    assert done.returncode == 0, done.stderr
    [scenario] = load_file(out)
    fills = {s.selector: s.value for s in scenario.steps if isinstance(s, Fill)}
    assert fills["#civilite"] == "mme" and fills["#instructions"] == "Digicode 4B, 2e étage"
    context = browser.new_context()
    try:
        result = replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            browser=browser.browser_type.name,
        )
    finally:
        context.close()
    assert result.passed, (result.failure, result.timeline)
    [order] = shop.orders()
    assert (order["mode"], order["attributed"], order["status"]) == (
        "react",
        True,
        "saved_for_later",
    )


SHADOW_PAGE = """<!doctype html><meta charset="utf-8"><title>shadow</title>
<div id="decoy"><button id="inside">Decoy</button></div>
<div id="host"></div>
<button id="pay">Pay "now" \\ later >> ok</button>
<button id="quoted">"Quoted" >> here</button>
<p id="out"></p>
<script>
  const out = document.getElementById("out");
  const said = (what) => () => { out.textContent += what + ";"; };
  const root = document.getElementById("host").attachShadow({mode: "open"});
  root.innerHTML = '<button id="inside">Inside</button>';
  root.getElementById("inside").addEventListener("click", said("inside"));
  document.querySelector("#decoy #inside").addEventListener("click", said("decoy"));
  document.getElementById("pay").addEventListener("click", said("pay"));
  document.getElementById("quoted").addEventListener("click", said("quoted"));
</script>
"""


@pytest.fixture
def shadow_site(tmp_path: Path) -> Iterator[str]:
    """A page with a shadow root and hostile button names, served from a temporary folder
    (the demo shop has no shadow DOM: a test page, rather than a change to the shop)."""
    (tmp_path / "index.html").write_text(SHADOW_PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_imported_shadow_chain_and_hostile_names_replay_on_the_right_elements(
    browser: Browser, shop: DemoShop, shadow_site: str
) -> None:
    recording = _steps(
        {"type": "navigate", "url": f"{shadow_site}/index.html"},
        # Chrome's chain through the shadow root, then its whole-page pierce/ alternative.
        {"type": "click", "selectors": [["#host", "#inside"], ["pierce/#inside"]]},
        {
            "type": "click",
            "selectors": [['aria/Pay "now" \\ later >> ok[role="button"]'], ["text/Pay"]],
        },
        {"type": "click", "selectors": [['text/"Quoted" >> here']]},
    )
    imported = import_recording(recording, base_url=shadow_site, verdict="at_risk")
    selectors = [s.selector for s in imported.scenario.steps if isinstance(s, Click)]
    assert selectors[0] == "#host >> #inside"
    context = browser.new_context()
    try:
        result = replay_scenario(
            context,
            imported.scenario,
            rules=shop.rules(),
            base_url=shadow_site,
            browser=browser.browser_type.name,
        )
        clicked = context.pages[0].inner_text("#out")
    finally:
        context.close()
    assert result.failure is None or result.failure.step is None, result.failure
    # Each click reached its own element: the button inside the shadow root, not the decoy
    # with the same id, and the hostile names as one selector each.
    assert clicked == "inside;pay;quoted;"
