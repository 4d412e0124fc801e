"""The recorder, driven headed (under Xvfb) as a person would: the scenario it writes replays to
the verdict the watcher reached while recording."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from preflight.demo_shop import DemoShop
from preflight.matrix import step_title
from preflight.scenario import Fill, Reload, Scenario, load_file
from preflight.scenario._recorder import Recording, RecordingInterrupted, record
from preflight.scenario._replay import replay_scenario
from preflight.scenario._results import ScenarioResult

pytestmark = [
    pytest.mark.headed,
    pytest.mark.skipif(
        not os.environ.get("DISPLAY"),
        reason="the recorder opens a headed browser: run under a display (make test uses xvfb-run)",
    ),
]

ADDRESS = "12 rue de la Paix 75002 Paris"
NAME = "Jeanne Client"
IBAN = "FR7630006000011234567890189"


def _to_eligibility(page: Page) -> None:
    page.get_by_text("Commander la Fibre").click()
    page.wait_for_url("**/sfr/offre/fibre*")
    page.locator("#tester-eligibilite").click()
    page.locator("#adresse").click()
    page.keyboard.type(ADDRESS)
    page.locator("#tester").click()
    page.wait_for_selector("#resultat")


def _history(page: Page, direction: str) -> None:
    page.keyboard.press("Shift")
    # The navigation may replace the document before the call returns.
    with contextlib.suppress(PlaywrightError):
        page.evaluate(f"history.{direction}()")


def _type(page: Page, selector: str, value: str) -> None:
    page.locator(selector).click()
    page.keyboard.type(value)


def _record(
    shop: DemoShop,
    playwright: Playwright,
    browser_name: str,
    out: Path,
    name: str,
    person: Callable[[Page], None],
    start: str = "/acn/boutique",
) -> Recording:
    """Record `person` ordering from the demo shop's boutique, as `preflight record` would."""
    return record(
        shop.acn_url + start,
        out,
        rules=shop.rules(),
        browser=browser_name,
        name=name,
        page_hook=person,
        playwright=playwright,
    )


def _replay(
    browser: Browser,
    browser_name: str,
    shop: DemoShop,
    scenario: Scenario,
    variables: dict[str, str] | None = None,
) -> ScenarioResult:
    """Replay what was recorded in a fresh context, against a shop with no orders yet."""
    shop.reset()
    context = browser.new_context()
    try:
        return replay_scenario(
            context,
            scenario,
            rules=shop.rules(),
            base_url=shop.acn_url,
            browser=browser_name,
            variables=variables,
        )
    finally:
        context.close()


