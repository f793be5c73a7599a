"""tally/sheetxml.py: the minutes written directly as XML.

Their bytes are those openpyxl wrote for the same minutes before issue 14 (pinned below), and
they read back, through openpyxl (another program's reader) and through tally's own strict
reader, exactly as tally.workbook dressed them: every value, font, fill, border, merge, row
height, column width, page setup, header and footer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from test_workbook import make_results

from tally import sheetxml, workbook
from tally.compare import appearance_differences, expected_cells, mismatches, table_mismatches
from tally.layout import SheetKind, layout
from tally.model import InvalidEntry, Results
from tally.results_json import fingerprint, to_bytes
from tally.snapshot import read_snapshot
from tally.workbook import (
    HIGHLIGHT,
    MARGINS,
    STRONG_COLOR,
    STYLES,
    WIDTHS,
    build_book,
    cell_value,
    page_breaks,
    print_scale,
    quoted,
    row_heights,
    write_workbook,
)

AWKWARD = [
    "", "   ", " leading", "trailing ", " both ", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)",
    "\tTab", "line\nbreak", "cr\r\nlf", "ctrl\x01\x02\x1fchars", "\x01", "<b>&amp;\"quoted\"'</b>", "]]>",
    "a" * 400, "Đánh dấu 2 ô", "A\u0301 (NFD)", "🗳 emoji", "\uff1dfull-width equals", "_x000a_", "0", "12",
]


def awkward_results(n: int, huge_number: bool = True) -> Results:
    results = make_results()
    g = results.groups[0]
    entries = tuple(
        InvalidEntry(i + 1, None if i % 5 == 0 else g.persons[i % len(g.persons)].id,
                     None, AWKWARD[i % len(AWKWARD)], AWKWARD[(i * 7) % len(AWKWARD)] or f"ballots.xlsx › btv › B{i}")
        for i in range(n)
    )
    if huge_number:
        entries += (InvalidEntry(10**15 + 3, "p04", None, "a number past a float's digits", "x"),)
    return dataclasses.replace(results, groups=(dataclasses.replace(g, invalid_entries=entries),) + results.groups[1:])


def parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


# --- the same bytes as before ----------------------------------------------------------------

# SHA-256 (first 16 hex digits) of every part, in zip order, of the minutes that openpyxl 3.1.5
# with lxml wrote at commit 58820f4 for these results (bench/outputs.py compares whole counts
# the same way). Minutes changed on purpose (a new label, another style) change these: pin the
# new values then, and say so in the commit.


def _pinned(sheets: tuple[str, ...], styles: str, workbook: str) -> dict[str, str]:
    return {"docProps/app.xml": "209fca6b00afe72a", "docProps/core.xml": "fe1094ca077b5db7",
            "xl/theme/theme1.xml": "d15e8ebf78ef7b97",
            **{f"xl/worksheets/sheet{n}.xml": h for n, h in enumerate(sheets, start=1)},
            "xl/styles.xml": styles, "_rels/.rels": "c545941ba36c15fc", "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": "fbd041d5f3aad81b", "[Content_Types].xml": "e675a1370995d883"}


PINNED = {
    "vi": _pinned(("bda2d58c15aae166", "3be0c65bd443d13f", "c69a3df6bb74cc4e", "373d9575b6a90334", "2dbcb31f4f16a7bc"),
                  "f87914b66bdb2ce0", "9c37b0df2699364c"),
    "en-nq85-unrestricted": _pinned(
        ("70ae7ebf31865e2e", "e678e48925e19392", "2bbda20e567ada96", "feb45aaab176f1c1", "e16cf6d215997d22"),
        "d4a66b6e69e9f306", "21cff064918dcd68"),
    "awkward-300": _pinned(
        ("91c7887f80f5031c", "54371c86bc3d4c5b", "941c4547bf0274f3", "aec6fca184eeb1fa", "d1e17a4750a83eb7"),
        "05b841d73ad1678e", "9c37b0df2699364c"),
}
CASES = {
    "vi": (make_results(), None),
    "en-nq85-unrestricted": (make_results("nq85-2014", "en"), False),
    "awkward-300": (awkward_results(300), None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_part_is_the_one_openpyxl_wrote(case: str) -> None:
    results, restricted = CASES[case]
    got = {name: hashlib.sha256(data).hexdigest()[:16]
           for name, data in parts(write_workbook(results, to_bytes(results), restricted)).items()}
    assert list(got) == list(PINNED[case])          # the same parts in the same order
    assert got == PINNED[case]


def test_the_zip_entries_are_fixed() -> None:
    results = make_results()
    with zipfile.ZipFile(io.BytesIO(write_workbook(results, to_bytes(results)))) as z:
        for info in z.infolist():
            assert (info.date_time, info.compress_type, info.create_system) == (sheetxml.ZIP_DATE, zipfile.ZIP_DEFLATED, 0)


# --- read back by another program, as dressed -----------------------------------------------


def _argb(rgb: str | None) -> str | None:
    return None if rgb is None else "00" + rgb


@pytest.mark.parametrize("case", ["awkward-300", "en-nq85-unrestricted"])
def test_every_cell_reads_back_through_openpyxl_as_laid_out(case: str) -> None:
    results, restricted = CASES[case]
    data = to_bytes(results)
    xlsx = write_workbook(results, data, restricted)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))   # not data_only: a formula would show as one
    sheets = layout(results, data)
    assert wb.sheetnames == [s.title for s in sheets]
    for sheet in sheets:
        ws = wb[sheet.title]
        merged = {(r, c) for r1, c1, r2, c2 in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                  if (r, c) != (r1, c1)}
        assert {str(m) for m in ws.merged_cells.ranges} == {
            f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            for r1, c1, r2, c2 in sheet.merges}
        for c in sheet.cells:
            if (c.row, c.col) in merged:
                continue
            cell = ws.cell(c.row, c.col)
            want = cell_value(c.value)
            assert cell.value == want, (sheet.title, c.ref)
            assert type(cell.value) is type(want)
            if isinstance(want, str):
                assert cell.data_type == "s", (sheet.title, c.ref)
            assert bool(cell.quotePrefix) == quoted(c.value), (sheet.title, c.ref, c.value)
            style = STYLES.get(c.role)
            if style is None:
                assert not cell.has_style or cell.quotePrefix
                continue
            font = cell.font
            assert (font.name, font.sz, bool(font.b), bool(font.i), font.u) == (
                style.font, style.size, style.bold or c.strong, style.italic, "single" if style.underline else None)
            assert (font.color.rgb if font.color is not None else None) == (_argb(STRONG_COLOR) if c.strong else None)
            fill = HIGHLIGHT if c.highlight else style.fill
            assert (cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None) == _argb(fill)
            assert (cell.alignment.horizontal, cell.alignment.vertical, bool(cell.alignment.wrap_text),
                    cell.alignment.indent) == (style.h, "center", style.wrap, style.indent)
            sides = (cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style)
            if style.border:
                assert sides == ("thin",) * 4, (sheet.title, c.ref)
            elif (c.row, c.col) not in {(r1, c1) for r1, c1, _r2, _c2 in sheet.merges}:
                assert sides == (None,) * 4, (sheet.title, c.ref)
        widths = WIDTHS[sheet.kind]
        for i, w in enumerate(widths, start=1):
            assert ws.column_dimensions[get_column_letter(i)].width == w
        if sheet.kind is SheetKind.DATA:
            assert ws.sheet_state == "veryHidden"
            continue
        assert ws.sheet_state == "visible" and ws.sheet_view.showGridLines is False
        heights = row_heights(sheet, widths)
        assert {r: ws.row_dimensions[r].height for r in heights} == heights
        assert [b.id for b in ws.row_breaks.brk] == page_breaks(sheet, heights, print_scale(sheet.kind, widths))
        assert ws.page_setup.orientation == ("portrait" if sheet.kind is SheetKind.PROVENANCE else "landscape")
        assert (ws.page_setup.paperSize, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (9, 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.horizontalCentered
        for side in ("left", "right", "top", "bottom", "header", "footer"):     # 16 digits, as openpyxl wrote them
            assert getattr(ws.page_margins, side) == pytest.approx(MARGINS[side], rel=1e-15)
        if sheet.title_rows:
            assert ws.print_title_rows == f"${sheet.title_rows[0]}:${sheet.title_rows[1]}"
        footer = ws.oddFooter.center
        pages = len(page_breaks(sheet, heights, print_scale(sheet.kind, widths))) + 1
        first, _, fingerprint_line = sheet.footer.replace("&N", str(pages)).partition("\n")
        # openpyxl reads one size per section (the last one, the fingerprint's &8)
        assert (footer.text, footer.font, footer.size) == (f"{first}\n{fingerprint_line}", "Times New Roman", 8)
        assert fingerprint(data) in fingerprint_line
        header = ws.oddHeader.right
        if restricted is False:
            assert not header.text
        else:
            assert (header.text, header.font, header.size) == ("MẬT", "Times New Roman,Bold", 13)


def test_merged_ranges_draw_their_borders() -> None:
    """openpyxl redrew a merged range's borders on the cells of its edges: the lower half of a
    table head's merged cell carries the left, right and bottom lines; the rest of a merged
    heading of the levels, the top, bottom and right ones."""
    results = make_results()
    data = to_bytes(results)
    sheet = layout(results, data)[0]
    ws = openpyxl.load_workbook(io.BytesIO(write_workbook(results, data)))[sheet.title]
    assert sheet.title_rows is not None
    h1, h2 = sheet.title_rows

    def lines(row: int, col: int) -> tuple[str | None, ...]:
        b = ws.cell(row, col).border
        return b.left.style, b.right.style, b.top.style, b.bottom.style

    assert lines(h2, 1) == ("thin", "thin", None, "thin")       # A of "TT", merged down
    assert lines(h1, 7) == (None, "thin", "thin", "thin")       # G of a level, merged across from F
    assert lines(h1, 1) == ("thin",) * 4


def test_the_strict_reader_finds_nothing_to_refuse_and_verification_passes() -> None:
    for results, restricted in CASES.values():
        data = to_bytes(results)
        xlsx = write_workbook(results, data, restricted)
        snap = read_snapshot(xlsx)
        assert not snap.problems
        assert table_mismatches(data, snap) == [] and mismatches(data, xlsx) == []
        assert appearance_differences(data, snap) == []


def test_text_that_xml_cannot_hold_is_dropped_not_a_crash() -> None:
    """U+FFFE, U+FFFF (noncharacters) and C0 controls cannot be in an XML document: they are
    dropped from the minutes, which then verify; results.json keeps the text as it was read."""
    results = awkward_results(3, huge_number=False)
    g = results.groups[0]
    odd = "Đánh\ufffe dấu\uffff\x07 2 ô"
    entries = g.invalid_entries + (InvalidEntry(9, None, None, odd, "ballots.csv › btv › C10"),)
    persons = (dataclasses.replace(g.persons[0], name="Nguyễn\ufffe Văn An"),) + g.persons[1:]
    results = dataclasses.replace(results, groups=(dataclasses.replace(g, persons=persons, invalid_entries=entries),)
                                  + results.groups[1:])
    data = to_bytes(results)
    xlsx = write_workbook(results, data)
    shown = {v for v in expected_cells(data).values() if isinstance(v, str)}
    assert "Đánh dấu 2 ô" in shown and "Nguyễn Văn An" in shown
    snap = read_snapshot(xlsx)
    assert not snap.problems and table_mismatches(data, snap) == [] and appearance_differences(data, snap) == []
    assert "\ufffe".encode() in data
    for name, part in parts(xlsx).items():
        text = part.decode("utf-8")
        assert "\ufffe" not in text and "&#65534;" not in text and "\x07" not in text, name
    assert mismatches(data, xlsx) == []


@pytest.mark.parametrize("unit", ["An", "🗳"])
def test_a_text_longer_than_a_cell_holds_is_cut_where_excel_cuts_it_and_verifies(unit: str) -> None:
    """Excel holds 32,767 UTF-16 units in a cell and calls a workbook with more damaged: the
    minutes show the text cut there (never inside a surrogate pair), verification expects just
    that, and results.json keeps the whole text."""
    results = make_results()
    g = results.groups[0]
    long_name = "Nguyễn Văn " + unit * 20_000
    results = dataclasses.replace(results, groups=(
        dataclasses.replace(g, persons=(dataclasses.replace(g.persons[0], name=long_name),) + g.persons[1:]),)
        + results.groups[1:])
    data = to_bytes(results)
    assert long_name.encode() in data
    xlsx = write_workbook(results, data)
    snap = read_snapshot(xlsx)
    assert not snap.problems and table_mismatches(data, snap) == [] and mismatches(data, xlsx) == []
    shown = [c.value for s in snap.detail.values() for c in s.cells.values()
             if isinstance(c.value, str) and c.value.startswith("Nguyễn Văn") and len(c.value) > 10_000]
    assert shown and all(long_name.startswith(v) for v in shown)
    for v in shown:
        units = len(v.encode("utf-16-le")) // 2
        assert 32767 - 1 <= units <= 32767
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))[layout(results, data)[0].title]
    assert max(len(str(c.value or "").encode("utf-16-le")) // 2 for row in ws.iter_rows() for c in row) <= 32767


def test_text_is_escaped_for_xml() -> None:
    assert sheetxml.sheet_text("a&b<c>d\re\t\n\"'") == "a&amp;b&lt;c&gt;d&#13;e\t\n\"'"
    assert sheetxml.sheet_text("Đ🗳") == "&#272;&#128499;"
    assert sheetxml.utf8_attr('Phiếu "a"\t&\n') == "Phiếu &quot;a&quot;&#9;&amp;&#10;"
    assert sheetxml.quote_sheetname("O'Brien") == "'O''Brien'"


def test_merging_numbers_the_borders_as_openpyxl_does() -> None:
    """Every border a merge passes through is numbered, in that order, even one no cell keeps
    (openpyxl registers each step), so the style table is openpyxl's."""
    styles = sheetxml.Styles(sheetxml.Font("Times New Roman", 12))
    thin: sheetxml.Side = ("thin", "00000000")
    boxed = styles.xf(sheetxml.Font("Times New Roman", 12, bold=True), sheetxml.Alignment("center", "center"),
                      (thin, thin, thin, thin, None), None, False)
    ws = sheetxml.Sheet("s", (10, 10), styles)
    ws.put(1, 1, "head", boxed)
    ws.put(2, 1, None, boxed)
    ws.merge(1, 1, 2, 1)
    no = sheetxml.NO_LINE
    assert styles.borders.items == [
        sheetxml.DEFAULT_BORDER, (thin, thin, thin, thin, None),
        (thin, no, no, no, no), (thin, thin, no, no, no), (thin, thin, no, thin, no)]
    assert ws.cells[(2, 1)] == (None, sheetxml.Xf(border=4))
    assert ws.cells[(1, 1)] == ("head", boxed)


