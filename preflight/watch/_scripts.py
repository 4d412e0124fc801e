"""The JavaScript the watcher injects: the probe (always) and the guard (guard mode)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from preflight.i18n import Lang, say
from preflight.rules import Rules

BINDING = "__preflightReport"
_MARK = "/*__PREFLIGHT_CONFIG__*/ {}"


@lru_cache(maxsize=4)
def _source(name: str) -> str:
    return resources.files("preflight.watch").joinpath(name).read_text(encoding="utf-8")


def _fill(name: str, config: dict[str, object]) -> str:
    source = _source(name)
    # JSON is valid JavaScript; `</` is escaped so the text is safe anywhere it is embedded.
    return source.replace(_MARK, json.dumps(config, ensure_ascii=False).replace("</", "<\\/"), 1)


def probe_script(rules: Rules) -> str:
    order, cs = rules.order, rules.customer_service
    return _fill(
        "probe.js",
        {
            "binding": BINDING,
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
