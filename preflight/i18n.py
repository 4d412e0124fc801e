"""Messages in the EI's language (French) and in English.

Each module keeps its own catalogue, `{key: {"fr": …, "en": …}}`, next to the code that uses it;
this module only picks the language and formats.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping
from typing import Literal

Lang = Literal["fr", "en"]
Catalogue = Mapping[str, Mapping[Lang, str]]


def default_lang() -> Lang:
    """French when the locale says so (LC_ALL, LC_MESSAGES, LANG), English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    code = locale.getlocale()[0] or ""
    return "fr" if code.lower().startswith("fr") else "en"


def say(catalogue: Catalogue, key: str, lang: Lang, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled."""
    entry = catalogue[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
