"""Where preflight keeps its files: one data folder per user, and what lives in it.

The data folder is the platform's (`platformdirs`: `~/.local/share/preflight` on Linux,
`~/Library/Application Support/preflight` on macOS, `%LOCALAPPDATA%\\preflight` on Windows);
`XDG_DATA_HOME` moves it on Linux, as for every program. In it:

* `rapports/` — the reports of watched orders (`preflight order` without `--report`);
* `commandes.sqlite3` — the order book (`preflight.book`); `--book FILE`, then the
  `PREFLIGHT_BOOK` environment variable, put it elsewhere (that precedence, nowhere else);
* `cle-client.secret` — the key of the customer fingerprints (HMAC), owner-only.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

BOOK_ENV = "PREFLIGHT_BOOK"
BOOK_FILE = "commandes.sqlite3"
REPORTS_FOLDER = "rapports"
SECRET_FILE = "cle-client.secret"


def data_folder() -> Path:
    """The user's data folder for preflight (not created here)."""
    return Path(platformdirs.user_data_dir("preflight", appauthor=False))


def reports_folder() -> Path:
    """Where a report folder goes when none is given."""
    return data_folder() / REPORTS_FOLDER


def book_path(given: str | os.PathLike[str] | None = None) -> Path:
    """The order book's file: `given` (`--book`), else `$PREFLIGHT_BOOK`, else the default."""
    if given is not None and str(given):
        return Path(given).expanduser()
    from_env = os.environ.get(BOOK_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return data_folder() / BOOK_FILE


def secret_path() -> Path:
    """The key of the customer fingerprints (created on first use, owner-only)."""
    return data_folder() / SECRET_FILE
