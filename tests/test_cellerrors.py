"""ballots/cellerrors.py: a cell showing a spreadsheet error (#N/A, #REF!...) is not an empty cell.

python-calamine gives such a cell as '' — the same as a cell with nothing in it — and on a
ballot sheet empty has a meaning: a status cell showing #N/A was a valid ballot, and a ballot
whose every mark cell showed #REF! was an unused pre-numbered row, skipped without a word.
The fixtures (tests/data/ballots/error_cells.xlsx and .ods, made by make_fixtures.py) hold
such cells; each must be refused at its cell, quoting what the cell shows.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ballot_fixtures import DATA, EVENT

from ballots import cellerrors, limits
from ballots.errors import TallyError
from ballots.limits import check_zip
from ballots.sheets import open_ballot_file
from tally import pipeline

EXPECTED = [  # (code, place, what the message quotes)
    ("E501", "btv › D5", "'#REF!'"),
    ("E501", "btv › E5", "'#REF!'"),
    ("E501", "btv › F5", "'#REF!'"),
    ("E504", "ld › A3", "'#VALUE!'"),
    ("E505", "btv › B3", "'#N/A'"),
]


@pytest.mark.parametrize("name", ["error_cells.xlsx", "error_cells.ods", "error_cells.xls"])
def test_cells_showing_an_error_are_refused_at_their_cell(name: str) -> None:
    checked = pipeline.check(EVENT, [DATA / name])
    errors = sorted((d.code, str(d.location), d.message) for d in checked.diagnostics if d.code.startswith("E"))
    assert [(code, place) for code, place, _m in errors] == [(c, f"{name} › {p}") for c, p, _q in EXPECTED]
    for (_code, _place, message), (_c, _p, quoted) in zip(errors, EXPECTED):
        assert quoted in message
    assert checked.has_errors


@pytest.mark.parametrize("name", ["error_cells.xlsx", "error_cells.ods", "error_cells.xls"])
def test_both_ways_of_reading_a_sheet_see_the_error_text(name: str) -> None:
    opened = open_ballot_file(DATA / name)
    table = opened.sheet("btv").table()
    rows = [values for _n, values in opened.sheet("btv").rows()]
    for grid in (table, rows):
        assert grid[2][1] == "#N/A"                       # B3
        assert grid[4][3:6] == ["#REF!"] * 3              # D5:F5
        assert grid[1][1] in ("", None)                   # B2: really empty
    assert opened.sheet("ld").table()[2][0] == "#VALUE!"


def test_a_hash_that_is_only_text_changes_nothing() -> None:
    """A '#' in a note makes the pre-scan look at the sheet again; it finds no error cell, and the
    ballots read are those of the same sheet without the '#'."""
    with zipfile.ZipFile(DATA / "hash_note.xlsx") as zf:
        assert any(b"#3" in zf.read(n) for n in zf.namelist())
    opened = open_ballot_file(DATA / "hash_note.xlsx")
    assert opened._errors == {}
    checked = pipeline.check(EVENT, [DATA / "hash_note.xlsx"])
    assert not checked.has_errors and not checked.diagnostics
    good = pipeline.check(EVENT, [DATA / "good.xlsx"])
    assert [len(g.ballots) for g in checked.read.groups] == [len(g.ballots) for g in good.read.groups]


def test_the_pre_scan_flags_only_sheets_that_may_hold_an_error() -> None:
    data = (DATA / "error_cells.xlsx").read_bytes()
    flagged = check_zip(data, "xlsx", "error_cells.xlsx")
    assert flagged and all(n.startswith("xl/worksheets/") for n in flagged)
    assert check_zip((DATA / "good.xlsx").read_bytes(), "xlsx", "good.xlsx") == frozenset()
    assert check_zip((DATA / "error_cells.ods").read_bytes(), "ods", "error_cells.ods") == {"content.xml"}
    assert check_zip((DATA / "good.ods").read_bytes(), "ods", "good.ods") == frozenset()


def _sheet_xml(cells: str) -> bytes:
    return (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f"{cells}</sheetData></worksheet>").encode()


def test_xlsx_error_cells_in_every_spelling() -> None:
    """Single quotes, attributes in another order, a self-closing cell, a value that is not an error's
    text (shown as #VALUE!), a prefix; and a cell split across two chunks of the stream."""
    xml = _sheet_xml('<row r="2"><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
                     "<c t='e' s='1' r='C2'><v>#N/A</v></c><c r=\"D2\" t=\"e\"/>"
                     '<c r="E2" t="e"><v>1</v></c><c r="F2" t="n"><v>3</v></c></row>')
    found = cellerrors._xlsx([xml], "f.xlsx", "btv")
    assert found == {(2, 1): "#DIV/0!", (2, 2): "#N/A", (2, 3): "#VALUE!", (2, 4): "#VALUE!"}
    for cut in range(1, len(xml)):
        assert cellerrors._xlsx([xml[:cut], xml[cut:]], "f.xlsx", "btv") == found
    prefixed = xml.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(b"<v>", b"<x:v>")
    assert cellerrors._xlsx([prefixed], "f.xlsx", "btv") == found


def test_an_error_cell_without_a_place_is_refused() -> None:
    from ballots.errors import TallyError

    with pytest.raises(TallyError) as info:
        cellerrors._xlsx([_sheet_xml('<row><c t="e"><v>#N/A</v></c></row>')], "f.xlsx", "btv")
    assert info.value.diagnostics[0].code == "E303"


def test_ods_repeated_error_cells_and_rows() -> None:
    cell = ('<table:table-cell table:number-columns-repeated="2" office:value-type="string" '
            'calcext:value-type="error"><text:p>#REF!</text:p></table:table-cell>')
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
               '<office:body><office:spreadsheet><table:table table:name="btv">'
               '<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
               f'<table:table-row table:number-rows-repeated="2"><table:table-cell/>{cell}</table:table-row>'
               "</table:table></office:spreadsheet></office:body></office:document-content>").encode()
    assert cellerrors._ods([content]) == {"btv": {(2, 1): "#REF!", (2, 2): "#REF!", (3, 1): "#REF!",
                                                  (3, 2): "#REF!"}}


