"""Owner-only, fsynced and atomic files: how every report file reaches the disk.

A report holds evidence about a customer's order, so folders are created 0o700 and files 0o600
whatever the umask, and every failure becomes a `ReportError` naming the path and what failed.
Whole files (report.json, report.html, the support summary) are written to a temporary file in
the same folder, fsynced, then renamed over the target: a reader sees the old file or the new
one, never half of one, and a full disk leaves the previous version intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from preflight.errors import ReportError

DIR_MODE = 0o700
FILE_MODE = 0o600


def failure(path: Path, doing: str, error: OSError) -> ReportError:
    """One clear message: which path, what was being done, and the system's reason."""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += " (the disk is full)"
    elif error.errno == errno.EFBIG:
        reason += " (a file size limit was reached)"
    return ReportError(f"report not written: cannot {doing} {path}: {reason}")


def make_private_dir(path: Path, *, must_be_new_or_empty: bool = False) -> None:
    """Create `path` (and its parents) and make it owner-only.

    A folder that already exists is only accepted empty when `must_be_new_or_empty`: a report
    folder belongs to one order, and changing the permissions of a folder full of someone's
    other files would be a surprise.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not path.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder") from None
            if must_be_new_or_empty and any(path.iterdir()):
                raise ReportError(
                    f"report not written: {path} is not empty — give a new or empty folder "
                    "(one folder per order)"
                ) from None
        # mkdir's mode is filtered by the umask; the report must be owner-only regardless.
        os.chmod(path, DIR_MODE)
    except OSError as error:
        raise failure(path, "create the folder", error) from None


def open_append(path: Path) -> int:
    """An owner-only file descriptor that appends to `path` (created if missing)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
    except OSError as error:
        raise failure(path, "open", error) from None
    return fd


def append_durably(fd: int, data: bytes, path: Path) -> None:
    """Append `data` whole and fsync; on failure cut the file back so no torn line stays.

    The log survives a crash up to its last line because each line reaches the disk before the
    call returns; if the disk fills mid-line, the partial bytes are removed so the next line
    does not land glued to half of this one.
    """
    try:
        start = os.fstat(fd).st_size
    except OSError as error:
        raise failure(path, "append to", error) from None
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start)
        raise failure(path, "append to", error) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temporary owner-only file, fsync, rename, fsync the folder."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except OSError as error:
        raise failure(path, "create a temporary file for", error) from None
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise failure(path, "write", error) from None
    sync_dir(path.parent)


def sync_dir(path: Path) -> None:
    """Make a rename in `path` durable (best effort: some filesystems refuse it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
