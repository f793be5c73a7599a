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


def test_an_output_that_is_an_input_is_refused_even_with_force(tmp_path: Path) -> None:
    """`tally count event.toml entry.xlsx -o entry.xlsx --force` replaced the typed ballots with
    the minutes counted from them; `reconcile A B -o B --force` replaced the second entry with the
    differences. Both files stay as they were."""
    import shutil

    from conftest import SAMPLES, run_tally

    from ballots.errors import ExitCode
    from ballots.output import refuse_input_as_output

    entry = tmp_path / "entry.xlsx"
    shutil.copyfile(SAMPLES / "ballots.xlsx", entry)
    named_json = tmp_path / "res.json"      # a ballot file is known by its content, whatever its name
    shutil.copyfile(SAMPLES / "ballots.xlsx", named_json)
    with pytest.raises(TallyError) as info:
        refuse_input_as_output([tmp_path / "new.xlsx", tmp_path / "." / "entry.xlsx"], [named_json, entry])
    assert [d.code for d in info.value.diagnostics] == ["E604"]
    refuse_input_as_output([tmp_path / "new.xlsx"], [named_json, entry])        # not an input: fine
    event = SAMPLES / "event.toml"
    cases = [
        (["count", event, entry, "-o", entry, "--force"], entry),
        (["count", event, named_json, "-o", tmp_path / "res.xlsx", "--force"], named_json),   # results.json beside
        (["reconcile", SAMPLES / "ballots.xlsx", entry, "--event", event, "-o", entry, "--force"], entry),
    ]
    for lang in ("en", "vi"):
        for args, kept in cases:
            before = kept.read_bytes()
            proc = run_tally("--lang", lang, *args)
            assert proc.returncode == ExitCode.OUTPUT and "E604" in proc.stderr, proc.stdout + proc.stderr
            assert kept.read_bytes() == before
    assert not (tmp_path / "res.xlsx").exists()


def test_same_file_by_path_link_and_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ballots.output.same_file (E604, E418): one file under any spelling of its path or as a
    hard link; two files are two even where the system gives every file the id 0 (Windows on
    WebDAV, sshfs-win and cloud drives, python/cpython#78116); a missing file is no file."""
    from ballots.output import same_file

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    assert same_file(a, tmp_path / "." / "a.xlsx")
    assert not same_file(a, b)
    assert not same_file(a, tmp_path / "missing.xlsx")
    assert not same_file(tmp_path / "missing.xlsx", tmp_path / "missing.xlsx")
    link = tmp_path / "link.xlsx"
    os.link(a, link)
    assert same_file(a, link)
    real_stat = os.stat

    def no_ids(path: object, *args: object, **kwargs: object) -> os.stat_result:
        st = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        return os.stat_result((st.st_mode, 0, 0, *tuple(st)[3:]))

    monkeypatch.setattr(os, "stat", no_ids)
    assert not same_file(a, b)            # two files, both "id 0 on device 0"
    assert same_file(a, tmp_path / "." / "a.xlsx")
