"""The one-file executable (packaging/tally.spec) is built and does the committee's work on
the sample without Python: count (.xlsx and .xls), sign, verify. A build that fails fails here.

Slow (PyInstaller takes a minute or two): marked `exe` and `slow`; it runs in the README's
test command like every other test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SAMPLES

from tally import __version__

pytestmark = [pytest.mark.slow, pytest.mark.exe]
KEYS = DATA / "keys"


@pytest.fixture(scope="module")
def exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("exe")
    # the command the README gives, with the output kept out of the working tree
    proc = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(work / "dist"),
                           "--workpath", str(work / "build"), str(ROOT / "packaging" / "tally.spec")],
                          cwd=work, capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    built = work / "dist" / ("tally.exe" if os.name == "nt" else "tally")
    assert built.is_file()
    return built


def run(exe: Path, *args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # no Python on the way: a PATH without this interpreter's folder, no PYTHONPATH
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "TALLY_DEBUG"))}
    clean["PATH"] = "/usr/bin:/bin"
    clean.update(env)
    proc = subprocess.run([str(exe), *map(str, args)], cwd=cwd, env=clean, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def test_the_executable_counts_signs_and_verifies_the_sample(exe: Path, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    assert run(exe, "--version", cwd=tmp_path).stdout == f"tally {__version__}\n"
    proc = run(exe, "--lang", "vi", "count", "samples/event.toml", "samples/ballots.xlsx", "-o", "out/results.xlsx",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Đã ghi out/results.xlsx" in proc.stdout      # the Vietnamese catalogue travelled with it
    proc = run(exe, "sign", "out/results.xlsx", "--key", KEYS / "committee.key", "--name", "Ngô Văn Bình",
               cwd=tmp_path, TALLY_PASSPHRASE="tally test passphrase")
    assert proc.returncode == 0, proc.stderr
    proc = run(exe, "verify", "out/results.xlsx", "--trust", KEYS / "committee.pub", "--event", "samples/event.toml",
               "--ballots", "samples/ballots.xlsx", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every check of 1 file passed" in proc.stdout


def test_the_executable_reads_xls_in_its_capped_child(exe: Path, tmp_path: Path) -> None:
    # sys.executable is the exe itself: the .xls child is started as `tally --tally-xls-child`
    proc = run(exe, "count", DATA / "ballots" / "event.toml", DATA / "ballots" / "good.xls", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    damaged = run(exe, "count", DATA / "ballots" / "event.toml", DATA / "fuzz" / "xls_flip_alloc_32gb.xls",
                  "--group", "btv", cwd=tmp_path)
    assert damaged.returncode == 4 and "E303" in damaged.stderr, damaged.stdout + damaged.stderr
