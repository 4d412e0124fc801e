"""`Book`: the order book's file — open, migrate, write and read orders.

SQLite in WAL mode with a busy timeout, so that two orders watched at once (two processes)
both land; every write is one short transaction. Every sqlite or file failure becomes a
`BookError` whose `kind` says what went wrong (corrupt, unreadable, full…), for the CLI's words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from preflight.book import _schema
from preflight.book._model import Order
from preflight.errors import BookError

BUSY_TIMEOUT_MS = 10_000
# The columns a recorder or a rebuild may set; anything else is a programming error.
_WRITABLE = frozenset(
    {
        "ended_at",
        "browser",
        "seller",
        "steps",
        "ending",
        "verdict",
        "reason",
        "violations",
        "number",
        "type",
        "order_date",
        "validation_due",
        "folder",
        "incomplete",
        "attributed_on",
        "validated_on",
        "installation_on",
        "sim_activated_on",
        "customer",
    }
)
_JSON = ("steps", "violations")
_SQLITE_FULL = 13


class Book:
    """One open order book. Use as a context manager; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str], *, upto: int = _schema.VERSION) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        with self._failing("open"):
            _make_folder(self.path.parent)
            new = not self.path.exists()
            self._conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
        try:
            with self._failing("open"):
                if new:
                    os.chmod(self.path, 0o600)  # the book says who sold what: owner-only
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self.version = _schema.migrate(self._conn, upto=upto)
        except _schema.NewerBook as newer:
            self._conn.close()
            raise BookError(
                f"{self.path}: written by a newer preflight (schema {newer.args[0]})",
                path=self.path,
                kind="newer",
            ) from None
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def start(self, run: str, *, folder: Path, browser: str = "", seller: str | None = None,
              started_at: dt.datetime | None = None, pid: int | None = None,
              host: str | None = None) -> int:  # fmt: skip
        """Record an order that starts now (unfinished until `update(…, ended_at=…)`); its id."""
        started = (started_at or dt.datetime.now(dt.UTC)).isoformat()
        with self._failing("write"), self._lock:
            cursor = self._conn.execute(
                "INSERT INTO orders (run, started_at, pid, host, browser, seller, folder) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run,
                    started,
                    os.getpid() if pid is None else pid,
                    socket.gethostname() if host is None else host,
                    browser,
                    seller,
                    str(folder),
                ),
            )
            return int(cursor.lastrowid or 0)

    def update(self, order_id: int, **values: Any) -> None:
        """Set some of an order's columns (lists as JSON, dates as ISO text)."""
        if not values:
            return
        unknown = set(values) - _WRITABLE
        if unknown:
            raise ValueError(f"not a column the book lets one set: {sorted(unknown)}")
        columns = ", ".join(f"{name} = ?" for name in values)
        params = [_sql_value(name, value) for name, value in values.items()]
        with self._failing("write"), self._lock:
            self._conn.execute(f"UPDATE orders SET {columns} WHERE id = ?", (*params, order_id))

    def mark(self, number: str, column: str, on: dt.date) -> Order:
        """The seller's mark on the newest order with this number (attributed, validated…)."""
        if column not in ("attributed_on", "validated_on", "installation_on", "sim_activated_on"):
            raise ValueError(column)
        found = self.find(number)
        self.update(found.id, **{column: on})
        return self.find(number)

    # -- reading ----------------------------------------------------------------------------

    def orders(self) -> list[Order]:
        """Every order, newest first."""
        with self._failing("read"), self._lock:
            rows = self._conn.execute("SELECT * FROM orders ORDER BY started_at DESC, id DESC")
            names = [d[0] for d in rows.description]
            return [_order(dict(zip(names, row, strict=True))) for row in rows.fetchall()]

    def find(self, number: str) -> Order:
        """The newest order with this number (a number is re-watched when retried)."""
        wanted = number.strip()
        for order in self.orders():
            if order.number == wanted:
                return order
        raise BookError(
            f"{self.path}: no order numbered {wanted!r}",
            path=self.path,
            kind="unknown_order",
            detail=wanted,
        )

    def by_run(self, run: str) -> Order | None:
        return next((order for order in self.orders() if order.run == run), None)

    # -- failures ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise _book_error(self.path, doing, error) from None
        except OSError as error:
            kind = "full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "unreadable"
            raise BookError(
                f"{self.path}: cannot {doing} the book ({error.strerror or error})",
                path=self.path,
                kind=kind,
                detail=error.strerror or str(error),
            ) from None


def _book_error(path: Path, doing: str, error: sqlite3.Error) -> BookError:
    code = getattr(error, "sqlite_errorcode", None)
    text = str(error)
    if code == _SQLITE_FULL or "full" in text:
        kind = "full"
    elif isinstance(error, sqlite3.OperationalError) and "unable to open" in text:
        kind = "unreadable"
    elif isinstance(error, sqlite3.OperationalError) and "locked" in text:
        kind = "busy"
    elif isinstance(error, sqlite3.DatabaseError):
        kind = "corrupt"
    else:
        kind = "unreadable"
    return BookError(f"{path}: cannot {doing} the book ({text})", path=path, kind=kind, detail=text)


def _make_folder(folder: Path) -> None:
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)


def _sql_value(name: str, value: Any) -> Any:
    if name in _JSON:
        return json.dumps(list(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _order(row: dict[str, Any]) -> Order:
    def day(text: str | None) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    def when(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    def listed(text: str | None) -> Sequence[str]:
        try:
            found = json.loads(text or "[]")
        except ValueError:
            return ()
        return tuple(str(item) for item in found) if isinstance(found, list) else ()

    started = when(row["started_at"])
    assert started is not None
    return Order(
        id=row["id"],
        run=row["run"],
        started_at=started,
        ended_at=when(row["ended_at"]),
        pid=row["pid"],
        host=row["host"],
        browser=row["browser"] or "",
        seller=row["seller"],
        steps=listed(row["steps"]),
        ending=row["ending"],
        verdict=row["verdict"],
        reason=row["reason"],
        violations=listed(row["violations"]),
        number=row["number"],
        type=row["type"],
        order_date=row["order_date"],
        validation_due=day(row["validation_due"]),
        folder=Path(row["folder"]),
        incomplete=bool(row["incomplete"]),
        attributed_on=day(row["attributed_on"]),
        validated_on=day(row.get("validated_on")),
        installation_on=day(row.get("installation_on")),
        sim_activated_on=day(row.get("sim_activated_on")),
        customer=row.get("customer"),
    )
