"""R1 from a user-agent string: real user agents, and the verdict each must get."""

from __future__ import annotations

import pytest

from preflight.check import check_browser_family, check_browser_version
from preflight.rules import load_rules
from preflight.useragent import family_from_brands, identify_user_agent

RULES = load_rules("default")

# (what it is, user agent, family check, version check)
REAL_USER_AGENTS = [
    (
        "Chrome 131 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "pass",
        "pass",
    ),
    (
        "Chrome 131 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "pass",
        "pass",
    ),
    (
        "Chrome 131 on Android",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        "pass",
        "pass",
    ),
    (
        "Chrome 109 on Windows 7 (last for it)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/109.0.0.0 Safari/537.36",
        "pass",
        "warn",
    ),
    (
        "Chrome 49 on Windows XP",
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/49.0.2623.112 Safari/537.36",
        "pass",
        "warn",
    ),
    (
        "Headless Chrome 156",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/156.0.0.0 Safari/537.36",
        "pass",
        "pass",
    ),
    (
        "Firefox 133 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "pass",
        "pass",
    ),
    (
        "Firefox ESR 128 on Linux",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "pass",
        "pass",
    ),
    (
        "Firefox ESR 115 (below the minimum, but a maintained ESR)",
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
        "pass",
        "pass",
    ),
    (
        "Firefox ESR 153",
        "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
        "pass",
        "pass",
    ),
    (
        "Firefox 102 (an ESR no longer maintained)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101 Firefox/102.0",
        "pass",
        "warn",
    ),
    (
        "Firefox 133 on Android",
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        "pass",
        "pass",
    ),
    (
        "Safari 17 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4.1 Safari/605.1.15",
        "fail",
        "warn",
    ),
    (
        "Safari on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "fail",
        "warn",
    ),
    (
        "Safari on iPad",
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
        "fail",
        "warn",
    ),
    (
        "Chrome on iPhone (CriOS: WebKit)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
        "fail",
        "warn",
    ),
    (
        "Firefox on iPhone (FxiOS: WebKit)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
        "fail",
        "warn",
    ),
    (
        "Edge on iPhone (EdgiOS: WebKit)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.0 EdgiOS/124.2478.71 Mobile/15E148 Safari/605.1.15",
        "fail",
        "warn",
    ),
    (
        "Edge 131 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "fail",
        "warn",
    ),
    (
        "Edge on Android",
        "Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.39 Mobile Safari/537.36 EdgA/131.0.2903.87",
        "fail",
        "warn",
    ),
    (
        "Opera 115",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        "fail",
        "warn",
    ),
    (
        "Samsung Internet",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "fail",
        "warn",
    ),
    (
        "Yandex Browser",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 YaBrowser/24.12.0.0 Safari/537.36",
        "fail",
        "warn",
    ),
    (
        "Vivaldi",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.26",
        "fail",
        "warn",
    ),
    (
        "Internet Explorer 11",
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        "fail",
        "warn",
    ),
    (
        "an Android app's WebView",
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.102 Mobile Safari/537.36",
        "fail",
        "warn",
    ),
    (
        "Chromium 120 on Linux",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/120.0.0.0 "
        "Chrome/120.0.0.0 Safari/537.36",
        "pass",
        "pass",
    ),
    (
        "Ubuntu's Chromium 83",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu "
        "Chromium/83.0.4103.61 Chrome/83.0.4103.61 Safari/537.36",
        "pass",
        "warn",
    ),
    ("not a browser at all", "curl/8.5.0", "fail", "warn"),
]


@pytest.mark.parametrize(
    ("user_agent", "family_status", "version_status"),
    [pytest.param(ua, f, v, id=what) for what, ua, f, v in REAL_USER_AGENTS],
)
def test_real_user_agents_get_the_expected_verdicts(
    user_agent: str, family_status: str, version_status: str
) -> None:
    identity = identify_user_agent(user_agent)
    assert check_browser_family(identity, RULES, "en").status == family_status
    assert check_browser_version(identity, RULES, "en").status == version_status


def test_the_table_holds_at_least_twenty_real_user_agents() -> None:
    assert len(REAL_USER_AGENTS) >= 20


@pytest.mark.parametrize("marker", ["CriOS/124.0.6367.88", "FxiOS/125.0", "EdgiOS/124.2478.71"])
def test_every_ios_browser_is_recognised_as_webkit_whatever_its_name(marker: str) -> None:
    ua = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        f"(KHTML, like Gecko) {marker} Mobile/15E148 Safari/604.1"
    )
    identity = identify_user_agent(ua)
    assert identity.ios
    result = check_browser_family(identity, RULES, "fr")
    assert result.status == "fail" and "WebKit" in result.message


def test_edge_and_opera_fail_with_the_advice_to_use_chrome_or_firefox() -> None:
    for ua in (REAL_USER_AGENTS[18][1], REAL_USER_AGENTS[20][1]):
        message = check_browser_family(identify_user_agent(ua), RULES, "en").message
        assert "Chrome" in message and "Firefox" in message


def test_chromium_passes_with_a_note_pointing_to_chrome_for_customers() -> None:
    result = check_browser_family(identify_user_agent(REAL_USER_AGENTS[26][1]), RULES, "en")
    assert result.status == "pass" and "prefer Google Chrome" in result.message


def test_a_current_esr_is_reported_as_esr_not_as_outdated() -> None:
    identity = identify_user_agent(REAL_USER_AGENTS[8][1])  # Firefox 115 < min_major 128
    result = check_browser_version(identity, RULES, "en")
    assert result.status == "pass" and "ESR 115" in result.message


def test_an_old_version_warns_with_the_minimum_of_the_rules() -> None:
    result = check_browser_version(identify_user_agent(REAL_USER_AGENTS[3][1]), RULES, "fr")
    assert result.status == "warn" and "minimum 120" in result.message


def test_rules_that_allow_edge_let_edge_pass() -> None:
    rules = RULES.model_copy(
        update={"browser": RULES.browser.model_copy(update={"allowed": ["chrome", "edge"]})}
    )
    identity = identify_user_agent(REAL_USER_AGENTS[18][1])
    assert check_browser_family(identity, rules, "en").status == "pass"


@pytest.mark.parametrize(
    ("brands", "family"),
    [
        (
            [{"brand": "Not:A-Brand", "version": "8"}, {"brand": "Chromium", "version": "156"}],
            "chromium",
        ),
        (
            [{"brand": "Chromium", "version": "131"}, {"brand": "Google Chrome", "version": "131"}],
            "chrome",
        ),
        (
            [
                {"brand": "Microsoft Edge", "version": "131"},
                {"brand": "Chromium", "version": "131"},
            ],
            "edge",
        ),
        ([{"brand": "Opera", "version": "115"}, {"brand": "Chromium", "version": "131"}], "opera"),
        ([], "other"),
    ],
)
def test_brands_tell_chrome_chromium_and_edge_apart(
    brands: list[dict[str, str]], family: str
) -> None:
    assert family_from_brands(brands) == family


def test_every_family_a_user_agent_gives_may_be_allowed_by_the_rules() -> None:
    # One `Family` (issue #26): the rules refused `samsung`, a family user agents are read as.
    samsung = identify_user_agent(
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like "
        "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
    )
    rules = RULES.model_copy(
        update={"browser": RULES.browser.model_validate({"allowed": ["samsung"]})}
    )
    assert samsung.family == "samsung"
    assert check_browser_family(samsung, rules, "en").status == "pass"
