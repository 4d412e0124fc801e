"""The JavaScript the watcher injects: the probe (always) and the guard (guard mode)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from preflight.i18n import Lang, say
from preflight.rules import Rules

# What starts the probe's console messages to the watcher (probe.js `deliver`): a page's own
# console lines do not, and one that does and is not signed is dropped.
CHANNEL = "__preflightReport:"
_MARK = "/*__PREFLIGHT_CONFIG__*/ {}"
_HMAC_MARK = "/*__PREFLIGHT_HMAC__*/"


@lru_cache(maxsize=4)
def _source(name: str) -> str:
    return resources.files("preflight.watch").joinpath(name).read_text(encoding="utf-8")


def with_hmac(source: str) -> str:
    """`source` with `hmac.js` (`hmacHex`) where it says `/*__PREFLIGHT_HMAC__*/`."""
    return source.replace(_HMAC_MARK, _source("hmac.js"), 1)


def fill(source: str, mark: str, config: dict[str, object]) -> str:
    """`source` with `config` as a JavaScript object literal where it says `mark`."""
    # JSON is valid JavaScript; `</` is escaped so the text is safe anywhere it is embedded.
    return source.replace(mark, json.dumps(config, ensure_ascii=False).replace("</", "<\\/"), 1)


def _fill(name: str, config: dict[str, object]) -> str:
    return fill(with_hmac(_source(name)), _MARK, config)


def probe_script(rules: Rules, secret: str = "", *, guard: bool = False) -> str:
    """The probe for `rules`; `secret` is the watch's (see `_keys.py`), `guard` whether the
    guard's script comes after it (only then may something register as the guard)."""
    order, cs = rules.order, rules.customer_service
    state = order.confirmation_state
    return _fill(
        "probe.js",
        {
            "channel": CHANNEL,
            "secret": secret,
            "guard": guard,
            "cs_selectors": cs.selectors,
            "cs_texts": cs.texts,
            "cs_urls": cs.urls,
            "order_later": order.order_later,
            "eligibility_error": order.eligibility_error,
            "confirmation": order.confirmation,
            "order_number": order.order_number,
            "order_type": order.order_type,
            "order_date": order.order_date,
            "order_number_text": order.order_number_text,
            "order_type_text": order.order_type_text,
            "order_date_text": order.order_date_text,
            "submit_selectors": state.submit if state else [],
            "submit_texts": state.submit_text if state else [],
            "state_selector": state.selector if state else None,
            "state_text": state.text if state else [],
            "session_cookie": order.session_cookie,
        },
    )


def guard_script(rules: Rules, lang: Lang = "fr") -> str:
    names = rules.names(lang)
    texts = {
        "banner": say("guard.banner", lang, **names),
        # `{label}` stays for the guard to fill with the button's own words.
        "confirm": say("guard.confirm", lang, **names, label="{label}"),
    }
    return _fill("guard.js", {"merchant": rules.order.merchant, "texts": texts})
