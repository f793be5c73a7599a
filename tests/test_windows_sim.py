"""The main flows as they run on a Windows laptop, simulated on Linux (issue #12).

Every `tally` here runs with tests/winsim/sitecustomize.py: no `resource`, `fcntl` or
`termios`, no `os.sysconf`, `os.link` failing as on a FAT32/exFAT USB stick, multiprocessing
by `spawn` only, and stdout/stderr in the ANSI code page cp1258, as when output is redirected
to a file on Vietnamese Windows. Output is read back as bytes and must be UTF-8.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, ROOT, SAMPLES

WINSIM = Path(__file__).resolve().parent / "winsim"
KEYS = DATA / "keys"
PASSPHRASE = "tally test passphrase"    # of tests/data/keys/*.key: test data, not a secret


def windows(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`python -m tally ARGS` in the simulated Windows: (exit code, stdout, stderr) decoded as UTF-8."""
    full = dict(os.environ)
    full.pop("TALLY_DEBUG", None)
    full.pop("PYTHONIOENCODING", None)
    full["PYTHONPATH"] = os.pathsep.join([str(WINSIM), *filter(None, [os.environ.get("PYTHONPATH")])])
    full["COLUMNS"] = "100"
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "tally", *map(str, args)], cwd=cwd, env=full,
                          capture_output=True, timeout=600, check=False)
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")   # UnicodeDecodeError fails
    assert "Traceback" not in stdout + stderr and "internal error" not in stdout + stderr, stdout + stderr
    return proc.returncode, stdout, stderr


def test_the_simulation_is_in_force(tmp_path: Path) -> None:
    probe = ("import os, sys, multiprocessing\n"
             "for name in ('resource', 'fcntl', 'termios'):\n"
             "    try:\n"
             "        __import__(name); print('has', name)\n"
             "    except ImportError:\n"
             "        pass\n"
             "print('sysconf' if hasattr(os, 'sysconf') else 'no sysconf')\n"
             "try:\n"
             "    os.link(sys.executable, 'x')\n"
             "except OSError:\n"
             "    print('no links')\n"
             "print(multiprocessing.get_all_start_methods(), sys.stdout.encoding)\n")
    env = {**os.environ, "PYTHONPATH": str(WINSIM)}
    env.pop("PYTHONIOENCODING", None)
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=True)
    assert proc.stdout.split("\n") == ["no sysconf", "no links", "['spawn'] cp1258", ""]


def test_count_xlsx_and_xls_with_redirected_vietnamese_output(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    code, out, err = windows("--lang", "vi", "count", "samples/event.toml", "samples/ballots.xlsx", "-o",
                             "out/results.xlsx", cwd=tmp_path)
    assert code == 0, err
    assert "Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy" in out and "Đã ghi out/results.xlsx" in out
    assert json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["groups"]
    # .xls: read by the child process, whose memory cap must not need `resource`
    code, out, err = windows("count", DATA / "ballots" / "event.toml", DATA / "ballots" / "good.xls", cwd=tmp_path)
    assert code == 0, err
    assert "E303" not in out + err


def test_show_json_redirected_is_utf8(tmp_path: Path) -> None:
    code, out, err = windows("show", SAMPLES / "event.toml", "--json", cwd=tmp_path)
    assert code == 0, err
    assert "Ủy viên" in json.dumps(json.loads(out), ensure_ascii=False)


def test_sign_verify_in_spawned_workers_and_a_wildcard(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    code, _out, err = windows("count", "samples/event.toml", "samples/ballots.xlsx", "-o", "results/00/results.xlsx",
                              "--quiet", cwd=tmp_path)
    assert code == 0, err
    code, _out, err = windows("sign", "results/00/results.xlsx", "--key", KEYS / "committee.key", "--name",
                              "Ngô Văn Bình", cwd=tmp_path, env={"TALLY_PASSPHRASE": PASSPHRASE})
    assert code == 0, err
    for n in range(1, 16):
        shutil.copytree(tmp_path / "results" / "00", tmp_path / "results" / f"{n:02}")
    # cmd.exe and PowerShell pass the wildcard through unexpanded: tally expands it; --jobs 2
    # verifies in a pool of two spawned workers (a pool of its own choice needs a larger batch)
    code, out, err = windows("verify", "results/*/results.xlsx", "--trust", KEYS / "committee.pub", "--json",
                             "--jobs", "2", cwd=tmp_path)
    assert code == 0, out + err
    report = json.loads(out)
    assert len(report["files"]) == 16 and report["passed"], out


def test_new_keys_without_hard_links(tmp_path: Path) -> None:
    code, out, err = windows("keys", "new", "committee", cwd=tmp_path, env={"TALLY_PASSPHRASE": PASSPHRASE})
    assert code == 0, out + err
    assert (tmp_path / "committee.key").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert (tmp_path / "committee.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_reconcile_finds_the_difference(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "ballots.xlsx", tmp_path / "first.xlsx")
    wb = openpyxl.load_workbook(SAMPLES / "ballots.xlsx")
    ws = wb.worksheets[0]
    ws["F7"] = 3 if ws["F7"].value != 3 else 1
    wb.save(tmp_path / "second.xlsx")
    code, out, err = windows("--lang", "vi", "reconcile", "first.xlsx", "second.xlsx", "--event",
                             SAMPLES / "event.toml", "-o", "differences.xlsx", cwd=tmp_path)
    assert code == 10, out + err
    assert "F7" in out and (tmp_path / "differences.xlsx").stat().st_size > 0


@pytest.mark.skipif(not ROOT.joinpath(".git").exists(), reason="needs the repository")
def test_nothing_outside_the_simulation_imports_posix_only_modules() -> None:
    """The code itself: no unguarded POSIX-only module at the top of any module."""
    import ast

    posix_only = {"resource", "fcntl", "termios", "pwd", "grp", "tty", "pty"}
    found = []
    for path in [*ROOT.glob("cli*.py"), *(ROOT / "ballots").rglob("*.py"), *(ROOT / "tally").rglob("*.py")]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in posix_only]
    assert not found, found
