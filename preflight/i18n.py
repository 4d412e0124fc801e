"""Messages in the EI's language (French) and in English.

Each module keeps its own catalogue, `{key: {"fr": …, "en": …}}`, next to the code that uses it;
this module only picks the language and formats.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Literal

Lang = Literal["fr", "en"]
Catalogue = Mapping[str, Mapping[Lang, str]]


def default_lang() -> Lang:
    """The language when no `--lang` is given: the locale's (LC_ALL, then LC_MESSAGES, then
    LANG, the first one set) — French for `fr…`, English for any other language — and French
    when none names a language (unset, `C`, `POSIX`): preflight is first for French sellers."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if not value or value.split(".")[0].upper() in ("C", "POSIX"):
            continue
        return "fr" if value.lower().startswith("fr") else "en"
    return "fr"


def say(catalogue: Catalogue, key: str, lang: Lang, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled."""
    entry = catalogue[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def shop_names(
    merchant: str, affiliate: str, order_later: Sequence[str], lang: Lang
) -> dict[str, str]:
    """The names messages give the shop (`{merchant}`, `{affiliate}`, `{order_later}`), from the
    rules' `[shop]` table and `order.order_later`."""
    later = f"« {order_later[0]} »" if order_later else _ORDER_LATER[lang]
    return {"merchant": merchant, "affiliate": affiliate, "order_later": later}


# When the rules name no « order later » control: what it is, in words.
_ORDER_LATER: Mapping[Lang, str] = {"fr": "la commande différée", "en": "the order-later option"}
