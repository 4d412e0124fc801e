"""Jinja2 for the seller's pages: autoescaped (what they show comes from pages and rules),
one stylesheet and one script, both inline under the answer's CSP nonce."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
from markupsafe import Markup

from preflight.i18n import Lang, say
from preflight.order._texts import TEXTS

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("preflight.order", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return resources.files("preflight.order").joinpath("templates", name).read_text("utf-8")


def render_page(template: str, lang: Lang, nonce: str, **values: object) -> str:
    def t(key: str, **more: object) -> str:
        return say(TEXTS, key, lang, **more)

    return _ENV.get_template(template).render(
        lang=lang,
        t=t,
        nonce=nonce,
        # Markup-safe: our own files, not page text (</script> cannot appear in them).
        css=Markup(_asset("pages.css")),
        js=Markup(_asset("pages.js")),
        **values,
    )
