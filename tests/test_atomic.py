"""One atomic writer (issue #26): reports, recorded scenarios and scrubbed traces reach the disk
the same way — whole or not at all, owner-only whatever the umask, a link replaced and never
followed, no temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from preflight.atomic import replace_file, replacing
from preflight.scenario._writer import write_scenario_file


def test_a_file_is_replaced_whole_and_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")
    old = os.umask(0)
    try:
        replace_file(target, b"new")
        write_scenario_file(tmp_path / "recorded.yaml", "name: s\n")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "recorded.yaml").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recorded.yaml", "report.json"]


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "trace.zip"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(target) as handle:
        handle.write(b"half")
        raise RuntimeError("stopped mid-write")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.zip"]


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"untouched")
    link = tmp_path / "out.yaml"
    link.symlink_to(elsewhere)
    replace_file(link, b"new")
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert elsewhere.read_bytes() == b"untouched"
