"""ballots/sheets.py: opening ballot files, format from the content (SPEC §5), codes E300–E306.

The files are real, kept as data in tests/data/ballots/ (made by make_fixtures.py there).
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from ballot_fixtures import DATA, EVENT, EXPECTED, H, I, L, M  # noqa: E402,F401

from ballots import cells, sheets
from ballots.cells import cell_ref, column_letters, ref_at, refs_at
from ballots.errors import ExitCode, Location, TallyError
from ballots.event import load_event
from ballots.model import Ballot, Mark
from ballots.sheets import (
    OLE_MAGIC,
    SheetData,
    open_ballot_file,
    sniff,
    sniff_delimiter,
)
from ballots.validate import BallotRead, read_ballots


def read(*names: str, group: str | None = None) -> BallotRead:
    event, _ = load_event(EVENT)
    return read_ballots(event, [DATA / n for n in names], csv_group=group)


def content(result: BallotRead) -> dict[str, list[tuple[int, bool, tuple[Mark | None, ...], str]]]:
    return {gb.group.id: [(b.number, b.valid, b.marks, b.note) for b in gb.ballots] for gb in result.groups}


def layout(ballot: Ballot) -> tuple[int, str, tuple[str, ...]]:
    assert ballot.source is not None
    return ballot.source.row, ballot.source.cell, ballot.source.person_columns


def found(result: BallotRead) -> list[tuple[str, str]]:
    return sorted((d.code, str(d.location)) for d in result.diagnostics)


# ------------------------------------------------------------------ formats
FORMATS = {
    "xlsx": ("good.xlsx",),
    "xlsm": ("good.xlsm",),
    "xls": ("good.xls",),
    "ods": ("good.ods",),
    "csv ',' UTF-8": ("csv_comma/btv.csv", "csv_comma/ld.csv"),
    "csv ';' UTF-8 with BOM": ("csv_bom_semicolon/btv.csv", "csv_bom_semicolon/ld.csv"),
    "csv named .xlsx": ("csv_named_xlsx/btv.xlsx", "csv_comma/ld.csv"),
}


@pytest.mark.parametrize("names", FORMATS.values(), ids=FORMATS.keys())
def test_same_ballots_in_every_format(names: tuple[str, ...]) -> None:
    result = read(*names)
    assert result.diagnostics == ()
    assert content(result) == EXPECTED
    reference = read("good.xlsx")
    assert [gb.group for gb in result.groups] == [gb.group for gb in reference.groups]
    assert [gb.persons for gb in result.groups] == [gb.persons for gb in reference.groups]
    # the same rows and cells are named in messages and in the invalid-ballot sheet, whatever the format
    for gb, ref in zip(result.groups, reference.groups):
        assert [layout(b) for b in gb.ballots] == [layout(b) for b in ref.ballots]
    # inputs: the display name and the SHA-256 of the bytes read
    assert [(i.file, i.sha256) for i in result.inputs] == [
        (Path(n).name, hashlib.sha256((DATA / n).read_bytes()).hexdigest()) for n in names
    ]


@pytest.mark.parametrize(("name", "kind", "sheets"), [
    ("good.xlsx", "xlsx", ["btv", "ld"]),
    ("good.xlsm", "xlsx", ["btv", "ld"]),
    ("good.xls", "xls", ["btv", "ld"]),
    ("good.ods", "ods", ["btv", "ld"]),
    ("csv_comma/btv.csv", "csv", ["btv"]),
    ("csv_named_xlsx/btv.xlsx", "csv", ["btv"]),   # the content decides, not the name
    ("phieu_btv.csv", "csv", ["phieu_btv"]),
])
def test_format_from_content(name: str, kind: str, sheets: list[str]) -> None:
    opened = open_ballot_file(DATA / name)
    assert opened.kind == kind
    assert opened.sheet_names == sheets
    assert opened.display == Path(name).name
    assert opened.sha256 == hashlib.sha256((DATA / name).read_bytes()).hexdigest()


def test_csv_sheet_has_no_sheet_name_in_locations() -> None:
    result = read("csv_comma/btv.csv", "csv_comma/ld.csv")
    source = result.groups[0].ballots[0].source
    assert source is not None and source.sheet is None
    assert str(source) == "btv.csv › B2"


def test_csv_group_option_names_the_group() -> None:
    result = read("phieu_btv.csv", "ld_only.xlsx", group="btv")
    assert result.diagnostics == ()
    assert content(result) == EXPECTED
    assert {b.source.file for b in result.groups[0].ballots if b.source} == {"phieu_btv.csv"}


def test_csv_without_group_option_is_named_by_its_stem() -> None:
    result = read("phieu_btv.csv")
    assert found(result) == [("E401", "phieu_btv.csv"), ("E402", "phieu_btv.csv"), ("E402", "phieu_btv.csv")]
    e401 = next(d for d in result.diagnostics if d.code == "E401")
    assert "phieu_btv" in e401.message and "--group" in e401.hint


# ------------------------------------------------------------------ unreadable files: E300–E306
UNREADABLE = {
    "E300 not found": ("no_such_file.xlsx", "E300"),
    "E301 pdf": ("scan.pdf", "E301"),
    "E301 docx": ("report.docx", "E301"),
    "E301 random bytes": ("random.xlsx", "E301"),
    "E302 encrypted": ("encrypted.xlsx", "E302"),
    "E303 truncated": ("truncated.xlsx", "E303"),
    "E303 garbage after zip magic": ("garbage_zip.xlsx", "E303"),
    "E303 zip with a broken workbook": ("broken_workbook.xlsx", "E303"),
    "E304 empty": ("empty.xlsx", "E304"),
    "E305 cp1258 csv": ("btv_cp1258.csv", "E305"),
    "E306 directory": ("csv_comma", "E306"),
}


@pytest.mark.parametrize(("name", "code"), UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_file(name: str, code: str) -> None:
    with pytest.raises(TallyError) as info:
        open_ballot_file(DATA / name)
    (diag,) = info.value.diagnostics
    assert diag.code == code
    assert str(diag.location) == name
    assert diag.message and diag.hint
    assert info.value.exit_code is ExitCode.UNREADABLE
    # through the reader: reported, not raised, and nothing else is said about a file never read
    result = read(name)
    assert found(result) == [(code, name)]
    assert result.inputs == () and result.groups == ()


def test_messages_say_what_the_file_is() -> None:
    def message(name: str) -> str:
        with pytest.raises(TallyError) as info:
            open_ballot_file(DATA / name)
        return info.value.diagnostics[0].message

    assert "PDF" in message("scan.pdf")
    assert "word-processor" in message("report.docx")
    assert "password" in message("encrypted.xlsx")
    assert "0 bytes" in message("empty.xlsx")
    assert "UTF-8" in message("btv_cp1258.csv")
    assert "folder" in message("csv_comma")


def test_an_unreadable_file_does_not_stop_the_others() -> None:
    result = read("good.xlsx", "scan.pdf", "empty.xlsx")
    assert found(result) == [("E301", "scan.pdf"), ("E304", "empty.xlsx")]
    assert content(result) == EXPECTED
    assert [i.file for i in result.inputs] == ["good.xlsx"]


def test_cp1258_fixture_really_is_vietnamese_in_cp1258() -> None:
    data = (DATA / "btv_cp1258.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "Nguyễn Văn An" in unicodedata.normalize("NFC", data.decode("cp1258"))


def test_encrypted_fixture_is_an_ole_container() -> None:
    data = (DATA / "encrypted.xlsx").read_bytes()
    assert data.startswith(OLE_MAGIC) and "EncryptionInfo".encode("utf-16-le") in data


# ------------------------------------------------------------------ sniffing bytes
def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (b"So phieu,p01\n1,1\n", "csv"),
    ("Số phiếu;p01\n1;1\n".encode("utf-8-sig"), "csv"),
    (OLE_MAGIC + b"\x00" * 504, "xls"),
    (_zip({"xl/workbook.xml": b"<workbook/>"}), "xlsx"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}), "ods"),
    (_zip({"content.xml": b"<x/>"}), "ods"),
])
def test_sniff_kinds(data: bytes, kind: str) -> None:
    assert sniff(data, "f") == kind


@pytest.mark.parametrize(("data", "code", "words"), [
    (b"", "E304", "empty"),
    (b"  %PDF-1.7\n", "E301", "PDF"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "E301", "HTML"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "E301", "binary"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b""}), "E301", "word-processor"),
    (_zip({"ppt/presentation.xml": b""}), "E301", "presentation"),
    (_zip({"notes.txt": b"hello"}), "E301", "zip archive"),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01", "xl/worksheets/sheet1.bin": b""}),
     "E301", ".xlsb"),
    (OLE_MAGIC + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"), "E302", "password"),
    (b"PK\x03\x04" + b"\x00" * 40, "E303", "damaged"),
])
def test_sniff_refuses(data: bytes, code: str, words: str) -> None:
    with pytest.raises(TallyError) as info:
        sniff(data, "ballots.xlsx")
    (diag,) = info.value.diagnostics
    assert diag.code == code and words in diag.message
    assert diag.location == Location("ballots.xlsx") and diag.hint


@pytest.mark.parametrize(("text", "delimiter"), [
    ("Số phiếu,Tình trạng,p01\n1,,1\n", ","),
    ("Số phiếu;Tình trạng;p01\n1;;1\n", ";"),
    ("Số phiếu\tp01\n1\t1\n", "\t"),
    ('Số phiếu;"p01\nNguyễn Văn An, Jr";p02\n1;1;2\n', ";"),   # a two-line header cell holding a comma
    ("Số phiếu\n1\n", ","),
])
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


# ------------------------------------------------------------------ cells
@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"),
                                                (702, "AAA"), (16383, "XFD")])
def test_column_letter(index: int, letters: str) -> None:
    assert column_letters(index + 1) == letters


def test_ref_at_is_cell_ref_kept() -> None:
    """ballots.cells.ref_at: the reference cell_ref makes, kept for refs_at by (row, column) up to
    its bound, past which it is still made, not kept."""
    for row, col in [(1, 1), (12, 4), (1048576, 16384), (7, 27), (12, 4)]:
        assert ref_at(row, col) == cell_ref(col, row)
        assert refs_at()[(row, col)] == cell_ref(col, row)
    kept = len(refs_at())
    assert kept == len({**refs_at()})
    cells._AT_MAX, old = kept, cells._AT_MAX
    try:
        assert ref_at(999_999, 3) == "C999999" and (999_999, 3) not in refs_at()
    finally:
        cells._AT_MAX = old


def test_sheet_locations_count_from_the_first_used_column() -> None:
    sheet = SheetData("b.xlsx", "btv", 1, iter([]))
    assert sheet.cell(0, 1) == "B1"
    assert str(sheet.where(3, 7)) == "b.xlsx › btv › E7"
    assert str(sheet.where()) == "b.xlsx › btv"
    assert str(SheetData("btv.csv", None, 0, iter([])).where(0, 2)) == "btv.csv › A2"


def test_table_starting_in_column_b_names_cells_as_the_spreadsheet_shows_them() -> None:
    result = read("offset_bad_mark.xlsx")
    assert found(result) == [("E501", "offset_bad_mark.xlsx › btv › E3")]
    btv = result.groups[0]
    assert layout(btv.ballots[0]) == (2, "C2", ("E", "F", "G"))


# ------------------------------------------------------------------ CSV text that cannot be read as written
@pytest.mark.parametrize(("folder", "code", "words"), [
    ("csv_utf16", "E305", "UTF-16"),                     # Excel's "Unicode Text": not "a binary file"
    ("csv_open_quote", "E311", "line 3 is never closed"),
    ("csv_quote_text", "E311", "line 3"),
])
def test_csv_that_would_be_misread_is_refused_naming_the_line(folder: str, code: str, words: str) -> None:
    with pytest.raises(TallyError) as info:
        open_ballot_file(DATA / folder / "btv.csv")
    (diag,) = info.value.diagnostics
    assert (diag.code, str(diag.location)) == (code, "btv.csv") and words in diag.message and diag.hint
    assert info.value.exit_code is ExitCode.UNREADABLE


def test_an_unclosed_quote_no_longer_swallows_the_ballots_after_it() -> None:
    """Read leniently, the quote opening ballot 2's note (the last column) made ballots 3-5 part
    of that note: 2 of 5 ballots entered, and nothing said."""
    result = read("csv_open_quote/btv.csv", "ld_only.xlsx")
    assert found(result) == [("E311", "btv.csv"), ("E402", "ld_only.xlsx")]   # no btv sheet was read
    assert [g.group.id for g in result.groups if g.ballots] == ["ld"]


def test_quotes_that_pair_up_are_read_as_before() -> None:
    text = 'Số phiếu,Ghi chú,p01\n1,"rách, ""mất"" góc",1\n2,"hai\ndòng",2\n3,ab"c,3\n'
    sheets._check_quotes(text, "btv.csv")     # a quote inside an unquoted cell stays a character
    rows = list(sheets._csv_rows(text.encode(), "btv.csv"))
    assert rows[1:] == [["1", 'rách, "mất" góc', "1"], ["2", "hai\ndòng", "2"], ["3", 'ab"c', "3"]]


@pytest.mark.parametrize("quote", ["", '"'])
def test_csv_note_longer_than_the_csv_module_reads_by_default(tmp_path: Path, quote: str) -> None:
    """A note of 200,000 characters (past the csv module's default 131,072): the ballots are read,
    not "an internal error", and with a quote elsewhere in the file not a false E311."""
    text = (DATA / "csv_comma" / "btv.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0], f"{text[1].split(',')[0]},,{quote}note{quote},{','.join(text[1].split(',')[3:])}",
            f"{text[2].split(',')[0]},,{'x' * 200_000},{','.join(text[2].split(',')[3:])}", *text[3:]]
    (tmp_path / "btv.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "ld.csv").write_bytes((DATA / "csv_comma" / "ld.csv").read_bytes())
    event, _ = load_event(EVENT)
    result = read_ballots(event, [tmp_path / "btv.csv", tmp_path / "ld.csv"])
    assert [d.code for d in result.diagnostics if d.code.startswith("E")] == []
    btv = result.groups[0].ballots
    assert len(btv) == len(text) - 1 and len(btv[1].note or "") == 200_000
