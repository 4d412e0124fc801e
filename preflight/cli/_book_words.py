"""The order book's errors in the seller's words: one message, what to do (issue #24)."""

from __future__ import annotations

from preflight.errors import BookError
from preflight.i18n import Lang, known, say


def book_error_text(error: BookError, lang: Lang) -> str:
    """« preflight : le carnet de commandes … » with the file and what to do."""
    key = f"cli.orders.error.{error.kind}"
    if not known(key):
        key = "cli.orders.error.unreadable"
    return say(key, lang, path=str(error.path), detail=error.detail or str(error))
