"""The matrix's results as its reader gets them (issue #27, item 9), on recorded cell results and
real files, no browser: a cell replayed without a conclusion (the shop's HTTP 500, a timeout, the
shop's record unreadable) is « ⚠ rejoué sans conclusion », apart from a wrong verdict, in the
table, the page, the JSON and the exit code; `--rerun failed` reads a run back and replays only
its cells that are not right; rows are named by their step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inprocess import preflight

from preflight.errors import UsageError
from preflight.matrix import Cell, CellResult, CsElement, Replayed, Truth, step_title
from preflight.matrix._output import (
    blocks,
    document,
    read_json,
    summary,
    write_html,
    write_json,
)
from preflight.matrix._pytest import matrix_test, undecided
from preflight.matrix._run import Matrix, _again, _merged, judged, to_result
from preflight.scenario import load_paths
from preflight.scenario._results import Failure, ScenarioResult

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
FLOWS = load_paths([LIBRARY / "clean-order-later.yaml"])
MPA = FLOWS[0]
HTTP_500 = (
    'Page.click: Timeout 10000ms exceeded. waiting for locator("#continuer"); the page '
    "answered HTTP 500 (URL http://localhost:8765/sfr/eligibilite)"
)
ELEMENT = CsElement(selector="#appel-1023", how="tel", label="1023")


def _cell(step: int = 0, action: str = "clean", browser: str = "chromium", **more: object) -> Cell:
    title = step_title(MPA, step) if step else ""
    return Cell.model_validate(
        {"scenario": MPA.name, "browser": browser, "step": step, "step_title": title,
         "action": action, **more}
    )  # fmt: skip


def _replayed(cell: Cell, *, verdict: str | None, failure: Failure | None = None) -> Replayed:
    return Replayed(
        ScenarioResult(
            scenario=f"{MPA.name}.{cell.key}",
            file=MPA.file,
            browser=cell.browser,
            verdict=verdict,
            expected=cell.expected_verdict,
            passed=failure is None and verdict == cell.expected_verdict,
            violations=[],
            reason="the page was reloaded during the order" if verdict else "",
            duration_s=2.5,
            failure=failure,
        ),
        order_id="order-1",
    )


def _matrix(results: list[CellResult]) -> Matrix:
    return Matrix([MPA], ["chromium"], ["reload", "customer-service"], results, {})


def _recorded() -> list[CellResult]:
    """A run as it could come out: the clean run right, a reload right, a reload replayed
    while the shop answered HTTP 500, and a customer-service click the shop says was missed."""
    clean = _cell()
    reload = _cell(4, "reload")
    broken = _cell(6, "reload")
    missed = _cell(8, "customer-service", element=ELEMENT, index=1)
    lost = Truth(attributed=False, ended_by="reload")
    return [
        to_result(clean, _replayed(clean, verdict="attributed"), Truth(attributed=True)),
        to_result(reload, _replayed(reload, verdict="lost"), lost),
        to_result(
            broken,
            _replayed(
                broken, verdict="at_risk", failure=Failure(message=HTTP_500, step=7, action="click")
            ),
            None,
        ),
        CellResult(cell=missed, status="miss", verdict="attributed", reason="no violation",
                   truth=Truth(attributed=False, ended_by="customer_service")),
        CellResult(cell=_cell(1, "reload", applies=False, why_not="before the ACN entry"),
                   status="n/a"),
    ]  # fmt: skip


def test_a_replay_that_failed_on_the_shop_is_inconclusive_apart_from_a_wrong_verdict(
    tmp_path: Path,
) -> None:
    results = _recorded()
    assert [r.status for r in results] == ["right", "right", "inconclusive", "miss", "n/a"]
    matrix = _matrix(results)
    lines = summary(matrix)
    assert lines[0] == "4 cells, 2 right; 1 replayed without a conclusion; 1 do not apply"
    assert lines[1].startswith("✗ clean-order-later-mpa step-8-customer-service-1 (chromium)")
    unsure = lines[2]
    assert unsure.startswith("⚠ clean-order-later-mpa step-6-reload (chromium): ")
    assert "replayed without a conclusion, failing step 7" in unsure and "HTTP 500" in unsure
    assert "\n" not in unsure
    # A wrong verdict is what fails the run (1); without one, a run that could not conclude is
    # said apart (3), so that CI tells a broken shop from a wrong watcher.
    assert matrix.exit_code == 1
    assert _matrix([r for r in results if r.status != "miss"]).exit_code == 3
    assert _matrix([r for r in results if r.status in ("right", "n/a")]).exit_code == 0
    doc = document(matrix)
    assert (doc["right"], doc["wrong"], doc["inconclusive"]) == (2, 1, 1)
    cell = next(c for c in doc["cells"] if c["status"] == "inconclusive")
    assert cell["failure"] == HTTP_500 and cell["failing_step"] == 7
    # The table's mark, in the page too, in each language, with the reason on the mark.
    row = next(r for r in blocks(matrix)[0].rows if r.step == 6)
    assert row.title == "6 click tester" and row.cells["reload"]["chromium"][0].status == (
        "inconclusive"
    )
    french = write_html(matrix, tmp_path / "fr", lang="fr").read_text(encoding="utf-8")
    assert "rejoué sans conclusion" in french and '<html lang="fr">' in french
    assert 'class="inconclusive" title="clean-order-later-mpa step-6-reload (chromium): ' in french
    assert "HTTP 500" in french and "Matrice des parcours" in french
    english = write_html(matrix, tmp_path / "en", lang="en").read_text(encoding="utf-8")
    assert "⚠</span> replayed without a conclusion" in english


def test_under_pytest_a_cell_without_a_conclusion_is_an_error_a_wrong_verdict_a_failure() -> None:
    right, _, unsure, miss, na = _recorded()
    # The setup (the replay) raises the error: only when no verdict is wrong.
    assert undecided([right]) is None and undecided([miss, unsure]) is None
    error = undecided([right, unsure])
    assert error is not None and error.startswith("⚠ ") and "HTTP 500" in error
    judge = matrix_test(MPA, "flows")
    judge([right, unsure])  # the error was the setup's: the call has nothing more to say
    with pytest.raises(pytest.fail.Exception) as failed:
        judge([unsure, miss])
    said = str(failed.value).splitlines()
    assert said[0].startswith("✗ ") and said[1].startswith("⚠ ") and len(said) == 2
    with pytest.raises(pytest.skip.Exception, match="does not apply: before the ACN entry"):
        judge([na])


def test_a_shop_record_that_cannot_be_read_leaves_the_cell_inconclusive() -> None:
    cell = _cell(4, "reload")

    def unreachable(order_id: str | None, cell: Cell, verdict: str | None) -> Truth | None:
        raise ConnectionRefusedError(111, "Connection refused")

    result = judged(cell, _replayed(cell, verdict="lost"), unreachable)
    assert result.status == "inconclusive" and result.verdict == "lost"
    assert result.failure is not None and "could not be read" in result.failure
    assert "Connection refused" in result.failure
    # A cell that does not apply asks the shop nothing.
    na = Replayed(_replayed(cell, verdict=None).result, why_not="before the ACN entry")
    assert judged(cell, na, unreachable).status == "n/a"


def test_rerun_failed_reads_the_run_back_and_replays_only_the_cells_not_right(
    tmp_path: Path,
) -> None:
    results = _recorded()
    firefox = [r.model_copy(update={"cell": r.cell.model_copy(update={"browser": "firefox"})})
               for r in results]  # fmt: skip
    broken_clean = firefox[0].model_copy(update={"status": "inconclusive", "failure": HTTP_500})
    firefox[0] = broken_clean
    run = Matrix([MPA], ["chromium", "firefox"], ["reload", "customer-service"],
                 results + firefox, {}, seed=7, sample=3)  # fmt: skip
    path = write_json(run, tmp_path)
    assert path == tmp_path / "matrix.json"
    back = read_json(tmp_path, FLOWS)
    assert [r.public() for r in back.results] == [r.public() for r in run.results]
    assert (back.browsers, back.actions, back.seed, back.sample) == (
        ["chromium", "firefox"],
        ["reload", "customer-service"],
        7,
        3,
    )
    # Chromium: its two cells not right, alone (the element clicked as before); Firefox: its
    # clean run failed, so its scenario runs again whole (its cells come from that run).
    whole, lone = _again(back)
    assert [c.id for c in whole] == ["clean-firefox"]
    assert [c.id for c in lone] == ["step-6-reload-chromium", "step-8-customer-service-1-chromium"]
    assert lone[1].element == ELEMENT
    fresh = [r.model_copy(update={"status": "right"}) for r in results[2:4]]
    fresh_firefox = [firefox[0].model_copy(update={"status": "right"})]
    merged = _merged(back.results, fresh + fresh_firefox, {(MPA.name, "firefox")})
    assert [(r.cell.id, r.status) for r in merged] == [
        ("clean-chromium", "right"),
        ("step-4-reload-chromium", "right"),
        ("step-6-reload-chromium", "right"),
        ("step-8-customer-service-1-chromium", "right"),
        ("step-1-reload-chromium", "n/a"),
        ("clean-firefox", "right"),
    ]


def test_rerun_failed_says_in_one_line_what_is_wrong_with_the_run_it_reads(
    tmp_path: Path,
) -> None:
    with pytest.raises(UsageError, match="no previous run to re-run"):
        read_json(tmp_path, FLOWS)
    (tmp_path / "matrix.json").write_text('{"cells": [{"id": "clean"}]}', encoding="utf-8")
    with pytest.raises(UsageError, match="not a matrix run") as bad:
        read_json(tmp_path, FLOWS)
    assert "\n" not in str(bad.value)
    write_json(_matrix(_recorded()), tmp_path)
    with pytest.raises(UsageError, match="'clean-order-later-mpa' is not among"):
        read_json(tmp_path, FLOWS[1:])
    # Through the command: exit 2, one line, before any browser.
    flow = str(LIBRARY / "clean-order-later.yaml")
    done = preflight("matrix", flow, "--rerun", "failed", cwd=tmp_path)
    assert done.returncode == 2 and "--report DIR" in done.stderr, done.stderr
    done = preflight("matrix", flow, "--rerun", "all", "--report", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "expected failed" in done.stderr, done.stderr
    done = preflight("matrix", flow, "--lang", "xx", cwd=tmp_path)
    assert done.returncode == 2 and "'xx'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_run_with_nothing_to_rerun_keeps_its_cells_and_rewrites_its_json(
    tmp_path: Path,
) -> None:
    right = [r for r in _recorded() if r.status in ("right", "n/a")]
    write_json(_matrix(right), tmp_path)
    done = preflight(
        "matrix", str(LIBRARY / "clean-order-later.yaml"), "--rerun", "failed",
        "--report", str(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 cells, 2 right; 1 do not apply" in done.stdout
    assert "4 click tester eligibilite" in done.stdout  # rows named by their step
    again = json.loads((tmp_path / "matrix.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in again["cells"]] == ["right", "right", "n/a"]


def test_rows_are_named_by_their_step_never_by_a_number_and_an_action() -> None:
    names = [step_title(MPA, k) for k in range(1, len(MPA.steps) + 1)]
    assert names[:8] == [
        "goto /acn/boutique",
        "click Commander la Fibre",
        "expect_url */sfr/offre/*",
        "click tester eligibilite",
        "fill adresse",
        "click tester",
        "expect_text Éligible à la Fibre",
        "click continuer",
    ]
    for scenario in load_paths([LIBRARY]):
        typed = [getattr(s, "value", None) for s in scenario.steps]
        for k, step in enumerate(scenario.steps, start=1):
            name = step_title(scenario, k)
            assert len(name) <= 48 and "\n" not in name, name
            if step.action not in ("back", "forward", "reload", "screenshot"):  # no target
                assert name != step.action, (scenario.name, k)
            assert not any(v and len(v) > 3 and v in name for v in typed), (scenario.name, name)
    named = MPA.model_copy(
        update={"steps": [MPA.steps[0].model_copy(update={"name": "ouvrir la boutique"})]}
    )
    assert step_title(named, 1) == "ouvrir la boutique"
