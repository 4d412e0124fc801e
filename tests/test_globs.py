"""URL globs match in linear time, in Python (globs.url_matches) and in the probe (probe.js).

Issue 13: a regex of `.*` per star backtracked — `*a*a*a*a*a*b` against a 200-character URL took
136 s, and the default rules' payment glob grew with the square of a long URL's length."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from playwright.sync_api import Page

import preflight.watch
from preflight.globs import url_matches
from preflight.rules import load_rules

PROBE = Path(preflight.watch.__file__).with_name("probe.js")


def _reference(url: str, glob: str) -> bool:
    """fnmatch's semantics for `*` and `?` (any run, any one character; DOTALL), by regex."""
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.fullmatch(pattern, url, re.DOTALL) is not None


# Few letters so that globs and URLs overlap often: the interesting cases are near-misses.
_URLS = st.text(alphabet="ab/?*.\n", max_size=12)
_GLOBS = st.text(alphabet="ab/?*.\n", max_size=8)


@given(url=_URLS, glob=_GLOBS)
@example(url="aba", glob="*a*a")
@example(url="a", glob="*a*a")
@example(url="ab", glob="a*b*")
@example(url="abab", glob="*ab?b")
@example(url="", glob="**")
@example(url="a\nb", glob="a*b")
def test_glob_matching_agrees_with_fnmatch_regex_semantics(url: str, glob: str) -> None:
    assert url_matches(url, [glob]) == _reference(url, glob)


def test_globs_that_used_to_backtrack_for_minutes_finish() -> None:
    long_url = "https://www.sfr.fr/" + "a" * 120_000  # a single-page app's URL with a token
    payment = load_rules("default").order.payment
    cases = [
        ("http://x/" + "a" * 200, "*a*a*a*a*a*b", False),  # was 136 s
        ("http://x/" + "a" * 100, "*a*a*a*a*a*a*a*b", False),  # was 454 s
        ("http://x/" + "a" * 5_000 + "b", "*a*a*a*a*a*a*a*b", True),
        (long_url, payment[0], False),  # was 0.8 s, quadratic
        (long_url + "/paiement", payment[0], True),
    ]
    started = time.monotonic()
    for url, glob, expected in cases:
        assert url_matches(url, [glob]) is expected, glob
    # A bound a thousand times what it takes: before the fix the first case alone took minutes.
    assert time.monotonic() - started < 30


def _probe_matcher_source() -> str:
    """probe.js's own globRegex and matchesAny, cut out of the file as they ship."""
    text = PROBE.read_text(encoding="utf-8")
    glob_regex = re.search(r"\n  function globRegex\(glob\) \{\n.*?\n  \}\n", text, re.S)
    matches_any = re.search(r"\n  const matchesAny = .*?\n  \};?\n", text, re.S)
    assert glob_regex and matches_any, "globRegex / matchesAny not found in probe.js"
    return glob_regex.group(0) + matches_any.group(0)


def test_the_probe_matches_globs_like_python_and_in_linear_time(page: Page) -> None:
    rng = random.Random(13)
    cases = [
        (
            "".join(rng.choice("ab/?*.") for _ in range(rng.randrange(12))),
            "".join(rng.choice("ab/?*.") for _ in range(rng.randrange(8))),
        )
        for _ in range(3_000)
    ]
    expected = [_reference(url, glob) for url, glob in cases]
    # The cases the old matcher backtracked on (the reference regex would too): known answers.
    hard = [
        ("http://x/" + "a" * 200, "*a*a*a*a*a*b", False),
        ("http://x/" + "a" * 5_000, "*a*a*a*a*a*a*a*b", False),
        ("https://www.sfr.fr/" + "a" * 100_000, "https://*.sfr.fr/*paiement*", False),
        ("https://www.sfr.fr/" + "a" * 100_000 + "paiement", "https://*.sfr.fr/*paiement*", True),
        ("tel:1023", "tel:*", True),
        ("http://x/[a]", "http://x/[a]", True),
    ]
    cases += [(url, glob) for url, glob, _ in hard]
    expected += [answer for _, _, answer in hard]
    # A page that redefined the built-ins the old matcher leaned on changes nothing.
    script = (
        "(cases) => { Array.prototype.some = () => { throw new Error('page'); };"
        + _probe_matcher_source()
        + "return cases.map(([url, glob]) => matchesAny(url, [globRegex(glob)])); }"
    )
    assert page.evaluate(script, cases) == expected
