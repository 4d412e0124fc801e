"""Guard mode in real browsers: the leave-page prompt, the customer-service confirmation, the
caught shortcuts, the banner — and no prompt at all for the order's own navigations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog
from playwright.sync_api import Error as PlaywrightError
from test_watcher import (
    Watched,
    assert_agrees_with_truth,
    last_order,
    start,
    to_confirmation_later,
    to_details,
    to_eligibility,
    to_summary,
)

from preflight.demo_shop import DemoShop


class Guarded(Watched):
    """A watched page in guard mode that records (and answers) every dialog."""

    def __init__(self, *args: object, answer: str = "dismiss", **kwargs: object) -> None:
        super().__init__(*args, guard=True, **kwargs)  # type: ignore[arg-type]
        self.dialogs: list[Dialog] = []
        self.answer = answer
        self.page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog)
        dialog.accept() if self.answer == "accept" else dialog.dismiss()

    def guard_events(self) -> list[dict[str, str]]:
        return [e.detail for e in self.kinds("guard")]


@pytest.fixture(params=[False, True], ids=["bfcache-off", "bfcache-on"])
def guard_browser(request: pytest.FixtureRequest, browser: Browser) -> Browser:
    if request.param:
        chosen: Browser = request.getfixturevalue("bfcache_browser")
        return chosen
    return browser


# A test without a Back, a Forward or a Refresh meets the back/forward cache only where it leaves
# a page: what the guard asks does not depend on it. Such tests cross their shops with the two
# cache settings instead of running each shop with both (#22); the history tests keep the grid.
def cache_off_then_on(*modes: str) -> pytest.MarkDecorator:
    """`modes` in turn with the cache off and on (the first off)."""
    pairs = [(mode, index % 2 == 1) for index, mode in enumerate(modes)]
    return pytest.mark.parametrize(
        ("mode", "guard_browser"),
        pairs,
        ids=[f"{mode}-bfcache-{'on' if on else 'off'}" for mode, on in pairs],
        indirect=["guard_browser"],
    )


@pytest.fixture
def guarded(guard_browser: Browser, shop: DemoShop) -> Iterator[Guarded]:
    context = guard_browser.new_context()
    yield Guarded(context, shop)
    context.close()


@cache_off_then_on("mpa", "mpa", "spa")
def test_a_guarded_clean_order_shows_no_prompt_and_stays_attributed(
    guarded: Guarded, mode: str
) -> None:
    g = guarded
    start(g, mode)
    to_eligibility(g)
    to_details(g)
    to_summary(g)
    to_confirmation_later(g)
    g.watcher.settle()

    assert g.dialogs == []
    assert g.guard_events() == []
    assert g.watcher.outcome().verdict == "attributed"
    assert_agrees_with_truth(g, last_order(g.shop, lambda o: o["status"] != "in_progress"))


@pytest.mark.parametrize("guard_browser", [True], ids=["bfcache-on"], indirect=True)
def test_the_banner_lives_in_a_closed_shadow_root_outside_the_page_body(guarded: Guarded) -> None:
    g = guarded
    start(g, "mpa")
    host = g.page.evaluate(
        """() => {
            const host = document.querySelector('preflight-guard');
            return host && {parent: host.parentNode === document.documentElement,
                            open: host.shadowRoot !== null,
                            inBody: document.body.innerText.includes('preflight')};
        }"""
    )
    assert host == {"parent": True, "open": False, "inBody": False}


def test_reload_after_a_click_meets_the_leave_page_prompt_and_dismiss_keeps_the_page(
    guarded: Guarded,
) -> None:
    g = guarded
    start(g, "mpa")
    to_eligibility(g)
    g.watcher.settle()
    document = g.page.evaluate("window.__preflight.doc")
    g.page.click("h1")  # browsers prompt only after a user gesture on the page
    # Dismissed, the reload never happens: Chromium's wait times out, Firefox's fails.
    with pytest.raises(PlaywrightError):
        g.page.reload(timeout=3000)
    g.watcher.settle()

    assert [d.type for d in g.dialogs] == ["beforeunload"]
    assert g.page.evaluate("window.__preflight.doc") == document
    assert {"action": "beforeunload"} in g.guard_events()
    assert g.watcher.outcome().verdict == "attributed"
    assert_agrees_with_truth(g, last_order(g.shop, lambda o: True))


def test_back_after_a_click_meets_the_leave_page_prompt(guarded: Guarded) -> None:
    g = guarded
    start(g, "mpa")
    to_eligibility(g)
    g.page.click("h1")
    with g.page.expect_event("dialog") as dialog:
        g.page.evaluate("history.back()")
    g.watcher.settle()

    assert dialog.value.type == "beforeunload"
    assert "/sfr/eligibilite" in g.page.evaluate("location.href")
    assert g.watcher.violations == []
    assert_agrees_with_truth(g, last_order(g.shop, lambda o: True))


@cache_off_then_on("mpa", "spa")
def test_customer_service_cancelled_in_the_confirmation_keeps_the_session(
    guarded: Guarded, mode: str
) -> None:
    g = guarded
    start(g, mode)
    to_eligibility(g)
    g.page.click("#service-client")
    g.page.click("#etre-rappele")
    g.watcher.settle()

    assert [d.type for d in g.dialogs] == ["confirm", "confirm"]
    assert "met fin à la session ACN" in g.dialogs[0].message
    assert "/eligibilite" in g.page.evaluate("location.href")
    assert [e["answer"] for e in g.guard_events()] == ["cancel", "cancel"]
    assert g.watcher.outcome().verdict == "attributed"
    order = last_order(g.shop, lambda o: True)
    assert order["attributed"] is True
    assert_agrees_with_truth(g, order)


@pytest.mark.parametrize("guard_browser", [True], ids=["bfcache-on"], indirect=True)
def test_customer_service_confirmed_ends_the_session(guarded: Guarded) -> None:
    g = guarded
    g.answer = "accept"
    start(g, "mpa")
    to_eligibility(g)
    g.page.click("#etre-rappele")
    order = last_order(g.shop, lambda o: o["ended_by"] is not None)
    g.watcher.settle()

    assert [d.type for d in g.dialogs] == ["confirm"]
    assert [v.kind for v in g.watcher.violations] == ["customer_service"]
    assert_agrees_with_truth(g, order)


@pytest.mark.parametrize("guard_browser", [False], indirect=True)
def test_reload_and_back_shortcuts_are_caught_outside_fields_only(guarded: Guarded) -> None:
    g = guarded
    start(g, "mpa")
    to_eligibility(g)
    # The page's own listener (bubbling, after the guard's capture) sees what the guard did.
    g.page.evaluate(
        """() => { window.__seen = [];
            addEventListener('keydown', e => __seen.push([e.key, e.defaultPrevented])); }"""
    )
    g.page.click("h1")
    for key in ("F5", "Control+r", "Alt+ArrowLeft", "Backspace"):
        g.page.keyboard.press(key)
    seen = dict(g.page.evaluate("__seen.filter(([k]) => k !== 'Control' && k !== 'Alt')"))
    g.page.click("#adresse")
    g.page.keyboard.type("12 rue")
    g.page.keyboard.press("Backspace")  # editing a field: not a shortcut
    g.watcher.settle()

    keys = [e["key"] for e in g.guard_events() if e.get("action") == "key"]
    assert keys == ["F5", "Ctrl+R", "Alt+Left", "Backspace"]
    assert seen == {"F5": True, "r": True, "ArrowLeft": True, "Backspace": True}
    assert g.page.input_value("#adresse") == "12 ru"
    assert g.watcher.violations == []


def test_back_in_the_single_page_shop_is_cancelled_by_the_guard(
    guarded: Guarded,
) -> None:
    g = guarded
    start(g, "spa")
    to_eligibility(g)
    g.page.click("h1")
    g.page.evaluate("history.back()")
    g.watcher.settle()
    order = last_order(g.shop, lambda o: True)

    # Both engines let the page cancel a same-document traversal (Chromium 156, Firefox ESR 153).
    assert {"action": "traverse"} in g.guard_events()
    assert "/app/eligibilite" in g.page.evaluate("location.href")
    assert g.watcher.violations == [] and order["attributed"] is True
    assert_agrees_with_truth(g, order)


# --- in a frame: the assistance widget, from the demo shop's third origin (issue #11) ---------


@cache_off_then_on("mpa", "spa", "react")
def test_a_customer_service_click_in_a_cross_origin_widget_is_asked_and_cancel_keeps_it(
    guarded: Guarded, mode: str
) -> None:
    g = guarded
    start(g, mode)
    to_eligibility(g)
    widget = g.page.frame_locator("iframe#assistance")
    widget.locator("#widget-rappel").click()
    g.watcher.settle()

    assert [d.type for d in g.dialogs] == ["confirm"]  # asked by the guard inside the frame
    assert "met fin à la session ACN" in g.dialogs[0].message
    assert [e["answer"] for e in g.guard_events()] == ["cancel"]
    assert g.watcher.outcome().verdict == "attributed"
    order = last_order(g.shop, lambda o: True)
    assert order["attributed"] is True, order  # the widget's call-back never reached the shop
    assert_agrees_with_truth(g, order)


@cache_off_then_on("mpa", "react")
def test_a_customer_service_click_in_a_widget_confirmed_ends_the_session(
    guarded: Guarded, mode: str
) -> None:
    g = guarded
    g.answer = "accept"
    start(g, mode)
    to_eligibility(g)
    g.page.frame_locator("iframe#assistance").locator("#widget-rappel").click()
    order = last_order(g.shop, lambda o: o["ended_by"] is not None)
    g.watcher.settle()

    assert [d.type for d in g.dialogs] == ["confirm"]
    assert order["ended_by"] == "customer_service"
    assert [v.kind for v in g.watcher.violations] == ["customer_service"]
    assert_agrees_with_truth(g, order)
