"""`--preflight-matrix` (issue 16): a clean scenario becomes its matrix items under pytest,
with ids like `clean-order-later-mpa[step-4-reload-firefox]`, under xdist and JUnit — the
sample drawn once, by the controller, the same on every worker."""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"


SHOP_DOWN = """\
- name: shop-down
  steps:
    - goto: http://127.0.0.1:{port}/acn/boutique
  expect: {{verdict: attributed}}
"""


def _flow(name: str) -> str:
    text = (LIBRARY / "clean-order-later.yaml").read_text(encoding="utf-8")
    block = next(b for b in text.split("\n- name: ")[1:] if b.startswith(name + "\n"))
    return "- name: " + block.rstrip() + "\n"


# The plugin's plumbing (ids, the sample drawn once by the controller, xdist, JUnit, errors apart
# from failures) does not depend on the engine; the cells' replays on Firefox are what `make
# test`'s own matrix sample runs, through this same plugin under xdist (#22: 33 s saved).
@pytest.mark.only_browser("chromium")
@pytest.mark.timeout(900)  # many replays, on a machine that may be shared
def test_a_clean_scenario_becomes_its_matrix_items_under_xdist_with_junit(
    pytester: pytest.Pytester, browser_name: str
) -> None:
    pytester.mkdir("scenarios")
    flow = pytester.path / "scenarios" / "flow.yaml"
    flow.write_text(_flow("clean-order-later-mpa"), encoding="utf-8")
    # A shop that does not answer: its items were replayed without a conclusion, pytest's
    # errors, never failures (those are wrong verdicts) — CI tells them apart (#27).
    down = pytester.path / "scenarios" / "down.yaml"
    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down.write_text(SHOP_DOWN.format(port=port), encoding="utf-8")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "--preflight-matrix", "2", "--browser", browser_name, "-n", "2", "-v",
        f"--junitxml={junit}", "-p", "no:cacheprovider", "-p", "no:randomly",
        timeout=850,
    )  # fmt: skip
    out = result.stdout.str()
    seed = re.search(r"preflight matrix: 2 cells drawn .* seed (\d+)", out)
    assert seed, out
    ids = re.findall(r"flow\.yaml::clean-order-later-mpa\[([\w-]+)\]", out)
    assert f"clean-{browser_name}" in ids
    cells = {i for i in ids if i.startswith("step-")}
    assert len(cells) == 2, out
    for cell in cells:
        assert re.fullmatch(
            rf"step-\d+-(reload|back|back-forward|customer-service)-{browser_name}", cell
        )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 3, out
    assert outcomes.get("passed", 0) >= 1  # the clean item at least
    everything = list(ET.parse(junit).getroot().iter("testcase"))
    cases = [c for c in everything if "shop-down" not in (c.get("name") or "")]
    assert len(cases) == 3 and len(everything) == 6
    for case in everything:
        if case not in cases:
            error = case.find("error")
            assert error is not None and case.find("failure") is None, ET.tostring(case)
            assert "replayed without a conclusion, failing step 1" in (error.text or ""), error.text
    # A cell that does not apply is skipped with its reason, never counted as passed.
    for case in cases:
        if case.find("skipped") is not None:
            assert "does not apply" in (case.find("skipped").get("message") or "")  # type: ignore[union-attr]
