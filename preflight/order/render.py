"""Jinja2 for the seller's pages: autoescaped (what they show comes from pages and rules),
one stylesheet and one script, both inline under the answer's CSP nonce."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from markupsafe import Markup

from preflight.i18n import Lang, templates, translations

# The words: `{{ _("order.…") }}`, gettext bound to the page's language at each render.
_ENV = templates("preflight.order")


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return resources.files("preflight.order").joinpath("templates", name).read_text("utf-8")


def render_page(
    template: str, lang: Lang, nonce: str, names: Mapping[str, str], **values: object
) -> str:
    """`template` in `lang`; `names` (the shop's, `Rules.names`) fill the messages'
    `{affiliate}`, `{merchant}` and `{order_later}`."""
    return _ENV.get_template(template).render(
        lang=lang,
        **translations(lang, **names),
        nonce=nonce,
        # Markup-safe: our own files, not page text (</script> cannot appear in them).
        css=Markup(_asset("pages.css")),
        js=Markup(_asset("pages.js")),
        **values,
    )
