"""results.xlsx, the counting minutes (SPEC §6): styling, print setup and writing.

What the sheets show comes from :func:`tally.layout.layout`; this module only dresses it
for print (Times New Roman, A4, borders, row heights, page breaks, footer) and writes
the bytes. The bytes are the same on every run: document dates come from the event
date and the zip is re-packed with fixed timestamps.

Every text from the event or the ballot files goes through :func:`put`, which stores it
as a string: a name such as ``=HYPERLINK(...)`` must never become a formula.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import io
import math
import os
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ballots.cells import column_letters
from ballots.rules import RULE_SETS
from tally import sheetxml
from tally.layout import (
    DATA_MARKER,
    DATA_SHEET,
    Cell,
    CellValue,
    Role,
    SheetKind,
    SheetLayout,
    clean,
    layout,
)
from tally.model import Results
from tally.words import RESTRICTED_MARK

FONT_NAME = "Times New Roman"
MONO_NAME = "Courier New"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

Source = bytes | str | os.PathLike[str]


@dataclass(frozen=True)
class _Style:
    size: float
    bold: bool = False
    italic: bool = False
    underline: bool = False
    h: str = "left"
    wrap: bool = True
    border: bool = False
    fill: str | None = None
    font: str = FONT_NAME
    indent: int = 0


STYLES: dict[Role, _Style] = {
    Role.HEAD: _Style(13, h="center", wrap=True),
    Role.HEAD_BOLD: _Style(13, bold=True, h="center"),
    Role.HEAD_MOTTO: _Style(13, bold=True, underline=True, h="center"),
    Role.HEAD_MARK: _Style(13, h="center", wrap=False),
    Role.DATE: _Style(13, italic=True, h="center"),
    Role.TITLE: _Style(15, bold=True, h="center"),
    Role.SUBTITLE: _Style(13, bold=True, h="center"),
    Role.SUBTITLE_PLAIN: _Style(13, h="center"),
    Role.PARA: _Style(13),
    Role.PARA_ITALIC: _Style(13, italic=True),
    Role.SECTION: _Style(13, bold=True),
    Role.LABEL: _Style(13, wrap=False, indent=1),
    Role.VALUE: _Style(13, bold=True, h="center", wrap=False),
    Role.UNIT: _Style(13, wrap=False),
    Role.TH: _Style(12, bold=True, h="center", border=True, fill="F2F2F2"),
    Role.TD_NO: _Style(12, h="center", border=True),
    Role.TD_TEXT: _Style(12, border=True),
    Role.TD_NUM: _Style(12, h="center", border=True),
    Role.TD_PCT: _Style(12, h="center", border=True),
    Role.TD_NOTE: _Style(11, border=True),
    Role.SIGN_HEAD: _Style(13, bold=True, h="center"),
    Role.SIGN_ROLE: _Style(13, bold=True, h="center"),
    Role.SIGN_HINT: _Style(12, italic=True, h="center"),
    Role.SIGN_NAME: _Style(13, bold=True, h="center"),
    Role.SHEET_TITLE: _Style(14, bold=True, h="center"),
    Role.KEY: _Style(12, bold=True, border=True),
    Role.MONO: _Style(10, border=True, font=MONO_NAME),
}

HIGHLIGHT = "FCE4D6"       # a flagged person's row: light enough for a grey-scale printer
STRONG_COLOR = "9C0006"

# The workbook's default font. Column widths are counted in its digits, so making it
# Times New Roman (which Excel has, and LibreOffice replaces by the metric-compatible
# Liberation Serif) gives the same widths everywhere; with Calibri they depend on
# whether Calibri or some fallback font is installed.
BASE_FONT = Font(name=FONT_NAME, size=12, family=1)
DIGIT_PX = 8               # Times New Roman 12 at 96 dpi
CELL_PADDING_PX = 5

# Column widths in digits of the default font (a digit of Times New Roman 12 is 6 pt).
WIDTHS: dict[SheetKind, tuple[float, ...]] = {
    SheetKind.GROUP: (4, 19, 26, 6.5, 6.5, 6, 8.5, 6, 8.5, 6, 8.5, 34),
    SheetKind.INVALID: (26, 8, 22, 34, 30),
    SheetKind.PROVENANCE: (19.5, 66),
    SheetKind.DATA: (20,),
}

# Page geometry (points) and margins (inches).
A4 = (595.0, 842.0)
# Hướng dẫn 36-HD/VPTW (Party) and Nghị định 30/2020/NĐ-CP (state) set the margins of an
# administrative paper: left 30-35 mm (the binding edge), right 15-20 mm, top and bottom 20-25 mm.
MM = 1 / 25.4
MARGINS = {"left": 30 * MM, "right": 15 * MM, "top": 20 * MM, "bottom": 20 * MM, "header": 8 * MM,
           "footer": 8 * MM}
BLANK_ROW = 18.0           # an empty row: a line of space, and the room to sign


# --- writing one cell ------------------------------------------------------------------


# What makes a spreadsheet program read typed text as a formula (OWASP "CSV injection"):
# such text gets the quote prefix, so that editing the cell keeps it text.
FORMULA_STARTS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def put(ws: Worksheet, row: int, col: int, value: CellValue) -> XlCell:
    """Write `value` to a cell. Text is always stored as text, never as a formula, and
    loses the control characters XML cannot hold."""
    cell = ws.cell(row=row, column=col)
    if not isinstance(cell, XlCell):     # cells are written before any merge
        raise TypeError(f"{ws.title}!{cell.coordinate} is inside a merged range")
    return _set(cell, value)


def quoted(value: CellValue) -> bool:
    """Whether `value` is text that a spreadsheet would read as a formula when edited: such a
    cell carries the quote prefix, which is part of its style."""
    if not isinstance(value, str):
        return False
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return bool(text) and text[0] in FORMULA_STARTS


def _set(cell: XlCell, value: CellValue) -> XlCell:
    if value is None:
        return cell
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text:
            return cell
        cell.value = text
        cell.data_type = "s"    # openpyxl made "=..." a formula on assignment; undo that
        if quoted(text):
            cell.quotePrefix = True    # and keep it text when someone edits the cell
    else:
        cell.value = value
    return cell


# --- styling -----------------------------------------------------------------------------


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _font(style: _Style, strong: bool) -> Font:
    return Font(
        name=style.font,
        size=style.size,
        bold=style.bold or strong,
        italic=style.italic,
        underline="single" if style.underline else None,
        color=STRONG_COLOR if strong else None,
    )


def _style_cell(cell: XlCell, role: Role, highlight: bool, strong: bool) -> None:
    style = STYLES.get(role)
    if style is None:
        return
    cell.font = _font(style, strong)
    cell.alignment = Alignment(
        horizontal=style.h, vertical="center", wrap_text=style.wrap, indent=style.indent
    )
    if style.border:
        cell.border = _BORDER
    fill = HIGHLIGHT if highlight else style.fill
    if fill:
        cell.fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)


# --- row heights -------------------------------------------------------------------------


def _column_points(width: float) -> float:
    """A column's width in points as Excel draws it: a digit per unit plus padding (96 dpi)."""
    return (width * DIGIT_PX + CELL_PADDING_PX) * 0.75


