"""`make demo`: the demo shop end to end, in real headless browsers.

Starts the demo shop on a free port, prints its URLs, then in Chromium and Firefox, in both shop
modes (multi-page, single-page): walks the EI's ACN link to the order confirmation and shows
the shop's truth (attributed), then walks it again with a Refresh on the eligibility page (not
attributed: the refresh ended the ACN session).

    python scripts/demo.py            # the walk-through, then exit
    python scripts/demo.py --serve    # then keep serving until Ctrl+C
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from preflight.browsers import choose, spec_for
from preflight.demo_shop import DemoShop
from preflight.errors import PreflightError

ADDRESS = "12 rue de la Paix, 75002 Paris"
# A made-up customer: the demo never prints what is typed, only the shop's truth.
CUSTOMER = {"#nom": "Client Démo", "#telephone": "06 12 34 56 78", "#email": "demo@example.org"}


def order_to_confirmation(page: Page, shop: DemoShop, mode: str, *, refresh: bool) -> None:
    page.goto(f"{shop.acn_url}/acn/boutique?mode={mode}")
    page.get_by_role("link", name="Commander la Fibre").click()
    page.get_by_text("Tester mon éligibilité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test d'éligibilité")
    if refresh:
        shop.wait_for_orders(lambda o: bool(o) and o[-1]["step"] == "eligibilite")
        page.reload()  # what the seller must never do during an order
        expect(page.get_by_role("heading", level=1)).to_have_text("Test d'éligibilité")
    page.fill("#adresse", ADDRESS)
    page.click("#tester")
    page.click("#continuer")
    for selector, value in CUSTOMER.items():
        page.fill(selector, value)
    page.click("#valider")
    page.click("#commander-plus-tard")
    expect(page.get_by_test_id("order-number")).to_be_visible()


def verdict(order: dict[str, Any]) -> str:
    if order["attributed"]:
        return "attributed to the ACN session"
    return f"NOT attributed — ended by {order['ended_by']} at {order['ended_at']}"


def walk(shop: DemoShop, say: Callable[[str], None]) -> bool:
    """Every engine × mode × (clean, refresh); True when the truth is what it must be."""
    ok = True
    with sync_playwright() as playwright:
        for name in ("chromium", "firefox"):
            spec = spec_for(choose(name))
            browser = getattr(playwright, spec.engine).launch(**spec.launch_kwargs())
            try:
                for mode in ("mpa", "spa"):
                    for refresh in (False, True):
                        shop.reset()
                        context = browser.new_context()
                        try:
                            order_to_confirmation(context.new_page(), shop, mode, refresh=refresh)
                        finally:
                            context.close()
                        order = shop.wait_for_orders(
                            lambda o: bool(o) and o[-1]["status"] != "in_progress"
                        )[-1]
                        flow = "with a Refresh  " if refresh else "clean flow      "
                        say(f"  {name:8} {mode}  {flow} {order['number']}: {verdict(order)}")
                        ok &= order["attributed"] is not refresh
            finally:
                browser.close()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl+C")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    args = parser.parse_args(argv)
    try:
        shop = DemoShop(port=args.port).start()
    except PreflightError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    try:
        print("Demo shop")
        print(f"  ACN boutique       {shop.acn_url}/acn/boutique")
        print(f"  SFR espace client  {shop.sfr_url}/sfr/mon-espace-client/")
        print(f"  truth API          {shop.sfr_url}/__truth/orders")
        print(
            "Orders placed through the EI's ACN link, headless, as the shop's truth records them:"
        )
        ok = walk(shop, print)
        print("As expected." if ok else "UNEXPECTED: the truth differs from what the flow implies.")
        if args.serve:
            print(f"Serving on port {shop.port} — Ctrl+C to stop.")
            threading.Event().wait()
        return 0 if ok else 1
    except KeyboardInterrupt:
        return 0
    except PreflightError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 2
    finally:
        shop.stop()


if __name__ == "__main__":
    sys.exit(main())
