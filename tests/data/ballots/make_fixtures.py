#!/usr/bin/env python3
"""Generate the ballot-sheet fixtures in this folder (SPEC §5), good and deliberately broken.

    python tests/data/ballots/make_fixtures.py             # rewrite every fixture
    python tests/data/ballots/make_fixtures.py --soffice   # also re-convert good.ods / good.xls / error_cells.xls

The outputs are checked in and the tests read them as data; this script only documents
how each one was made and lets a maintainer rebuild them. Everything it writes itself is
deterministic (fixed zip entry times, fixed document properties, fixed random seed), so
running it again gives byte-identical files. The .ods and .xls copies are converted from
good.xlsx by LibreOffice, whose output is not byte-stable (the order of page styles
varies), so they are made only when missing or when --soffice is given.

The event is event.toml: groups "btv" (p01, p02, p03) and "ld" (p01, p04, p05), 5 ballots
issued in each, "ld" declares collected = 5. Every broken workbook is good.xlsx with one
problem added, so a test can expect exactly the diagnostics that problem causes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import random
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
EVENT = HERE / "event.toml"
FIXED_TIME = dt.datetime(2023, 5, 31, 16, 30, 0)
ZIP_TIME = (2023, 5, 31, 16, 30, 0)

Row = list[object]
Sheet = tuple[str, list[Row]]

# The good ballots: (number, status, note, marks in form order). Marks: 1 high, 2 medium,
# 3 low, 0 invalid row; None on a wholly invalid ballot (its person cells may be empty).
BALLOTS: dict[str, list[tuple[int, str | None, str | None, list[object]]]] = {
    "btv": [
        (1, None, None, [1, 2, 3]),
        (2, None, None, [1, 1, 2]),
        (3, "không hợp lệ", "Phiếu không có dấu của Ban kiểm phiếu", [None, None, None]),
        (4, None, "Đánh dấu 2 ô", [2, 0, 1]),
        (5, "hợp lệ", None, [3, 1, 1]),
    ],
    "ld": [
        (1, None, None, [1, 1, 2]),
        (2, None, None, [2, 3, 1]),
        (3, None, "Không đánh dấu ô nào", [1, 0, 1]),
        (4, None, None, [3, 2, 2]),
        (5, "không hợp lệ", "Phiếu không theo mẫu", [None, None, None]),
    ],
}

# Every accepted spelling of SPEC §5, one per cell, 5 valid ballots x 3 people per group.
# tests/test_validate.py holds the expected meaning of each cell.
MARK_SPELLINGS: dict[str, list[list[object]]] = {
    "btv": [
        [1, "C", "cao"],
        ["tín nhiệm cao", "high", "Tin nhiem cao"],
        [2, "T", "tín nhiệm"],
        ["medium", "tin nhiem", "TÍN NHIỆM"],
        ["TH", "thấp", "tín nhiệm thấp"],
    ],
    "ld": [
        ["low", "thap", "Tin Nhiem Thap"],
        [0, "-", "không hợp lệ"],
        ["invalid", "khong hop le", 1.0],
        [2.0, 3.0, "  Cao  "],
        ["th", "t", "c"],
    ],
}


# ------------------------------------------------------------------ the event's forms
def load_forms() -> dict[str, list[tuple[str, str]]]:
    """Group id -> [(person id, name)] in persons order, as Event.persons_on gives them."""
    doc = tomllib.loads(EVENT.read_text(encoding="utf-8"))
    forms = {}
    for group in doc["groups"]:
        wanted = set(group["positions"])
        forms[group["id"]] = [(p["id"], p["name"]) for p in doc["persons"] if wanted & set(p["positions"])]
    return forms


FORMS = load_forms()


def header(group: str) -> Row:
    return ["Số phiếu", "Tình trạng", "Ghi chú"] + [f"{pid} - {name}" for pid, name in FORMS[group]]


def rows(group: str, numbers: Callable[[int], bool] = lambda n: True) -> list[Row]:
    return [[n, status, note, *marks] for n, status, note, marks in BALLOTS[group] if numbers(n)]


def good(group: str) -> Sheet:
    return group, [header(group), *rows(group)]


def person(pid: str) -> str:
    return next(name for form in FORMS.values() for i, name in form if i == pid)


# ------------------------------------------------------------------ writers
def fixed_zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if (stored_first and i == 0) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return out.getvalue()


def xlsx_bytes(sheets: list[Sheet], merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook without openpyxl's save_workbook (it stamps 'modified' with now); `merges`: the
    ranges to merge in a sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    renamed: dict[str, str] = {}
    for name, sheet_rows in sheets:
        ws = wb.create_sheet(name)
        if ws.title != name:  # openpyxl refuses 'btv' and 'BTV' in one book; other tools do not
            renamed[ws.title] = name
        for row in sheet_rows:
            ws.append(row)
        for cells in (merges or {}).get(name, []):
            ws.merge_cells(cells)
    wb.properties.creator = "tests/data/ballots/make_fixtures.py"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(raw) as src:
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    for was, name in renamed.items():
        entries = [(n, d.replace(f'name="{was}"'.encode(), f'name="{name}"'.encode())
                    .replace(f">{was}<".encode(), f">{name}<".encode()) if n.endswith(".xml") else d)
                   for n, d in entries]
    return fixed_zip(entries)


ERROR_TEXTS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")


def ods_bytes(sheets: list[Sheet]) -> bytes:
    """A minimal .ods as LibreOffice writes one; a cell holding one of ERROR_TEXTS is written as
    LibreOffice writes a formula's error (calcext:value-type="error", an empty string value)."""
    from xml.sax.saxutils import escape, quoteattr

    def cell(value: object) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, str) and value in ERROR_TEXTS:
            return (f'<table:table-cell table:formula="of:={escape(value)}" office:value-type="string" '
                    f'office:string-value="" calcext:value-type="error"><text:p>{escape(value)}</text:p>'
                    "</table:table-cell>")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (f'<table:table-cell office:value-type="float" office:value="{value}" calcext:value-type="float">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
        return f'<table:table-cell office:value-type="string" calcext:value-type="string">{lines}</table:table-cell>'

    tables = "".join(
        f"<table:table table:name={quoteattr(name)}>"
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in sheet_rows)
        + "</table:table>" for name, sheet_rows in sheets)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
               f'office:version="1.3"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>'
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return fixed_zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                      ("META-INF/manifest.xml", manifest.encode()), ("content.xml", content.encode())],
                     stored_first=True)


