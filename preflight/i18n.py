"""Messages in the EI's language, from gettext catalogues.

Code names a message by a stable key (`check.cache.fixed`, `report.verdict.lost`); its words
live in `locale/<lang>/LC_MESSAGES/preflight.po`, one catalogue per language, each entry with a
`msgctxt` telling the translator where the text shows and what it is. `locale/preflight.pot`
lists the keys, with the English text as a comment. The `.po` files are read with Babel when a
language is first needed: no compiled `.mo` to keep in step. `PREFLIGHT_LOCALE_DIR` names
another locale folder, whose catalogues come over the package's: a translation is tried without
reinstalling.

A language is any that has a catalogue; a message missing from it (or left empty) is said in
English. Texts hold `{placeholders}`, filled by `say`.

A catalogue is data, not code (issue #25): a placeholder is a plain name and nothing else — no
attribute or index access (`{path.__reduce__...}` would read the process's memory), no format
spec (`{affiliate:>50000000}` would take gigabytes), no conversion — and a name the call does
not give is an error too. An entry that breaks these rules is logged and said in the package's
own English instead: never a traceback, never a hang.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.pofile import read_po
from loguru import logger

from preflight.errors import UsageError

if TYPE_CHECKING:
    import jinja2

# Any language with a catalogue: a plain string, checked at the boundary (`checked_lang`).
Lang = str

DOMAIN = "preflight"
FALLBACK: Lang = "en"
LOCALE_DIR_ENV = "PREFLIGHT_LOCALE_DIR"


def _chosen() -> str:
    """`PREFLIGHT_LOCALE_DIR`, or "" when unset."""
    return os.environ.get(LOCALE_DIR_ENV, "").strip()


def _roots(chosen: str) -> list[Traversable]:
    """Where catalogues are: the package's `locale/`, then `PREFLIGHT_LOCALE_DIR` over it."""
    own = resources.files("preflight").joinpath("locale")
    return [own, Path(chosen)] if chosen else [own]


def _po(root: Traversable, lang: str) -> Traversable:
    return root.joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")


def available_langs() -> tuple[Lang, ...]:
    """The languages that have a catalogue, sorted."""
    return tuple(
        sorted(
            {
                folder.name
                for root in _roots(_chosen())
                if root.is_dir()
                for folder in root.iterdir()
                if folder.is_dir() and _po(root, folder.name).is_file()
            }
        )
    )


def checked_lang(lang: str | None) -> Lang:
    """`--lang` as given (None: `default_lang()`); a language without a catalogue is a usage
    error that names the ones there are."""
    if lang is None:
        return default_lang()
    langs = available_langs()
    if lang not in langs:
        raise UsageError(f"--lang {lang!r}: no such language; available: {', '.join(langs)}")
    return lang


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


def _entries(path: Traversable) -> dict[str, str]:
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        catalog = read_po(file, domain=DOMAIN)
    # gettext's rule: a fuzzy or empty translation is no translation.
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        if not m.fuzzy
    }


@lru_cache(maxsize=16)
def _catalogue(chosen: str, lang: str) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for root in _roots(chosen):
        found.update(_entries(_po(root, lang)))
    return found


def catalogue(lang: Lang) -> Mapping[str, str]:
    """`lang`'s messages by key, as its `.po` has them (`PREFLIGHT_LOCALE_DIR`'s over the
    package's), read once per folder and language."""
    return _catalogue(_chosen(), lang)


def known(key: str) -> bool:
    """Whether `key` is a message (code that builds a key from data asks first)."""
    return key in catalogue(FALLBACK)


# `{{`, `}}`, a `{plain_name}`, or any other brace: the last one makes the text a bad entry.
_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|[{}]")


class BadEntry(ValueError):
    """A catalogue text that is not a plain-names template, or names a value not given."""


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with each `{name}` replaced by `str(values[name])` and `{{`/`}}` by a brace, as
    `str.format` would for plain names; anything else in braces raises `BadEntry`."""

    def one(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            return token[0]
        if name is None:
            raise BadEntry(f"a brace that is not a plain {{name}} at {match.start()}")
        if name not in values:
            raise BadEntry(f"no value for {{{name}}}")
        return str(values[name])

    return _FIELD.sub(one, text)


def say(key: str, lang: Lang, /, **values: object) -> str:
    """The message `key` in `lang` (English when `lang` lacks it), `{placeholders}` filled.

    A translation that is not a plain-names template (see the module's docstring) is logged and
    replaced by the package's own English text."""
    own = _catalogue("", FALLBACK)
    text = catalogue(lang).get(key) or catalogue(FALLBACK).get(key) or own[key]
    if not values:
        return text
    try:
        return fill(text, values)
    except BadEntry as error:
        # The key and what is wrong, never the entry's text (it may be megabytes of anything).
        logger.warning("catalogue entry {} ({}) not used: {}; said in English", key, lang, error)
    return fill(own[key], values)


def translations(lang: Lang, **names: object) -> dict[str, Callable[..., str]]:
    """The gettext callables of Jinja2's i18n extension, bound to `lang` for one render: pass
    them to `render()`. `names` fill every message's placeholders (the shop's names), and a
    call's own values come on top: `{{ _("report.title") }}`, `{{ _("x", n=3) }}`."""

    def gettext(key: str, /, **values: object) -> str:
        return say(key, lang, **names, **values) if names or values else say(key, lang)

    def ngettext(key: str, plural: str, n: int, /, **values: object) -> str:
        return gettext(key if n == 1 else plural, n=n, **values)

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def templates(package: str) -> jinja2.Environment:
    """Jinja2 for the pages of `package` (its `templates/` folder), whose words are `{{ _("…") }}`
    filled by `translations` at each render; autoescaped, as URLs, titles and step names come
    from web pages, and strict, so that a missing value is an error and not an empty string."""
    import jinja2  # only the commands that write a page pay for it

    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def shop_names(
    merchant: str, affiliate: str, order_later: Sequence[str], lang: Lang
) -> dict[str, str]:
    """The names messages give the shop (`{merchant}`, `{affiliate}`, `{order_later}`), from the
    rules' `[shop]` table and `order.order_later`."""
    later = f"« {order_later[0]} »" if order_later else say("shop.order_later", lang)
    return {"merchant": merchant, "affiliate": affiliate, "order_later": later}
