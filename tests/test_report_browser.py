"""Screenshots and the support bundle in real browsers: masked fields really are covered, and
the canary values typed in the page reach no file, on Chromium and Firefox alike."""

from __future__ import annotations

import contextlib
import io
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psutil
import pytest
from PIL import Image
from playwright.sync_api import BrowserType, Page, expect

from preflight.demo_shop import DemoShop
from preflight.report import MASK_COLOR, ReportWriter, load_events, load_report
from preflight.rules import Rules, load_rules
from preflight.watch.events import Event, Outcome

if TYPE_CHECKING:
    from preflight.demo_shop.truth import Mode

CANARY = {
    "#nom": "CanaryNomDupont",
    "#adresse": "12 rue CanaryAdresse 75011 Paris",
    "#telephone": "0611223344",
    "#email": "canary.email@example.fr",
    "#iban": "FR7630006000011234567890189",
    "#carte": "4970101234567890",
    "#autre": "visible",
}
BANK = ("#iban", "#carte")
PERSONAL = ("#nom", "#adresse", "#telephone", "#email")
FORM = """
<!doctype html><html><head><style>
  body { margin: 16px; background: #fff; font: 16px sans-serif; }
  label { display: block; margin: 6px 0; }
  input { width: 420px; height: 34px; background: #fff; color: #000; border: 1px solid #888; }
</style></head><body>
<h1>Vos coordonnées</h1>
<label>Nom <input id="nom"></label>
<label>Adresse <input id="adresse"></label>
<label>Téléphone <input id="telephone" type="tel"></label>
<label>E-mail <input id="email" type="email"></label>
<label>IBAN <input id="iban"></label>
<label>Carte <input id="carte"></label>
<label>Autre <input id="autre"></label>
<p data-testid="eligibility-error">Votre adresse n'est pas éligible à la Fibre.</p>
</body></html>
"""
MASK_RGB = tuple(int(MASK_COLOR[i : i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules("demo")


@pytest.fixture
def form(page: Page) -> Page:
    page.set_content(FORM)
    for selector, value in CANARY.items():
        page.fill(selector, value)
    return page


def covered(page: Page, png: bytes, selector: str) -> bool:
    """True when every pixel inside the field's box (2 px in from its edges) is the mask colour."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top = int(box["x"]) + 2, int(box["y"]) + 2
    right, bottom = int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2
    assert right > left and bottom > top
    region = image.crop((left, top, right, bottom))
    colours = region.getcolors(maxcolors=region.width * region.height)
    assert colours is not None
    return [colour for _, colour in colours] == [MASK_RGB]


def files_containing(folder: Path, text: str) -> list[str]:
    needle = text.encode("utf-8")
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and needle in p.read_bytes()
    )


def step_event(seq: int = 1) -> Event:
    return Event(
        seq=seq, kind="navigation", nav="navigate", url="about:blank", step="Vos coordonnées"
    )


def test_a_screenshot_masks_bank_and_personal_fields(
    form: Page, rules: Rules, tmp_path: Path
) -> None:
    event = step_event()
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event)
        record = rw.screenshot(form, event)
        rw.finish(Outcome(verdict="attributed", entry_seen=True))
    assert record.path is not None and record.reason is None
    png = (tmp_path / "r" / record.path).read_bytes()
    for selector in BANK + PERSONAL:
        assert covered(form, png, selector), f"{selector} is not masked"
    # The check can fail: a field no rule names is left as it is.
    assert not covered(form, png, "#autre")


def test_no_typed_value_reaches_any_report_file(form: Page, rules: Rules, tmp_path: Path) -> None:
    event = step_event()
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event)
        rw.screenshot(form, event)
        rw.finish(Outcome(verdict="attributed", entry_seen=True))
    for selector in BANK + PERSONAL:
        assert files_containing(tmp_path / "r", CANARY[selector]) == [], selector


def test_a_screenshot_is_linked_to_its_event_and_embedded_in_the_html(
    form: Page, rules: Rules, tmp_path: Path
) -> None:
    event = step_event(seq=7)
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event)
        rw.screenshot(form, event)
        html = rw.finish(Outcome(verdict="attributed", entry_seen=True)).read_text("utf-8")
    report = load_report(tmp_path / "r")
    assert [(s.event_seq, s.path) for s in report.screenshots] == [
        (7, "screenshots/0007-navigation.png")
    ]
    assert (tmp_path / "r" / "screenshots" / "0007-navigation.png").stat().st_mode & 0o077 == 0
    assert 'src="data:image/png;base64,' in html


def test_fields_inside_an_iframe_are_masked_too(page: Page, rules: Rules, tmp_path: Path) -> None:
    # Payment forms often live in an iframe; masks are applied in every frame of the page.
    inner = '<input id="iban" style="width:300px;height:30px" value="FR7630006000011234567890189">'
    page.set_content(f"<iframe srcdoc='{inner}' style='width:400px;height:80px'></iframe>")
    frame = page.frames[1]
    frame.wait_for_selector("#iban")
    event = step_event()
    with ReportWriter(tmp_path / "r", rules) as rw:
        record = rw.screenshot(page, event)
    assert record.path is not None
    png = (tmp_path / "r" / record.path).read_bytes()
    field = frame.locator("#iban").bounding_box()
    assert field is not None
    image = Image.open(io.BytesIO(png)).convert("RGB")
    centre = (int(field["x"] + field["width"] / 2), int(field["y"] + field["height"] / 2))
    assert image.getpixel(centre) == MASK_RGB


def test_a_closed_page_gives_a_record_of_why_and_no_exception(
    page: Page, rules: Rules, tmp_path: Path
) -> None:
    gone = page.context.new_page()
    gone.close()
    event = step_event()
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event)
        record = rw.screenshot(gone, event)
        html = rw.finish(Outcome(verdict="attributed", entry_seen=True)).read_text("utf-8")
    assert record.path is None
    assert record.reason and "closed" in record.reason
    assert load_report(tmp_path / "r").screenshots[0].reason == record.reason
    assert "pas de capture" in html
    assert not (tmp_path / "r" / "screenshots").exists()


def test_support_bundle_keeps_address_visible_and_bank_fields_masked(
    form: Page, rules: Rules, tmp_path: Path
) -> None:
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(Event(seq=1, kind="eligibility_error", url="about:blank"))
        message = rw.support_bundle(form, address=CANARY["#adresse"], phone=CANARY["#telephone"])
        rw.finish(Outcome(verdict="attributed", entry_seen=True))
    support = tmp_path / "r" / "support"
    assert message == support / "demande-assistance.txt"
    png = (support / "erreur-eligibilite-1.png").read_bytes()
    for selector in BANK:
        assert covered(form, png, selector), f"{selector} is not masked"
    # The help desk needs the address and the phone; the name and e-mail it does not.
    assert not covered(form, png, "#adresse")
    assert not covered(form, png, "#telephone")
    assert covered(form, png, "#nom") and covered(form, png, "#email")
    text = message.read_text("utf-8")
    assert f"Adresse de service : {CANARY['#adresse']}" in text
    assert f"Téléphone joignable en journée : {CANARY['#telephone']}" in text
    assert "« Votre adresse n'est pas éligible à la Fibre. »" in text
    assert "erreur-eligibilite-1.png" in text
    # Personal data only inside support/, bank details nowhere.
    for selector in ("#adresse", "#telephone"):
        assert files_containing(tmp_path / "r", CANARY[selector]) == [
            "support/demande-assistance.txt",
            "support/support.json",
        ]
    for selector in (*BANK, "#nom", "#email"):
        assert files_containing(tmp_path / "r", CANARY[selector]) == [], selector
    report = load_report(tmp_path / "r")
    assert report.support_bundle == "support/demande-assistance.txt"
    assert (support.stat().st_mode & 0o777) == 0o700
    assert {p.stat().st_mode & 0o777 for p in support.iterdir()} == {0o600}


def test_support_bundle_reads_address_and_phone_from_the_page_when_not_given(
    form: Page, rules: Rules, tmp_path: Path
) -> None:
    with ReportWriter(tmp_path / "r", rules) as rw:
        message = rw.support_bundle(form, address=None, phone=None)
    text = message.read_text("utf-8")
    assert CANARY["#adresse"] in text and CANARY["#telephone"] in text


def test_a_second_failed_test_adds_its_screenshot_and_lists_both_attempts(
    form: Page, rules: Rules, tmp_path: Path
) -> None:
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.support_bundle(form, address="1 rue Premiere", phone="0100000000")
        form.fill("#adresse", "2 rue Seconde")
        message = rw.support_bundle(form, address="2 rue Seconde", phone="0100000000")
    text = message.read_text("utf-8")
    assert "Adresse de service : 2 rue Seconde" in text
    assert "Le test a échoué 2 fois" in text and "1 rue Premiere" in text
    assert (message.parent / "erreur-eligibilite-2.png").exists()


def test_support_bundle_of_a_closed_page_still_writes_the_message(
    page: Page, rules: Rules, tmp_path: Path
) -> None:
    gone = page.context.new_page()
    gone.close()
    with ReportWriter(tmp_path / "r", rules) as rw:
        message = rw.support_bundle(gone, address="3 rue Close", phone=None)
    text = message.read_text("utf-8")
    assert "Adresse de service : 3 rue Close" in text
    assert "Téléphone joignable en journée : ……………… (à compléter)" in text
    assert "aucune n'a pu être prise" in text


def test_a_browser_killed_mid_order_leaves_the_log_and_an_incomplete_report(
    browser_type: BrowserType,
    browser_type_launch_args: dict[str, Any],
    rules: Rules,
    tmp_path: Path,
    new_browser_mains: Callable[[], list[psutil.Process]],
) -> None:
    # A browser of its own: the shared one must survive this test.
    browser = browser_type.launch(**browser_type_launch_args)
    try:
        roots = new_browser_mains()
        page = browser.new_page()
        page.set_content(FORM)
        rw = ReportWriter(tmp_path / "r", rules, screenshot_timeout_ms=3000)
        rw.on_event(step_event(1))
        assert rw.screenshot(page, step_event(1)).path is not None
        for root in roots:
            for process in [*root.children(recursive=True), root]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.send_signal(signal.SIGKILL)
        rw.on_event(Event(seq=2, kind="page_closed", url="about:blank"))
        record = rw.screenshot(page, step_event(2))
        assert record.path is None and record.reason
        html = rw.close()
    finally:
        with contextlib.suppress(Exception):
            browser.close()
    assert html is not None and html.exists()
    report = load_report(tmp_path / "r")
    assert (report.incomplete, report.events) == (True, 2)
    assert [e.seq for e in load_events(tmp_path / "r")] == [1, 2]
    assert [s.path is not None for s in report.screenshots] == [True, False]


@pytest.mark.parametrize("mode", ["mpa", "spa"])
def test_a_failed_eligibility_on_the_demo_shop_gives_a_bundle_ready_to_send(
    page: Page, shop: DemoShop, mode: str, tmp_path: Path
) -> None:
    address = "12 rue Canary, zone blanche, 99999 Nulle-Part"
    page.goto(shop.link(offer="fibre", mode=cast("Mode", mode)))
    page.get_by_text("Tester mon éligibilité").click()
    page.fill("#adresse", address)
    page.click("#tester")
    error = page.locator("[data-testid=eligibility-error]")
    expect(error).to_be_visible()
    rules = shop.rules()
    event = Event(seq=1, kind="eligibility_error", url=page.url, step="Test d'éligibilité")
    with ReportWriter(tmp_path / "r", rules) as rw:
        rw.on_event(event)
        shot = rw.screenshot(page, event)
        # The watcher passes what it could read; here it passes nothing, as after a reload.
        message = rw.support_bundle(page, address=None, phone=None)
    text = message.read_text("utf-8")
    assert f"Adresse de service : {address}" in text
    assert f"« {error.inner_text().strip()} »" in text
    # The phone is asked for only after eligibility: the seller completes it.
    assert "Téléphone joignable en journée : ……………… (à compléter)" in text
    bundle_png = (message.parent / "erreur-eligibilite-1.png").read_bytes()
    assert not covered(page, bundle_png, "#adresse")  # what the help desk needs to see
    assert shot.path is not None
    assert covered(page, (tmp_path / "r" / shot.path).read_bytes(), "#adresse")
    assert files_containing(tmp_path / "r", "Canary") == [
        "support/demande-assistance.txt",
        "support/support.json",
    ]
