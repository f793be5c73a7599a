"""tally/resultset.py and tally/locking.py (issue 10, item 5; issue 12): a result set is
replaced as a unit, one writer at a time, never through a symbolic link, and a file held
open by Excel gets "close it in Excel"."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA, run_tally, tally_cmd
from sigtools import count_sample, sample_key

from ballots import output
from ballots.errors import TallyError
from tally import pipeline
from tally.keys import new_key
from tally.resultset import ResultSet, commit, recover
from tally.sign import sign_results
from tally.verify import verify_files

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TRUST = str(DATA / "keys" / "committee.pub")


def state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != ".tally.lock"}


def code_of(exc: pytest.ExceptionInfo[TallyError]) -> str:
    return exc.value.diagnostics[0].code


@pytest.fixture(scope="module")
def signed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = count_sample(tmp_path_factory.mktemp("signed"))
    sign_results(out, sample_key())
    return out


@pytest.fixture
def signed(signed_once: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    shutil.copytree(signed_once.parent, dest)
    return dest / "results.xlsx"


def recount(out: Path) -> None:
    pipeline.count_and_write(SAMPLES / "event.toml", [SAMPLES / "ballots.xlsx"], out, force=True)


def is_old_or_new(folder: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    now = state(folder)
    assert now in (old, new), sorted(now)
    return "old" if now == old else "new"


# --- a crash at every step of a commit ---------------------------------------------------


class Crash(BaseException):
    """A kill, as far as the files are concerned: nothing after it runs."""


@pytest.mark.parametrize("operation", ["replace", "unlink", "fsync"])
def test_a_crash_at_any_step_leaves_the_old_or_the_new_set_after_the_next_run(
        signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    """`count --force` over signed results, stopped at its 1st, 2nd, ... call of `operation`
    (every rename, deletion or flush it makes), then the next run's recovery: each time the
    folder holds the whole old set or the whole new set, and no temporary file."""
    folder = signed.parent
    old = state(folder)
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)
    reference = tmp_path / "ref"
    shutil.copytree(folder, reference)
    recount(reference / "results.xlsx")               # --force: the unsigned new set, signatures gone
    new = state(reference)
    assert new != old and not any(n.endswith((".sig", ".p7s")) for n in new)
    real = getattr(os, operation)
    seen = {"old": 0, "new": 0}
    for step in range(1, 200):
        monkeypatch.setattr(os, operation, crash_at(step, real))
        try:
            recount(signed)
            crashed = False
        except Crash:
            crashed = True
        finally:
            monkeypatch.setattr(os, operation, real)
        rs = ResultSet.of(signed)
        recover(rs)                                   # what the next run does first
        assert not rs.temporaries() and not rs.journal.exists()
        seen[is_old_or_new(folder, old, new)] += 1
        if not crashed:
            break
        shutil.rmtree(folder)
        shutil.copytree(pristine, folder)
    # renames and flushes happen before the commit point too; deletions only after it
    assert seen["new"] >= 1 and (seen["old"] >= 1 or operation == "unlink"), seen


def crash_at(step: int, real: Callable[..., object]) -> Callable[..., object]:
    calls = {"n": 0}

    def crashing(*args: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == step:
            raise Crash
        return real(*args, **kw)

    return crashing


def test_a_full_disk_leaves_the_old_set_and_no_temporary_file(signed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = signed.parent
    old = state(folder)
    real = os.fsync
    calls = {"n": 0}

    def full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:                            # results.json went; results.xlsx does not fit
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TallyError) as exc:
        recount(signed)
    assert code_of(exc) == "E602" and "disk space" in exc.value.diagnostics[0].hint
    assert state(folder) == old
    assert verify_files([signed], [TRUST]).passed


def test_leftovers_of_an_uncommitted_run_are_removed_by_the_next(signed: Path) -> None:
    folder = signed.parent
    old = state(folder)
    for name in (".results.xlsx.0123456789ab.new", ".results.json.sig.0123456789ab.new"):
        (folder / name).write_bytes(b"half")
    (folder / "unrelated.new").write_bytes(b"mine")
    assert verify_files([signed], [TRUST]).passed      # verify finishes what was left, too
    assert state(folder) == {**old, "unrelated.new": b"mine"}


def test_a_journal_tally_did_not_write_commits_nothing(signed: Path) -> None:
    folder = signed.parent
    old = state(folder)
    (folder / "victim.txt").write_bytes(b"keep me")
    rs = ResultSet.of(signed)
    rs.journal.write_text('{"schema": "tally-commit/1", "replace": [["victim.txt", "results.xlsx"]], '
                          '"remove": ["../x"]}', encoding="utf-8")
    recover(rs)
    assert state(folder) == {**old, "victim.txt": b"keep me"}


# --- one writer at a time ----------------------------------------------------------------


def test_two_counts_without_force_at_once_write_once(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "results.xlsx"
    env = dict(os.environ, COLUMNS="160")
    env.pop("TALLY_DEBUG", None)
    for round_ in range(3):
        target = tmp_path / f"r{round_}" / "results.xlsx"
        runs = [subprocess.Popen([*tally_cmd(), "count", str(SAMPLES / "event.toml"), str(SAMPLES / "ballots.xlsx"),
                                  "-o", str(target)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
        outs = [p.communicate(timeout=180) for p in runs]
        codes = sorted(p.returncode for p in runs)
        assert codes == [0, 7], outs
        text = "".join(o + e for o, e in outs)
        assert text.count("E601") == 1, text
    assert not out.exists()


# the folder's lock, held by another process until it reads a line (or is killed)
HOLDER = r"""
import sys
from tally.locking import output_lock
with output_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.mark.parametrize("ends", ["releases", "is killed"])
def test_a_run_waits_while_another_process_holds_the_lock(tmp_path: Path, ends: str) -> None:
    import subprocess
    import sys
    import threading

    from tally.locking import output_lock

    target = tmp_path / "out" / "results.xlsx"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(target)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    got, done = threading.Event(), threading.Event()

    def take() -> None:
        with output_lock(target):
            got.set()
            done.wait(30)

    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        assert not got.wait(0.5)             # waits for the other process
        if ends == "releases":
            holder.communicate("\n", timeout=30)
        else:
            holder.kill()                    # a run killed half-way never blocks the next one
            holder.wait(30)
        assert got.wait(10)
        done.set()
        thread.join(10)
    finally:
        holder.kill()
        holder.wait(30)


