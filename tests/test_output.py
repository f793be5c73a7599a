"""ballots/output.py: atomic writes and refusing to clobber."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ballots.errors import TallyError
from ballots.output import refuse_existing, write_atomic


def test_failed_rename_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.json"
    target.write_bytes(b"old")

    def boom(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(TallyError) as info:
        write_atomic(target, b"new")
    assert info.value.diagnostics[0].code == "E602"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_interrupt_during_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.xlsx"
    target.write_bytes(b"old")

    def interrupted(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]


def test_refuse_existing(tmp_path: Path) -> None:
    (tmp_path / "r.xlsx").write_bytes(b"x")
    with pytest.raises(TallyError) as info:
        refuse_existing([tmp_path / "r.json", tmp_path / "r.xlsx"], force=False)
    assert info.value.diagnostics[0].code == "E601"
    refuse_existing([tmp_path / "r.xlsx"], force=True)
