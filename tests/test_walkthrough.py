"""The README's committee walkthrough, run as written with the sample:
init → ballots → template → two entries → reconcile → check and count → sign → print.

The two clerks' entries are typed here (from samples/ballots.xlsx, with openpyxl), the
second with a deliberate typo that `tally reconcile` must catch before anything is counted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
from conftest import ROOT, SAMPLES
from test_entry import fill_entry

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## A committee's walkthrough"):]
SECTION = SECTION[: SECTION.index("\n## ", 1)]
BLOCKS = [b.strip() for b in re.findall(r"```bash\n(.*?)\n```", SECTION, flags=re.DOTALL)]
TYPO = ("btv", "F7")       # ballot 6 of btv, person p03: the sample has 1 there


def _block(needle: str) -> str:
    found = [b for b in BLOCKS if needle in b]
    assert len(found) == 1, f"one walkthrough block with {needle!r}, found {len(found)}"
    return found[0]


def test_walkthrough_goes_through_every_step_in_order() -> None:
    commands = ["tally init", "tally ballots", "tally template", "cp out/entry.xlsx", "tally reconcile",
                "tally check", "tally count"]
    where = [SECTION.index(_block(c)) for c in commands]
    assert where == sorted(where), dict(zip(commands, where))
    after = SECTION[where[-1]:]
    assert "tally sign" in after and after.index("tally sign") < after.index("Print.")
    # reconcile comes before count in the text a committee follows, and names both entries
    assert "out/entry-1.xlsx out/entry-2.xlsx" in _block("tally reconcile")


def _shim(tmp_path: Path) -> dict[str, str]:
    """`tally` on PATH running this working tree, whatever is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tally = bin_dir / "tally"
    tally.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tally "$@"\n', encoding="utf-8")
    tally.chmod(tally.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "200"
    env["TALLY_PASSPHRASE"] = "walkthrough passphrase, long enough"
    env.pop("TALLY_DEBUG", None)
    return env


def _run(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["bash", "-e", "-c", block], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def test_walkthrough_runs_as_written(tmp_path: Path) -> None:
    work = tmp_path / "committee"
    work.mkdir()
    shutil.copytree(SAMPLES, work / "samples")
    env = _shim(tmp_path)
    reconcile = _block("tally reconcile")
    counted = False
    for block in BLOCKS:
        if block == reconcile:
            # Two clerks typed the same ballots; the second made a typo.
            typo = {TYPO: 3}
            fill_entry(work / "out" / "entry.xlsx", SAMPLES / "ballots.xlsx", work / "out" / "entry-1.xlsx")
            fill_entry(work / "out" / "entry.xlsx", SAMPLES / "ballots.xlsx", work / "out" / "entry-2.xlsx", typo)
            proc = _run(block, work, env)
            assert proc.returncode == 10, proc.stdout + proc.stderr
            assert "1 difference" in proc.stdout and "F7: 1 (high)" in proc.stdout and "F7: 3 (low)" in proc.stdout
            ws = openpyxl.load_workbook(work / "out" / "differences.xlsx").worksheets[0]
            assert ["btv", 6, "đánh dấu: p03 - Đinh Thị Lan Anh", "F7", "1 (tín nhiệm cao)", "F7",
                    "3 (tín nhiệm thấp)"] in [[c for c in row] for row in ws.iter_rows(values_only=True)]
            # The paper ballot says 1: the second clerk corrects the cell, and they agree.
            wb = openpyxl.load_workbook(work / "out" / "entry-2.xlsx")
            wb[TYPO[0]][TYPO[1]] = 1
            wb.save(work / "out" / "entry-2.xlsx")
        proc = _run(block, work, env)
        assert proc.returncode == 0, f"$ {block}\n{proc.stdout}\n{proc.stderr}"
        if block == reconcile:
            assert "agree" in proc.stdout
        counted = counted or "tally count" in block
    assert counted
    for made in ("event.toml", "out/ballots.xlsx", "out/entry.xlsx", "out/differences.xlsx",
                 "out/results.xlsx", "out/results.json"):
        assert (work / made).stat().st_size > 0, made
    # What was counted from the reconciled entry is what the sample's own ballot sheet gives.
    reference = tmp_path / "reference.xlsx"
    proc = subprocess.run([sys.executable, "-m", "tally", "count", str(SAMPLES / "event.toml"),
                           str(SAMPLES / "ballots.xlsx"), "-o", str(reference)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    mine = json.loads((work / "out" / "results.json").read_text(encoding="utf-8"))
    theirs = json.loads(reference.with_suffix(".json").read_text(encoding="utf-8"))
    assert [g["persons"] for g in mine["groups"]] == [g["persons"] for g in theirs["groups"]]