def _column_points_narrow(width: float) -> float:
    """The same column as LibreOffice draws it: no padding, so a little narrower. Text is
    wrapped for this width, so it fits in both programs."""
    return width * DIGIT_PX * 0.75


def _char_points(ch: str, size: float, bold: bool) -> float:
    """A rough average glyph width in Times New Roman."""
    if ch == " ":
        k = 0.25
    elif ch.isupper():
        k = 0.68
    elif ch.isdigit():
        k = 0.5
    elif ch in "ilj.,;:'!|()[]":
        k = 0.29
    else:
        k = 0.47
    return size * k * (1.06 if bold else 1.0)


def text_lines(text: str, width_points: float, size: float, bold: bool = False) -> int:
    """How many lines `text` wraps to in a cell `width_points` wide (greedy word wrap)."""
    room = max(width_points * 0.97 - 3.0, 10.0)    # slack: Excel and LibreOffice wrap a little early
    if "\n" not in text and len(text) * size * 0.68 * (1.06 if bold else 1.0) <= room:
        return 1    # fits even if every glyph were a capital: most cells, no need to measure
    lines = 0
    for para in text.split("\n"):
        lines += 1
        used = 0.0
        for word in para.split(" "):
            w = sum(_char_points(c, size, bold) for c in word)
            space = _char_points(" ", size, bold) if used else 0.0
            if used and used + space + w > room:
                lines += 1
                used = w
            else:
                used += space + w
            while used > room:        # a word longer than the line breaks anywhere
                lines += 1
                used -= room
    return lines


