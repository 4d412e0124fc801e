"""One real watched order per engine lands in the order book (issue #24): the demo shop's
customer to the confirmation, then `preflight orders --json` (in-process) shows it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from inprocess import preflight
from playwright.sync_api import Browser, Page

from preflight.book import BookRecorder
from preflight.demo_shop import DemoShop
from preflight.order import run_order
from preflight.watch import Watcher


def test_a_watched_order_on_the_demo_shop_is_in_the_book_with_verdict_number_and_date(
    shop: DemoShop,
    bfcache_browser: Browser,
    browser_name: str,
    tmp_path: Path,
    demo_customer: Callable[..., dict[str, str]],
) -> None:
    shown: dict[str, str] = {}

    def drive(page: Page, watcher: Watcher) -> None:
        shown.update(demo_customer(page))

    book = tmp_path / "book.sqlite3"
    rules = shop.rules()
    recorder = BookRecorder(book, delays=rules.shop.validation_business_days)
    result = run_order(
        shop.link(offer="fibre", mode="mpa", ei="EI-7777"),
        rules,
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
        book=recorder,
    )
    assert result.exit_code == 0 and recorder.error is None
    ran = preflight("orders", "--book", book, "--todo", "--json")
    (order,) = json.loads(ran.stdout)["orders"]
    assert order["number"] == shown["number"] and order["verdict"] == result.ending
    assert order["status"] == "to_attribute" and order["validation_due"]
    assert order["seller"] == "EI-7777" and order["folder"] == str(tmp_path / "report")
    assert order["steps"], "the steps reached are recorded"
