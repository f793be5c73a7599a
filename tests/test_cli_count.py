"""The real `tally check` / `tally count` commands on real files in a temp dir."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installed, run_tally


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_count_sample_writes_both_files_and_prints_flagged(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "results.xlsx"
    # the installed console command itself, in a process of its own
    proc = run_installed("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and out.with_suffix(".json").exists()
    doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    flagged = [p["name"] for g in doc["groups"] for p in g["persons"] if p["flags"]]
    assert flagged and all(name in proc.stdout for name in flagged)
    assert "over half low" in proc.stdout
    fp = re.search(r"SHA-256\): ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})", proc.stdout)
    assert fp and fp.group(1).replace(" ", "") == sha(out.with_suffix(".json"))
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".") and p.name != ".tally.lock"]  # no temp files


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("columns", ["120", "60"])
def test_the_counts_under_each_result_table_are_labelled_as_tally_show_heads_them(sample: Path, lang: str,
                                                                                   columns: str) -> None:
    # 'Summoned 27 · Present 25 · ...' (the line started lower-case), in a table or, on a narrow
    # terminal, a list; the labels are tally show's column heads, capitalised
    from ballots.event import load_event
    from ballots.i18n import _, using

    proc = run_tally("--lang", lang, "count", sample / "event.toml", sample / "ballots.xlsx", env={"COLUMNS": columns})
    assert proc.returncode == 0, proc.stderr
    shown = " ".join(proc.stdout.split())
    event, _w = load_event(sample / "event.toml")
    with using(lang):
        heads = [_(h) for h in ("Summoned", "Present", "Issued", "Collected")]
    assert all(h[:1].isupper() for h in heads), heads
    for g in event.groups:
        counts = " · ".join(f"{h} {n}" for h, n in zip(heads, (g.summoned, g.present, g.issued, g.collected)))
        assert counts in shown, (counts, proc.stdout)


def test_rerun_refuses_then_force_gives_identical_bytes(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out).returncode == 0
    before = sha(out), sha(out.with_suffix(".json"))
    out.with_suffix(".json").write_bytes(b"signed, do not touch")
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out)
    assert proc.returncode == 7 and "E601" in proc.stderr
    assert out.with_suffix(".json").read_bytes() == b"signed, do not touch"
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out, "--force")
    assert proc.returncode == 0
    assert (sha(out), sha(out.with_suffix(".json"))) == before


def test_count_with_errors_writes_nothing(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "btv.csv"
    bad.write_text("Số phiếu,p01\n1,x\n", encoding="utf-8")
    out = tmp_path / "results.xlsx"
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", bad, "-o", out)
    assert proc.returncode == 5
    assert "E501" in proc.stderr or "E410" in proc.stderr or "E407" in proc.stderr
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_check_sample_is_clean(sample: Path) -> None:
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx")
    assert proc.returncode == 0, proc.stderr
    assert "Ready to count" in proc.stdout


def test_missing_event_and_missing_ballots_have_their_exit_codes(sample: Path, tmp_path: Path) -> None:
    proc = run_tally("check", tmp_path / "nope.toml", sample / "ballots.xlsx")
    assert proc.returncode == 3 and "E100" in proc.stderr
    proc = run_tally("count", sample / "event.toml", tmp_path / "nope.xlsx", "-o", tmp_path / "r.xlsx")
    assert proc.returncode == 4 and "E300" in proc.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_input_order_does_not_change_the_results(sample: Path, tmp_path: Path) -> None:
    # two counting teams: split the sample's btv sheet across a CSV and the workbook
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(sample / "ballots.xlsx")).get_sheet_by_name("lanhdao").to_python()
    def fmt(v: object) -> str:
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    half = len(rows) // 2
    (tmp_path / "lanhdao.csv").write_text(
        "\n".join(";".join(fmt(v) for v in row) for row in rows[:1] + rows[1:half]) + "\n", encoding="utf-8-sig")
    (tmp_path / "team2").mkdir()
    (tmp_path / "team2" / "lanhdao.csv").write_text(
        "\n".join(",".join(f'"{fmt(v)}"' for v in row) for row in rows[:1] + rows[half:]) + "\n", encoding="utf-8")
    import openpyxl

    wb = openpyxl.load_workbook(sample / "ballots.xlsx")
    del wb["lanhdao"]
    wb.save(tmp_path / "btv_only.xlsx")
    a = run_tally("count", sample / "event.toml", tmp_path / "btv_only.xlsx", tmp_path / "lanhdao.csv",
                  tmp_path / "team2" / "lanhdao.csv", "-o", tmp_path / "a.xlsx")
    assert a.returncode == 0, a.stderr
    b = run_tally("count", sample / "event.toml", tmp_path / "team2" / "lanhdao.csv", tmp_path / "lanhdao.csv",
                  tmp_path / "btv_only.xlsx", "-o", tmp_path / "b.xlsx")
    assert b.returncode == 0, b.stderr
    ja = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    jb = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert ja["groups"] == jb["groups"] and ja["inputs"] == jb["inputs"]
    whole = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", tmp_path / "c.xlsx")
    jc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    strip = lambda gs: [{k: v for k, v in g.items() if k != "invalid_entries"} for g in gs]  # noqa: E731
    assert strip(ja["groups"]) == strip(jc["groups"])   # same numbers, whatever the split


def test_force_removes_signatures_of_the_replaced_results(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out).returncode == 0
    stale = [tmp_path / "results.json.sig", tmp_path / "results.json.0123456789abcdef.sig",
             tmp_path / "results.json.p7s"]
    for path in stale:
        path.write_bytes(b"old signature")
    keep = tmp_path / "notes.sig"
    keep.write_bytes(b"not ours")
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out, "--force").returncode == 0
    assert not [p for p in stale if p.exists()] and keep.exists()


# --- the end of a count: the process ends without freeing its cells one by one ---------------
# cli.leave_for_exit keeps what a finished count made, and main() ends the process with os._exit
# once the exit functions have run and stdout/stderr are flushed (0.06 s for 3 M cells). What
# must hold: the same exit status, output and files as a run in this process, the exit
# functions run, the folder's lock free; any other end (an error, a refusal) is Python's own
# (a global's finaliser runs then, and never after os._exit). A check (it writes nothing)
# ends at once too, once it has said everything, with or without errors.

_CHILD = r"""
import atexit, os, sys
mark = os.environ["TALLY_TEST_MARK"]
class Finalised:
    def __del__(self, open=open, mark=mark):   # builtins may be gone by then
        open(mark + ".finalised", "w").close()
