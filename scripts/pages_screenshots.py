"""Screenshots of the seller's pages (start page, live panel, end page) on a demo order.

    .venv/bin/python scripts/pages_screenshots.py --out DIR [--browser chromium|firefox]

Runs the demo shop, shows the start page, ticks the checklist, opens the order from its
button, fails the eligibility test once (the support bundle), passes it, orders with
« Commander plus tard », and photographs each page at 1280×900. The PNGs go in DIR and in the
demo order's report folder (DIR/report). The demo customer's data is made up.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from preflight.check import run_checks
from preflight.demo_shop import DemoShop
from preflight.order import SellerPages, run_order
from preflight.watch import Watcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--browser", default="chromium", choices=["chromium", "firefox"])
    parser.add_argument("--lang", default="fr", choices=["fr", "en"])
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def shot(page: Page, name: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 900})
        path = out / f"{name}-{args.browser}.png"
        page.screenshot(path=str(path), full_page=name != "2-panel")
        shots.append(path)

    with DemoShop() as shop:
        rules = shop.rules()
        link = shop.link(offer="fibre", mode="mpa")
        check = run_checks(rules, browser=args.browser, lang=args.lang)

        def drive(page: Page, watcher: Watcher) -> None:
            for item in ("offers_explained", "installation_explained", "customer_computer"):
                page.get_by_test_id(f"tick-{item}").check()
            page.get_by_test_id("phone").fill("06 12 34 56 78")
            page.locator("#phone-note.ok").wait_for()
            page.locator("#link-note.ok").wait_for()
            shot(page, "1-start")
            page.get_by_test_id("go").click()
            page.wait_for_url("**/sfr/**")
            page.locator("#tester-eligibilite").click()
            page.fill("#adresse", "3 chemin de la zone blanche")
            page.click("#tester")
            page.locator("[data-testid=eligibility-error]").wait_for()
            page.wait_for_selector("preflight-panel[data-detail*='ligibilit']")
            shot(page, "2-panel")
            page.fill("#adresse", "12 rue de la Paix, 75002 Paris")
            page.click("#tester")
            page.click("#continuer")
            page.fill("#nom", "Camille Martin")
            page.fill("#telephone", "0612345678")
            page.locator("#email").press_sequentially("camille@example.fr")  # on `change`
            page.click("#valider")
            page.click("#commander-plus-tard")
            page.get_by_test_id("order-number").wait_for()

        with (
            sync_playwright() as playwright,
            SellerPages(
                rules, args.lang, link=link, check=check, on_end=lambda p: shot(p, "3-end")
            ) as pages,
        ):
            result = run_order(
                link,
                rules,
                browser=args.browser,
                headless=True,
                report_dir=out / f"report-{args.browser}",
                lang=args.lang,
                drive=drive,
                playwright=playwright,
                pages=pages,
            )
    for path in shots:
        shutil.copy(path, result.folder / path.name)
    print("\n".join(str(p) for p in shots))
    print(f"report: {result.folder}")
    return 0 if result.exit_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