def row_heights(sheet: SheetLayout, widths: tuple[float, ...]) -> dict[int, float]:
    """The height (points) of every row so that no text is clipped."""
    spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}
    last = max((c.row for c in sheet.cells), default=0)
    occupied = {c.row for c in sheet.cells if c.value is not None}
    heights = {r: (0.0 if r in occupied else BLANK_ROW) for r in range(1, last + 1)}
    tall: list[tuple[int, int, float]] = []
    span_width: dict[tuple[int, int], float] = {}    # a long table has a few distinct spans
    for cell in sheet.cells:
        style = STYLES.get(cell.role)
        if style is None or cell.value is None:
            continue
        r2, c2 = spans.get((cell.row, cell.col), (cell.row, cell.col))
        width = span_width.get((cell.col, c2))
        if width is None:
            width = span_width[(cell.col, c2)] = sum(
                _column_points_narrow(widths[c - 1]) for c in range(cell.col, c2 + 1) if c <= len(widths))
        bold = style.bold or cell.strong
        text = str(cell.value)
        lines = text_lines(text, width - style.indent * 9, style.size, bold) if style.wrap else 1
        need = lines * style.size * 1.17 + (5 if style.border else 4)
        if r2 > cell.row:
            tall.append((cell.row, r2, need))
        else:
            heights[cell.row] = max(heights[cell.row], need)
    for r1, r2, need in tall:
        have = sum(heights[r] for r in range(r1, r2 + 1))
        if have < need:
            extra = (need - have) / (r2 - r1 + 1)
            for r in range(r1, r2 + 1):
                heights[r] += extra
    return {r: math.ceil(h * 4) / 4 for r, h in heights.items()}


# --- print setup -------------------------------------------------------------------------


def _landscape(kind: SheetKind) -> bool:
    return kind in (SheetKind.GROUP, SheetKind.INVALID)


def print_scale(kind: SheetKind, widths: tuple[float, ...]) -> float:
    """The larger of the scales Excel and LibreOffice use to fit the columns to the page
    width (whole percent): the one that puts the fewest rows on a page."""
    page_w = A4[1] if _landscape(kind) else A4[0]
    room = page_w - (MARGINS["left"] + MARGINS["right"]) * 72
    total = sum(_column_points_narrow(w) for w in widths)
    return min(100, math.floor(100 * room / total)) / 100