def test_put_back_pads_a_short_row() -> None:
    rows = [["a"], ["b", "c"]]
    assert list(cellerrors.put_back(rows, {(2, 4): "#N/A"}, 1)) == [["a"], ["b", "c", "", "#N/A"]]
    assert rows == [["a"], ["b", "c"]]          # the reader's lists are not changed


def test_a_zip_whose_sheet_is_damaged_is_left_to_the_reader() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"#")
    assert cellerrors.find(out.getvalue(), "xlsx", {"xl/worksheets/missing.xml"}, "f.xlsx") == {}


def test_a_sheet_of_error_cells_beyond_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from ballots.errors import TallyError

    monkeypatch.setattr(cellerrors, "MAX_ERRORS", 3)
    with pytest.raises(TallyError) as info:
        open_ballot_file(DATA / "error_cells.xlsx")
    assert [(d.code, str(d.location)) for d in info.value.diagnostics] == [("E303", "error_cells.xlsx › btv")]
    with pytest.raises(TallyError) as info:
        open_ballot_file(DATA / "error_cells.ods")
    assert [(d.code, str(d.location)) for d in info.value.diagnostics] == [("E303", "error_cells.ods › btv")]


def test_xls_records_of_error_cells() -> None:
    """BIFF8: BOOLERR records holding an error and FORMULA records whose cached value is one, found
    through the compound file's Workbook stream (ballots/xls_errors.py, run in the .xls reader's child)."""
    from ballots.xls_errors import error_cells, workbook_stream

    data = (DATA / "error_cells.xls").read_bytes()
    assert workbook_stream(data)[:2] == b"\x09\x08"                 # a BOF record
    assert error_cells(data) == {"btv": {(3, 1): "#N/A", (5, 3): "#REF!", (5, 4): "#REF!", (5, 5): "#REF!"},
                                 "ld": {(3, 0): "#VALUE!"}}
    assert error_cells((DATA / "good.xls").read_bytes()) == {}


