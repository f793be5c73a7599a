"""No injection (issue 5, item 3): text from the event file or the ballot sheets reaches
every workbook tally writes as text, never as a formula or a hyperlink, whatever it
starts with. Each output is opened with openpyxl and unzipped and searched."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_tally

HOSTILE = ["=1+1", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example","x")']


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'


def hostile_event(path: Path) -> Path:
    names = [f"{h} Nguyễn Văn An" for h in HOSTILE[:2]] + ["=Trần Thị Bình"]
    persons = "\n".join(
        f'[[persons]]\nid = "p0{i}"\nname = {_toml(n)}\npositions = ["btv"]\n' for i, n in enumerate(names, start=1))
    path.write_text(f"""schema = 1
[event]
title = {_toml(HOSTILE[0] + " Lấy phiếu")}
organisation = {_toml(HOSTILE[6])}
parent = {_toml(HOSTILE[3])}
place = {_toml(HOSTILE[2])}
date = 2023-05-31
rules = "qd96-2023"
language = "vi"

[[committee]]
name = {_toml(HOSTILE[4] + " Lê")}
role = {_toml(HOSTILE[5])}

[[positions]]
id = "btv"
title = {_toml(HOSTILE[1] + " Ủy viên")}

{persons}
[[groups]]
id = "btv"
title = {_toml(HOSTILE[6])}
positions = ["btv"]
summoned = 4
present = 4
issued = 4
""", encoding="utf-8")
    return path


def hostile_ballots(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "btv"
    ws.append(["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02", "p03"])
    rows = [(1, None, HOSTILE[6], 1, 2, 3), (2, "không hợp lệ", HOSTILE[0], None, None, None),
            (3, None, HOSTILE[3], 0, 1, 1), (4, None, HOSTILE[4], 3, 3, 2)]
    for r in rows:
        ws.append(list(r))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"      # the input itself holds text, not formulas
    wb.save(path)
    return path


def assert_no_formula_or_link(path: Path) -> int:
    """Every cell is a value (no formula), no hyperlink anywhere; returns the number of
    hostile texts found as plain strings."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                xml = zf.read(name).decode("utf-8")
                assert not re.search(r"<(?:\w+:)?f[\s>]", xml), f"{path.name} › {name} holds a formula"
                assert "<hyperlink" not in xml and "relationships/hyperlink" not in xml, f"{name}: hyperlink"
    wb = openpyxl.load_workbook(path)
    found = 0
    for ws in wb.worksheets:
        assert not ws._hyperlinks
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name} › {ws.title} › {cell.coordinate} is a formula"
                assert cell.hyperlink is None
                if isinstance(cell.value, str) and cell.value.lstrip()[:1] in "=+-@":
                    found += 1
                    if cell.value[:1] in "=+-@\t\r":
                        assert cell.quotePrefix, f"{ws.title} › {cell.coordinate} {cell.value!r} lacks the quote"
    return found


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    return hostile_event(tmp_path / "event.toml"), hostile_ballots(tmp_path / "ballots.xlsx")


def test_minutes_hold_hostile_text_as_text(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    event, ballots = hostile
    out = tmp_path / "out" / "results.xlsx"
    proc = run_tally("count", event, ballots, "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert assert_no_formula_or_link(out) >= 8      # names, titles, notes, committee, organisation...
    json_text = out.with_suffix(".json").read_text(encoding="utf-8")
    assert "=HYPERLINK" in json_text               # carried as data, unchanged


def test_paper_outputs_hold_hostile_text_as_text(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    event, _ballots = hostile
    for command in ("ballots", "template"):
        out = tmp_path / f"paper-{command}.xlsx"
        proc = run_tally(command, event, "-o", out)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert assert_no_formula_or_link(out) >= 1, command


def test_differences_workbook_holds_hostile_text_as_text(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    event, ballots = hostile
    other = tmp_path / "second.xlsx"
    wb = openpyxl.load_workbook(ballots)
    wb["btv"]["C2"].value = "+CMD|' /C calc'!A0"
    wb["btv"]["C2"].data_type = "s"
    wb["btv"]["D2"].value = 2
    wb.save(other)
    out = tmp_path / "differences.xlsx"
    proc = run_tally("reconcile", ballots, other, "--event", event, "-o", out)
    assert proc.returncode == 10, proc.stdout + proc.stderr
    assert assert_no_formula_or_link(out) >= 1