def page_breaks(sheet: SheetLayout, heights: dict[int, float], scale: float) -> list[int]:
    """Rows after which a page ends.

    Every page break is set by hand, so Excel and LibreOffice (whose columns, and so whose
    scale, differ a little) cut the minutes at the same rows; and no keep-together range
    (the table's head with its first row, the last row with the signatures) is split.
    """
    page_h = (A4[0] if _landscape(sheet.kind) else A4[1]) - (MARGINS["top"] + MARGINS["bottom"]) * 72
    room = page_h / scale - 6.0     # slack for rounding in the spreadsheet program
    title_h = 0.0
    if sheet.title_rows:
        title_h = sum(heights.get(r, 0.0) for r in range(sheet.title_rows[0], sheet.title_rows[1] + 1))
    # Ranges starting at a row, longest first: the longest that fits on a fresh page is kept
    # whole, so a short table stays with its heading and the signatures, and a long one at
    # least keeps its head with the first row and its last row with the signatures.
    keep: dict[int, list[int]] = {}
    for a, b in sheet.keep_together:
        keep.setdefault(a, []).append(b)
    breaks: list[int] = []
    y = 0.0

    def top_of_page(row: int) -> float:
        # Print titles repeat on the pages after the one where they first appear.
        return title_h if sheet.title_rows and row > sheet.title_rows[1] else 0.0

    for r in sorted(heights):
        if r in keep and y > top_of_page(r):
            for end in sorted(keep[r], reverse=True):
                block = sum(heights.get(x, 0.0) for x in range(r, end + 1))
                if top_of_page(r) + block <= room:
                    if y + block > room:
                        breaks.append(r - 1)
                        y = top_of_page(r)
                    break
        if y + heights[r] > room and y > top_of_page(r):
            breaks.append(r - 1)
            y = top_of_page(r)
        y += heights[r]
    return breaks


def _footer_text(footer: str) -> str:
    """The page line as it is, further lines (the fingerprint) in a smaller size."""
    first, _, rest = footer.partition("\n")
    return f"{first}\n&8 {rest}" if rest else first


def _setup_page(ws: Worksheet, sheet: SheetLayout, widths: tuple[float, ...], heights: dict[int, float],
                mark: str | None = None) -> None:
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape" if _landscape(sheet.kind) else "portrait"
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = MARGINS["left"]
    ws.page_margins.right = MARGINS["right"]
    ws.page_margins.top = MARGINS["top"]
    ws.page_margins.bottom = MARGINS["bottom"]
    ws.page_margins.header = MARGINS["header"]
    ws.page_margins.footer = MARGINS["footer"]
    if sheet.title_rows:
        ws.print_title_rows = f"{sheet.title_rows[0]}:{sheet.title_rows[1]}"
    breaks = page_breaks(sheet, heights, print_scale(sheet.kind, widths))
    if sheet.footer:
        footer = ws.HeaderFooter.oddFooter       # the same on every page
        if footer is not None:
            # Each sheet is a document of its own ("Trang 1/2" on a group's minutes even when
            # the whole workbook is printed): numbering restarts per sheet, and the total is
            # the sheet's own page count, known because every page break is set here. The
            # spreadsheet's own &N is not per sheet: LibreOffice prints the whole workbook's
            # count ("Trang 1/6" on a one-page sheet of a six-page workbook; checked with
            # soffice --convert-to pdf), so the total stays computed (issue #12 item 5).
            footer.center.text = _footer_text(sheet.footer.replace("&N", str(len(breaks) + 1)))
            footer.center.font = FONT_NAME
            footer.center.size = 10
        ps.firstPageNumber = 1
        ps.useFirstPageNumber = True
    if mark:
        # The confidentiality mark goes in the page header, on every page, where it changes no
        # cell of the minutes (their cells are what verification compares with results.json).
        header = ws.HeaderFooter.oddHeader
        if header is not None:
            header.right.text = mark
            header.right.font = f"{FONT_NAME},Bold"
            header.right.size = 13
    ws.sheet_view.showGridLines = False
    if breaks:    # at once: RowBreak.append copies the whole list each time
        ws.row_breaks.brk = [Break(id=r) for r in breaks]


# --- the workbook ------------------------------------------------------------------------


