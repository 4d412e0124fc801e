"""What each check is, in words: the title the start page's cards and the terminal's table give
it (the seller never reads an id)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from preflight.i18n import Lang, say
from preflight.rules import ChecklistItem

_TITLE = {
    "browser_family": "order.start.card.browser_family",
    "browser_version": "order.start.card.browser_version",
    "cache": "order.start.card.cache",
    "cookies": "order.start.card.cookies",
    "storage": "order.start.card.storage",
    "merchant_session": "order.start.card.merchant_session",
}


def check_title(
    check_id: str,
    lang: Lang,
    names: Mapping[str, str],
    checklist: Sequence[ChecklistItem] = (),
) -> str:
    """The check's title in `lang`: its card's, a checklist item's question, else a generic
    « other check » (a check added later still reads as words). `names`: the shop's names
    (`Rules.names`)."""
    if check_id in _TITLE:
        return say(_TITLE[check_id], lang, **names)
    for item in checklist:
        if item.id == check_id:
            return item.question(lang)
    return say("check.title.other", lang, **names)
