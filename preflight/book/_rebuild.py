"""`rebuild`: the book made again from the report folders — the reports are the source of truth.

Where it looks: the default reports folder (`preflight.places.reports_folder`), the folders the
old book recorded (when it can still be read) and any folder given. The old file is moved aside
(`…sqlite3.ancien-<date>`), never deleted; the seller's own marks (attributed, validated…) are
carried over from it, by report folder, when it can be read.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loguru import logger

from preflight.book._from_report import report_values
from preflight.book._store import Book
from preflight.errors import BookError, ReportError
from preflight.places import reports_folder
from preflight.report.models import load_report

_MARKS = ("attributed_on", "validated_on", "installation_on", "sim_activated_on", "customer")


def rebuild(path: str | Path, folders: Iterable[Path] = ()) -> int:
    """Rebuild the book at `path`; the number of orders it holds afterwards."""
    path = Path(path)
    places: list[Path] = [*folders]
    marks: dict[str, dict[str, Any]] = {}
    if path.exists():
        try:
            with Book(path) as old:
                for order in old.orders():
                    places.append(order.folder)
                    marks[_key(order.folder)] = {m: getattr(order, m) for m in _MARKS}
        except BookError as error:  # the reason to rebuild: the reports are enough
            logger.debug("old book unreadable: {}", error)
        _move_aside(path)
    base = reports_folder()
    if base.is_dir():
        places.extend(child for child in base.iterdir() if child.is_dir())
    seen: set[str] = set()
    with Book(path) as book:
        for folder in places:
            key = _key(folder)
            if key in seen or not (folder / "report.json").is_file():
                continue
            seen.add(key)
            try:
                report = load_report(folder)
            except ReportError as error:
                logger.warning("not in the book: {}", error)
                continue
            values = report_values(report, folder)
            run = uuid.uuid5(uuid.NAMESPACE_URL, key).hex
            order_id = book.start(run, folder=folder, started_at=report.started_at, pid=0, host="")
            kept = {k: v for k, v in marks.get(key, {}).items() if v is not None}
            book.update(order_id, **values, **kept)
        return len(book.orders())


def _key(folder: Path) -> str:
    return str(folder.expanduser().resolve())


def _move_aside(path: Path) -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, path.with_name(f"{path.name}.ancien-{stamp}{suffix}"))
