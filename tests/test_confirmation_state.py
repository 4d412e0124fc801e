"""A confirmation that is a state of the page (issue #27, item 4), believed only on evidence the
page cannot script (issue #25): a person's click on the rules' submit control, then the rules'
selector or text found by Playwright itself. The demo shop's single-page app with
`confirmation=state` shows the saved order in place, its address unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, Page

from preflight.demo_shop import DemoShop
from preflight.errors import RulesError
from preflight.matrix._observe import Observer
from preflight.rules import load_rules
from preflight.watch import Event, Watcher
from preflight.watch._judge import Judge
from preflight.watch._messages import FRAME_TYPES, Submit, parse_message
from preflight.watch._pages import _PageState
from preflight.watch._probe import ProbeMessages

RULES = """\
[order]
entry = ["http://acn.test/go/*"]
merchant = ["http://shop.test/*"]

[order.confirmation_state]
{state}

[merchant_session]
domains = ["shop.test"]
account_url = "http://shop.test/account/"

[customer_service]
texts = ["Service client"]
selectors = ["#chat"]
"""


def _load(tmp_path: Path, state: str) -> Any:
    path = tmp_path / "shop.toml"
    path.write_text(RULES.format(state=state), encoding="utf-8")
    return load_rules(path)


# --- rules: one clear message per bad value ------------------------------------------------


@pytest.mark.parametrize(
    ("state", "where", "said"),
    [
        ('selector = "#ok"', "order.confirmation_state)",
         "a state confirmation needs submit or submit_text: the control whose click places"),
        ('submit = ["#place"]', "order.confirmation_state)",
         "a state confirmation needs selector or text: what appears once the order is placed"),
        ('submit = ["text=Valider"]\nselector = "#ok"', "order.confirmation_state.submit)",
         "'text=Valider' is not a CSS selector: the page matches the clicked control with CSS"),
        ('submit = ["button >> nth=1"]\nselector = "#ok"', "order.confirmation_state.submit)",
         "is not a CSS selector"),
        ('submit_text = ["' + "x" * 81 + '"]\nselector = "#ok"',
         "order.confirmation_state.submit_text)", "a control's text must be 1 to 80 characters"),
        ('submit = ["#a"]\ntext = ["(commande"]', "order.confirmation_state.text)",
         "'(commande' is not a regular expression"),
        ('submit = ["#a"]\ntext = ["(?P<n>ok)"]', "order.confirmation_state.text)",
         "a pattern uses syntax only Python reads"),
        ('submit = ["#a"]\ntext = ["ok"]\nwithin = 0', "order.confirmation_state.within)",
         "expected at least 0.5"),
        ('submit = ["#a"]\ntext = ["ok"]\nwithin = 600', "order.confirmation_state.within)",
         "expected at most 60"),
        ('submit = ["#a"]\ntext = ["ok"]\nwithn = 3', "order.confirmation_state.withn)",
         "unknown key 'withn' in table order.confirmation_state (did you mean 'within'?)"),
    ],
    ids=["no-submit", "no-state", "playwright-selector", "chain", "long-text", "bad-regex",
         "python-regex", "within-low", "within-high", "typo"],
)  # fmt: skip
def test_a_bad_state_confirmation_is_refused_with_one_clear_line(
    tmp_path: Path, state: str, where: str, said: str
) -> None:
    with pytest.raises(RulesError) as caught:
        _load(tmp_path, state)
    message = str(caught.value)
    assert where in message and said in message, message
    assert "\n" not in message and "Value error" not in message, message
    assert message.startswith(f"{tmp_path / 'shop.toml'}:"), message


def test_a_state_confirmation_whose_submit_is_customer_service_is_a_trap(tmp_path: Path) -> None:
    trapped = _load(tmp_path, 'submit_text = ["Service client"]\ntext = ["commande enregistr"]')
    assert trapped.traps() == [
        "order.confirmation_state: its submit control ('Service client') is also customer "
        "service (customer_service.selectors or texts): its click is judged as customer service "
        "and the order can never be seen confirmed"
    ]
    # One control of its own is enough to place the order.
    fine = _load(tmp_path, 'submit = ["#place", "#chat"]\ntext = ["commande enregistr"]')
    assert fine.traps() == []
    state = fine.order.confirmation_state
    assert state is not None and state.within == 10 and state.selector is None


# --- the watcher's side, on recorded messages ------------------------------------------------


def _probe(rules: Any) -> tuple[ProbeMessages, list[tuple[str, dict[str, Any]]]]:
    said: list[tuple[str, dict[str, Any]]] = []

    def emit(kind: str, state: _PageState, url: str, **fields: Any) -> Event:
        said.append((kind, fields))
        return Event(seq=len(said), kind=cast("Any", kind), url=url)

    return ProbeMessages(rules, False, emit, lambda *args: None), said


def test_a_submit_click_arms_the_state_check_unless_the_state_already_showed() -> None:
    probe, said = _probe(load_rules("demo"))
    # No page is read here: arming and its bound are the watcher's own bookkeeping.
    page = _PageState(index=1, page=cast("Page", None))
    url = "http://localhost:1/app/recapitulatif?t=x"
    raw = {"doc": "d1", "n": 1, "url": url, "type": "submit", "shown_before": True}
    before = parse_message(raw, via="binding")
    assert isinstance(before, Submit)
    probe.handle(page, before, via="binding")
    assert page.submitted_at is None  # what showed before the click confirms nothing
    probe.handle(page, Submit(doc="d1", n=2, url=url, type="submit"), via="binding")
    assert page.submitted_at is not None
    page.submitted_at -= 11  # past the demo rules' 10 s: given up, the page never read
    probe.confirm_state(page, url)
    assert page.submitted_at is None and said == []
    # A frame never says the order's submit: only the top document's probe does.
    assert "submit" not in FRAME_TYPES


def test_without_a_state_confirmation_in_the_rules_a_submit_message_arms_nothing() -> None:
    probe, _ = _probe(load_rules("default"))
    page = _PageState(index=1, page=cast("Page", None))
    probe.handle(page, Submit(doc="d", n=1, url="https://www.sfr.fr/x", type="submit"), via="q")
    assert page.submitted_at is None


# --- the verdict and the matrix after a state confirmation, on recorded events --------------

SAVED_AT = "http://localhost:1/app/recapitulatif?t=abc"


def _events() -> list[Event]:
    at = "http://localhost:1/app/offre/fibre?acn=x"
    return [
        Event(seq=1, kind="acn_entry", url="http://127.0.0.1:1/acn/go/fibre"),
        Event(seq=2, kind="navigation", nav="navigate", url=at),
        Event(seq=3, kind="navigation", nav="spa_push", url=SAVED_AT),
        Event(seq=4, kind="order_later", url=SAVED_AT),
        Event(
            seq=5,
            kind="confirmation",
            url=SAVED_AT,
            sources=["probe:trusted_click", "playwright:dom"],
            detail={"number": "SFR-000042", "order_type": "Fibre", "how": "state"},
        ),
        # After it, at the same address: the order is placed, nothing ends the session.
        Event(seq=6, kind="navigation", nav="reload", url=SAVED_AT),
        Event(seq=7, kind="customer_service", url=SAVED_AT, detail={"how": "selector"}),
    ]


def test_after_a_state_confirmation_a_reload_or_customer_service_ends_nothing() -> None:
    judge = Judge(load_rules("demo"))
    for event in _events():
        judge.judge(event, on_merchant=event.kind != "acn_entry")
    outcome = judge.outcome()
    assert outcome.verdict == "attributed" and outcome.violations == [], outcome
    assert outcome.confirmed and outcome.completed
    assert outcome.order is not None and outcome.order.number == "SFR-000042"


def test_after_a_state_confirmation_the_matrix_cells_do_not_apply() -> None:
    rules = load_rules("demo")
    observer = Observer(rules)
    for event in _events()[:4]:
        observer.on_event(event)
    assert observer._why_not(SAVED_AT) == ""  # the summary, before the order is placed
    for event in _events()[4:]:
        observer.on_event(event)
    # Not a confirmation address: the confirmation event says the order is placed.
    assert observer._why_not(SAVED_AT) == "the order is placed"


# --- in a browser: the demo shop's in-place confirmation, and a page that forges it ---------

# The page's own script: a copy of the submit control (same id) clicked from script, twice, then
# the saved message drawn with a number, as if that click had placed the order.
FORGE = """() => {
  const add = (tag, attrs, text) => {
    const el = document.createElement(tag);
    Object.assign(el, attrs);
    el.className = 'forged';
    el.textContent = text;
    document.body.prepend(el);
    return el;
  };
  const button = add('button', {id: 'commander-plus-tard', type: 'button'}, 'Copie');
  button.click();
  button.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  add('dd', {}, 'SFR-424242').dataset.testid = 'order-number';
  add('p', {}, 'Commande enregistrée').dataset.testid = 'order-saved';
}"""


def test_a_state_confirmation_counts_after_a_persons_click_and_never_on_the_pages_word(
    browser: Browser,
    shop: DemoShop,
    demo_customer: Callable[..., dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    context = browser.new_context()
    events: list[Event] = []
    watcher = Watcher(shop.rules(), on_event=events.append)
    watcher.attach(context)
    try:
        page = context.new_page()
        page.goto(shop.link(offer="fibre", mode="spa", confirmation="state"))
        demo_customer(page, summary=True)
        summary = page.url

        # The page draws the saved message and clicks a copy of the control from script.
        page.evaluate(FORGE)
        watcher.settle()
        assert not watcher.confirmed, events
        # A person's click on that copy while the message already shows: not what placed it.
        page.locator("button.forged").click()
        watcher.settle()
        assert not watcher.confirmed, events
        assert any("already showed when its submit" in r.getMessage() for r in caplog.records)

        page.evaluate("() => document.querySelectorAll('.forged').forEach((e) => e.remove())")
        page.click("#commander-plus-tard")  # the person's click on the real control
        page.locator("[data-testid=order-saved]").wait_for()
        watcher.settle()
        assert watcher.confirmed, events
        assert page.url == summary

        page.reload()  # after the order is placed: an event, no violation
        page.locator("#commander-plus-tard").wait_for()
        watcher.settle()
        outcome = watcher.outcome()
    finally:
        context.close()

    order = shop.wait_for_orders(lambda o: bool(o) and o[-1]["status"] != "in_progress")[-1]
    assert order["confirmation"] == "state" and order["status"] == "saved_for_later"
    assert order["attributed"] is True  # the shop agrees: the Refresh came after the order
    # The Refresh fetched the summary's data again: a replay the shop records after the order.
    replays = [e for e in order["events"] if e["kind"] in ("reload", "back", "forward")]
    assert [e.get("after_order") for e in replays] == [True], order["events"]
    confirmations = [e for e in events if e.kind == "confirmation"]
    assert len(confirmations) == 1, confirmations
    assert confirmations[0].sources == ["probe:trusted_click", "playwright:dom"]
    assert confirmations[0].detail["how"] == "state"
    assert outcome.order is not None and outcome.order.number == order["number"]
    assert outcome.verdict == "attributed" and outcome.completed and outcome.confirmed, outcome
    assert [e.nav for e in events if e.kind == "navigation"][-1] == "reload"
    assert "SFR-424242" not in repr([e.model_dump() for e in events])
