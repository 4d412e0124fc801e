"""The pre-order checks (DESIGN.md R1–R3 and the seed's manual items), each a small function
returning a `CheckResult`, and `run_checks`, which runs them on a real browser.

R1 asks the running browser itself (`browser.version`, `navigator.userAgent`, Chromium's
`userAgentData` brands), or parses a user agent it cannot drive. R2/R3 work in one of two modes:

* a fresh, empty profile (the default): clean by construction, and still verified;
* a named profile (`profile=`), with the browser closed: the order sites' login state, cookies,
  site storage and the HTTP cache are found, removed, and the profile is opened again to verify
  that they are gone and that the merchant's account page shows the logged-out state.

Cleaning a named profile, per engine:

* Chromium: the DevTools protocol (`Network.clearBrowserCache`, `Storage.clearDataForOrigin`)
  and `context.clear_cookies`; in "all sites" mode the site-storage folders are removed while the
  browser is closed (the protocol clears storage only origin by origin).
* Firefox: WebDriver BiDi has no cache command (w3c/webdriver-bidi#798), so the `cache2` folder
  and the origins' folders under `storage/default/` are removed while the browser is closed;
  cookies through `context.clear_cookies`.

Opening a profile through Playwright has side effects that a user's own profile must not keep:
Playwright writes its automation prefs into a Firefox profile's `user.js` and copies `prefs.js`
to `prefs.js.playwright` (playwright 1.64 `writePreferences`, never undone), and the check's own
page loads add history. `_ProfileGuard` puts those files back byte for byte afterwards.

The package, one module per concern: `_identity` (R1), `_profiles` (finding, refusing, locking
and restoring a named profile's own files), `_cleaning` (Chromium and Firefox, live and offline),
`_proofs` (storage, cookies, the account page read from pages, and their results), `_manual`
(the seller's checklist), `_run` (`run_checks`); `_model` holds the results, `_sites` the order
sites; their messages are in the gettext catalogues (`preflight.i18n`, keys `check.…`).
Nothing here imports the CLI, the report or the order.
"""

from preflight.check._cleaning import clean_offline
from preflight.check._identity import (
    check_browser_family,
    check_browser_version,
    identify_fresh,
    identify_running,
)
from preflight.check._manual import ManualAnswers, is_french_phone, manual_checks
from preflight.check._model import (
    BrowserInfo,
    CheckReport,
    CheckResult,
    Status,
    Verdict,
    verdict_of,
)
from preflight.check._profiles import ProfileDir, open_profile, profile_engine
from preflight.check._proofs import (
    PageState,
    ProfileState,
    fresh_results,
    inspect_context,
    profile_results,
)
from preflight.check._run import check_user_agent, run_checks
from preflight.check._sites import OrderSites, order_sites
from preflight.check._titles import check_title

__all__ = [
    "BrowserInfo",
    "CheckReport",
    "CheckResult",
    "ManualAnswers",
    "OrderSites",
    "PageState",
    "ProfileDir",
    "ProfileState",
    "Status",
    "Verdict",
    "check_browser_family",
    "check_browser_version",
    "check_title",
    "check_user_agent",
    "clean_offline",
    "fresh_results",
    "identify_fresh",
    "identify_running",
    "inspect_context",
    "is_french_phone",
    "manual_checks",
    "open_profile",
    "order_sites",
    "profile_engine",
    "profile_results",
    "run_checks",
    "verdict_of",
]
