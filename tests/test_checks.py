"""The pre-order checks as a library: R1 asked of the running browser, a fresh profile
verified clean, the manual items, and results that fail when they must."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Playwright

from preflight.check import (
    CheckReport,
    ManualAnswers,
    OrderSites,
    PageState,
    ProfileState,
    fresh_results,
    identify_running,
    is_french_phone,
    manual_checks,
    order_sites,
    run_checks,
)
from preflight.demo_shop import DemoShop
from preflight.errors import UsageError
from preflight.rules import load_rules


def test_the_running_browser_is_asked_its_family_and_version(
    browser: Browser, browser_name: str
) -> None:
    page = browser.new_page()
    identity = identify_running(browser, page, browser_name)
    page.close()
    assert identity.version == browser.version
    assert identity.major == int(browser.version.split(".")[0])
    # Debian's and Playwright's Chromium announce only the "Chromium" brand, not Chrome.
    assert identity.family == ("chromium" if browser_name == "chromium" else "firefox")


def test_a_fresh_profile_is_ready_and_verified_clean(
    browser_name: str, shop: DemoShop, playwright: Playwright
) -> None:
    report = run_checks(shop.rules(), browser=browser_name, lang="en", playwright=playwright)
    assert report.verdict == "ready"
    status = {c.id: c for c in report.checks}
    for check in ("browser_family", "browser_version", "cache", "cookies", "storage"):
        assert status[check].status == "pass", status[check]
    assert "0 cookies counted" in status["cookies"].message
    # The cache is proven empty by fetching the order site's resources from the network.
    assert "fetched again from the network" in status["cache"].message
    assert status["merchant_session"].status == "pass"
    assert "logged-out state" in status["merchant_session"].message


def test_an_unreachable_account_page_warns_instead_of_claiming_a_proof(
    browser_name: str, playwright: Playwright, closed_port: int
) -> None:
    rules = load_rules("demo", variables={"DEMO_PORT": closed_port})
    report = run_checks(rules, browser=browser_name, lang="fr", playwright=playwright)
    status = {c.id: c.status for c in report.checks}
    assert status["cache"] == "warn" and status["merchant_session"] == "warn"
    assert status["cookies"] == "pass"
    assert report.verdict == "ready"
    # Said in words; the protocol's error (Playwright's, the engine's) is never quoted.
    said = " ".join(c.message for c in report.checks)
    assert "injoignable : pas d'accès à Internet ?" in said
    assert not any(w in said for w in ("Protocol error", "net::", "NS_ERROR", "ERR_"))


def test_fresh_results_fail_when_the_profile_is_not_clean() -> None:
    dirty = ProfileState(
        cookies=2,
        login_cookies=["sfr_login"],
        pages=PageState(
            storage={"http://localhost:8765": ["localStorage: 1"]},
            account="logged_in",
            from_cache=["http://localhost:8765/sfr/static/logo.svg"],
        ),
    )
    results = {r.id: r.status for r in fresh_results(dirty, "en")}
    assert results == {
        "cache": "fail",
        "cookies": "fail",
        "storage": "fail",
        "merchant_session": "fail",
    }


def test_the_order_sites_come_from_the_rules() -> None:
    sites: OrderSites = order_sites(load_rules("default"))
    assert {"sfr.fr", "www.myacn.eu", "myacn.eu"} <= set(sites.domains)
    assert "https://www.sfr.fr" in sites.origins and "https://www.myacn.eu" in sites.origins
    assert sites.owns_host(".espace-client.sfr.fr") and not sites.owns_host("notsfr.fr")
    demo = order_sites(load_rules("demo", variables={"DEMO_PORT": 4321}))
    assert demo.origins == ("http://localhost:4321",)  # the globs' ports are wildcards


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("06 12 34 56 78", True),
        ("0612345678", True),
        ("01.23.45.67.89", True),
        ("+33 6 12 34 56 78", True),
        ("+33 (0)6 12 34 56 78", True),
        ("0033 7 12 34 56 78", True),
        ("09 87 65 43 21", True),
        ("08 00 12 34 56", False),  # a service number, not a person
        ("1023", False),
        ("06 12 34 56", False),
        ("+44 20 7946 0958", False),
        ("", False),
    ],
)
def test_a_daytime_phone_must_be_a_french_number_a_person_answers(number: str, valid: bool) -> None:
    assert is_french_phone(number) is valid


def test_manual_items_pass_when_confirmed_and_warn_when_not_asked() -> None:
    asked = manual_checks(
        ManualAnswers(
            answers={
                "offers_explained": True,
                "installation_explained": True,
                "daytime_phone_given": True,
                "customer_computer": False,
            }
        ),
        "en",
    )
    assert [r.status for r in asked] == ["pass", "pass", "pass", "warn"]
    not_asked = manual_checks(None, "fr")
    assert all(r.status == "warn" and "non demandé" in r.message for r in not_asked)


def test_the_manual_answers_hold_only_yes_or_no_never_the_phone_number() -> None:
    assert ManualAnswers.model_fields["answers"].annotation == dict[str, bool]
    assert list(ManualAnswers.model_fields) == ["answers"]


def test_a_user_agent_check_says_cache_and_cookies_are_to_clear_by_hand() -> None:
    report: CheckReport = run_checks(
        load_rules("default"),
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        lang="en",
    )
    status = {c.id: c for c in report.checks}
    assert status["browser_family"].status == "pass"
    assert status["cache"].status == "warn" and "by hand" in status["cache"].message
    assert report.verdict == "ready"


def test_a_user_agent_and_a_profile_together_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--user-agent and --profile"):
        run_checks(load_rules("default"), user_agent="x", profile="/tmp")