# --- a long table written row by row: the bytes of cell by cell ------------------------------

TEXTS = [
    "Không có dấu", "Đánh dấu 2 ô", "=1+1", "+84 912", "-", "@me", "\uff1d1", "  lề  ", "", " ", "\tTab",
    "dòng\nxuống dòng", "cr\r\nlf", "ctrl\x01\x1f", "<b>&amp;\"'</b>", "]]>", "_x000a_", "A\u0301 NFD", "🗳 phiếu",
    "\ufffe\uffff", "12", "0",
    "Ghi chú dài của Ban kiểm phiếu: phiếu gạch xóa nhiều chỗ, không rõ ý chí của người bỏ phiếu " * 4,
    "x" * 300, "Nguyễn Văn " + "An" * 60,
]


def random_invalid_results(seed: int) -> Results:
    """A count's results with random invalid rows: texts of every awkward kind (formulas that
    stay text, long notes that wrap, empty cells, XML-illegal and astral characters), whole
    ballots and rows naming a person (whose name the group gives, whatever the entry says), a
    person by an id the group does not know, 1 to 4 groups."""
    rng = random.Random(seed)
    base = make_results()
    groups = []
    for k in range(rng.choice([1, 1, 2, 4])):
        g = base.groups[k % len(base.groups)]
        title = rng.choice([g.title, g.title, "=SUM(A1)", "", "Nhóm " + "dài " * 40])
        persons = tuple(dataclasses.replace(p, name=rng.choice([p.name, p.name, rng.choice(TEXTS)]))
                        for p in g.persons)
        ids = [p.id for p in persons] + [None, None, "p99"]
        entries = tuple(
            InvalidEntry(rng.choice([i + 1, rng.randrange(1, 10**6), 10**15 + i]), pid := rng.choice(ids),
                         rng.choice([None, "Tên khác", ""]) if pid in ids[:-3] else None, rng.choice(TEXTS),
                         rng.choice(TEXTS + [f"ballots.xlsx › {g.id} › D{i + 2}"] * 8))
            for i in range(rng.choice([1, 2, 37, 400])))
        groups.append(dataclasses.replace(g, id=f"{g.id}{k}", title=title, persons=persons, invalid_entries=entries))
    return dataclasses.replace(base, groups=tuple(groups))