# --- symbolic links ----------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_results_and_keys_are_never_written_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").symlink_to(victim)
    with pytest.raises(TallyError) as exc:
        recount(out / "results.xlsx")
    assert code_of(exc) == "E603"
    assert victim.read_bytes() == b"precious" and not (out / "results.xlsx").exists()
    proc = run_tally("count", SAMPLES / "event.toml", SAMPLES / "ballots.xlsx", "-o", out / "results.xlsx",
                     "--force")
    assert proc.returncode == 7 and "E603" in proc.stdout + proc.stderr
    (tmp_path / "committee.key").symlink_to(tmp_path / "elsewhere.key")      # dangling: would be created
    with pytest.raises(TallyError) as exc:
        new_key(tmp_path / "committee", b"a long enough passphrase")
    assert code_of(exc) == "E603" and not (tmp_path / "elsewhere.key").exists()


# --- Windows: a file open in Excel -------------------------------------------------------


def test_a_file_held_open_by_excel_says_close_it_and_changes_nothing(signed: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = signed.parent
    old = state(folder)
    monkeypatch.setattr(output, "ON_WINDOWS", True)
    real = os.open

    def excel_has_it(path: object, flags: int, *args: object) -> int:
        if str(path) == str(signed) and flags & os.O_RDWR:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", excel_has_it)
    with pytest.raises(TallyError) as exc:
        recount(signed)
    assert code_of(exc) == "E602" and "Excel" in exc.value.diagnostics[0].hint
    monkeypatch.setattr(os, "open", real)
    assert state(folder) == old


def test_write_atomic_over_a_file_open_in_excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ballots.xlsx"
    target.write_bytes(b"old")
    monkeypatch.setattr(output, "ON_WINDOWS", True)

    def held(*_: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", held)
    with pytest.raises(TallyError) as exc:
        output.write_atomic(target, b"new")
    assert "close it in Excel" in exc.value.diagnostics[0].hint
    assert [p.name for p in tmp_path.iterdir()] == ["ballots.xlsx"] and target.read_bytes() == b"old"


def test_keys_are_made_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")     # FAT32 / exFAT

    monkeypatch.setattr(os, "link", no_links)
    pair = new_key(tmp_path / "usb", b"a long enough passphrase")
    assert pair.private_path.stat().st_size > 0 and pair.public_path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usb.key", "usb.pub"]


def test_commit_refuses_files_outside_the_set(signed: Path) -> None:
    with pytest.raises(ValueError):
        commit(ResultSet.of(signed), [(signed.parent / "event.toml", b"x")])


# --- many sets in one folder ---------------------------------------------------------------


def _copy_set(signed: Path, folder: Path, stem: str) -> Path:
    """The signed set under another name: STEM.xlsx, STEM.json, STEM.json.sig, ..."""
    for f in signed.parent.iterdir():
        if f.name.startswith(("results.xlsx", "results.json")):
            shutil.copy(f, folder / f.name.replace("results", stem, 1))
    return folder / f"{stem}.xlsx"


def test_each_set_in_a_shared_folder_answers_for_its_own_files_only(signed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    sets = [_copy_set(signed, folder, stem) for stem in ("r1", "r10", "r2")]
    (folder / "r10.json.sig").write_bytes(bytes(64))            # r10's first signature, zeroed
    (folder / "r2.json.backup.sig").write_bytes(bytes(64))      # a stray of r2
    (folder / ".r1.json.0123456789ab.new").write_bytes(b"x")    # a leftover of r1
    report = verify_files(sets, [TRUST], workers=1)
    bad = {Path(f.path).name: sorted({c.name for c in f.failed}) for f in report.files if not f.passed}
    assert bad == {"r10.xlsx": ["r10.json.sig"], "r2.xlsx": ["r2.json.backup.sig"]}, bad
    assert not (folder / ".r1.json.0123456789ab.new").exists()  # r1's leftover went, before its checks
    for f in report.files:
        stem = Path(f.path).stem
        sidecars = sorted(c.name for c in f.checks if c.id == "sidecar-signature")
        assert len(sidecars) == 2 + (stem == "r2") and all(n.startswith(f"{stem}.json.") for n in sidecars)


def test_a_set_named_with_glob_characters_has_its_signature_files_checked(signed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    xlsx = _copy_set(signed, folder, "kết quả [đợt 1]")
    (folder / "kết quả [đợt 1].json.sig").write_bytes(bytes(64))
    report = verify_files([xlsx], [TRUST]).files[0]
    assert {c.name for c in report.failed} == {"kết quả [đợt 1].json.sig"}, report.failed
    assert len(ResultSet.of(xlsx).sidecars()) == 2 and ResultSet.of(xlsx).strays() == []


def test_the_names_of_a_sets_signature_and_temporary_files_and_nothing_like_them(tmp_path: Path) -> None:
    rs = ResultSet.of(tmp_path / "kq.v2.xlsx")
    fp = "0123456789abcdef"
    temporaries = [".kq.v2.xlsx.0123456789ab.new", ".kq.v2.json.0123456789ab.new",
                   f".kq.v2.json.{fp}.sig.0123456789ab.new", ".kq.v2.json.p7s.0123456789ab.new",
                   ".kq.v2.xlsx.commit.0123456789ab.new"]
    not_temporaries = [".kq.v2.xlsx.0123456789AB.new", ".kq.v2.xlsx.0123456789a.new", "kq.v2.xlsx.0123456789ab.new",
                       ".kq.v2.json.commit.0123456789ab.new", ".kq.v2.xlsx.0123456789ab.new.x",
                       ".kq.v2.xlsx.sig.0123456789ab.new.0123456789ab.new", ".kq.v3.xlsx.0123456789ab.new",
                       ".kq.v2.xlsxx.0123456789ab.new", ".kq.v2.json.0123456789abcde.sig.0123456789ab.new"]
    assert [n for n in temporaries + not_temporaries if rs.is_temporary_name(n)] == temporaries
    for name in temporaries + not_temporaries + ["unrelated.new"]:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in rs.temporaries()] == sorted(temporaries)

    sidecars = {"kq.v2.json.sig": ("ed25519", None), f"kq.v2.json.{fp}.sig": ("ed25519", fp),
                "kq.v2.json.p7s": ("cms", None), f"kq.v2.json.{fp}.p7s": ("cms", fp)}
    strays = ["kq.v2.json.backup.sig", f"kq.v2.json.{fp.upper()}.sig", "kq.v2.json.sig.p7s", "kq.v2.json..sig",
              f"kq.v2.json.{fp}0.p7s"]
    for name in [*sidecars, *strays, "kq.v2.jsonsig", "kq.v2.json.sig.bak", "kq.v3.json.sig"]:
        (tmp_path / name).write_bytes(b"x")
    assert {s.path.name: (s.kind, s.fp16) for s in rs.sidecars()} == sidecars
    assert [p.name for p in rs.strays()] == sorted(strays)