def csv_text(sheet_rows: list[Row], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in sheet_rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def to_cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: precomposed base letters plus combining tone marks."""
    out = b""
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if clusters and unicodedata.combining(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    for cluster in clusters:
        base, marks = cluster[0], cluster[1:]
        # Compose the base with as many marks as cp1258 has a letter for (ê, ơ, ư…), keep the rest combining.
        subsets = sorted(itertools.chain.from_iterable(itertools.combinations(range(len(marks)), k)
                                                       for k in range(len(marks) + 1)), key=len, reverse=True)
        for subset in subsets:
            head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in subset))
            tail = "".join(m for i, m in enumerate(marks) if i not in subset)
            try:
                out += (head + tail).encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise ValueError(f"cannot write {cluster!r} in cp1258")
    return out


def xlsm_from_xlsx(data: bytes) -> bytes:
    """An .xlsm is an .xlsx whose workbook part has the macro-enabled content type."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    plain = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    fixed = [(n, d.replace(plain, macro) if n == "[Content_Types].xml" else d) for n, d in entries]
    assert any(macro in d for n, d in fixed if n == "[Content_Types].xml")
    return fixed_zip(fixed)


def soffice_convert(source: Path, fmt: str) -> bytes:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("make_fixtures: LibreOffice (soffice) is needed for --soffice")
    with tempfile.TemporaryDirectory() as tmp:
        # A private profile, so a running LibreOffice (or another conversion) does not interfere.
        profile = Path(tmp, "profile").as_uri()
        subprocess.run([exe, "--headless", f"-env:UserInstallation={profile}", "--convert-to", fmt,
                        "--outdir", tmp, str(source)], check=True, capture_output=True, timeout=300)
        data = Path(tmp, f"{source.stem}.{fmt}").read_bytes()
    if fmt == "ods":  # fixed entry times; 'mimetype' stays first and stored, as ODF requires
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            data = fixed_zip([(i.filename, src.read(i.filename)) for i in src.infolist()], stored_first=True)
    return data


# ------------------------------------------------------------------ the fixtures
def with_row(group: str, *extra: Row, blank_before: bool = True) -> Sheet:
    """The good sheet plus rows at the end (after one empty row when blank_before)."""
    name, sheet_rows = good(group)
    return name, sheet_rows + ([[]] if blank_before else []) + list(extra)


def edit(sheet: Sheet, cells: dict[tuple[int, int], object]) -> Sheet:
    """A copy with cells replaced; keys are (0-based row, 0-based column): (2, 3) is D3."""
    sheet_rows = [list(r) for r in sheet[1]]
    for (row, col), value in cells.items():
        sheet_rows[row][col] = value
    return sheet[0], sheet_rows


def drop_column(sheet: Sheet, col: int) -> Sheet:
    return sheet[0], [r[:col] + r[col + 1:] for r in sheet[1]]


def set_header(sheet: Sheet, col: int, value: object) -> Sheet:
    return edit(sheet, {(0, col): value})


def add_column(sheet: Sheet, head: object, values: list[object]) -> Sheet:
    return sheet[0], [sheet[1][0] + [head]] + [r + [v] for r, v in zip(sheet[1][1:], values)]


def workbooks() -> dict[str, list[Sheet]]:
    btv, ld = good("btv"), good("ld")
    nfd = unicodedata.normalize("NFD", person("p01"))
    return {
        # ---- good: the same ballots in every format and layout
        "good.xlsx": [btv, ld],
        "ld_only.xlsx": [ld],
        "part1.xlsx": [("btv", [header("btv"), *rows("btv", lambda n: n <= 3)]), ld],
        "part2.xlsx": [("btv", [header("btv"), *rows("btv", lambda n: n > 3)])],
        "part2_dup.xlsx": [("btv", [header("btv"), *rows("btv", lambda n: n >= 3)])],
        "header_spellings.xlsx": [  # the same ballots as good.xlsx, headers and marks spelled differently
            ("btv", [["  SỐ   PHIẾU ", "tình TRẠNG", "GHI  chú", nfd, f"{person('p02')} ", f"p03\n{person('p03')}"],
                     [1, None, None, "C", "T", "TH"],
                     [2, None, None, "cao", "high", 2],
                     [3, "Không Hợp Lệ", "Phiếu không có dấu của Ban kiểm phiếu", None, None, None],
                     [4, "", "Đánh dấu 2 ô", "T", "-", "C"],
                     [5, "Hợp lệ", None, 3, 1.0, "c"]]),
            # English headers, columns in another order: p05, Note, p04 (name only), Ballot, p01, Status
            ("ld", [["p05", "Note", f"  {person('p04').lower()} ", "BALLOT", f"P01 {person('p01').upper()}", "status"],
                    ["medium", None, "high", 1, 1, "Valid"],
                    [1, None, "low", 2, "medium", None],
                    [1, "Không đánh dấu ô nào", "invalid", 3, 1, None],
                    [2, None, "2", 4, "thap", "valid"],
                    [None, "Phiếu không theo mẫu", None, 5, None, "INVALID"]]),
        ],
        "marks_spellings.xlsx": [
            (g, [header(g)] + [[n, None, None, *cells] for n, cells in enumerate(MARK_SPELLINGS[g], start=1)])
            for g in ("btv", "ld")
        ],
        "skip_rows.xlsx": [
            ("btv", [header("btv"), *rows("btv", lambda n: n <= 2), [], *rows("btv", lambda n: n > 2),
                     [6], [7, "", None, "", "", ""]]),
            ld,
        ],
        "instructions.xlsx": [  # sheets of prose beside the ballots: ignored, never an error
            ("Hướng dẫn", [["Nhập mỗi phiếu một dòng."], ["Ghi 1 = tín nhiệm cao, 2 = tín nhiệm, 3 = tín nhiệm thấp."]]),
            btv, ld,
            ("Ghi chép", [["Kiểm phiếu xong lúc 16 giờ 30."], [None, "Người nhập: Lê Thị Kiểm"]]),
        ],
        # ---- broken: one problem each
        # 'x' in D3, 1.5 in E3, TRUE (a boolean cell) in F5, '4' as text in D6
        "bad_mark.xlsx": [edit(btv, {(2, 3): "x", (2, 4): 1.5, (4, 5): True, (5, 3): "4"}), ld],
        # the table starts in B1 (column A empty): cells are still named as the spreadsheet shows them
        "offset_bad_mark.xlsx": [("btv", [[None, *r] for r in edit(btv, {(2, 3): "x"})[1]]), ld],
        "not_entered.xlsx": [edit(btv, {(2, 4): None}), ld],
        # cell errors on ballots of a group that declares `collected`: the ballots are still entered
        "ld_cell_errors.xlsx": [btv, edit(ld, {(2, 3): "xx", (4, 5): None})],
        "dup_number.xlsx": [with_row("btv", [2, None, None, 1, 1, 1], blank_before=False), ld],
        "bad_number.xlsx": [
            with_row("btv", [None, None, None, 1, 2, 3], [0, None, None, 1, 2, 3], ["abc", None, None, 1, 2, 3],
                     blank_before=False),
            ld,
        ],
        "bad_status.xlsx": [edit(btv, {(2, 1): "hỏng"}), ld],
        "total_row.xlsx": [with_row("btv", ["Tổng cộng", None, None, 3, 4, 3]), ld],
        "sum_row.xlsx": [with_row("btv", [None, None, None, 8, 5, 9]), ld],
        "unknown_col.xlsx": [set_header(btv, 4, "Tran Thi Binhh"), ld],
        "data_no_header.xlsx": [add_column(btv, None, [None, None, 1, None, None]), ld],
        "wrong_form.xlsx": [add_column(btv, f"p04 - {person('p04')}", [1, 2, None, 1, 1]), ld],
        "missing_person.xlsx": [drop_column(btv, 5), ld],
        "dup_col.xlsx": [add_column(set_header(btv, 3, "p01"), person("p01"), [1, 1, None, 2, 3]), ld],
        "id_name_mismatch.xlsx": [set_header(btv, 3, "p01 - Wrong Name"), ld],
        "two_sheets.xlsx": [btv, ("BTV", btv[1]), ld],
        "stray_sheet.xlsx": [btv, ld, ("xyz", btv[1])],
        "missing_group.xlsx": [btv],
        "header_row3.xlsx": [("btv", [[], [], *btv[1]]), ld],
        "no_header.xlsx": [("btv", btv[1][1:]), ld],
        "empty_sheet.xlsx": [("btv", []), ld],
        "no_ballot_col.xlsx": [drop_column(btv, 0), ld],
        "missing_ballot.xlsx": [btv, ("ld", [header("ld"), *rows("ld", lambda n: n != 4)])],
        "too_many.xlsx": [with_row("btv", [6, None, None, 1, 1, 1], blank_before=False), ld],
        "header_only.xlsx": [("btv", [header("btv")]), ld],
        # cells showing a spreadsheet error, which the reader gives as empty: ballot 2's status is #N/A
        # (B3), every mark cell of ballot 4 (and nothing else but its number) is #REF! (D5:F5), the number
        # of ld's ballot 2 is #VALUE! (A3); ld's ballot 3 has a note with a '#' that is only text
        "error_cells.xlsx": error_cells(),
        "hash_note.xlsx": [btv, edit(ld, {(3, 2): "#3: không đánh dấu ô nào"})],   # a '#' that is only text
    }


def error_cells() -> list[Sheet]:
    return [edit(good("btv"), {(2, 1): "#N/A", (4, 2): None, (4, 3): "#REF!", (4, 4): "#REF!", (4, 5): "#REF!"}),
            edit(good("ld"), {(2, 0): "#VALUE!", (3, 2): "#3: không đánh dấu ô nào"})]


def other_files() -> dict[str, bytes]:
    btv_rows = [header("btv"), *rows("btv")]
    ld_rows = [header("ld"), *rows("ld")]
    rng = random.Random(20230531)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    assert b"\x00" in noise and not noise.startswith((b"PK", b"\xd0\xcf"))
    good_xlsx = xlsx_bytes([good("btv"), good("ld")])
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    encrypted = (ole_header.ljust(512, b"\xff") + "EncryptionInfo".encode("utf-16-le").ljust(64, b"\x00")
                 + "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")).ljust(2048, b"\x00")
    return {
        "good.xlsm": xlsm_from_xlsx(good_xlsx),
        "error_cells.ods": ods_bytes(error_cells()),      # error_cells.xlsx as LibreOffice writes an .ods
        # ballot 2 wholly invalid, its status merged down over ballot 3 (B3:B4): the sheet shows both invalid,
        # but B4 reads empty, and ballot 3, its marks typed, was a valid ballot
        "merged_status.xlsx": xlsx_bytes([edit(good("btv"), {(2, 1): "không hợp lệ"}), good("ld")],
                                         {"btv": ["B3:B4"]}),
        "csv_comma/btv.csv": csv_text(btv_rows, ",").encode("utf-8"),
        "csv_comma/ld.csv": csv_text(ld_rows, ",").encode("utf-8"),
        "csv_bom_semicolon/btv.csv": csv_text(btv_rows, ";").encode("utf-8-sig"),
        "csv_bom_semicolon/ld.csv": csv_text(ld_rows, ";").encode("utf-8-sig"),
        "csv_named_xlsx/btv.xlsx": csv_text(btv_rows, ";").encode("utf-8"),  # a CSV with a workbook's name
        # ballot 2 has a 7th value beyond the 6 headers (G3)
        "csv_extra_cell/btv.csv": csv_text([r + ([9] if r[0] == 2 else []) for r in btv_rows], ",").encode("utf-8"),
        "phieu_btv.csv": csv_text(btv_rows, ",").encode("utf-8"),            # not named after a group
        "btv_cp1258.csv": to_cp1258(csv_text(btv_rows, ";")),
        # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated
        "csv_utf16/btv.csv": csv_text(btv_rows, "\t").encode("utf-16"),
        # the note column last, and a clerk's stray quote opening ballot 2's note: read leniently, the
        # ballots after it are one note and vanish (btv does not declare `collected`)
        "csv_open_quote/btv.csv": csv_text([[*r[:2], *r[3:], r[2]] for r in btv_rows], ",")
        .replace("\r\n2,,1,1,2,\r\n", '\r\n2,,1,1,2,"rách góc\r\n').encode("utf-8"),
        # a quote that closes a cell with more text after it in the same cell
        "csv_quote_text/btv.csv": csv_text(btv_rows, ",").replace("\r\n2,,,", '\r\n2,,"rách" góc,').encode("utf-8"),
        "empty.xlsx": b"",
        "scan.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        "report.docx": fixed_zip([
            ("[Content_Types].xml", (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                     b'package/2006/content-types"/>')),
            ("word/document.xml", ("<w:document><w:body><w:p><w:t>Biên bản kiểm phiếu</w:t></w:p></w:body>"
                                   "</w:document>").encode()),
        ]),
        "random.xlsx": noise,
        "encrypted.xlsx": encrypted,
        "truncated.xlsx": good_xlsx[: len(good_xlsx) // 2],
        "garbage_zip.xlsx": b"PK\x03\x04" + noise[:1020],
        "broken_workbook.xlsx": fixed_zip([
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"this is not XML \x01\x02"),
        ]),
        "broken_event.toml": b'schema = 1\n\n[event\ntitle = "Thi\xe1\xbb\x83u ngo\xe1\xba\xb7c"\n',
    }