@pytest.mark.parametrize("seed", range(12))
def test_a_body_written_row_by_row_is_the_bytes_written_cell_by_cell(seed: int) -> None:
    results = random_invalid_results(seed)
    data = to_bytes(results)
    sheets = layout(results, data)
    assert any(s.body for s in sheets)
    flat = [s.flat() for s in sheets]
    assert not any(s.body for s in flat)
    assert [s.cells for s in sheets] == [s.cells for s in flat]
    assert [s.checked() for s in sheets] == [s.checked() for s in flat]
    restricted = seed % 3 == 0
    fast = write_workbook(results, data, restricted)
    assert fast == workbook._written(results, flat, restricted)
    # the book verification takes: every cell the body holds, as placed cell by cell
    for ws, ws_flat in zip(build_book(results, sheets, restricted).sheets, build_book(results, flat, restricted).sheets):
        assert ws.cells == ws_flat.cells and ws.heights == ws_flat.heights and ws.page == ws_flat.page
        assert ws.dimension() == ws_flat.dimension()
    snap = read_snapshot(fast)
    assert not snap.problems and table_mismatches(data, snap) == [] and mismatches(data, fast) == []


def test_an_integer_is_written_in_the_digits_openpyxl_writes_for_it() -> None:
    """sheetxml writes a small int with str() and any other number as _number (openpyxl's 16
    significant digits, through a float): the same text either way, up to and past 2**53, where
    a float stops holding every int; the range, the rows and the cells recorded for the reader
    come from the same sorted cells."""
    values = [0, 7, -7, 10**15, 2**53 - 1, -(2**53 - 1), 2**53, -(2**53), 2**53 + 1, 10**16 + 1, -(10**17) - 3]
    styles = sheetxml.Styles(sheetxml.Font("Times New Roman", 12))
    ws = sheetxml.Sheet("s", (10, 10), styles)
    for i, v in enumerate(values):
        ws.put(3 + i // 2, 2 + i % 2, v, sheetxml.NO_STYLE)
    ws.heights = {1: 20.0, 9: 15.5}                 # a row with a height only, before and among the cells
    record: list[tuple[str, sheetxml.CellValue, int]] = []
    xml = ws.to_xml(styles.xfs, record).decode()
    written = [int(v) if "e" not in v else v for v in re.findall(r"<v>([^<]*)</v>", xml)]
    assert written == [int(format(v, ".16g")) if "e" not in format(v, ".16g") else format(v, ".16g") for v in values]
    assert re.findall(r'<row r="(\d+)"', xml) == ["1", "3", "4", "5", "6", "7", "8", "9"]
    assert '<dimension ref="B3:C8"/>' in xml
    assert record == [(f"{'BC'[i % 2]}{3 + i // 2}", v, 0) for i, v in enumerate(values)]


def test_a_body_stays_below_every_other_cell() -> None:
    styles = sheetxml.Styles(sheetxml.Font("Times New Roman", 12))
    ws = sheetxml.Sheet("s", (10, 10), styles)
    ws.put(1, 1, "head", sheetxml.NO_STYLE)
    with pytest.raises(ValueError):
        ws.set_body(sheetxml.Body(1, [("a", "b")], [(sheetxml.NO_STYLE, sheetxml.NO_STYLE)]))
    ws.set_body(sheetxml.Body(2, [("a", "b")], [(sheetxml.NO_STYLE, sheetxml.NO_STYLE)]))
    for bad in (lambda: ws.put(2, 1, "x", sheetxml.NO_STYLE), lambda: ws.merge(1, 1, 2, 1)):
        with pytest.raises(ValueError):
            bad()
    assert ws.cells == {(1, 1): ("head", sheetxml.NO_STYLE), (2, 1): ("a", sheetxml.NO_STYLE),
                        (2, 2): ("b", sheetxml.NO_STYLE)}


def test_a_body_keeps_a_value_no_text_nor_number_as_a_cell_laid_out_alone_keeps_it() -> None:
    """A hostile results.json may hold a list where a ballot number goes: the body lays it out
    as put() does (verification then fails closed on it), instead of failing on its hash."""
    results = random_invalid_results(1)
    g = results.groups[0]
    odd = dataclasses.replace(g.invalid_entries[0], ballot=[1, 2])  # type: ignore[arg-type]
    results = dataclasses.replace(results, groups=(dataclasses.replace(g, invalid_entries=(odd,)
                                                                       + g.invalid_entries[1:]),))
    sheet = next(s for s in layout(results, to_bytes(results)) if s.body)
    assert sheet.body is not None and sheet.cells == sheet.flat().cells and [1, 2] in sheet.body.values[0]


# --- zipped in a thread: the same bytes -------------------------------------------------------
# tally count compresses the minutes in a thread as their parts are made (Book.zipping), while it
# goes on writing results.json; the package must be the very bytes of Book.to_bytes.

@pytest.mark.parametrize("case", sorted(CASES))
def test_zipped_in_a_thread_is_the_package_zipped_here(case: str) -> None:
    results, restricted = CASES[case]
    data = to_bytes(results)
    started = workbook.start_workbook(results, data, restricted)
    assert started.result() == write_workbook(results, data, restricted)
    assert started.result() == started.result()        # asked again: the same bytes


def _zipfile_package(parts: list[tuple[str, bytes]]) -> bytes:
    """The package as zipfile writes it (as Book.to_bytes did before it wrote the zip itself)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=sheetxml.ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, data, compresslevel=sheetxml.ZIP_LEVEL)
    return out.getvalue()


def _split(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.choice([0, 1, 5, 40]))))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


@pytest.mark.parametrize("seed", range(8))
def test_the_zip_written_piece_by_piece_is_the_one_zipfile_writes(seed: int) -> None:
    rng = random.Random(seed)
    words = [b"<row r=", b"</c>", b"inlineStr", rng.randbytes(7), b"\xe1\xba\xa1", b" "]
    made = [(f"x/part{i}.xml", b"".join(rng.choices(words, k=rng.choice([0, 1, 300, 60_000])))
             + rng.randbytes(rng.choice([0, 50])))
            for i in range(rng.randint(0, 6))]
    expected = _zipfile_package(made)
    pieces = [(name, _split(rng, data)) for name, data in made]
    assert sheetxml._zipped(pieces) == expected
    assert sheetxml.Zipping(iter(pieces)).result() == expected


@pytest.mark.parametrize("case", ["vi", "awkward-5000"])
def test_the_minutes_are_the_package_zipfile_writes_of_their_parts(case: str) -> None:
    results, restricted = CASES.get(case) or (awkward_results(5000), None)
    written = write_workbook(results, to_bytes(results), restricted)
    assert written == _zipfile_package(list(parts(written).items()))
    body = [d for d in parts(written).values() if d.count(b"<row ") > 2 * sheetxml.ROWS_PER_CHUNK]
    assert body or case == "vi"        # a body long enough to be made and compressed in pieces


def test_a_part_that_cannot_be_made_is_raised_and_the_thread_ends() -> None:
    import threading

    def made():
        yield "a.xml", [b"<a/>"]
        yield "b.xml", iter([b"<b>", *(_ for _ in ()).throw(RuntimeError("no part"))])

    before = threading.active_count()
    with pytest.raises(RuntimeError, match="no part"):
        sheetxml.Zipping(made())
    for thread in threading.enumerate():
        if thread.name == "tally-zip":
            thread.join(5)
    assert threading.active_count() == before


def test_a_part_the_thread_cannot_zip_is_raised_by_result() -> None:
    started = sheetxml.Zipping(iter([("a.xml", [b"<a/>"]), ("b.xml", [b"<b>", "text"])]))  # type: ignore[list-item]
    with pytest.raises(TypeError):
        started.result()
    started = sheetxml.Zipping(iter([("\u0111.xml", [b"<a/>"])]))    # the last part: nothing more to wait for
    with pytest.raises(UnicodeEncodeError):
        started.result()