def _fill_sheet(ws: Worksheet, sheet: SheetLayout, styles: dict[StyleKey, Any],
                mark: str | None = None, tails: dict[str, sheetxml.Tail] | None = None) -> None:
    widths = WIDTHS[sheet.kind]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[column_letters(i)].width = w
    head, tail = sheetxml.split(sheet) if tails is not None else (sheet.cells, None)
    for c in head:
        _style(put(ws, c.row, c.col, c.value), c, styles)
    if tail is not None and tails is not None:   # the long table body is streamed as XML (tally.sheetxml)
        tails[ws.title] = tail
        sheetxml.style_tail(tail, lambda c: styles.get(_style_key(c))
                            or _style(_set(XlCell(ws, row=c.row, column=c.col), c.value), c, styles))
    for r1, c1, r2, c2 in sheet.merges:     # after styling: a merge copies the anchor's border
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    if sheet.kind is SheetKind.DATA:
        # veryHidden: Excel's "Unhide" does not list it, so nobody edits results.json by accident
        ws.sheet_state = "veryHidden"
        return
    heights = row_heights(sheet, widths)
    for r, h in heights.items():
        if tail is not None and r >= tail.first_row:
            tail.heights[r] = h
        else:
            ws.row_dimensions[r].height = h
    _setup_page(ws, sheet, widths, heights, mark)


# A cell's style is its role, its highlight and emphasis, and whether it carries the quote
# prefix: a cached style copied onto an "=..." text must carry it, and onto plain text not.
StyleKey = tuple[Role, bool, bool, bool]


def _style_key(c: Cell) -> StyleKey:
    return (c.role, c.highlight, c.strong, quoted(c.value))


def _style(cell: XlCell, c: Cell, styles: dict[StyleKey, Any]) -> Any:
    """Style a cell by its role; return its (openpyxl) style array."""
    # Building and hashing Font/Alignment objects for every cell cost most of the time of a
    # large invalid-ballot sheet; the few distinct styles are made once and copied.
    key = _style_key(c)
    cached = styles.get(key)
    if cached is None:
        _style_cell(cell, c.role, c.highlight, c.strong)
        cached = styles[key] = style_of(cell)
    else:
        restyle(cell, cached)
    return cached


def _document_date(iso: str) -> dt.date:
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        return dt.date(1980, 1, 1)


_HEADER_FOOTER = re.compile(rb"<headerFooter>.*?</headerFooter>", re.DOTALL)


def _footer_newlines(xml: bytes) -> bytes:
    """openpyxl writes a footer's line break as _x000a_, which LibreOffice prints as such;
    Excel and LibreOffice both read a literal line break."""
    return _HEADER_FOOTER.sub(lambda m: m.group(0).replace(b"_x000a_", b"\n"), xml)


_FONT = re.compile(rb"<font>(.*?)</font>", re.DOTALL)
_EMPTY_ELEMENT = re.compile(rb"<(\w+)\b[^<>]*/>")
# CT_Font's children in the order of the schema Excel validates against (ECMA-376's sml.xsd as
# the Open XML SDK has it); openpyxl writes <name> first, which a strict validator rejects.
_FONT_ORDER = {tag: i for i, tag in enumerate((b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow",
                                               b"u", b"vertAlign", b"sz", b"color", b"name", b"family", b"charset",
                                               b"scheme"))}


def _font_order(xml: bytes) -> bytes:
    def fix(m: re.Match[bytes]) -> bytes:
        children = list(_EMPTY_ELEMENT.finditer(m.group(1)))
        if b"".join(c.group(0) for c in children) != m.group(1):   # not only empty elements: leave it
            return m.group(0)
        ordered = sorted(children, key=lambda c: _FONT_ORDER.get(c.group(1), len(_FONT_ORDER)))
        return b"<font>" + b"".join(c.group(0) for c in ordered) + b"</font>"

    return _FONT.sub(fix, xml)