def test_a_value_typed_right_before_a_refresh_is_recorded_before_it_and_replays_alike(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        page.locator("#continuer").click()
        # Typed, then Refresh: no click, key or blur that would report the value in between.
        _type(page, "#nom", NAME)
        page.reload()
        page.wait_for_selector("#nom")

    out = tmp_path / "recorded.yaml"
    recording = _record(shop, playwright, browser_name, out, "recorded-refresh", person)
    assert recording.scenario.expect.verdict == "lost"
    [scenario] = load_file(out)
    assert scenario.expect.verdict == "lost" and scenario.expect.violations == ["reload"]
    assert scenario.expect.completed is None  # the order never got to its end
    actions = [step.action for step in scenario.steps]
    assert actions == ["goto", "click", "click", "fill", "click", "click", "fill", "reload"], (
        actions
    )
    fill = scenario.steps[3]
    assert isinstance(fill, Fill) and fill.selector == "#adresse" and fill.value == ADDRESS
    fill = scenario.steps[6]
    assert isinstance(fill, Fill) and fill.selector == "#nom" and fill.value == NAME
    assert isinstance(scenario.steps[-1], Reload)
    assert scenario.steps[0].arguments() == {"url": "/acn/boutique"}
    # Each step is named from what its target reads — a field by its label, never its value —
    # and the matrix's rows say that name.
    assert [step.name for step in scenario.steps] == [
        "goto /acn/boutique",
        "click Commander la Fibre",
        "click Tester mon éligibilité",
        "fill Adresse",
        "click Tester l'éligibilité",
        "click Continuer",
        "fill Nom",
        None,
    ]
    assert step_title(scenario, 6) == "click Continuer"

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    assert [order["ended_by"] for order in shop.orders()] == ["reload"]


def test_bank_details_typed_while_recording_become_a_placeholder(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        page.locator("#continuer").click()
        page.locator("#nom").fill("Jeanne Client")
        page.locator("#telephone").fill("06 12 34 56 78")
        page.locator("#email").press_sequentially("jeanne.client@example.fr")  # on `change`
        page.locator("#valider").click()
        page.locator("#payer-maintenant").click()
        payment = page.frame_locator("iframe#paiement")  # the payment provider's frame
        payment.locator("#iban").click()
        page.keyboard.type(IBAN)
        payment.locator("#payer").click()
        page.wait_for_selector("[data-testid=order-number]")

    out = tmp_path / "pay.yaml"
    recording = _record(shop, playwright, browser_name, out, "recorded-payment", person)
    text = out.read_text(encoding="utf-8")
    assert IBAN not in text and "FR76" not in text
    assert "${SECRET_1}" in text and "--var SECRET_1=" in text
    assert recording.secrets == ["SECRET_1"]
    [scenario] = load_file(out)
    assert scenario.expect.verdict == "at_risk"
    assert scenario.expect.warnings == ["payment_without_order_later"]
    assert scenario.expect.completed is True  # the confirmation page was reached
    [iban] = [s for s in scenario.steps if isinstance(s, Fill) and s.selector == "#iban"]
    assert iban.value == "${SECRET_1}" and iban.name and "FR76" not in iban.name

    result = _replay(browser, browser_name, shop, scenario, {"SECRET_1": IBAN})
    assert result.passed, (result.failure, result.timeline)
    assert [order["status"] for order in shop.orders()] == ["paid"]


def test_the_record_command_writes_a_scenario_when_its_time_is_up(
    shop: DemoShop, tmp_path: Path
) -> None:
    out = tmp_path / "left-open.yaml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "preflight", "record", shop.acn_url + "/acn/boutique"),
            *("-o", str(out), "--browser", "chromium", "--rules", "demo", "--timeout", "3"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "the --timeout of 3 s was reached" in done.stderr
    assert "1 step written to" in done.stdout, done.stdout  # not "1 steps"
    assert "ended by its --timeout" in out.read_text(encoding="utf-8")
    [scenario] = load_file(out)
    assert scenario.steps[0].arguments() == {"url": "/acn/boutique"}


def test_back_and_forward_while_recording_become_steps_and_replay_alike(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        page.locator("#continuer").click()
        _type(page, "#nom", NAME)  # then Back at once: the value belongs before it
        # The toolbar's Back/Forward are out of a page's reach; history.back() after a key
        # press (a user activation) is what the browser does for them.
        _history(page, "back")
        page.wait_for_function("!document.querySelector('#nom')")
        _history(page, "forward")
        page.wait_for_selector("#nom")

    out = tmp_path / "history.yaml"
    _record(shop, playwright, browser_name, out, "recorded-history", person)
    [scenario] = load_file(out)
    steps = [(step.action, step.arguments()) for step in scenario.steps]
    assert steps[-3:] == [
        ("fill", {"selector": "#nom", "value": NAME}),
        ("back", {}),
        ("forward", {}),
    ], steps
    assert scenario.expect.verdict == "lost"
    assert scenario.expect.violations == ["back", "forward"]

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    assert [order["ended_by"] for order in shop.orders()] == ["back"]


def test_typing_a_select_a_radio_and_a_checkbox_on_the_react_shop_record_and_replay(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    # React owns these controls (controlled components, its own validation): the recording
    # must hold every choice, or the replay stops at React's "required" messages.
    def person(page: Page) -> None:
        page.get_by_text("Commander la Fibre").click()
        page.wait_for_url("**/react/offre/fibre*")
        page.locator("#tester-eligibilite").click()
        page.locator("#adresse").click()
        page.keyboard.type(ADDRESS)
        page.locator("#tester").click()
        page.locator("#continuer").click()
        for selector, value in (
            ("#nom", "Jeanne Client"),
            ("#telephone", "06 12 34 56 78"),
            ("#email", "jeanne.client@example.fr"),
            ("#instructions", "Sonner deux fois"),
        ):
            page.locator(selector).click()
            page.keyboard.type(value)
        # A person picks in a <select> with the keyboard or the mouse: both are trusted input
        # (Playwright's select_option is not, and no person makes it).
        page.locator("#civilite").focus()
        page.keyboard.press("ArrowDown")
        # A radio and a checkbox by their labels' text, as a person clicks them: one step each.
        page.get_by_text("par e-mail").click()
        page.get_by_text("J'accepte les conditions de l'offre").click()
        page.locator("#valider").click()
        page.wait_for_selector("[data-testid=contact-choice]")
        page.locator("#commander-plus-tard").click()
        page.wait_for_selector("[data-testid=order-number]")

    out = tmp_path / "react.yaml"
    recording = record(
        shop.acn_url + "/acn/boutique?mode=react",
        out,
        rules=shop.rules(),
        browser=browser_name,
        name="recorded-react",
        page_hook=person,
        playwright=playwright,
    )
    assert recording.scenario.expect.verdict == "attributed"
    [scenario] = load_file(out)
    assert scenario.expect.completed is True  # « Commander plus tard » was reached
    steps = [(step.action, step.arguments()) for step in scenario.steps]
    assert steps[-5:-1] == [
        ("select", {"selector": "#civilite", "value": "mme"}),
        ("check", {"selector": "#contact-email"}),
        ("check", {"selector": "#cgv"}),
        ("click", {"selector": "#valider"}),
    ], steps
    names = [step.name for step in scenario.steps]
    assert names[-7:] == [
        "fill E-mail",
        "fill Instructions pour le technicien (facultatif)",
        "select Civilité",
        "check par e-mail",
        "check J'accepte les conditions de l'offre",
        "click Valider mes coordonnées",
        "click Commander plus tard",
    ], names
    typed = (ADDRESS, "Jeanne Client", "06 12 34 56 78", "jeanne.client@example.fr")
    assert not [n for n in names if n and any(v in n for v in typed)], names
    fills = {args["selector"]: args["value"] for action, args in steps if action == "fill"}
    assert fills == {
        "#adresse": ADDRESS,
        "#nom": "Jeanne Client",
        "#telephone": "06 12 34 56 78",
        "#email": "jeanne.client@example.fr",
        "#instructions": "Sonner deux fois",
    }, steps

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    [order] = shop.orders()
    assert (order["mode"], order["status"]) == ("react", "saved_for_later")


def _to_react_details(page: Page) -> None:
    page.get_by_text("Commander la Fibre").click()
    page.wait_for_url("**/react/offre/fibre*")
    page.locator("#tester-eligibilite").click()
    page.locator("#adresse").click()
    page.keyboard.type(ADDRESS)
    page.locator("#tester").click()
    page.locator("#continuer").click()
    page.wait_for_selector("#civilite")


def test_select_option_between_typed_fields_is_one_select_step_in_order_that_replays(
    browser_name: str,
    browser: Browser,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
) -> None:
    # select_option fires untrusted events (the documented page_hook way to drive a select);
    # React refuses the form without a civilité, so a select left out fails the replay.
    def person(page: Page) -> None:
        _to_react_details(page)
        _type(page, "#nom", "Jeanne Client")
        _type(page, "#telephone", "06 12 34 56 78")
        page.locator("#civilite").select_option("m")
        page.locator("#civilite").select_option("mme")
        _type(page, "#email", "jeanne.client@example.fr")
        page.locator("#cgv").click()
        page.locator("#valider").click()
        page.wait_for_selector("[data-testid=contact-choice]")
        page.locator("#commander-plus-tard").click()
        page.wait_for_selector("[data-testid=order-number]")

    out = tmp_path / "select.yaml"
    record(
        shop.acn_url + "/acn/boutique?mode=react",
        str(out),  # a str is a path as well as a Path
        rules=shop.rules(),
        browser=browser_name,
        page_hook=person,
        playwright=playwright,
    )
    [scenario] = load_file(out)
    steps = [(step.action, step.arguments()) for step in scenario.steps]
    form = [(a, args.get("selector")) for a, args in steps if a in ("fill", "select", "check")]
    assert form[1:] == [
        ("fill", "#nom"),
        ("fill", "#telephone"),
        ("select", "#civilite"),
        ("fill", "#email"),
        ("check", "#cgv"),
    ], steps
    assert ("select", {"selector": "#civilite", "value": "mme"}) in steps, steps

    result = _replay(browser, browser_name, shop, scenario)
    assert result.passed, (result.failure, result.timeline)
    [order] = shop.orders()
    assert (order["mode"], order["status"]) == ("react", "saved_for_later")


def test_fills_then_a_keyboard_walk_in_a_select_then_fills_are_written_in_that_order(
    browser_name: str,
    playwright: Playwright,
    shop: DemoShop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright's fill: on Firefox (BiDi) it fires `input` but no `change`, so those fields
    # were reported at the next click, after the select. A walk through the options with the
    # keyboard fires a `change` per option passed: only where it ends is the step.
    def person(page: Page) -> None:
        _to_react_details(page)
        page.locator("#nom").fill("Jeanne Client")
        page.locator("#telephone").fill("06 12 34 56 78")
        page.locator("#civilite").focus()
        page.keyboard.press("ArrowDown")  # Madame
        page.keyboard.press("ArrowDown")  # Monsieur
        page.locator("#email").fill("jeanne.client@example.fr")
        page.locator("#instructions").fill("Sonner deux fois")
        # No click after the last fields: the end of the recording reports them.

    out = tmp_path / "order.yaml"
    # The rules by name, as `--rules demo` (its [vars] from PREFLIGHT_*, as the CLI reads them).
    monkeypatch.setenv("PREFLIGHT_DEMO_PORT", str(shop.port))
    recording = record(
        shop.acn_url + "/acn/boutique?mode=react",
        out,
        rules="demo",
        browser=browser_name,
        page_hook=person,
        playwright=playwright,
    )
    assert recording.ended == "hook" and recording.scenario.expect.verdict == "attributed"
    [scenario] = load_file(out)
    steps = [(step.action, step.arguments()) for step in scenario.steps]
    tail = [(a, args.get("selector"), args.get("value")) for a, args in steps[-5:]]
    assert tail == [
        ("fill", "#nom", "Jeanne Client"),
        ("fill", "#telephone", "06 12 34 56 78"),
        ("select", "#civilite", "m"),
        ("fill", "#email", "jeanne.client@example.fr"),
        ("fill", "#instructions", "Sonner deux fois"),
    ], steps
    assert [a for a, _ in steps].count("select") == 1, steps


def test_an_interrupted_recording_keeps_every_step_in_the_file(
    browser_name: str, playwright: Playwright, shop: DemoShop, tmp_path: Path
) -> None:
    def person(page: Page) -> None:
        _to_eligibility(page)
        raise KeyboardInterrupt  # Ctrl+C, as the CLI's signal handler raises it

    out = tmp_path / "interrupted.yaml"
    with pytest.raises(RecordingInterrupted) as stopped:
        _record(shop, playwright, browser_name, out, "interrupted", person)
    assert stopped.value.recording.ended == "interrupted"
    text = out.read_text(encoding="utf-8")
    assert "Recording interrupted (Ctrl+C)" in text
    [scenario] = load_file(out)
    assert [step.action for step in scenario.steps] == ["goto", "click", "click", "fill", "click"]


def test_ctrl_c_during_the_record_command_keeps_the_file_it_says_it_keeps(
    browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    out = tmp_path / "ctrl-c.yaml"
    command = [
        *(sys.executable, "-m", "preflight", "record", shop.acn_url + "/acn/boutique"),
        *("-o", str(out), "--browser", browser_name, "--rules", "demo"),
        *("--var", f"DEMO_PORT={shop.port}"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not out.exists():  # written as soon as the first page has loaded
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the recorder never wrote its file"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, (stdout, stderr)
    assert "Recording interrupted: 1 step kept in" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    [scenario] = load_file(out)
    assert scenario.steps[0].arguments() == {"url": "/acn/boutique"}
    assert "Recording interrupted (Ctrl+C)" in out.read_text(encoding="utf-8")


def test_without_a_display_the_record_command_says_how_to_get_one(
    shop: DemoShop, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "preflight", "record", shop.acn_url + "/acn/boutique"),
            *("-o", str(tmp_path / "x.yaml"), "--browser", "chromium", "--rules", "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 2, done
    assert "DISPLAY" in done.stderr and "xvfb-run -a preflight record" in done.stderr
    assert "Traceback" not in done.stderr and "has been closed" not in done.stderr
    assert not (tmp_path / "x.yaml").exists()
