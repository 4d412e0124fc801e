"""Privacy, proven end to end: full orders on the demo shop (both engines, both shop modes, a
failed eligibility and a payment typed on screen included) with canary values for the name,
address, phone, email, IBAN and card; then EVERY file the run produced — the debug log, the
JSONL events, report.json, report.html, the screenshots, the support bundle, a replay's JSON
and failure screenshots — is searched for each canary, as typed and URL-encoded.

No bank detail may be anywhere. The personal fields may be only in the support bundle
(`support/`), which exists for the EI help desk. Masked fields in the screenshots are covered,
and every file and folder of a report is owner-only.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from loguru import logger
from PIL import Image
from playwright.sync_api import FloatRect, Page, Playwright

from preflight.demo_shop import DemoShop
from preflight.report import MASK_COLOR, ReportWriter, load_report
from preflight.watch import Watcher, run_order
from preflight.watch.events import Event

NAME = "Zorglub Canarynom"
ADDRESS_FAILING = "7 rue Canaryadresse zone blanche"
ADDRESS = "12 rue Canaryrue, 75002 Paris"
PHONE = "0611223344"
EMAIL = "canary.mail@example.fr"
IBAN = "FR3230006000019876543210189"  # valid (mod 97), so the shop accepts it
CARD = "4970109988776651"  # valid (Luhn)
BANK = {"IBAN": IBAN, "card": CARD}
PERSONAL = {"name": NAME, "address": ADDRESS, "failing address": ADDRESS_FAILING}
PERSONAL |= {"phone": PHONE, "email": EMAIL}
MASK_RGB = tuple(int(MASK_COLOR[i : i + 2], 16) for i in (1, 3, 5))
# Fields whose box is measured on the page, then checked in a screenshot of it.
FIELDS = {"eligibilite": ["#adresse"], "coordonnees": ["#nom", "#telephone", "#email"]}
FIELDS["paiement"] = ["#iban", "#carte"]


def forms_of(value: str) -> set[bytes]:
    """The ways a value may be written down: as typed, URL-encoded, JSON- or HTML-escaped."""
    forms = {value, quote(value), quote_plus(value), quote(value, safe=""), value.replace(" ", "")}
    forms |= {json.dumps(value)[1:-1], value.replace("@", "&#64;")}
    return {form.encode() for form in forms if len(form) >= 6}


def files_holding(root: Path, value: str) -> list[str]:
    needles = forms_of(value)
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path.relative_to(root)))
    return found


def customer(page: Page, check_masks: Callable[[Page, str], None]) -> None:
    """The customer's whole order: a failed eligibility test, then a good address, their
    details, and a payment typed on screen. Each form, once typed in, is photographed the way
    the report does it, and its fields checked covered."""
    page.locator("#tester-eligibilite").click()
    page.locator("#adresse").wait_for()
    page.fill("#adresse", ADDRESS_FAILING)
    page.click("#tester")
    page.locator("[data-testid=eligibility-error]").wait_for()
    check_masks(page, "eligibilite")
    page.fill("#adresse", ADDRESS)
    page.click("#tester")
    page.click("#continuer")
    page.locator("#nom").wait_for()
    page.fill("#nom", NAME)
    page.fill("#telephone", PHONE)
    page.fill("#email", EMAIL)
    check_masks(page, "coordonnees")
    page.click("#valider")
    page.click("#payer-maintenant")
    page.locator("#iban").wait_for()
    page.fill("#iban", IBAN)
    page.fill("#carte", CARD)
    check_masks(page, "paiement")
    page.click("#payer")
    page.locator("[data-testid=order-number]").wait_for()


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything preflight logs, at DEBUG, into a file of the run."""
    path = tmp_path / "run" / "preflight.log"
    path.parent.mkdir()
    sink = logger.add(path, level="DEBUG", enqueue=False)
    yield path
    logger.remove(sink)


def covered(png: bytes, box: FloatRect) -> bool:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top = int(box["x"]) + 2, int(box["y"]) + 2
    right, bottom = int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2
    region = image.crop((left, top, right, bottom))
    colours = region.getcolors(maxcolors=region.width * region.height)
    return colours is not None and [c for _, c in colours] == [MASK_RGB]


@pytest.mark.parametrize("mode", ["mpa", "spa"])
def test_a_full_order_leaves_no_bank_detail_anywhere_and_personal_data_only_in_support(
    playwright: Playwright,
    browser_name: str,
    shop: DemoShop,
    tmp_path: Path,
    mode: str,
    debug_log: Path,
) -> None:
    run = debug_log.parent
    checked: list[str] = []
    # The report's own screenshot code, on the shop's real pages with the canaries typed in.
    shots = ReportWriter(run / "screenshots-of-typed-forms", shop.rules())

    def check_masks(page: Page, step: str) -> None:
        event = Event(seq=len(checked) + 1, kind="navigation", nav="navigate", url=page.url)
        record = shots.screenshot(page, event)
        assert record.path is not None, record.reason
        png = (shots.folder / record.path).read_bytes()
        for selector in FIELDS[step]:
            box = page.locator(selector).bounding_box()
            assert box is not None, selector
            assert covered(png, box), f"{selector} is not masked on {step}"
            checked.append(selector)

    def drive(page: Page, watcher: Watcher) -> None:
        customer(page, check_masks)

    result = run_order(
        shop.link(offer="fibre", mode=mode),  # type: ignore[arg-type]
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=run / "report",
        drive=drive,
        playwright=playwright,
    )

    shots.close()
    # The run did happen, whole, and the canaries did reach the shop (the test can fail).
    assert result.ended == "confirmation", result
    assert shop.orders(), "the shop recorded no order"
    report = load_report(result.folder)
    assert report.support_bundle is not None
    assert debug_log.stat().st_size > 0
    produced = sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())
    assert "report/events.jsonl" in produced and "report/report.html" in produced
    assert any(p.startswith("report/screenshots/") for p in produced)

    for what, value in BANK.items():
        assert files_holding(run, value) == [], f"the {what} was written down"
    for what, value in PERSONAL.items():
        outside = [p for p in files_holding(run, value) if not p.startswith("report/support/")]
        assert outside == [], f"the customer's {what} is outside the support bundle"

    assert set(checked) == {s for selectors in FIELDS.values() for s in selectors}

    # Owner-only, whatever the umask.
    for path in [result.folder, *result.folder.rglob("*")]:
        mode_bits = stat.S_IMODE(path.stat().st_mode)
        assert mode_bits & 0o077 == 0, f"{path} is {oct(mode_bits)}"


