"""The flow matrix's derivation (issue 16): cells from a clean scenario and its boundaries, the
scenario each cell replays, and the pytest option — no browser needed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from preflight.demo_shop import DemoShop
from preflight.errors import UsageError
from preflight.matrix import (
    Boundary,
    Cell,
    CellResult,
    CsElement,
    DemoShopTruth,
    Truth,
    agrees,
    cell_scenario,
    derive,
    is_clean,
    parse_actions,
    written_out,
)
from preflight.matrix._derive import BACK_LEAVES, WITHIN_PAGE, back_leaves, back_within_page
from preflight.matrix._pytest import cell_keys, parse_option
from preflight.matrix._run import goes_on
from preflight.scenario import load_paths
from preflight.scenario._model import Back, Click, Forward, Reload, WaitFor

LIBRARY = Path(__file__).resolve().parent.parent / "scenarios"
CLEAN = next(s for s in load_paths([LIBRARY / "clean-order-later.yaml"]))
CHAT = CsElement(selector="#chat", how="selector", label="Chat")
WIDGET = CsElement(selector="#widget-chat", frame="#assistance", how="text", label="Chat")


def _boundaries() -> list[Boundary]:
    return [
        Boundary(
            step=1, title="1 goto", url="http://a/acn/boutique", why_not="before the ACN entry"
        ),
        Boundary(step=2, title="2 click", url="http://s/offre", applies=True, elements=[CHAT]),
        Boundary(step=3, title="3 expect_url", url="http://s/offre", applies=True),
        Boundary(
            step=4, title="4 click", url="http://s/elig", applies=True, elements=[CHAT, WIDGET]
        ),
        Boundary(step=5, title="5 click", url="http://s/conf", why_not="the order is placed"),
    ]


def test_the_clean_scenario_comes_first_and_expects_attributed() -> None:
    cells = derive(CLEAN, "chromium", _boundaries())
    assert cells[0] == Cell(scenario=CLEAN.name, browser="chromium")
    assert cells[0].key == "clean" and cells[0].expected_verdict == "attributed"
    assert cell_scenario(CLEAN, cells[0]) is CLEAN


def test_one_cell_per_boundary_and_action_one_per_customer_service_element() -> None:
    cells = derive(CLEAN, "firefox", _boundaries())
    keys = [c.key for c in cells]
    assert keys == [
        "clean",
        *[f"step-1-{a}" for a in ("reload", "back", "back-forward", "customer-service")],
        "step-2-reload", "step-2-back", "step-2-back-forward", "step-2-customer-service-1",
        "step-3-reload", "step-3-back", "step-3-back-forward", "step-3-customer-service",
        "step-4-reload", "step-4-back", "step-4-back-forward",
        "step-4-customer-service-1", "step-4-customer-service-2",
        *[f"step-5-{a}" for a in ("reload", "back", "back-forward", "customer-service")],
    ]  # fmt: skip
    by_key = {c.key: c for c in cells}
    assert by_key["step-4-customer-service-2"].element == WIDGET
    assert by_key["step-4-back-forward"].expected_violations == ["back", "forward"]
    assert by_key["step-2-customer-service-1"].expected_violations == ["customer_service"]
    assert all(c.id.endswith("-firefox") for c in cells)


def test_cells_that_do_not_apply_say_why_and_are_never_runnable() -> None:
    by_key = {c.key: c for c in derive(CLEAN, "chromium", _boundaries())}
    assert not by_key["step-1-reload"].applies
    assert by_key["step-1-reload"].why_not == "before the ACN entry"
    assert by_key["step-5-customer-service"].why_not == "the order is placed"
    assert by_key["step-3-customer-service"].why_not == "no customer-service element on this page"
    # Back from the first merchant page leads to the seller's shop, before the ACN entry.
    assert by_key["step-2-back"].why_not == BACK_LEAVES
    assert by_key["step-3-back-forward"].why_not == BACK_LEAVES
    assert by_key["step-4-back"].applies and by_key["step-2-reload"].applies


def test_back_leaves_only_when_the_previous_page_is_outside_the_session() -> None:
    seen = _boundaries()
    assert back_leaves(seen[:2]) and back_leaves(seen[:3])
    assert not back_leaves(seen[:4])
    assert back_leaves([])


def test_back_after_an_in_page_anchor_only_does_not_apply() -> None:
    offre = Boundary(step=2, title="2 click", url="http://s/offre?t=1", applies=True)
    anchor = Boundary(step=3, title="3 click", url="http://s/offre?t=1#conditions", applies=True)
    popup = Boundary(step=4, title="4 click", url="http://s/offre?t=1#conditions", applies=True)
    route = Boundary(step=3, title="3 click", url="http://s/app#/eligibilite", applies=True)
    assert back_within_page([offre, anchor]) and back_within_page([offre, anchor, popup])
    assert not back_within_page([offre]) and not back_within_page([])
    assert not back_within_page([Boundary(step=1, title="1", url="http://s/app#/offre"), route])
    entry = Boundary(step=1, title="1 goto", url="http://a/acn", why_not="before the ACN entry")
    by_key = {c.key: c for c in derive(CLEAN, "chromium", [entry, offre, anchor])}
    assert (by_key["step-3-back"].applies, by_key["step-3-back"].why_not) == (False, WITHIN_PAGE)
    assert not by_key["step-3-back-forward"].applies
    assert by_key["step-3-reload"].applies  # a Refresh there still reloads the page


def test_a_cell_replays_the_flow_cut_after_its_action() -> None:
    cells = {c.key: c for c in derive(CLEAN, "chromium", _boundaries())}
    reload = cell_scenario(CLEAN, cells["step-4-reload"])
    assert reload.steps[:4] == CLEAN.steps[:4] and len(reload.steps) == 5
    assert isinstance(reload.steps[4], Reload)
    assert reload.expect.verdict == "lost" and reload.expect.violations == ["reload"]
    assert reload.name == f"{CLEAN.name}.step-4-reload"
    both = cell_scenario(CLEAN, cells["step-4-back-forward"])
    assert [type(s) for s in both.steps[4:]] == [Back, Forward]
    # With the back/forward cache on, Back then Forward is followed by the rest of the flow,
    # run only when the page came back restored (issue #27); a Back alone still stops.
    on = cell_scenario(CLEAN, cells["step-4-back-forward"], go_on=True)
    assert on.steps == [*CLEAN.steps[:4], *both.steps[4:], *CLEAN.steps[4:]]
    assert on.expect == both.expect
    assert len(cell_scenario(CLEAN, cells["step-4-back"], go_on=True).steps) == 5
    widget = cell_scenario(CLEAN, cells["step-4-customer-service-2"]).steps[4]
    assert isinstance(widget, Click) and widget.selector == "#widget-chat"
    assert widget.frame == "#assistance"
    # Under pytest the element is found at run time: the step only waits for the page.
    later = Cell(scenario=CLEAN.name, browser="chromium", step=4, action="customer-service")
    assert isinstance(cell_scenario(CLEAN, later).steps[4], WaitFor)


def test_a_back_forward_cell_goes_on_only_when_the_forward_restored_the_same_document() -> None:
    # Document start times before the Back, after it, after the Forward.
    assert goes_on([100.0, 250.0, 100.0])  # the page left, then restored from the cache
    assert not goes_on([100.0, 100.0, 100.0])  # a single-page app: one document throughout
    assert not goes_on([100.0, 250.0, 400.0])  # the page loaded again
    assert not goes_on([100.0, None, 100.0]) and not goes_on([None, 250.0, None])
    assert not goes_on([100.0, 250.0])


def test_written_out_keeps_the_rest_of_the_flow() -> None:
    cell = next(c for c in derive(CLEAN, "chromium", _boundaries()) if c.key == "step-4-reload")
    full = written_out(CLEAN, cell)
    assert len(full.steps) == len(CLEAN.steps) + 1
    assert full.steps[5:] == CLEAN.steps[4:]


def test_only_scenarios_expecting_attributed_are_clean() -> None:
    scenarios = load_paths([LIBRARY])
    clean = [s.name for s in scenarios if is_clean(s)]
    assert len(clean) == 15 and "clean-order-later-react" in clean
    assert "refresh-on-summary-mpa" not in clean


def test_actions_are_parsed_in_column_order_and_bad_ones_refused() -> None:
    assert parse_actions("customer-service, reload") == ["reload", "customer-service"]
    for bad in ("refresh", "", ","):
        with pytest.raises(UsageError, match="--actions"):
            parse_actions(bad)


def test_the_watcher_agrees_with_the_truth_when_lost_means_not_attributed() -> None:
    assert agrees("lost", Truth(attributed=False))
    assert agrees("attributed", Truth(attributed=True))
    assert not agrees("lost", Truth(attributed=True))
    assert not agrees("at_risk", Truth(attributed=False))


def test_pytest_keys_and_option() -> None:
    keys = cell_keys(CLEAN)
    assert keys[0] == "clean" and keys[1] == "step-1-reload"
    assert len(keys) == 1 + 4 * len(CLEAN.steps)
    assert parse_option("all") == (None, None)
    assert parse_option("5") == (5, None) and parse_option("5@42") == (5, 42)
    for bad in ("0", "x", "5@", "-1"):
        with pytest.raises(pytest.UsageError):
            parse_option(bad)


def test_the_html_page_and_summary_print_hostile_names_as_text(tmp_path: Path) -> None:
    from preflight.matrix._output import summary, write_html
    from preflight.matrix._run import Matrix

    hostile = CsElement(selector="#x", label="<script>alert(1)</script>[/x]")
    cells = [
        CellResult(cell=Cell(scenario=CLEAN.name, browser="chromium"), status="right",
                   verdict="attributed", truth=Truth(attributed=True), report=str(tmp_path / "r")),
        CellResult(cell=Cell(scenario=CLEAN.name, browser="chromium", step=1, step_title="<b>",
                             action="reload", applies=False, why_not="before the ACN entry"),
                   status="n/a"),
        CellResult(cell=Cell(scenario=CLEAN.name, browser="chromium", step=2, step_title="2 c",
                             action="customer-service", index=1, element=hostile),
                   status="miss", verdict="attributed", truth=Truth(attributed=False)),
    ]  # fmt: skip
    matrix = Matrix([CLEAN], ["chromium"], ["reload", "customer-service"], cells, {})
    page = write_html(matrix, tmp_path / "site").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "default-src 'none'" in page
    assert 'href="../r/report.html"' in page
    lines = summary(matrix)
    assert lines[0] == "2 cells, 1 right; 1 do not apply"
    assert "miss (the shop lost the order)" in lines[1] and "failing step 3" in lines[1]
    assert matrix.exit_code == 1


def test_a_back_after_a_widget_moved_in_its_frame_does_not_apply() -> None:
    # The browser's Back moves the widget's own history (joint session history): the order's
    # page stays and its session does not end (CI of this stop: "nothing happened" on the page).
    widget = next(
        s
        for s in load_paths([LIBRARY / "chat-in-iframe.yaml"])
        if s.name == "widget-browses-its-help-spa"
    )
    urls = ["http://a/b", "http://s/offre", "http://s/offre", "http://s/elig"]
    urls += ["http://s/elig"] * 12 + ["http://s/coord"]
    seen = [Boundary(step=n, title=f"{n}", url=url, applies=n > 1) for n, url in enumerate(urls, 1)]
    cells = {(c.step, c.action): c for c in derive(widget, "chromium", seen, ["back"])}
    assert cells[(4, "back")].applies  # the eligibility page, before the widget moved
    assert not cells[(6, "back")].applies and "frame" in cells[(6, "back")].why_not
    assert not cells[(16, "back")].applies
    assert cells[(17, "back")].applies  # the page changed since: Back is the order's again


# -- the oracle: the shop's positive signal instead of a wait (#22) --------------------------


def _placed_and_in_progress(shop: DemoShop) -> tuple[str, str]:
    """Two attributed orders in the shop's truth: one saved for later, one still going on."""
    ids = []
    for _ in range(2):
        acn = shop.truth.open_acn_session(ei="EI-1", offer="fibre", mode="mpa")
        ids.append(shop.truth.enter(offer="fibre", mode="mpa", acn=acn, how="get").order.id)
    shop.truth.advance(ids[0], step="confirmation", view={}, status="saved_for_later")
    return ids[0], ids[1]


def test_the_oracle_reads_an_order_the_shop_took_at_once_and_waits_on_one_in_progress(
    shop: DemoShop,
) -> None:
    placed, going_on = _placed_and_in_progress(shop)
    patient = DemoShopTruth(shop, settle_s=60.0, quiet_s=60.0)
    started = time.monotonic()
    truth = patient.read(placed, verdict="attributed")
    # Without the shop's signal this read waits the whole minute (nothing can change a taken
    # order: a later end is recorded `after_order`); the bound is far from any noise.
    assert time.monotonic() - started < 20.0
    assert truth is not None and truth.attributed and truth.ended_by is None
    started = time.monotonic()
    truth = DemoShopTruth(shop, settle_s=0.5, quiet_s=60.0).read(going_on, verdict="attributed")
    assert time.monotonic() - started >= 0.5  # still in progress: what is on its way may end it
    assert truth is not None and truth.attributed
