"""`make demo`: preflight on the demo shop, end to end, in real headless browsers.

Starts the demo shop on a free port and prints its URLs, then:

1. the shop alone: in Chromium and Firefox, in both shop modes (multi-page, single-page), walks
   the EI's ACN link to the order confirmation and shows the shop's truth (attributed), then
   walks it again with a Refresh on the eligibility page (not attributed);
2. `preflight check` against the demo shop's rules, on Chromium and on Firefox, as the EI runs
   it before an order (the real command, in French);
3. two watched orders (`preflight order`'s library function, the customer driven by this
   script): a clean one and one with a Back press; prints each verdict, whether the shop's
   truth agrees, and the path of the HTML report.

    python scripts/demo.py            # the walk-through, then exit
    python scripts/demo.py --serve    # then keep serving until Ctrl+C
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from preflight.browsers import choose, spec_for
from preflight.demo_shop import DemoShop
from preflight.errors import PreflightError
from preflight.order import run_order
from preflight.watch import Watcher

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
        # Key by key, as the customer types: the shop reads the e-mail on `change`, which a
        # value filled from script never fires on Firefox.
        page.locator(selector).press_sequentially(value)
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


def check_with_the_cli(shop: DemoShop, say: Callable[[str], None]) -> bool:
    """`preflight check` as the EI runs it, on each engine; True when both are ready."""
    env = {**os.environ, "PREFLIGHT_DEMO_PORT": str(shop.port), "COLUMNS": "100"}
    ok = True
    for name in ("chromium", "firefox"):
        say(f"\n$ preflight check --browser {name} --rules demo --yes --lang fr")
        command = [sys.executable, "-m", "preflight", "check", "--browser", name]
        command += ["--rules", "demo", "--yes", "--lang", "fr"]
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
        )
        say(done.stdout.rstrip() + done.stderr.rstrip())
        ok &= done.returncode == 0
    return ok


def _to_details(page: Page) -> None:
    page.get_by_text("Tester mon éligibilité").click()
    page.fill("#adresse", ADDRESS)
    page.click("#tester")
    page.click("#continuer")
    for selector, value in CUSTOMER.items():
        # Key by key, as the customer types: the shop reads the e-mail on `change`, which a
        # value filled from script never fires on Firefox.
        page.locator(selector).press_sequentially(value)
    page.click("#valider")


def _clean_order(page: Page, watcher: Watcher) -> None:
    _to_details(page)
    page.click("#commander-plus-tard")
    expect(page.get_by_test_id("order-number")).to_be_visible()


def _order_with_a_back(page: Page, watcher: Watcher) -> None:
    _to_details(page)
    # A trusted click gives the page the user activation that a script's history.back()
    # needs in both engines; then Back, as the toolbar button would do it.
    page.get_by_role("heading", level=1).click()
    page.evaluate("setTimeout(() => history.back(), 0)")
    watcher.settle(3.0)


def watched_orders(shop: DemoShop, reports: Path, say: Callable[[str], None]) -> bool:
    """Two watched orders per engine; True when each verdict agrees with the shop's truth."""
    ok = True
    with sync_playwright() as playwright:
        for name in ("chromium", "firefox"):
            for label, drive, expected in (
                ("clean order, « Commander plus tard »", _clean_order, "attributed"),
                ("order with a Back press", _order_with_a_back, "lost"),
            ):
                shop.reset()
                result = run_order(
                    shop.link(offer="fibre", mode="mpa"),
                    shop.rules(),
                    browser=name,
                    headless=True,
                    report_dir=reports / f"{name}-{expected}",
                    lang="fr",
                    timeout=20,
                    grace=0.5,
                    drive=drive,
                    playwright=playwright,
                )
                truth = shop.wait_for_orders(lambda o: bool(o))[-1]
                agrees = (result.outcome.verdict == "attributed") == truth["attributed"]
                kinds = ", ".join(v.kind for v in result.outcome.violations) or "none"
                say(
                    f"  {name:8} {label:38} verdict {result.outcome.verdict:10} "
                    f"(violations: {kinds}); shop truth: "
                    f"{'attributed' if truth['attributed'] else truth['ended_by']}"
                    f" — {'agrees' if agrees else 'DISAGREES'}"
                )
                say(f"           report: {result.html}")
                ok &= agrees and result.outcome.verdict == expected
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl+C")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument(
        "--reports", help="folder for the watched orders' reports (default: a temp dir)"
    )
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
        print("\nBefore the order: preflight check, on each browser")
        ok &= check_with_the_cli(shop, print)
        reports = Path(args.reports or tempfile.mkdtemp(prefix="preflight-demo-"))
        print(
            "\nDuring the order: watched orders (preflight order), the customer driven by the demo"
        )
        ok &= watched_orders(shop, reports, print)
        print("\nAll as expected." if ok else "\nUNEXPECTED results above.")
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