REPLAYED = textwrap.dedent(
    """\
    name: payment-typed-on-screen
    steps:
      - goto: /acn/go/fibre?ei=EI-0001&mode={mode}
      - click: "#tester-eligibilite"
      - fill: {{selector: "#adresse", value: "${{ADDRESS}}"}}
      - click: "#tester"
      - click: "#continuer"
      - fill: {{selector: "#nom", value: "${{NAME}}"}}
      - fill: {{selector: "#telephone", value: "${{PHONE}}"}}
      - fill: {{selector: "#email", value: "${{EMAIL}}"}}
      - click: "#valider"
      - click: "#payer-maintenant"
      - fill: {{selector: "#iban", value: "${{IBAN}}"}}
      - fill: {{selector: "#carte", value: "${{CARD}}"}}
      - click: "#payer"
      - wait_for: "[data-testid=order-number]"
    expect:
      verdict: at_risk  # paid without « Commander plus tard » (R8)
    ---
    name: a-step-fails-with-the-iban-in-hand
    steps:
      - goto: /acn/go/fibre?ei=EI-0001&mode={mode}
      - fill: {{selector: "#no-such-field", value: "${{IBAN}}"}}
    expect:
      verdict: attributed
    """
)


@pytest.mark.parametrize("mode", ["mpa", "spa"])
def test_a_replay_with_bank_details_writes_none_of_them(
    browser_name: str, tmp_path: Path, mode: str
) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "pay.yaml").write_text(REPLAYED.format(mode=mode))
    out = tmp_path / "out"
    values = {"ADDRESS": ADDRESS, "NAME": NAME, "PHONE": PHONE, "EMAIL": EMAIL}
    values |= {"IBAN": IBAN, "CARD": CARD}
    args = [sys.executable, "-m", "preflight", "replay", str(tmp_path / "scenarios")]
    args += ["--browser", browser_name, "--json", "--report", str(out / "reports")]
    args += ["--artifacts", str(out / "artifacts"), "--step-timeout", "3"]
    for name, value in values.items():
        args += ["--var", f"{name}={value}"]
    done = subprocess.run(
        args,
        capture_output=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    (out / "stdout.txt").write_bytes(done.stdout)
    (out / "stderr.txt").write_bytes(done.stderr)
    stderr = done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr, stderr
    assert done.returncode == 1, (done.returncode, stderr)  # one scenario fails on purpose
    results = json.loads(done.stdout)
    assert (results["passed"], results["failed"]) == (1, 1), results
    assert any(p.suffix == ".png" for p in out.rglob("*")), "no failure screenshot to search"

    for what, value in BANK.items():
        assert files_holding(out, value) == [], f"the {what} was written down"
    for what, value in PERSONAL.items():
        outside = [p for p in files_holding(out, value) if "/support/" not in f"/{p}"]
        assert outside == [], f"the customer's {what} is outside a support bundle"


def test_a_traced_pytest_replay_keeps_no_bank_detail_in_its_trace(
    browser_name: str, tmp_path: Path
) -> None:
    # QA runs scenarios under pytest with Playwright's tracing on: the trace (a zip of JSON
    # actions, network and screencast frames) is one of the files a run produces.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "pay.yaml").write_text(REPLAYED.format(mode="mpa").split("---")[0])
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    out = tmp_path / "test-results"
    values = {"ADDRESS": ADDRESS, "NAME": NAME, "PHONE": PHONE, "EMAIL": EMAIL}
    values |= {"IBAN": IBAN, "CARD": CARD}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "scenarios"]
    args += ["--browser", browser_name, "--tracing", "on", "--output", str(out)]
    for name, value in values.items():
        args += ["--preflight-var", f"{name}={value}"]
    done = subprocess.run(
        args, capture_output=True, timeout=300, cwd=tmp_path, stdin=subprocess.DEVNULL, check=False
    )
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-3000:]
    traces = list(out.rglob("*.zip"))
    assert traces, "no trace was written"
    unpacked = tmp_path / "unpacked"
    for n, trace in enumerate(traces):
        with zipfile.ZipFile(trace) as archive:
            archive.extractall(unpacked / str(n))
    leaks = {what: files_holding(unpacked, value) for what, value in BANK.items()}
    # Playwright's trace keeps every typed value (fill actions, DOM snapshots, the payment
    # POST body): the plugin scrubs what the replay typed into bank-detail fields.
    assert not any(leaks.values()), f"bank details in the Playwright trace: {leaks}"
