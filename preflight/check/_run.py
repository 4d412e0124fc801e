"""`run_checks`: every pre-order check on a real browser (a fresh profile or a named one), or
R1 from a user agent preflight does not drive."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from preflight.browsers import InstalledBrowser, LaunchSpec, choose, launch, spec_for
from preflight.check._cleaning import _clear_cookies, _clear_live_chromium, clean_offline
from preflight.check._identity import (
    check_browser_family,
    check_browser_version,
    identify_fresh,
    identify_running,
)
from preflight.check._manual import ManualAnswers, manual_checks
from preflight.check._model import BrowserInfo, CheckReport, CheckResult, verdict_of
from preflight.check._profiles import ProfileDir, _profile_guard, open_profile, profile_engine
from preflight.check._proofs import ProfileState, fresh_results, inspect_context, profile_results
from preflight.check._sites import OrderSites, order_sites
from preflight.errors import BrowserError, UsageError
from preflight.i18n import Lang, say
from preflight.rules import Rules
from preflight.useragent import BrowserIdentity, identify_user_agent, warm_up

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright


# --- Running them ---------------------------------------------------------------------------------


def check_user_agent(user_agent: str, rules: Rules, lang: Lang) -> list[CheckResult]:
    """R1 from a user-agent string; R2/R3 cannot be checked on a browser that is not driven."""
    if not user_agent.strip():
        raise UsageError("--user-agent: empty — expected the browser's user-agent string")
    identity = identify_user_agent(user_agent)
    results = [
        check_browser_family(identity, rules, lang),
        check_browser_version(identity, rules, lang),
    ]
    for check, what in (
        ("cache", "check.ua.cache"),
        ("cookies", "check.ua.cookies"),
        ("merchant_session", "check.ua.session"),
    ):
        merchant = rules.shop.merchant_name
        message = say("check.ua.manual", lang, what=say(what, lang, merchant=merchant))
        results.append(CheckResult(id=check, status="warn", message=message))
    return results


def run_checks(
    rules: Rules,
    *,
    browser: str = "auto",
    executable: str | Path | None = None,
    profile: str | Path | None = None,
    only_order_sites: bool = False,
    user_agent: str | None = None,
    lang: Lang = "en",
    manual: ManualAnswers | None = None,
    installed: list[InstalledBrowser] | None = None,
    headless: bool = True,
    playwright: Playwright | None = None,
) -> CheckReport:
    """Run every pre-order check and say whether the browser is ready for the order.

    `playwright`: a running Playwright to launch the browser with (a test's, say); without it,
    one is started and stopped here.
    """
    if user_agent is not None and profile is not None:
        raise UsageError(
            "--user-agent and --profile: choose one — a user agent names a browser "
            "preflight does not drive, so it has no profile to clean"
        )
    if only_order_sites and profile is None:
        raise UsageError("--only-order-sites needs --profile DIR — a fresh profile has no data")
    manual_results = manual_checks(manual, lang, rules.shop.checklist)
    if user_agent is not None:
        results = check_user_agent(user_agent, rules, lang)
        identity = identify_user_agent(user_agent)
        info = BrowserInfo(
            family=identity.family, version=identity.version, executable=None, driver="user-agent"
        )
        checks = results + manual_results
        return CheckReport(verdict=verdict_of(checks), browser=info, checks=checks)

    if profile is not None and browser == "auto" and executable is None:
        browser = profile_engine(profile) or browser  # the browser that made the profile
    warm_up()  # the user-agent parser's start overlaps the browser's
    chosen = choose(browser, executable=executable, installed=installed)
    if chosen.engine is None or not chosen.drivable:
        raise BrowserError(f"{chosen.family} cannot be driven: use --user-agent to check it")
    sites = order_sites(rules)
    if profile is None:
        identity, checks = _check_fresh(chosen, rules, sites, lang, headless, playwright)
    else:
        folder = open_profile(profile, chosen.engine)
        identity, checks = _check_profile(
            chosen, folder, rules, sites, lang, only_order_sites, headless, playwright
        )
    r1 = [
        check_browser_family(identity, rules, lang),
        check_browser_version(identity, rules, lang),
    ]
    all_checks = r1 + checks + manual_results
    info = BrowserInfo(
        family=identity.family,
        version=identity.version,
        executable=chosen.executable,
        driver=chosen.driver,
    )
    return CheckReport(verdict=verdict_of(all_checks), browser=info, checks=all_checks)


def _open_browser(playwright: Any, spec: LaunchSpec, headless: bool) -> Browser:
    return cast("Browser", launch(playwright, spec, headless=headless))


def _open_profile(
    playwright: Any, spec: LaunchSpec, folder: Path, headless: bool
) -> BrowserContext:
    return cast("BrowserContext", launch(playwright, spec, headless=headless, user_data_dir=folder))


def _with_playwright(work: Callable[[Any], Any], playwright: Playwright | None) -> Any:
    if playwright is not None:
        return work(playwright)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        return work(started)


def _check_fresh(
    chosen: InstalledBrowser,
    rules: Rules,
    sites: OrderSites,
    lang: Lang,
    headless: bool,
    playwright: Playwright | None,
) -> tuple[BrowserIdentity, list[CheckResult]]:
    spec = spec_for(chosen)

    def work(playwright: Any) -> tuple[BrowserIdentity, list[CheckResult]]:
        driven = _open_browser(playwright, spec, headless)
        try:
            context = driven.new_context()
            page = context.new_page()
            identity = identify_fresh(driven, page, spec.engine, sites)
            state = inspect_context(
                context, sites, rules, only_order_sites=False, origins=sites.origins, page=page
            )
            context.close()
        finally:
            driven.close()
        return identity, fresh_results(state, lang, rules.shop.merchant_name)

    return _with_playwright(work, playwright)  # type: ignore[no-any-return]


def _check_profile(
    chosen: InstalledBrowser,
    folder: ProfileDir,
    rules: Rules,
    sites: OrderSites,
    lang: Lang,
    only_order_sites: bool,
    headless: bool,
    playwright: Playwright | None,
) -> tuple[BrowserIdentity, list[CheckResult]]:
    spec = spec_for(chosen)
    spec = dataclasses.replace(spec, args=[*spec.args, *folder.launch_args()])
    origins = list(dict.fromkeys([*sites.origins, *folder.stored_origins(sites)]))

    def stored_on_disk() -> list[str]:
        # Chromium's storage folders exist in every used profile: its evidence is the pages'.
        if folder.engine == "chromium":
            return []
        chosen_sites = sites if only_order_sites else None
        return [str(f.relative_to(folder.path)) for f in folder.storage_folders(chosen_sites)]

    def sweep(context: BrowserContext) -> None:
        _clear_cookies(context, sites, only_order_sites=only_order_sites)
        if folder.engine == "chromium":
            _clear_live_chromium(context, origins)

    def inspect_and_sweep(context: BrowserContext) -> ProfileState:
        state = inspect_context(
            context, sites, rules, only_order_sites=only_order_sites, origins=origins
        )
        # The inspection itself loaded the account page: sweep what it left, with the rest.
        sweep(context)
        return state

    def work(playwright: Any) -> tuple[BrowserIdentity, list[CheckResult]]:
        # Cache entries on disk are counted before the browser opens and adds its own.
        cache_before = folder.cache_entries()
        storage_before = stored_on_disk()
        context = _open_profile(playwright, spec, folder.path, headless)
        try:
            page = context.new_page()
            identity = identify_running(context.browser, page, spec.engine)
            page.close()
            before = inspect_and_sweep(context)
        finally:
            context.close()
        before.cache_entries, before.storage_folders = cache_before, storage_before
        clean_offline(folder, sites, only_order_sites=only_order_sites)
        context = _open_profile(playwright, spec, folder.path, headless)
        try:
            after = inspect_and_sweep(context)
        finally:
            context.close()
        clean_offline(folder, sites, only_order_sites=only_order_sites)
        after.cache_entries = None  # the verification's own load refilled it; proven by the fetch
        after.storage_folders = []
        return identity, profile_results(
            before,
            after,
            lang,
            only_order_sites=only_order_sites,
            merchant=rules.shop.merchant_name,
        )

    with _profile_guard(folder):
        identity, results = _with_playwright(work, playwright)
    return identity, results
