"""The one way preflight replaces a file: whole, durable, owner-only, on every platform.

The new content goes to a temporary file in the target's folder (created owner-only, never
through a symbolic link), is fsynced, then renamed over the target with `os.replace` — atomic
on POSIX and on Windows, where it also replaces an existing file — and the folder is fsynced
so the rename survives a power cut (POSIX only: Windows cannot open a folder for fsync). A
reader, a crash, a full disk or Ctrl+C leaves the old file or the new one, never half of one,
and no temporary file behind. A symbolic link at the target is replaced, not followed.

Files are 0o600 whatever the umask: reports, recorded scenarios and scrubbed traces may hold
what a seller typed. Failures are `OSError`s; each caller says them in its own words.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE = 0o600
# Absent on Windows: there, a temporary file is not inherited and no folder is opened.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


@contextlib.contextmanager
def replacing(path: Path, *, mode: int = PRIVATE_FILE) -> Iterator[BinaryIO]:
    """A binary file to write the new content of `path` into; `path` is replaced when the
    block ends without an exception, and left as it was (no temporary file left) otherwise."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, _FLAGS | _NOFOLLOW | _BINARY, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            # open()'s mode is filtered by the umask; the file must be `mode` regardless.
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            else:  # Windows before Python 3.13: only the read-only flag, which stays off
                os.chmod(temporary, mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    sync_folder(path.parent)


def replace_file(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Replace `path` with `data` (see `replacing`)."""
    with replacing(path, mode=mode) as handle:
        handle.write(data)


def sync_folder(path: Path) -> None:
    """Make a rename in `path` durable: best effort (some filesystems refuse it), and nothing
    on Windows, where a folder cannot be opened for fsync."""
    directory = getattr(os, "O_DIRECTORY", None)
    if directory is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | directory)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
