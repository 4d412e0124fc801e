"""The book's schema, as numbered migrations: a book of any earlier version is brought to the
current one when it is opened, in one transaction, and a book from a newer preflight is refused
rather than damaged.

Each migration is the SQL that takes version N-1 to N; `schema_version` holds N. Never edit a
shipped migration: add the next one.
"""

from __future__ import annotations

import sqlite3

# Version 1: what `preflight order` records, and the attribution mark.
_V1 = """
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL UNIQUE,          -- one watched order (a random id)
    started_at TEXT NOT NULL,          -- ISO 8601, UTC
    ended_at TEXT,                     -- NULL: running, or killed (see pid/host)
    pid INTEGER,
    host TEXT,
    browser TEXT NOT NULL DEFAULT '',
    seller TEXT,                       -- the ACN link's seller id (ei=)
    steps TEXT NOT NULL DEFAULT '[]',  -- JSON list of the steps reached, in order
    ending TEXT,                       -- preflight.report.advice.Ending
    verdict TEXT,                      -- the ACN session's verdict
    reason TEXT,
    violations TEXT NOT NULL DEFAULT '[]',  -- JSON list of violation kinds
    number TEXT,
    type TEXT,
    order_date TEXT,
    validation_due TEXT,               -- ISO date
    folder TEXT NOT NULL,              -- the report folder
    incomplete INTEGER NOT NULL DEFAULT 1,
    attributed_on TEXT                 -- the seller sent SFR's confirmation form (ISO date)
);
CREATE INDEX orders_number ON orders(number);
"""

# Version 2: the seller's other marks, and the customer's fingerprint (R10: second SIM).
_V2 = """
ALTER TABLE orders ADD COLUMN validated_on TEXT;
ALTER TABLE orders ADD COLUMN installation_on TEXT;
ALTER TABLE orders ADD COLUMN sim_activated_on TEXT;
ALTER TABLE orders ADD COLUMN customer TEXT;  -- HMAC of the daytime phone, never the number
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
VERSION = len(MIGRATIONS)


class NewerBook(Exception):
    """The book was written by a newer preflight (its version is `args[0]`)."""


def version_of(conn: sqlite3.Connection) -> int:
    found = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if found is None:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, *, upto: int = VERSION) -> int:
    """Bring the book to version `upto` (tests stop early to build an old book); its version.

    `BEGIN IMMEDIATE`: two processes opening a new book at once do not both migrate it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = version_of(conn)
        if current > VERSION:
            raise NewerBook(current)
        if current == 0:
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for number in range(current + 1, upto + 1):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (number,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(current, upto)