finalised = Finalised()
atexit.register(lambda: open(mark + ".atexit", "w").close())
sys.argv = ["tally", *sys.argv[1:]]
from tally._cli.cli import main
{before}
main()
"""


def _ended(tmp_path: Path, name: str, *args: str | Path,
           before: str = "") -> tuple[subprocess.CompletedProcess[str], set[str]]:
    mark = tmp_path / name
    env = {**os.environ, "TALLY_TEST_MARK": str(mark), "COLUMNS": "160"}
    env.pop("TALLY_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", _CHILD.replace("{before}", before), *map(str, args)],
                          cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc, {p.suffix for p in tmp_path.glob(f"{name}.*")}


def test_a_count_ends_at_once_with_every_output_and_exit_function(sample: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    event, ballots = sample / "event.toml", sample / "ballots.xlsx"
    proc, ends = _ended(tmp_path, "fast", "count", event, ballots, "-o", "a/results.xlsx")
    assert proc.returncode == 0 and ends == {".atexit"}         # the exit functions ran, nothing was finalised
    assert proc.stdout.rstrip().splitlines()[-1] == "✓ Wrote a/results.xlsx and a/results.json"
    here = run_tally("count", event, ballots, "-o", "b/results.xlsx", cwd=tmp_path)
    assert here.returncode == 0
    assert (here.stdout.replace("b/results", "a/results"), here.stderr) == (proc.stdout, proc.stderr)
    for name in ("results.json", "results.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with FileLock(tmp_path / "a" / ".tally.lock", timeout=0):     # released: taken at once
        pass
    as_json, ends = _ended(tmp_path, "json", "count", event, ballots, "--json")
    assert as_json.returncode == 0 and ends == {".atexit"}
    assert json.loads(as_json.stdout)["results"] == json.loads((tmp_path / "a" / "results.json").read_text("utf-8"))


def test_a_count_that_ends_otherwise_ends_as_python_ends(sample: Path, tmp_path: Path) -> None:
    event, ballots = sample / "event.toml", sample / "ballots.xlsx"
    out = tmp_path / "out" / "results.xlsx"
    assert run_tally("count", event, ballots, "-o", out).returncode == 0
    refused, ends = _ended(tmp_path, "refused", "count", event, ballots, "-o", out)      # E601: exists
    assert refused.returncode == run_tally("count", event, ballots, "-o", out).returncode != 0
    assert ends == {".atexit", ".finalised"}
    # a profiler watching (python -m cProfile) writes its report as the program returns
    profiled, ends = _ended(tmp_path, "profiled", "count", event, ballots, "-o", "p/results.xlsx",
                            before="sys.setprofile(lambda *_: None)")
    assert profiled.returncode == 0 and ends == {".atexit", ".finalised"}
    assert (tmp_path / "p" / "results.xlsx").read_bytes() == out.read_bytes()


def test_a_check_ends_at_once_with_what_it_says_and_its_exit_status(sample: Path, tmp_path: Path) -> None:
    event, ballots = sample / "event.toml", sample / "ballots.xlsx"
    import openpyxl

    book = openpyxl.load_workbook(ballots)
    book["btv"]["E3"] = "x?"              # an unknown mark for p02 on ballot 2: E501, an error's exit status
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    for name, args in (("clean", (event, ballots)), ("errors", (event, bad)), ("json", (event, bad, "--json"))):
        proc, ends = _ended(tmp_path, name, "check", *args)
        here = run_tally("check", *args, cwd=tmp_path)
        assert ends == {".atexit"}, name          # the exit functions ran, nothing was finalised
        assert (proc.returncode, proc.stdout, proc.stderr) == (here.returncode, here.stdout, here.stderr), name
        assert (proc.returncode == 0) == (name == "clean")
        assert ("E501" in proc.stdout + proc.stderr) == (name != "clean")