def test_damaged_xls_bytes_give_what_can_be_read_never_a_crash() -> None:
    import random

    from ballots.xls_errors import error_cells

    rng = random.Random(20231025)
    seed = (DATA / "error_cells.xls").read_bytes()
    for _ in range(300):
        data = bytearray(seed)
        if rng.random() < 0.5:
            for _flip in range(rng.randint(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = data[:rng.randrange(len(data))]
        found = error_cells(bytes(data))
        assert all(isinstance(t, str) and t.startswith("#") for cells in found.values() for t in cells.values())


@pytest.mark.parametrize("length", [0x14, 0x1F, 0xFF, 0x100, 0x10A, 0x113, 0x205, 0xFFFF])
def test_the_xls_search_finds_a_formula_showing_an_error_of_any_length(length: int) -> None:
    """xls_errors._MAYBE: a FORMULA record (0x0006) whose cached value is an error (0x02 ... 0xFFFF),
    at every record length from its least (20 bytes) up, the high byte of the length too; a
    record shorter than a FORMULA's is not one."""
    import struct

    from ballots import xls_errors

    body = struct.pack("<HHH", 4, 2, 15) + bytes([2, 0, 0x17, 0, 0, 0, 0xFF, 0xFF]) + b"\x00" * 6
    record = struct.pack("<HH", 0x0006, length) + body
    assert xls_errors._MAYBE.search(b"\x09\x08" + record)
    assert not xls_errors._MAYBE.search(struct.pack("<HH", 0x0006, 0x13) + body)


def _moved(source: bytes, old: str, new: str) -> bytes:
    """The workbook with one sheet part stored under another name (its relationship and
    content type following), as the sheet reader still finds it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info).replace(f"/{old}".encode(), f"/{new}".encode())
            zout.writestr(new if info.filename == old else info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize("target", ["xl/sheets/s1.xml", "xl/worksheets/deeper/sheet1.xml"])
def test_a_sheet_kept_outside_xl_worksheets_is_refused(tmp_path: Path, target: str) -> None:
    """The checks before reading (each sheet's extent, cells showing an error) look at
    xl/worksheets/; the reader follows the workbook's relationships. A sheet the workbook keeps
    elsewhere was read unchecked: its #N/A status made a valid ballot. It is refused (E303)."""
    path = tmp_path / "moved.xlsx"
    path.write_bytes(_moved((DATA / "error_cells.xlsx").read_bytes(), "xl/worksheets/sheet1.xml", target))
    checked = pipeline.check(EVENT, [path])
    codes = [(d.code, d.message) for d in checked.diagnostics if d.code.startswith("E")]
    assert codes and codes[0][0] == "E303" and target in codes[0][1], codes


def test_error_cells_in_a_sheet_that_cannot_be_named_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """cellerrors.find fails closed: cells showing an error in a part the workbook's sheet list
    does not name (its labels are best effort) are E303, not dropped."""
    monkeypatch.setattr(cellerrors, "sheet_names", lambda zf: {})
    data = (DATA / "error_cells.xlsx").read_bytes()
    with pytest.raises(TallyError) as info:
        cellerrors.find(data, "xlsx", ["xl/worksheets/sheet1.xml"], "error_cells.xlsx")
    assert [d.code for d in info.value.diagnostics] == ["E303"]


@pytest.mark.parametrize(("cells", "flagged"), [
    ('<row r="2"><c r="B2" t="e"><v>#N/A</v></c></row>', True),
    ("<row r='2'><c r='B2' t='e'><v>#N/A</v></c></row>", True),
    ('<row r="2"><c r="B2" t = "e"><v>#N/A</v></c></row>', True),
    # attribute values ending in e (LibreOffice writes these on every row), and an e in a text
    ('<row r="2" hidden="false" collapsed="false"><c r="B2" t="inlineStr"><is><t>"e</t></is></c></row>', False),
    # Vietnamese as character references (how tally's own writer puts it): a '#' in every one
    ('<row r="2"><c r="B2" t="inlineStr"><is><t>Nguy&#7877;n V&#259;n An</t></is></c></row>', False),
])
def test_the_pre_scan_looks_for_the_error_type_not_for_a_hash(cells: str, flagged: bool) -> None:
    """The pre-scan flags a sheet for a second look by the error cell's type ("e", either quotes,
    spaces around '='), not by the '#' of a character reference, which every sheet written with
    Vietnamese as &#...; holds (each was read twice)."""
    raw = (DATA / "good.xlsx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = _sheet_xml(cells)
            zout.writestr(info.filename, body)
    assert bool(check_zip(out.getvalue(), "xlsx", "t.xlsx")) is flagged


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_the_pre_scan_finds_the_error_type_cut_between_two_chunks(monkeypatch: pytest.MonkeyPatch,
                                                                   kind: str) -> None:
    """The sheet inflates in chunks; the error type is found wherever a chunk ends inside it."""
    data = (DATA / f"error_cells.{kind}").read_bytes()
    want = check_zip(data, kind, f"error_cells.{kind}")
    assert want
    for size in (1, 2, 3, 5, 7, 11, 17, 18, 19):
        monkeypatch.setattr(limits, "CHUNK", size)
        assert check_zip(data, kind, f"error_cells.{kind}") == want, size


def test_the_xls_child_refuses_a_file_whose_error_cells_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """ballots.xls_child fails closed: when the search for cells showing an error fails, the file
    is reported damaged (E303 in the parent), not read with those cells as empty."""
    import marshal
    import sys
    import types

    from ballots import xls_child

    def broken(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
        raise ValueError("a record cut short")

    out = io.BytesIO()
    monkeypatch.setattr(xls_child, "cap_memory", lambda limit: None)      # not in the test's own process
    monkeypatch.setattr(xls_child, "error_cells", broken)
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO((DATA / "error_cells.xls").read_bytes())))
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(buffer=out, flush=lambda: None))
    xls_child.run_child(["0", "1000", "1000000"])
    status, detail, *_rest = marshal.loads(out.getvalue())
    assert status == "error" and "a record cut short" in detail


def test_the_xls_child_refuses_a_file_whose_merged_cells_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merged cells over ballot rows are refused (E508); merges the reader fails to give make the
    file damaged, not a sheet read as if it had none (which counted a merged status once)."""
    import marshal
    import sys
    import types

    import python_calamine

    from ballots import xls_child

    real = python_calamine.CalamineWorkbook

    class Sheet:
        def __init__(self, sheet: object) -> None:
            self._sheet = sheet

        def __getattr__(self, name: str) -> object:
            if name == "merged_cell_ranges":
                raise ValueError("a merge record cut short")
            return getattr(self._sheet, name)

    class Book:
        @staticmethod
        def from_filelike(fh: object) -> object:
            book = real.from_filelike(fh)
            return types.SimpleNamespace(sheet_names=book.sheet_names,
                                         get_sheet_by_name=lambda name: Sheet(book.get_sheet_by_name(name)))

    out = io.BytesIO()
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Book)
    monkeypatch.setattr(xls_child, "cap_memory", lambda limit: None)      # not in the test's own process
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO((DATA / "merged_status.xls").read_bytes())))
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(buffer=out, flush=lambda: None))
    xls_child.run_child(["0", "1000", "1000000"])
    status, detail, *_rest = marshal.loads(out.getvalue())
    assert status == "error" and "a merge record cut short" in detail
