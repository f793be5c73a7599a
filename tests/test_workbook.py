"""results.xlsx (SPEC §6): the minutes' layout, determinism, safety and read-back."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ballots.rules import RULE_SETS, Flag, flags_for, percent
from tally.compare import compare_cells, expected_cells, mismatches
from tally.layout import DATA_SHEET, SheetKind, layout
from tally.model import EventSummary, GroupResult, InputFile, InvalidEntry, PersonResult, Results
from tally.results_json import fingerprint, results_from_dict, to_bytes
from tally.words import LABELS, format_date, format_pct
from tally.workbook import embedded_json, write_workbook

ROOT = Path(__file__).resolve().parents[1]


def person(pid: str, name: str, positions: tuple[str, ...], high: int, medium: int, low: int,
           invalid: int, base: int) -> PersonResult:
    return PersonResult(
        id=pid, name=name, positions=positions,
        valid=high + medium + low, invalid=invalid,
        high=high, medium=medium, low=low,
        high_pct=percent(high, base), medium_pct=percent(medium, base), low_pct=percent(low, base),
        flags=flags_for(low, base),
    )


def make_results(rules: str = "qd96-2023", language: str = "vi", **event: object) -> Results:
    """Two groups; in `btv` one person over half low, in `gd` one person at exactly 2/3 low."""
    members = rules == "nq85-2014"
    btv_base = 27 if members else 25
    gd_base = 30 if members else 24
    btv = (
        person("p01", "Nguyễn Văn An", ("Bí thư Đảng ủy", "Giám đốc Sở"), 18, 4, 1, 2, btv_base),
        person("p02", "Trần Thị Bình", ("Phó Bí thư Đảng ủy",), 15, 6, 2, 2, btv_base),
        person("p03", "Lê Hoàng Cường", ("Ủy viên Ban Thường vụ Đảng ủy", "Phó Giám đốc Sở"),
               3, 6, 14, 2, btv_base),
        person("p04", "Phạm Minh Đức", ("Ủy viên Ban Thường vụ Đảng ủy", "Chánh Văn phòng Sở"),
               20, 3, 0, 2, btv_base),
    )
    gd_low = 20 if members else 16
    gd = (
        person("p01", "Nguyễn Văn An", ("Giám đốc Sở",), 17, 5, 1, 1, gd_base),
        person("p03", "Lê Hoàng Cường", ("Phó Giám đốc Sở",), 2, 5, gd_low - 1 if members else 16, 1,
               gd_base),
        person("p05", "Hoàng Thị Em", ("Phó Giám đốc Sở",), 10, 12, 1, 1, gd_base),
    )
    groups = (
        GroupResult(
            id="btv", title="Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy",
            summoned=27, present=25, issued=25, collected=25, base=btv_base,
            valid_ballots=24, invalid_ballots=1, persons=btv,
            invalid_entries=(
                InvalidEntry(7, None, None, "Không phải phiếu do Ban kiểm phiếu phát ra",
                             "ballots.xlsx › btv › A9"),
                InvalidEntry(12, "p02", "Trần Thị Bình", "", "ballots.xlsx › btv › D14"),
            ),
            members=27 if members else None,
        ),
        GroupResult(
            id="gd", title="Phiếu tín nhiệm Giám đốc, Phó Giám đốc Sở",
            summoned=26, present=24, issued=24, collected=24, base=gd_base,
            valid_ballots=23, invalid_ballots=1, persons=gd,
            invalid_entries=(InvalidEntry(3, None, None, "Không có dấu", "ballots-gd.csv › gd › A4"),),
            members=30 if members else None,
        ),
    )
    if members:   # under NQ 85/2014 the base is the members: make p03 exactly 2/3 of 30
        gd = gd[:1] + (person("p03", "Lê Hoàng Cường", ("Phó Giám đốc Sở",), 2, 2, 20, 0, 30),) + gd[2:]
        groups = (groups[0], dataclasses.replace(groups[1], persons=gd))
    ev: dict[str, object] = {
        "title": "Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025",
        "organisation": "Đảng bộ Sở Giao thông vận tải",
        "date": "2023-05-31",
        "rules": rules,
        "sha256": "ab" * 32,
        "language": language,
        "parent": "Đảng bộ Khối các cơ quan tỉnh",
        "place": "Hải Phòng",
        "committee": (("Lê Văn Cường", "Trưởng ban"), ("Đỗ Thị Hoa", "Ủy viên"), ("Vũ Văn Khánh", "Ủy viên")),
    }
    ev.update(event)
    return Results(
        event=EventSummary(**ev),  # type: ignore[arg-type]
        inputs=(InputFile("ballots-gd.csv", "cd" * 32), InputFile("ballots.xlsx", "ef" * 32)),
        groups=groups,
        tool_name="tally",
        tool_version="0.1.0",
    )


def build(results: Results) -> tuple[bytes, bytes]:
    data = to_bytes(results)
    return data, write_workbook(results, data)


def load(xlsx: bytes, **kw: object) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx), **kw)  # type: ignore[arg-type]


def all_values(wb: openpyxl.Workbook, sheet: str) -> list[object]:
    return [c.value for row in wb[sheet].iter_rows() for c in row if c.value is not None]


# --- the sample is what the tests claim it is -------------------------------------------


def test_sample_has_the_flags_under_test() -> None:
    for rules in ("qd96-2023", "nq85-2014"):
        r = make_results(rules)
        flags = {(g.id, p.id): p.flags for g in r.groups for p in g.persons}
        assert flags[("btv", "p03")] == (Flag.OVER_HALF_LOW,)
        assert flags[("gd", "p03")] == (Flag.TWO_THIRDS_LOW, Flag.EXACTLY_TWO_THIRDS_LOW)


# --- determinism -------------------------------------------------------------------------


def test_byte_identical_across_calls() -> None:
    r = make_results()
    data = to_bytes(r)
    assert write_workbook(r, data) == write_workbook(r, data)


def test_byte_identical_across_processes() -> None:
    """Another interpreter, another hash seed, another clock: the same bytes."""
    script = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from test_workbook import build, make_results;"
        "print(hashlib.sha256(build(make_results())[1]).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", script, str(ROOT), str(ROOT / "tests")],
            env=env, capture_output=True, text=True, check=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_zip_entries_have_fixed_dates_and_document_dates_come_from_the_event() -> None:
    _, xlsx = build(make_results())
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2023-05-31T00:00:00Z" in core
    assert core.count("2023-05-31T00:00:00Z") == 2    # created and modified


# --- content -----------------------------------------------------------------------------


def test_sheets_in_order_with_hidden_data_sheet() -> None:
    _, xlsx = build(make_results())
    wb = load(xlsx)
    assert wb.sheetnames == ["btv", "gd", "Phiếu không hợp lệ", "Nguồn gốc", DATA_SHEET]
    assert wb[DATA_SHEET].sheet_state == "veryHidden"     # not offered by Excel's Unhide
    assert all(wb[s].sheet_state == "visible" for s in wb.sheetnames[:-1])
    # no formula, so no recalculation on load and no "Save changes?" when Excel closes it
    assert b"fullCalcOnLoad=\"1\"" not in zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/workbook.xml")


def test_every_result_value_is_checked_and_shown() -> None:
    results = make_results()
    data, xlsx = build(results)
    doc = json.loads(data)
    expected = expected_cells(data)
    wb = load(xlsx)
    for g in doc["groups"]:
        checked = [v for (sheet, _), v in expected.items() if sheet == g["id"]]
        shown = all_values(wb, g["id"])
        for key in ("summoned", "present", "issued", "collected", "valid_ballots", "invalid_ballots"):
            assert g[key] in checked and g[key] in shown, key
        assert g["title"] in checked and g["title"] in shown
        for p in g["persons"]:
            for key in ("valid", "invalid", "high", "medium", "low"):
                assert p[key] in checked and p[key] in shown, (p["id"], key)
            for key in ("high_pct", "medium_pct", "low_pct"):
                text = p[key].replace(".", ",") + "%"
                assert text in checked and text in shown, (p["id"], key)
            assert p["name"] in checked and p["name"] in shown
            assert "; ".join(p["positions"]) in checked
            rules = RULE_SETS[doc["event"]["rules"]]
            for flag in p["flags"]:
                text = rules.consequence(Flag(flag), "vi")
                assert any(isinstance(v, str) and text in v for v in checked), flag
    for name, role in results.event.committee:
        assert name in all_values(wb, "btv") and role.upper() in all_values(wb, "btv")
    prov = all_values(wb, "Nguồn gốc")
    assert fingerprint(data) in prov
    assert doc["event"]["sha256"] in prov
    for f in doc["inputs"]:
        assert f["sha256"] in prov
    assert RULE_SETS["qd96-2023"].citation("vi") in prov
    assert "tally 0.1.0" in prov


def test_percentages_are_text_with_a_decimal_comma_in_vietnamese() -> None:
    assert format_pct("38.88", "vi") == "38,88%"
    assert format_pct("38.88", "en") == "38.88%"
    _, xlsx = build(make_results())
    ws = load(xlsx)["btv"]
    pct = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.endswith("%") and c.value[0].isdigit()]
    assert "56,00%" in pct            # p03: 14 of 25 low
    assert all(c.count(",") == 1 and "." not in c for c in pct)


def test_counts_are_numbers() -> None:
    data, xlsx = build(make_results())
    ws = load(xlsx)["btv"]
    expected = {ref: v for (s, ref), v in expected_cells(data).items() if s == "btv"}
    for ref, v in expected.items():
        if isinstance(v, int):
            assert ws[ref].data_type == "n" and ws[ref].value == v


def test_flagged_rows_are_highlighted_and_carry_the_consequence() -> None:
    _, xlsx = build(make_results())
    ws = load(xlsx)["btv"]
    row = next(c.row for c in ws["B"] if c.value == "Lê Hoàng Cường")
    other = next(c.row for c in ws["B"] if c.value == "Trần Thị Bình")
    assert ws.cell(row, 2).fill.fgColor.rgb.endswith("FCE4D6")
    assert ws.cell(other, 2).fill.fill_type is None
    assert ws.cell(row, 10).font.b and not ws.cell(other, 10).font.b
    assert ws.cell(row, 12).value == RULE_SETS["qd96-2023"].consequence(Flag.OVER_HALF_LOW, "vi")
    assert ws.cell(other, 12).value is None
    gd = load(xlsx)["gd"]
    row = next(c.row for c in gd["B"] if c.value == "Lê Hoàng Cường")
    note = gd.cell(row, 12).value
    assert RULE_SETS["qd96-2023"].consequence(Flag.TWO_THIRDS_LOW, "vi") in note and "QĐ 41-QĐ/TW" in note


def test_header_block_party_and_state() -> None:
    _, xlsx = build(make_results())
    shown = all_values(load(xlsx), "btv")
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in shown
    assert "ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH" in shown and "ĐẢNG BỘ SỞ GIAO THÔNG VẬN TẢI" in shown
    assert "Hải Phòng, ngày 31 tháng 5 năm 2023" in shown
    assert "BIÊN BẢN KIỂM PHIẾU" in shown and "TM. BAN KIỂM PHIẾU" in shown
    _, xlsx = build(make_results("nq96-2023", parent=None))
    shown = all_values(load(xlsx), "btv")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in shown and "Độc lập - Tự do - Hạnh phúc" in shown
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in shown


def test_date_line() -> None:
    assert format_date("2023-02-05", "Hà Nội", "vi") == "Hà Nội, ngày 05 tháng 02 năm 2023"
    assert format_date("2023-05-31", None, "vi") == "Ngày 31 tháng 5 năm 2023"
    assert format_date("2023-05-31", "Hanoi", "en") == "Hanoi, 31 May 2023"


def test_nq85_counts_percentages_of_members() -> None:
    results = make_results("nq85-2014")
    data, xlsx = build(results)
    shown = all_values(load(xlsx), "gd")
    assert "Tỷ lệ phần trăm tính trên tổng số thành viên, đại biểu (30 người)." in shown
    assert 30 in shown                       # the members line
    assert "66,67%" in shown                 # p03: 20 of 30 members
    assert RULE_SETS["nq85-2014"].consequence(Flag.TWO_THIRDS_LOW, "vi") in "".join(str(v) for v in shown)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in shown
    assert not mismatches(data, xlsx)


def test_invalid_ballots_sheet() -> None:
    _, xlsx = build(make_results())
    ws = load(xlsx)["Phiếu không hợp lệ"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    btv, gd = "Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy", "Phiếu tín nhiệm Giám đốc, Phó Giám đốc Sở"   # the forms' titles, not their ids
    assert [btv, 7, "cả phiếu", "Không phải phiếu do Ban kiểm phiếu phát ra", "ballots.xlsx › btv › A9"] in rows
    assert [btv, 12, "Trần Thị Bình", "(không ghi)", "ballots.xlsx › btv › D14"] in rows
    assert [gd, 3, "cả phiếu", "Không có dấu", "ballots-gd.csv › gd › A4"] in rows


def test_english_labels() -> None:
    data, xlsx = build(make_results(language="en"))
    wb = load(xlsx)
    assert wb.sheetnames == ["btv", "gd", "Invalid ballots", "Provenance", DATA_SHEET]
    shown = all_values(wb, "btv")
    for label in ("COUNTING MINUTES", "Low confidence", "High confidence", "Name", "Position",
                  "Hải Phòng, 31 May 2023", "FOR THE COUNTING COMMITTEE"):
        assert label in shown, label
    assert "56.00%" in shown
    assert RULE_SETS["qd96-2023"].consequence(Flag.OVER_HALF_LOW, "en") in shown
    assert "whole ballot" in all_values(wb, "Invalid ballots")
    assert re.match(r"Page &P of \d+\n", wb["btv"].oddFooter.center.text)
    assert not any(isinstance(v, str) and "Tín nhiệm" in v for v in shown)
    assert not mismatches(data, xlsx)


def test_labels_have_the_same_keys_in_every_language() -> None:
    assert set(LABELS["vi"]) == set(LABELS["en"])


# --- print setup -------------------------------------------------------------------------


def test_print_setup() -> None:
    data, xlsx = build(make_results())
    wb = load(xlsx)
    ws = wb["btv"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    header = next(c.row for c in ws["A"] if c.value == "TT")
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header + 1}"
    footer = ws.oddFooter.center.text
    # numbering restarts per sheet; the total is the sheet's own page count
    assert re.match(r"Trang &P/\d+\n", footer) and fingerprint(data) in footer
    assert wb["Nguồn gốc"].page_setup.orientation == "portrait"
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Times New Roman"}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"_x000a_" not in sheet and re.search(rb"Trang &amp;P/\d+\n", sheet)


def test_rows_are_tall_enough_for_wrapped_text() -> None:
    _, xlsx = build(make_results())
    ws = load(xlsx)["btv"]
    row = next(c.row for c in ws["B"] if c.value == "Lê Hoàng Cường")
    single = next(c.row for c in ws["B"] if c.value == "Trần Thị Bình")
    assert ws.row_dimensions[row].height >= 5 * 11 * 1.15          # a five-line consequence
    assert ws.row_dimensions[single].height < 2 * 12


@pytest.mark.parametrize("n", [1, 3, 8, 14, 20, 35])
def test_signatures_and_table_head_are_never_split(n: int) -> None:
    base = make_results()
    g = base.groups[0]
    persons = tuple(dataclasses.replace(g.persons[i % 4], id=f"p{i}") for i in range(n))
    results = dataclasses.replace(base, groups=(dataclasses.replace(g, persons=persons),))
    data = to_bytes(results)
    sheet = layout(results, data)[0]
    _, xlsx = build(results)
    breaks = [b.id for b in load(xlsx)["btv"].row_breaks.brk]
    for first, last in sheet.keep_together:       # every block is kept whole
        assert not [b for b in breaks if first <= b < last], (first, last, breaks)
    assert breaks == sorted(breaks)
    section = sheet.keep_together[0][0]
    if n >= 2:   # the table starts on page 1: its heading, header and first row fit there
        assert not [b for b in breaks if b < section], (section, breaks)


# --- safety ------------------------------------------------------------------------------


TRAPS = ('=HYPERLINK("http://x","y")', "+1", "-2", "@a", "=1+1", "bell\x07name")


def test_texts_from_the_files_are_never_formulas() -> None:
    base = make_results()
    g = base.groups[0]
    persons = tuple(
        dataclasses.replace(p, name=TRAPS[i % len(TRAPS)], positions=(TRAPS[(i + 1) % len(TRAPS)],))
        for i, p in enumerate(g.persons)
    )
    entries = (InvalidEntry(5, None, None, "=cmd|' /C calc'!A0", "@SUM(1)"),)
    g = dataclasses.replace(g, id="btv", title="=1+2", persons=persons, invalid_entries=entries)
    results = dataclasses.replace(
        base,
        groups=(g, base.groups[1]),
        event=dataclasses.replace(base.event, title="=EVIL()", organisation="+org", place="-x",
                                  committee=(("=a", "@b"), ("bell\x07name", "Ủy viên"))),
        inputs=(InputFile("=file.xlsx", "00" * 32),),
    )
    data, xlsx = build(results)
    wb = load(xlsx)    # not data_only: formulas would show as "=..."
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    shown = all_values(wb, "btv")
    for trap in TRAPS[:5]:
        assert trap in shown
    assert "bellname" in shown                      # the control character is dropped
    assert "=1+2" in shown and "=EVIL()" in shown
    assert ws_cell(wb, "btv", '=HYPERLINK("http://x","y")').quotePrefix
    assert "=cmd|' /C calc'!A0" in all_values(wb, "Phiếu không hợp lệ")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)
    assert not mismatches(data, xlsx)


def ws_cell(wb: openpyxl.Workbook, sheet: str, value: str) -> openpyxl.cell.cell.Cell:
    return next(c for row in wb[sheet].iter_rows() for c in row if c.value == value)


# --- the embedded results.json -----------------------------------------------------------


def test_embedded_json_round_trips(tmp_path: Path) -> None:
    data, xlsx = build(make_results())
    assert embedded_json(xlsx) == data
    path = tmp_path / "results.xlsx"
    path.write_bytes(xlsx)
    assert embedded_json(path) == data
    assert embedded_json(str(path)) == data


def test_embedded_json_splits_long_results_into_chunks() -> None:
    base = make_results()
    g = base.groups[0]
    many = tuple(dataclasses.replace(g.persons[0], id=f"p{i:03d}", name=f"Người số {i}") for i in range(400))
    results = dataclasses.replace(base, groups=(dataclasses.replace(g, persons=many),))
    data, xlsx = build(results)
    ws = load(xlsx)[DATA_SHEET]
    assert ws["A1"].value == "tally-results/1"
    assert ws["A2"].value >= 3
    assert all(len(ws.cell(3 + i, 1).value) <= 30000 for i in range(ws["A2"].value))
    assert ws["B1"].value is None    # columns B..E stay free for signatures
    assert embedded_json(xlsx) == data


def test_embedded_json_absent_or_broken() -> None:
    wb = openpyxl.Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    assert embedded_json(buf.getvalue()) is None
    assert embedded_json(b"not a zip") is None
    _, xlsx = build(make_results())
    wb = load(xlsx)
    wb[DATA_SHEET]["A3"] = "!!!" + wb[DATA_SHEET]["A3"].value
    buf = io.BytesIO()
    wb.save(buf)
    assert embedded_json(buf.getvalue()) is None


@pytest.mark.libreoffice
def test_resave_with_libreoffice_still_matches(tmp_path: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is needed")
        pytest.skip("LibreOffice (soffice) is not installed")
    base = make_results()
    g = dataclasses.replace(base.groups[0], title='=HYPERLINK("http://x","y")')
    results = dataclasses.replace(base, groups=(g, base.groups[1]))
    data, xlsx = build(results)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "results.xlsx").write_bytes(xlsx)
    subprocess.run(
        [exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"),
         str(tmp_path / "in" / "results.xlsx")],
        check=True, capture_output=True, timeout=240,
    )
    resaved = (tmp_path / "out" / "results.xlsx").read_bytes()
    assert resaved != xlsx
    assert mismatches(data, resaved) == []
    assert embedded_json(resaved) == data
    wb = load(resaved)
    assert wb[DATA_SHEET].sheet_state == "hidden"      # LibreOffice saves veryHidden as hidden
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


# --- verification support ----------------------------------------------------------------


def test_layout_from_json_equals_layout_from_results() -> None:
    results = make_results()
    data = to_bytes(results)
    assert layout(results_from_dict(json.loads(data)), data) == layout(results, data)


def test_expected_cells_match_the_workbook_as_written() -> None:
    data, xlsx = build(make_results())
    expected = expected_cells(data)
    assert len(expected) > 100
    wb = load(xlsx)
    for (sheet, ref), value in expected.items():
        assert compare_cells(value, wb[sheet][ref].value), (sheet, ref, value, wb[sheet][ref].value)
    assert mismatches(data, xlsx) == []


def test_expected_cells_cover_only_visible_sheets() -> None:
    data, _ = build(make_results())
    sheets = {s for s, _ in expected_cells(data)}
    assert sheets == {"btv", "gd", "Phiếu không hợp lệ", "Nguồn gốc"}
    kinds = [s.kind for s in layout(make_results(), data)]
    assert kinds == [SheetKind.GROUP, SheetKind.GROUP, SheetKind.INVALID, SheetKind.PROVENANCE, SheetKind.DATA]


def test_resave_with_openpyxl_still_matches() -> None:
    data, xlsx = build(make_results())
    wb = load(xlsx)
    buf = io.BytesIO()
    wb.save(buf)
    assert mismatches(data, buf.getvalue()) == []
    assert embedded_json(buf.getvalue()) == data


def test_changed_count_fails_for_that_cell() -> None:
    data, xlsx = build(make_results())
    expected = expected_cells(data)
    wb = load(xlsx)
    ws = wb["btv"]
    row = next(c.row for c in ws["B"] if c.value == "Lê Hoàng Cường")
    ref = f"J{row}"                                   # the low count
    assert expected[("btv", ref)] == 14
    ws[ref] = 12
    ws[f"L{row - 1}"] = "over half low"               # a note on an unflagged person
    buf = io.BytesIO()
    wb.save(buf)
    bad = mismatches(data, buf.getvalue())
    assert [(m.sheet, m.cell, m.expected, m.actual) for m in bad] == [
        ("btv", f"L{row - 1}", None, "over half low"),
        ("btv", ref, 14, 12),
    ]


def test_missing_sheet_is_reported_once() -> None:
    data, xlsx = build(make_results())
    wb = load(xlsx)
    del wb["gd"]
    buf = io.BytesIO()
    wb.save(buf)
    bad = mismatches(data, buf.getvalue())
    assert [(m.sheet, m.cell, m.missing_sheet) for m in bad] == [("gd", "", True)]


def test_expected_cells_refuses_other_json() -> None:
    with pytest.raises(ValueError, match="tally-results/1"):
        expected_cells(b'{"schema": "something-else"}')


def test_changed_name_and_percentage_fail() -> None:
    data, xlsx = build(make_results())
    wb = load(xlsx)
    cell = ws_cell(wb, "gd", "Hoàng Thị Em")
    cell.value = "Hoàng Thị Em."
    pct = ws_cell(wb, "gd", "66,67%")
    pct.value = "33,33%"
    buf = io.BytesIO()
    wb.save(buf)
    bad = {(m.sheet, m.cell) for m in mismatches(data, buf.getvalue())}
    assert bad == {("gd", cell.coordinate), ("gd", pct.coordinate)}


@pytest.mark.parametrize(
    "expected, actual, ok",
    [
        (25, 25, True),
        (25, 25.0, True),
        (25, "25", True),
        (25, 26, False),
        (25, None, False),
        (25, True, False),
        (1, True, False),
        ("Nguyễn Văn An", "Nguyễn Văn An", True),
        ("Nguyễn Văn An", "Nguye\u0302\u0303n Va\u0306n An", True),    # NFD
        ("Nguyễn Văn An", "  Nguyễn Văn An ", True),
        ("Nguyễn Văn An", "Nguyễn Văn Ân", False),
        ("a\nb", "a\r\nb", True),
        ("38,88%", "38,88%", True),
        ("38,88%", "38,89%", False),
        ("38,88%", 0.3888, False),
        (None, None, True),
        (None, "", True),
        (None, "x", False),
        (None, 0, False),
        ("", None, True),
    ],
)
def test_compare_cells(expected: object, actual: object, ok: bool) -> None:
    assert compare_cells(expected, actual) is ok  # type: ignore[arg-type]


def test_the_quote_prefix_follows_each_cell_not_the_first_of_its_style() -> None:
    """Styles are made once per kind of cell and copied: a text that a spreadsheet would read
    as a formula must still get the quote prefix when a plain text of the same kind came first,
    and a plain text must not inherit it from an earlier "=..." cell."""
    base = make_results()
    g = base.groups[0]
    names = ("Plain Name", "=1+1", "Another Plain", "+84 Nguyễn", "Last Plain")
    persons = tuple(dataclasses.replace(g.persons[i % len(g.persons)], id=f"p{i}", name=n)
                    for i, n in enumerate(names))
    results = dataclasses.replace(base, groups=(dataclasses.replace(g, persons=persons),))
    _, xlsx = build(results)
    ws = load(xlsx)["btv"]
    seen = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in names:
                seen[cell.value] = cell.quotePrefix
    assert seen == {"Plain Name": False, "=1+1": True, "Another Plain": False, "+84 Nguyễn": True,
                    "Last Plain": False}