def event_variants() -> dict[str, str]:
    text = EVENT.read_text(encoding="utf-8")
    btv_block = 'id = "btv"\ntitle = "Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy"\npositions = ["btv"]\n'
    assert text.count(btv_block + "summoned = 7\npresent = 6\nissued = 5\n") == 1

    def variant(summoned: int, present: int, issued: int, why: str) -> str:
        new = text.replace(btv_block + "summoned = 7\npresent = 6\nissued = 5\n",
                           btv_block + f"summoned = {summoned}\npresent = {present}\nissued = {issued}\n")
        return f"# Generated by make_fixtures.py from event.toml: {why}\n" + new

    return {
        "event_no_quorum.toml": variant(10, 6, 5, "btv has no quorum (3*6 < 2*10)"),
        "event_issued_gt_present.toml": variant(7, 6, 7, "btv issued 7 ballots to 6 people present"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--soffice", action="store_true", help="re-convert good.ods and good.xls with LibreOffice")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    args = ap.parse_args(argv)
    out: Path = args.out
    files: dict[str, bytes] = {}
    for name, sheets in workbooks().items():
        files[name] = xlsx_bytes(sheets)
    files.update(other_files())
    files.update({n: t.encode("utf-8") for n, t in event_variants().items()})
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for stem, fmt in (("good", "ods"), ("good", "xls"), ("error_cells", "xls"), ("merged_status", "ods"),
                      ("merged_status", "xls")):   # error_cells.ods: ods_bytes
        target = out / f"{stem}.{fmt}"
        if args.soffice or not target.exists():
            target.write_bytes(soffice_convert(out / f"{stem}.xlsx", fmt))
            files[target.name] = b""
    print(f"wrote {len(files)} files in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