def _repack(data: bytes) -> bytes:
    """The same zip with fixed timestamps and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = _footer_newlines(content)
            elif info.filename == "xl/styles.xml":
                content = _font_order(content)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, content, compresslevel=6)
    return out.getvalue()


def new_workbook(font: Font = BASE_FONT) -> Workbook:
    """An empty workbook whose default font is `font` (Times New Roman 12).

    Column widths are counted in digits of the default font: with openpyxl's Calibri,
    LibreOffice (which lacks it) measures wider columns than Excel and shrinks the page.
    The default is swapped before any cell is styled, since style index 0 must point at it;
    openpyxl has no public way to do this.
    """
    wb = Workbook()
    wb._fonts = IndexedList([font])  # type: ignore[attr-defined]
    wb._named_styles["Normal"].font = font  # type: ignore[attr-defined]
    wb.remove(wb.worksheets[0])
    return wb


# openpyxl's private API: a cell's style is an index array (StyleArray) that openpyxl has
# no public way to copy. style_of/restyle and new_workbook (the default font) are the only
# places that reach into it; tests/test_dependencies.py fails when openpyxl changes them,
# and pyproject.toml bounds openpyxl's version.


def style_of(cell: XlCell) -> Any:
    """A copy of the cell's whole style (font, fill, border, alignment, number format)."""
    return copy.copy(cell._style)  # type: ignore[attr-defined]


def restyle(cell: XlCell, style: Any) -> None:
    """Give the cell a style taken with :func:`style_of`: far cheaper than building Font,
    Alignment... objects for every cell of a large sheet."""
    cell._style = copy.copy(style)  # type: ignore[attr-defined]


def deterministic_bytes(wb: Workbook, date: dt.date, title: str, creator: str = "tally",
                        tails: dict[str, sheetxml.Tail] | None = None) -> bytes:
    """The workbook as xlsx bytes that depend only on its content: document times from `date`
    (openpyxl's own save would stamp the clock) and fixed zip entry times."""
    when = dt.datetime(date.year, date.month, date.day)
    props = wb.properties
    props.creator = creator
    props.lastModifiedBy = None
    props.title = clean(title)
    props.created = when
    props.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:   # compressed once, by _repack
        (sheetxml.TailExcelWriter(wb, archive, tails) if tails else ExcelWriter(wb, archive)).save()
    return _repack(raw.getvalue())


def write_workbook(results: Results, results_json: bytes, restricted: bool | None = None) -> bytes:
    """The minutes as xlsx bytes; byte-identical for the same results and results.json."""
    wb = new_workbook()
    styles: dict[StyleKey, Any] = {}
    tails: dict[str, sheetxml.Tail] = {}
    if restricted is None:  # Party minutes are marked by default
        restricted = RULE_SETS[results.event.rules].party
    mark = RESTRICTED_MARK.get(results.event.language, RESTRICTED_MARK["en"]) if restricted else None
    for sheet in layout(results, results_json):
        _fill_sheet(wb.create_sheet(sheet.title), sheet, styles, mark, tails)
    wb.active = 0
    # The minutes hold no formula: without fullCalcOnLoad (openpyxl's default) Excel has
    # nothing to recalculate and does not ask "Save changes?" when a reader closes them.
    wb.calculation.fullCalcOnLoad = False
    return deterministic_bytes(wb, _document_date(results.event.date), results.event.title,
                               results.tool_name or "tally", tails)


# --- reading back ------------------------------------------------------------------------


def _open(source: Source, read_only: bool, data_only: bool = True) -> Workbook:
    handle: str | os.PathLike[str] | IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
    return load_workbook(handle, read_only=read_only, data_only=data_only)


def embedded_json(source: Source) -> bytes | None:
    """The results.json embedded in a workbook's hidden sheet, or None when there is none
    (no such sheet, another marker, a wrong chunk count or broken base64)."""
    try:
        wb = _open(source, read_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    try:
        if DATA_SHEET not in wb.sheetnames:
            return None
        rows = [r[0] for r in wb[DATA_SHEET].iter_rows(min_col=1, max_col=1, values_only=True)]
    finally:
        wb.close()
    if len(rows) < 2 or rows[0] != DATA_MARKER:
        return None
    try:
        count = int(str(rows[1]).strip().split(".")[0])
    except ValueError:
        return None
    chunks = rows[2 : 2 + count]
    if count < 0 or len(chunks) != count or not all(isinstance(c, str) for c in chunks):
        return None
    try:
        return base64.b64decode("".join(str(c).strip() for c in chunks), validate=True)
    except (binascii.Error, ValueError):
        return None
