"""The seller's order book: every watched order, what is left to do, and where its evidence is.

    Book           the SQLite file (`_store`): open, migrate (`_schema`), write, read
    Order          one row and its status (`_model`)
    BookRecorder   what `run_order(book=…)` writes as the order happens (`_recorder`)
    select         the listing's filters (`_query`)
    rebuild        the book made again from the report folders (`_rebuild`)
    fingerprint    the customer's HMAC, never their phone number (`_customer`)

No customer data is ever written to it. Its file: `preflight.places.book_path`.
"""

from __future__ import annotations

from preflight.book._customer import fingerprint
from preflight.book._model import EXPORTED, STATUSES, Order, Status, exported
from preflight.book._query import select
from preflight.book._rebuild import rebuild
from preflight.book._recorder import BookRecorder
from preflight.book._store import Book

__all__ = [
    "EXPORTED",
    "STATUSES",
    "Book",
    "BookRecorder",
    "Order",
    "Status",
    "exported",
    "fingerprint",
    "rebuild",
    "select",
]
