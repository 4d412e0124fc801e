"""What settle() waits for beyond the probes' answers: the requests the pages' frames have out
and the navigations whose document has not come (`preflight/watch/_requests.py`), on recorded
event sequences — the keys stand for Playwright's `Request` objects, the times are given."""

from __future__ import annotations

import pytest

from preflight.watch._requests import OUT_MAX_S, Outstanding, counted

IDLE = 0.03
PAGE, OTHER = "page 1", "page 2"
SHOP = "http://localhost:8000"


def test_a_frames_request_keeps_the_pages_busy_until_it_ended_and_then_for_the_idle_time() -> None:
    out = Outstanding()
    assert out.wait_s(0.0, IDLE) == 0.0  # nothing seen yet: quiet
    fetch = object()
    out.sent(fetch, PAGE, 1.0)
    assert out.wait_s(1.2, IDLE) > 0
    out.finished(fetch, 1.3)
    assert out.wait_s(1.3, IDLE) == pytest.approx(IDLE)
    assert out.wait_s(1.31, IDLE) == pytest.approx(IDLE - 0.01)
    assert out.wait_s(1.3 + IDLE, IDLE) == 0.0


def test_a_navigation_a_page_started_ends_with_its_document_not_with_its_response() -> None:
    # A script's history move or a form submitted from a frame's message: the request is out
    # while the old document, quiet, would still answer the probe's question.
    out = Outstanding()
    forward = object()
    out.sent(forward, PAGE, 1.0, navigation_url=f"{SHOP}/sfr/eligibilite?t=abc")
    assert out.navigating(forward)
    out.answered(forward, 200, attachment=False, now=1.05)
    out.finished(forward, 1.06)  # the body is in; the document is not committed yet
    assert out.wait_s(1.2, IDLE) > 0
    assert not out.committed(OTHER, f"{SHOP}/sfr/eligibilite?t=abc", 1.25)  # another page's
    assert not out.committed(PAGE, f"{SHOP}/sfr/offre", 1.25)  # not that document
    assert out.wait_s(1.25, IDLE) > 0
    assert out.committed(PAGE, f"{SHOP}/sfr/eligibilite?t=abc#haut", 1.3)  # its fragment aside
    assert not out.navigating(forward)
    assert out.wait_s(1.3, IDLE) == pytest.approx(IDLE)


def test_a_redirected_navigation_ends_with_the_document_its_last_request_brings() -> None:
    out = Outstanding()
    post, get = object(), object()
    out.sent(post, PAGE, 1.0, navigation_url=f"{SHOP}/sfr/recapitulatif")
    out.answered(post, 303, attachment=False, now=1.01)
    out.finished(post, 1.01)
    assert out.count(1.02) == 1  # the redirect's next request is on its way
    out.sent(get, PAGE, 1.02, navigation_url=f"{SHOP}/sfr/confirmation?t=x", redirected_from=post)
    assert out.count(1.03) == 1
    out.committed(PAGE, f"{SHOP}/sfr/confirmation?t=x", 1.1)
    assert out.count(1.1) == 0


@pytest.mark.parametrize(
    ("status", "attachment"),
    [(204, False), (205, False), (200, True)],
    ids=["204", "205", "download"],
)
def test_a_navigation_answered_without_a_document_ends_with_its_answer(
    status: int, attachment: bool
) -> None:
    out = Outstanding()
    nav = object()
    out.sent(nav, PAGE, 1.0, navigation_url=f"{SHOP}/facture.pdf")
    out.answered(nav, status, attachment=attachment, now=1.1)
    assert out.count(1.1) == 0
    assert out.wait_s(1.1 + IDLE, IDLE) == 0.0


def test_a_subresources_answer_does_not_end_it_before_its_body_is_in() -> None:
    out = Outstanding()
    fetch = object()
    out.sent(fetch, PAGE, 1.0)
    out.answered(fetch, 204, attachment=False, now=1.1)
    assert out.count(1.1) == 1
    out.finished(fetch, 1.2)
    assert out.count(1.2) == 0


def test_a_failed_request_ends_navigation_or_not() -> None:
    out = Outstanding()
    nav, fetch = object(), object()
    out.sent(nav, PAGE, 1.0, navigation_url=f"{SHOP}/sfr/offre")
    out.sent(fetch, PAGE, 1.0)
    out.failed(nav, 1.1)
    out.failed(fetch, 1.2)
    out.failed(object(), 1.3)  # one never counted (an image): nothing to end
    assert out.count(1.2) == 0
    assert out.wait_s(1.2, IDLE) == pytest.approx(IDLE)


def test_a_request_out_longer_than_the_bound_no_longer_holds_a_settle() -> None:
    # A long poll, an EventSource, a navigation a server never answers: each settle would
    # otherwise wait to its time limit.
    out = Outstanding()
    poll = object()
    out.sent(poll, PAGE, 10.0)
    assert out.wait_s(10.5, IDLE) == pytest.approx(OUT_MAX_S - 0.5)
    assert out.wait_s(10.0 + OUT_MAX_S, IDLE) == 0.0
    assert out.count(10.0 + OUT_MAX_S) == 0
    # Its end is still the page's news: what it brings is waited for.
    out.finished(poll, 40.0)
    assert out.wait_s(40.0, IDLE) == pytest.approx(IDLE)


def test_a_closed_pages_requests_are_dropped_and_a_detach_forgets_all() -> None:
    out = Outstanding()
    out.sent(object(), PAGE, 1.0)
    out.sent(object(), PAGE, 1.0, navigation_url=f"{SHOP}/sfr/offre")
    kept = object()
    out.sent(kept, OTHER, 1.0)
    out.closed(PAGE)
    assert out.count(1.1) == 1
    out.finished(kept, 1.2)
    out.clear()
    assert out.count(1.2) == 0
    assert out.wait_s(1.2, IDLE) == 0.0


def test_a_page_sending_requests_that_never_end_cannot_grow_the_bookkeeping_for_good() -> None:
    out = Outstanding()
    first = object()
    out.sent(first, PAGE, 1.0)
    for _ in range(5000):
        out.sent(object(), PAGE, 1.0)
    assert out.count(1.0) == 1000
    out.finished(first, 1.1)  # dropped long ago: no end to count
    assert out.wait_s(1.0 + OUT_MAX_S, IDLE) == 0.0


@pytest.mark.parametrize(
    ("resource_type", "navigation", "top", "waited"),
    [
        ("document", True, True, True),  # the page's next document
        ("document", True, False, True),  # a frame's document: its scripts run once loaded
        ("fetch", False, False, True),  # a payment frame's request, whose answer it posts on
        ("xhr", False, False, True),
        ("fetch", False, True, False),  # the page's own: its probe counts it
        ("xhr", False, True, False),
        ("script", False, True, True),  # a chunk loaded late runs once in
        ("eventsource", False, True, True),
        ("ping", False, True, False),  # a beacon (Chromium)
        ("document", False, True, False),  # a beacon (Firefox over BiDi: no destination)
        ("image", False, False, False),
        ("stylesheet", False, True, False),
        ("other", False, True, False),  # the favicon (Chromium)
    ],
)
def test_settle_waits_for_the_requests_a_script_can_act_on_that_no_probe_counts(
    resource_type: str, navigation: bool, top: bool, waited: bool
) -> None:
    assert counted(resource_type, navigation=navigation, top=top) is waited
