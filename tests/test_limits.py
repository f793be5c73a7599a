"""ballots/limits.py: the extent of an .xlsx sheet, measured before calamine allocates it.

The bombs (a cell at XFD1048576, a million rows...) are in tests/test_fuzz.py, through the
command line with its memory measured. Here: the sheets the fast scan cannot pass by itself
(a value outside the header's width or below the rows the limits allow, cells written
unusually) are measured exactly, so a refusal gives the figures the sheet really has and a
sheet within the limits is read, whatever the cells look like.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fuzzing import BALLOT_ROW, HEADER_ROW, workbook

from ballots.cells import column_letters
from ballots.errors import TallyError
from ballots.limits import DEFAULT_LIMITS, Limits, _outside, rows_allowed
from ballots.sheets import open_ballot_file

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
         'spreadsheetml/2006/main">')


def _rows(first: int, last: int, cols: int = 4) -> str:
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{column_letters(c)}{r}"><v>1</v></c>' for c in range(1, cols + 1))
                   + "</row>" for r in range(first, last + 1))


def _book(tmp_path: Path, rows: str, before: str = "", prefix: str = "") -> Path:
    xml = f"{_HEAD}{before}<sheetData>{HEADER_ROW}{BALLOT_ROW}{rows}</sheetData></worksheet>"
    if prefix:
        xml = (xml.replace("<worksheet xmlns=", f"<{prefix}:worksheet xmlns:{prefix}=")
               .replace("</worksheet>", f"</{prefix}:worksheet>"))
        xml = re.sub(r"<(/?)(sheetData|row|c|v|is|t)([ >/])", rf"<\1{prefix}:\2\3", xml)
    path = tmp_path / "btv.xlsx"
    path.write_bytes(workbook(xml))
    return path


def _refused(path: Path, limits: Limits) -> tuple[str, str]:
    with pytest.raises(TallyError) as info:
        open_ballot_file(path, limits=limits)
    d = info.value.diagnostics[0]
    return d.code, d.message


def _extent(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[int, int]:
    sheet = open_ballot_file(path, limits=limits).sheet("btv")
    rows = [values for _n, values in sheet.rows()]
    return len(rows), max(map(len, rows))


def test_the_search_finds_exactly_the_cells_outside_the_rectangle() -> None:
    # the search the scan makes (_outside): one look-ahead per pair of a letters and a digits
    # sequence; a cell inside the rectangle matches none of it, every other cell tag is found
    for cols, rows in ((1, 1), (1, 9), (26, 10), (27, 99), (33, 100), (52, 151_515), (702, 1_000_000),
                       (703, 1_048_576), (16_384, 1_048_576)):
        search = _outside(b"", cols, rows).search
        for col in {1, 26, 27, cols - 1, cols, cols + 1, 18_278} - {0}:
            for row in {1, 9, 10, rows - 1, rows, rows + 1, 10 * rows, 99_999_999} - {0}:
                tag = b'<c r="%s%d" s="1">' % (column_letters(col).encode(), row)
                assert (search(tag) is None) == (col <= cols and row <= rows), (cols, rows, tag)
        assert search(b'<c r="A0%d">' % rows) is not None        # a leading zero: looked at in Python
    assert _outside(b"x:", 3, 3).search(b'<x:c r="D1">') is not None
    assert _outside(b"x:", 3, 3).search(b'<x:c r="C3">') is None


def test_rows_allowed_is_what_check_dimensions_allows() -> None:
    limits = Limits(max_rows=1000, max_cells=6000)
    assert rows_allowed(4, limits) == 1000
    assert rows_allowed(7, limits) == 857         # 857 x 7 = 5999
    assert rows_allowed(6001, limits) == 0


def test_a_normal_sheet_is_read(tmp_path: Path) -> None:
    assert _extent(_book(tmp_path, _rows(3, 2000))) == (2000, 4)


def test_rows_beyond_the_limit_are_refused_with_the_last_row_the_sheet_has(tmp_path: Path) -> None:
    path = _book(tmp_path, _rows(3, 1200))
    code, message = _refused(path, Limits(max_rows=1000))
    assert code == "E308" and "row 1,200" in message


def test_a_value_right_of_the_header_counts_with_its_real_width(tmp_path: Path) -> None:
    # 400 rows x 4 columns is allowed; a note in column J on row 300 makes it 400 x 10
    rows = _rows(3, 400).replace('<c r="D300"><v>1</v></c>', '<c r="D300"><v>1</v></c><c r="J300"><v>9</v></c>')
    path = _book(tmp_path, rows)
    code, message = _refused(path, Limits(max_cells=3000))
    assert code == "E309" and "400 rows × 10 columns = 4,000 cells" in message
    assert _extent(path, Limits(max_cells=4000)) == (400, 10)


def test_a_value_far_below_is_measured_not_guessed(tmp_path: Path) -> None:
    # a stray value on row 5000 of a 4-column sheet: 20,000 cells, within 25,000
    path = _book(tmp_path, _rows(3, 50) + '<row r="5000"><c r="B5000"><v>7</v></c></row>')
    assert _extent(path, Limits(max_cells=25_000)) == (5000, 4)
    code, message = _refused(path, Limits(max_cells=15_000))
    assert code == "E309" and "5,000 rows × 4 columns" in message


def test_a_cell_row_that_disagrees_with_its_row_tag_is_caught(tmp_path: Path) -> None:
    path = _book(tmp_path, '<row r="3"><c r="A900000"><v>1</v></c></row>')
    code, message = _refused(path, Limits(max_rows=800_000))
    assert code == "E308" and "row 900,000" in message


def test_cells_without_a_value_do_not_count_however_many(tmp_path: Path) -> None:
    # styled empty cells far out (as Excel writes formatting): calamine skips them
    styled = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="XFD{r}" s="1"/></row>' for r in range(3, 3000))
    assert _extent(_book(tmp_path, styled)) == (2999, 4)


def test_a_reference_with_leading_zeros_is_read_as_its_number(tmp_path: Path) -> None:
    path = _book(tmp_path, '<row r="3"><c r="A0003"><v>1</v></c><c r="D03"><v>2</v></c></row>')
    assert _extent(path) == (3, 4)


def test_cells_without_references_are_walked(tmp_path: Path) -> None:
    path = _book(tmp_path, "<row>" + "<c><v>1</v></c>" * 12 + "</row>")
    code, message = _refused(path, Limits(max_cells=30))
    assert code == "E309" and "3 rows × 12 columns" in message
    assert _extent(path) == (3, 12)


def test_a_namespace_prefix_is_followed(tmp_path: Path) -> None:
    path = _book(tmp_path, _rows(3, 300) + '<row r="400"><c r="A400"><v>1</v></c></row>', prefix="x")
    assert _extent(path) == (400, 4)
    code, message = _refused(path, Limits(max_rows=350))
    assert code == "E308" and "row 400" in message


def test_a_long_prelude_before_the_data_does_not_hide_a_far_cell(tmp_path: Path) -> None:
    prelude = "<cols>" + '<col min="1" max="1" width="9"/>' * 20_000 + "</cols>"
    path = _book(tmp_path, _rows(3, 20) + '<row r="30"><c r="Z30"><v>1</v></c></row>', before=prelude)
    code, message = _refused(path, Limits(max_cells=500))
    assert code == "E309" and "30 rows × 26 columns" in message


@pytest.mark.parametrize("cols,rows", [(1, 1), (4, 9), (26, 10), (27, 99), (33, 151_515), (52, 100), (702, 7_122),
                                       (703, 1_000_000), (16_384, 305), (30, 0), (0, 10)])
def test_the_sheet_scan_finds_exactly_the_cells_outside_the_rectangle(cols: int, rows: int) -> None:
    """_outside (the search over the whole sheet) finds a cell tag unless it is a plain
    <c r="REF" with REF in the rectangle: every column and row near the edges and far out,
    leading zeros, lower case, an unquoted or unfinished reference, another attribute first."""
    from ballots.limits import _outside

    rx = _outside(b"", cols, rows)
    near = {1, 2, 9, 10, 11, 25, 26, 27, 28, 99, 100, 101}
    col_seen = sorted({k for k in near | {cols - 1, cols, cols + 1, 702, 703, 18_278} if k >= 1})
    row_seen = sorted({k for k in near | {rows - 1, rows, rows + 1, 10 * rows, 9_999_999} if k >= 1})
    for col in col_seen:
        for row in row_seen:
            ref = f"{column_letters(col)}{row}"
            inside = col <= cols and row <= rows
            for tag, plain in ((f'<c r="{ref}" t="n">', True), (f'<c r="{ref}"/>', True), (f'<c r="{ref}">', True),
                               (f'<c r="0{ref[len(column_letters(col)):]}">', False),
                               (f'<c r="{column_letters(col)}0{row}">', False), (f'<c r="{ref.lower()}">', False),
                               (f'<c r={ref}>', False), (f'<c r="{ref}>', False), (f'<c t="n" r="{ref}">', False),
                               (f'<c\tr="{ref}">', False)):
                found = rx.search(tag.encode()) is not None
                assert found == (not (plain and inside)), (cols, rows, tag)
    for other in (b"<col>", b"<cols/>", b"<cfRule>", b'<row r="3">'):
        assert rx.search(other) is None
    for odd in (b"<c>", b"<c/>", b"<c\n>", b'<c s="1">'):
        assert rx.search(odd) is not None


def test_a_sheet_measured_exactly_is_named_as_the_user_knows_it(tmp_path: Path) -> None:
    """The refusal of a sheet measured exactly names the sheet (workbook.xml's name, read only
    then), not its part; a sheet passed by the fast scan needs no name at all."""
    path = _book(tmp_path, _rows(3, 1200))
    with pytest.raises(TallyError) as info:
        open_ballot_file(path, limits=Limits(max_rows=1000))
    where = info.value.diagnostics[0].location
    assert where is not None and where.sheet == "btv" and where.file == "btv.xlsx"
