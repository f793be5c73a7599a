"""The README's committee walkthrough, run as written, in an empty folder: the user's own
`tally init` → ballots → template → two entries → reconcile → check and count → sign → the
auditor's verify. Every command block runs in order with `bash -e`, and each must exit as
the text says (0; `reconcile` 10 while the entries differ).

The two clerks are played by :func:`type_ballots`: it types every ballot of every form into a
copy of the entry workbook, the second clerk with one typo that `tally reconcile` must catch
before anything is counted. The counted results are then checked against what was typed.
"""

from __future__ import annotations

import json
import os
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## A committee's walkthrough"):]
SECTION = SECTION[: SECTION.index("\n## ", 1)]
AUDIT = README[README.index("## For auditors"):]
AUDIT = AUDIT[: AUDIT.index("\n## ", 1)]
BLOCKS = [b.strip() for b in re.findall(r"```bash\n(.*?)\n```", SECTION, flags=re.DOTALL)]
AUDIT_BLOCKS = [b.strip() for b in re.findall(r"```bash\n(.*?)\n```", AUDIT, flags=re.DOTALL)
                if b.strip().startswith("tally ")]
LEVELS = {"1": "high", "2": "medium", "3": "low"}


def type_ballots(template: Path, dest: Path, seed: int, typo: tuple[str, str, object] | None = None) -> dict[
        str, dict[str, dict[str, int]]]:
    """A clerk: every ballot of every form typed into a copy of `template`, as on paper. Ballot 2
    of each form is wholly invalid, and one mark per form is an invalid row (0). Returns what
    was typed, per form and person: {"high": n, "medium": n, "low": n, "invalid": n}."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(template)
    typed: dict[str, dict[str, dict[str, int]]] = {}
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        if head[:3] != ["Số phiếu", "Tình trạng", "Ghi chú"]:
            continue
        people = [str(h).split(" - ")[0] for h in head[3:] if h]
        tally = typed.setdefault(ws.title, {p: {"high": 0, "medium": 0, "low": 0, "invalid": 0} for p in people})
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, 1).value is None:
                continue
            if ws.cell(row, 1).value == 2:
                ws.cell(row, 2).value = "không hợp lệ"
                ws.cell(row, 3).value = "không có dấu của Ban kiểm phiếu"
                for p in people:
                    tally[p]["invalid"] += 1
                continue
            for i, p in enumerate(people):
                mark = "0" if (row == 5 and i == 0) else rng.choice("1112223")
                ws.cell(row, 4 + i).value = int(mark)
                tally[p][LEVELS.get(mark, "invalid")] += 1
    if typo is not None:
        sheet, cell, value = typo
        wb[sheet][cell].value = value
    wb.save(dest)
    return typed


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
    work.mkdir()                     # empty: the walkthrough makes everything it uses
    env = _shim(tmp_path)
    reconcile = _block("tally reconcile")
    typed: dict[str, dict[str, dict[str, int]]] = {}
    for block in BLOCKS + AUDIT_BLOCKS:
        if block == reconcile:
            # Two clerks typed the same ballots; the second made a typo on btv ballot 6.
            entry = work / "out" / "entry.xlsx"
            typed = type_ballots(work / "out" / "entry-1.xlsx", work / "out" / "entry-1.xlsx", seed=7)
            right = openpyxl.load_workbook(work / "out" / "entry-1.xlsx")["btv"]["D7"].value
            type_ballots(entry, work / "out" / "entry-2.xlsx", seed=7, typo=("btv", "D7", 3 if right != 3 else 1))
            proc = _run(block, work, env)
            assert proc.returncode == 10, proc.stdout + proc.stderr
            shown = " ".join(proc.stdout.split())
            assert "1 difference" in shown and f"D7: {right}" in shown, shown
            # The paper ballot says what the first clerk typed: the second corrects the cell.
            wb = openpyxl.load_workbook(work / "out" / "entry-2.xlsx")
            wb["btv"]["D7"] = right
            wb.save(work / "out" / "entry-2.xlsx")
        proc = _run(block, work, env)
        assert proc.returncode == 0, f"$ {block}\n{proc.stdout}\n{proc.stderr}"
        if block == reconcile:
            assert "agree" in proc.stdout
        if "tally verify" in block:
            assert "Verified" in proc.stdout, proc.stdout
    assert any("--event event.toml" in b for b in AUDIT_BLOCKS)       # the re-count, on the user's own files
    for made in ("event.toml", "out/ballots.xlsx", "out/entry.xlsx", "out/differences.xlsx",
                 "out/results.xlsx", "out/results.json", "committee.key", "committee.pub", "out/results.json.sig"):
        assert (work / made).stat().st_size > 0, made
    # What was counted is what the clerks typed.
    results = json.loads((work / "out" / "results.json").read_text(encoding="utf-8"))
    assert [g["id"] for g in results["groups"]] == list(typed)
    for group in results["groups"]:
        for person in group["persons"]:
            want = typed[group["id"]][person["id"]]
            assert {k: person[k] for k in ("high", "medium", "low", "invalid")} == want, (group["id"], person["id"])
        assert group["invalid_ballots"] == 1 and group["collected"] == group["issued"]
