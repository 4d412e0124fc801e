"""Owner-only, fsynced and atomic files: how every report file and artifact reaches the disk.

A report holds evidence about a customer's order, so folders are created 0o700 (the parents
preflight creates too) and files 0o600 whatever the umask, and every failure becomes a
`ReportError` naming the path and what failed. Whole files (report.json, report.html, the
support summary, screenshots) are written to a temporary file in the same folder, fsynced, then
renamed over the target: a reader sees the old file or the new one, never half of one, and a
full disk leaves the previous version intact.

Names that come from outside (a scenario's `screenshot:` file, a scenario name) go through
`write_inside()`: the path must stay inside its folder (no absolute path, no `..`), no folder or
file on the way may be a symbolic link (one planted under the next screenshot's name would have
its target overwritten), and a name the filesystem cannot hold is refused in words, not skipped.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from preflight.atomic import PRIVATE_FILE, replace_file
from preflight.errors import ReportError

DIR_MODE = 0o700
FILE_MODE = PRIVATE_FILE
# Most filesystems (ext4, APFS, NTFS) hold at most 255 bytes per name.
MAX_NAME_BYTES = 255
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


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
        refuse_links(path)
        _make_parents(path.parent)
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
        os.chmod(path, DIR_MODE)  # not a link: refused above
    except OSError as error:
        raise failure(path, "create the folder", error) from None


def refuse_links(folder: Path, names: Iterable[str] = ()) -> None:
    """`ReportError` when `folder`, or a file or folder `names` names in it, is a symbolic link:
    a run checks the folders and files it will write before it writes anything (issue #25: a
    replay wrote each scenario's report through a linked folder before refusing it)."""
    for path in [folder, *(folder / name for name in names)]:
        if path.is_symlink():
            raise ReportError(
                f"report not written: {path} is a symbolic link — give a real folder "
                "(a link would be followed, and what it points to made private)"
            )


def _make_parents(path: Path) -> None:
    """Create the missing folders of `path`, owner-only (existing ones are left as they are)."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)


def resolve_inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused in words when `name` could leave `folder` or cannot be a file."""
    where = f"{name[:80]!r}" + ("…" if len(name) > 80 else "")
    if "\x00" in name:
        raise ReportError(f"cannot write {where}: a file name cannot hold a NUL character")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise ReportError(
            f"cannot write {where}: expected a file name inside {folder} (a relative name, no '..')"
        )
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in parts):
        raise ReportError(
            f"cannot write {where}: a file or folder name is at most {MAX_NAME_BYTES} bytes"
        )
    return folder.joinpath(*parts)


def write_inside(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to `name` inside `folder` (created owner-only), atomically; its path.

    Refuses a name that leaves `folder` and any symbolic link on the way (folder, sub-folder or
    the file itself); every failure is a `ReportError` that says which path and why.
    """
    target = resolve_inside(folder, name)
    make_private_dir(folder)
    current = folder
    for part in target.relative_to(folder).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise ReportError(f"cannot write {target}: {current} is a symbolic link (refused)")
        make_private_dir(current)
    if target.is_symlink():
        raise ReportError(f"cannot write {target}: it is a symbolic link (refused)")
    if target.exists() and not target.is_file():
        raise ReportError(f"cannot write {target}: it exists and is not a file")
    write_atomically(target, data)
    return target


def open_append(path: Path) -> int:
    """An owner-only file descriptor that appends to `path` (created if missing)."""
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | _NOFOLLOW
        fd = os.open(path, flags, FILE_MODE)
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
    """Replace `path` with `data`, owner-only (`preflight.atomic`); a `ReportError` on failure."""
    try:
        replace_file(path, data, mode=FILE_MODE)
    except OSError as error:
        raise failure(path, "write", error) from None
