"""results.xlsx, the counting minutes (SPEC §6): styling, print setup and writing.

What the sheets show comes from :func:`tally.layout.layout`; this module only dresses it
for print (Times New Roman, A4, borders, row heights, page breaks, footer) and writes
it with :mod:`tally.sheetxml`, as XML, without a spreadsheet library. The bytes are the
same on every run: document dates come from the event date and the zip entries carry
fixed timestamps.

Every text from the event or the ballot files is written by :func:`cell_value` as a
string: a name such as ``=HYPERLINK(...)`` must never become a formula, and one that a
spreadsheet would read as a formula when edited carries the quote prefix (:func:`quoted`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import math
import operator
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from ballots.rules import RULE_SETS
from tally import sheetxml
from tally.kept import kept, memo
from tally.layout import (
    DATA_MARKER,
    DATA_SHEET,
    ILLEGAL,
    CellValue,
    Role,
    SheetKind,
    Rows,
    SheetLayout,
    clean,
    layout,
)
from tally.model import Results
from tally.words import RESTRICTED_MARK

if TYPE_CHECKING:
    from openpyxl import Workbook

FONT_NAME = "Times New Roman"
MONO_NAME = "Courier New"

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
BASE_FONT = sheetxml.Font(FONT_NAME, 12, family=1)
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


def cell_value(value: CellValue) -> CellValue:
    """What a cell holds for `value`: text without the characters XML cannot hold (None when
    nothing is left), always stored as text and never as a formula; numbers as they are."""
    if isinstance(value, str):
        return ILLEGAL.sub("", value) or None
    return value


def quoted(value: CellValue) -> bool:
    """Whether `value` is text that a spreadsheet would read as a formula when edited: such a
    cell carries the quote prefix, which is part of its style."""
    if not isinstance(value, str):
        return False
    text = ILLEGAL.sub("", value)
    return bool(text) and text[0] in FORMULA_STARTS


# --- styling -----------------------------------------------------------------------------


_THIN: sheetxml.Side = ("thin", "00000000")
_BORDER: sheetxml.Border = (_THIN, _THIN, _THIN, _THIN, None)


def _argb(rgb: str) -> str:
    return "00" + rgb


def _font(style: _Style, strong: bool) -> sheetxml.Font:
    return sheetxml.Font(
        style.font,
        style.size,
        bold=style.bold or strong,
        italic=style.italic,
        underline="single" if style.underline else None,
        color=_argb(STRONG_COLOR) if strong else None,
    )


# A cell's style is its role, its highlight and emphasis, and whether it carries the quote
# prefix: an "=..." text must carry it, and plain text not.
StyleKey = tuple[Role, bool, bool, bool]


def _make_xf(styles: sheetxml.Styles, key: StyleKey, made: dict[StyleKey, sheetxml.Xf]) -> sheetxml.Xf:
    """The format of a cell with this style key (the few distinct ones are made once, kept in `made`)."""
    role, highlight, strong, quote = key
    style = STYLES.get(role)
    if style is None:       # the hidden data sheet: no styling at all
        xf = sheetxml.NO_STYLE._replace(quote=int(quote))
    else:
        fill = HIGHLIGHT if highlight else style.fill
        xf = styles.xf(_font(style, strong), sheetxml.Alignment(style.h, "center", style.wrap, style.indent),
                       _BORDER if style.border else None, _argb(fill) if fill else None, quote)
    made[key] = xf
    return xf


def _body_xfs(styles: sheetxml.Styles, body: Rows, made: dict[StyleKey, sheetxml.Xf]) -> list[tuple[sheetxml.Xf, ...]]:
    """The formats of a body's cells, a tuple per row (rows with the same texts quoted share
    one): made in the order of the cells, as _add_sheet makes them cell by cell."""
    roles = body.roles
    by_quotes: dict[tuple[bool, ...], tuple[sheetxml.Xf, ...]] = {}
    out: list[tuple[sheetxml.Xf, ...]] = []
    starts = FORMULA_STARTS
    for row in body.values:
        # quoted(), for texts already clean (a body's are): no XML-illegal character to drop first
        quotes = tuple([isinstance(v, str) and v != "" and v[0] in starts for v in row])
        xfs = by_quotes.get(quotes)
        if xfs is None:
            got = []
            for role, q in zip(roles, quotes):
                key = (role, False, False, q)
                xf = made.get(key)
                got.append(xf if xf is not None else _make_xf(styles, key, made))
            xfs = by_quotes[quotes] = tuple(got)
        out.append(xfs)
    return out


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


class _Glyphs(dict[str, float]):
    """:func:`_char_points` of every character met so far, in one size and weight."""

    def __init__(self, size: float, bold: bool) -> None:
        super().__init__()
        self.size = size
        self.bold = bold

    def __missing__(self, ch: str) -> float:
        width = self[ch] = _char_points(ch, self.size, self.bold)
        return width


_GLYPHS: dict[tuple[float, bool], _Glyphs] = {}


def _room(width_points: float) -> float:
    return max(width_points * 0.97 - 3.0, 10.0)    # slack: Excel and LibreOffice wrap a little early


def _widest(n: int, size: float, bold: bool) -> float:
    """The most `n` characters can take: as many capitals."""
    return n * size * 0.68 * (1.06 if bold else 1.0)


def one_line_chars(width_points: float, size: float, bold: bool = False) -> int:
    """The longest text (without a line break) that :func:`text_lines` finds on one line
    without measuring it."""
    room = _room(width_points)
    n = max(int(room // _widest(1, size, bold)), 0)     # then made exact, as counting up to it would
    while n and _widest(n, size, bold) > room:
        n -= 1
    while _widest(n + 1, size, bold) <= room:
        n += 1
    return n


def _glyphs(size: float, bold: bool) -> _Glyphs:
    glyphs = _GLYPHS.get((size, bold))
    if glyphs is None:
        glyphs = _GLYPHS[(size, bold)] = _Glyphs(size, bold)
    return glyphs


def text_lines(text: str, width_points: float, size: float, bold: bool = False) -> int:
    """How many lines `text` wraps to in a cell `width_points` wide (greedy word wrap)."""
    room = _room(width_points)
    if "\n" not in text and _widest(len(text), size, bold) <= room:
        return 1    # fits even if every glyph were a capital: most cells, no need to measure
    width_of = _glyphs(size, bold).__getitem__
    if "\n" not in text and sum(map(width_of, text)) <= room - 1e-6:
        # every glyph and space together fit: no word wraps (the loop below adds up a part of
        # them, so only rounding could differ, far below the margin)
        return 1
    lines = 0
    for para in text.split("\n"):
        lines += 1
        used = 0.0
        for word in para.split(" "):
            w = sum(map(width_of, word))
            space = width_of(" ") if used else 0.0
            if used and used + space + w > room:
                lines += 1
                used = w
            else:
                used += space + w
            while used > room:        # a word longer than the line breaks anywhere
                lines += 1
                used -= room
    return lines


_CELL_ROW = operator.itemgetter(1)      # a tally.layout.Cell's row


def row_heights(sheet: SheetLayout, widths: tuple[float, ...]) -> dict[int, float]:
    """The height (points) of every row so that no text is clipped."""
    spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges}
    body = sheet.body
    placed = sheet.placed
    last = max(max(map(_CELL_ROW, placed), default=0), body.last if body else 0)
    occupied: set[int] = set()                 # the rows a cell holds a value in
    direct: dict[int, float] = {}              # what a row's own cells need (none merged down)
    tall: list[tuple[int, int, float]] = []
    span_width, one_line, needs = _of_widths(widths)
    wrapped: dict[tuple[str, float, float, bool], int] = {}   # and its columns repeat texts (a group, a name)
    for _ref, row, col, value, role, _checked, _highlight, strong in placed:   # a Cell, unpacked at once
        if value is None:
            continue
        occupied.add(row)
        style = STYLES.get(role)
        if style is None:
            continue
        span = spans.get((row, col))
        r2, c2 = span if span is not None else (row, col)
        key = (role, col, c2, strong)
        known = one_line.get(key)
        if known is None:
            width = span_width[(col, c2)] = _span_width(widths, col, c2)
            known = one_line[key] = _one_line(style, width, strong)
        text = value if type(value) is str else str(value)
        if "\n" not in text and len(text) <= known[0]:
            need = known[1]
        else:
            at = (key, text)
            got = needs.get(at)
            if got is not None:
                need = got
            else:
                if "\n" not in text and sum(map(known[3], text)) <= known[2]:
                    need = known[1]
                else:
                    need = _need(style, text, span_width[(col, c2)], strong, wrapped)
                kept(needs, at, need, text)
        if r2 > row:
            tall.append((row, r2, need))
        elif need > direct.get(row, 0.0):
            direct[row] = need
    heights = {r: (direct.get(r, 0.0) if r in occupied else BLANK_ROW) for r in range(1, last + 1)}
    if body:
        _body_heights(body, widths, heights, wrapped)
    for r1, r2, need in tall:
        have = sum(heights[r] for r in range(r1, r2 + 1))
        if have < need:
            extra = (need - have) / (r2 - r1 + 1)
            for r in range(r1, r2 + 1):
                heights[r] += extra
    return {r: math.ceil(h * 4) / 4 for r, h in heights.items()}


# For the columns of a kind of sheet (WIDTHS): the width of a span of them, and for a style in
# a span, the longest text text_lines finds on one line without measuring it (one_line_chars)
# and what one line needs; most cells of the minutes are found at once. Functions of the
# widths, the span and the style alone: kept for the process.
# What a text in such a span needs is a function of the same and the text: kept too (tally.kept),
# for the texts that come again from one result to the next (labels, positions, counts,
# percentages: three quarters of those the length alone does not settle, verifying distinct results).
_SpanWidths = dict[tuple[int, int], float]
_OneLine = dict[tuple[Role, int, int, bool], tuple[int, float, float, Callable[[str], float]]]
_Needs = dict[tuple[tuple[Role, int, int, bool], str], float]
_OF_WIDTHS: dict[tuple[float, ...], tuple[_SpanWidths, _OneLine, _Needs]] = memo({})


def _of_widths(widths: tuple[float, ...]) -> tuple[_SpanWidths, _OneLine, _Needs]:
    known = _OF_WIDTHS.get(widths)
    if known is None:
        if len(_OF_WIDTHS) >= 64:       # WIDTHS has a few kinds; other widths are not kept long
            _OF_WIDTHS.clear()
        known = _OF_WIDTHS[widths] = ({}, {}, {})
    return known


def _one_line(style: _Style, width: float, strong: bool) -> tuple[int, float, float, Callable[[str], float]]:
    """For a style in a column or span `width` wide: the longest text that text_lines finds on
    one line without measuring it (one_line_chars), what one line needs (_need), and for its
    second look, the room that all the glyphs of a text together must fit in and their widths."""
    bold = style.bold or strong
    return (one_line_chars(width - style.indent * 9, style.size, bold) if style.wrap else 1 << 62,
            _need(style, "", width, strong, {}),
            _room(width - style.indent * 9) - 1e-6, _glyphs(style.size, bold).__getitem__)


def _span_width(widths: tuple[float, ...], c1: int, c2: int) -> float:
    return sum(_column_points_narrow(widths[c - 1]) for c in range(c1, c2 + 1) if c <= len(widths))


def _need(style: _Style, text: str, width: float, strong: bool, wrapped: dict[tuple[str, float, float, bool], int]
          ) -> float:
    """The height a cell's text needs: its lines, wrapped to the width of its column or span."""
    lines = 1
    if style.wrap:
        key = (text, width - style.indent * 9, style.size, style.bold or strong)
        known = wrapped.get(key)
        if known is None:
            known = wrapped[key] = text_lines(*key)
        lines = known
    return lines * style.size * 1.17 + (5 if style.border else 4)


def _body_heights(body: Rows, widths: tuple[float, ...], heights: dict[int, float],
                  wrapped: dict[tuple[str, float, float, bool], int]) -> None:
    """:func:`row_heights` of a body's rows, a column at a time: each column's cells share a
    style and a width, and a text met before in the column needs what it needed then."""
    columns = []
    for col, role in enumerate(body.roles, start=1):
        style = STYLES.get(role)
        width = _span_width(widths, col, col)
        # a text this short needs one line (text_lines does not measure it): most cells of a table
        short, one, room, width_of = -1, 0.0, 0.0, _glyphs(12, False).__getitem__
        if style is not None:
            short = one_line_chars(width - style.indent * 9, style.size, style.bold) if style.wrap else 1 << 62
            one = _need(style, "", width, False, wrapped)
            # text_lines' second look: all the glyphs together fit
            room, width_of = _room(width - style.indent * 9) - 1e-6, _glyphs(style.size, style.bold).__getitem__
        texts: dict[str, float] = {}
        columns.append((style, width, short, one, texts, room, width_of))
    # what each cell needs (None: no value; 0.0: a value without styling), a column at a time
    needs: list[list[float | None]] = []
    for (style, width, short, one, texts, room, width_of), column in zip(columns, zip(*body.values)):
        if style is None:
            needs.append([None if v is None else 0.0 for v in column])
            continue
        got: list[float | None] = []
        for value in column:
            if value is None:
                got.append(None)
                continue
            text = value if type(value) is str else str(value)
            if len(text) <= short and "\n" not in text:
                got.append(one)
            elif style.wrap and "\n" not in text and sum(map(width_of, text)) <= room:
                got.append(one)
            else:
                known = texts.get(text)
                got.append(known if known is not None else texts.setdefault(
                    text, _need(style, text, width, False, wrapped)))
        needs.append(got)
    for r, row in enumerate(zip(*needs), start=body.first):
        if None in row:
            there = [n for n in row if n is not None]
            heights[r] = max(there) if there else BLANK_ROW     # no value: a blank row
        else:
            heights[r] = max(row)


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


def _page(sheet: SheetLayout, widths: tuple[float, ...], heights: dict[int, float],
          mark: str | None = None) -> sheetxml.Page:
    breaks = page_breaks(sheet, heights, print_scale(sheet.kind, widths))
    footer = None
    if sheet.footer:
        # Each sheet is a document of its own ("Trang 1/2" on a group's minutes even when
        # the whole workbook is printed): numbering restarts per sheet, and the total is
        # the sheet's own page count, known because every page break is set here. The
        # spreadsheet's own &N is not per sheet: LibreOffice prints the whole workbook's
        # count ("Trang 1/6" on a one-page sheet of a six-page workbook; checked with
        # soffice --convert-to pdf), so the total stays computed (issue #12 item 5).
        footer = sheetxml.HeaderPart(_footer_text(sheet.footer.replace("&N", str(len(breaks) + 1))), FONT_NAME, 10)
    # The confidentiality mark goes in the page header, on every page, where it changes no
    # cell of the minutes (their cells are what verification compares with results.json).
    header = sheetxml.HeaderPart(mark, f"{FONT_NAME},Bold", 13) if mark else None
    m = MARGINS
    return sheetxml.Page(_landscape(sheet.kind), (m["left"], m["right"], m["top"], m["bottom"], m["header"],
                                                  m["footer"]),
                         header_right=header, footer_center=footer, breaks=breaks, print_titles=sheet.title_rows)


# --- the workbook ------------------------------------------------------------------------


_LEGAL: dict[str, str] = memo({})      # texts without their XML-illegal characters, for the process (tally.kept)


def _add_sheet(book: sheetxml.Book, sheet: SheetLayout, made: dict[StyleKey, sheetxml.Xf],
               mark: str | None = None) -> None:
    widths = WIDTHS[sheet.kind]
    # veryHidden: Excel's "Unhide" does not list the data sheet, so nobody edits results.json by accident
    ws = book.add_sheet(sheet.title, widths, hidden=sheet.kind is SheetKind.DATA)
    styles = book.styles
    placed = ws.placed          # what ws.put does, cell by cell, on a new sheet without a body
    for _ref, row, col, value, role, _checked, highlight, strong in sheet.placed:   # a Cell, unpacked at once
        quote = False
        if isinstance(value, str):      # cell_value() and quoted(), the text cleaned once
            # (printable ASCII, checked in C, has nothing to drop: the hidden sheet's base64)
            if not (value.isascii() and value.isprintable()):
                got = _LEGAL.get(value)
                value = got if got is not None else kept(_LEGAL, value, ILLEGAL.sub("", value), value)
            value = value or None
            quote = value is not None and value[0] in FORMULA_STARTS
        key = (role, highlight, strong, quote)
        xf = made.get(key)
        placed[(row, col)] = (value, xf if xf is not None else _make_xf(styles, key, made))
    body = sheet.body
    if body is not None:    # below every placed cell: its formats come after theirs, as cell by cell
        # cell_value() of a text already clean: the text, or None for an empty one
        ws.set_body(sheetxml.Body(body.first, [tuple([None if v == "" else v for v in row]) for row in body.values],
                                  _body_xfs(styles, body, made)))
    for r1, c1, r2, c2 in sheet.merges:     # after styling: a merge redraws the borders of its range
        ws.merge(r1, c1, r2, c2)
    if sheet.kind is SheetKind.DATA:
        return
    ws.heights = row_heights(sheet, widths)
    ws.page = _page(sheet, widths, ws.heights, mark)


def _document_date(iso: str) -> dt.date:
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        return dt.date(1980, 1, 1)


def marked(results: Results) -> bool:
    """Whether the minutes carry the restricted mark unless told otherwise: Party minutes do."""
    return RULE_SETS[results.event.rules].party


def build_book(results: Results, sheets: Sequence[SheetLayout], restricted: bool | None = None) -> sheetxml.Book:
    """The minutes as cells, styles and pages, before any XML: what :func:`write_workbook`
    writes, and what verification compares with a workbook (tally.compare.rebuild)."""
    book = sheetxml.Book(BASE_FONT)
    made: dict[StyleKey, sheetxml.Xf] = {}
    if restricted is None:
        restricted = marked(results)
    mark = RESTRICTED_MARK.get(results.event.language, RESTRICTED_MARK["en"]) if restricted else None
    for sheet in sheets:
        _add_sheet(book, sheet, made, mark)
    return book


def write_workbook(results: Results, results_json: bytes, restricted: bool | None = None) -> bytes:
    """The minutes as xlsx bytes; byte-identical for the same results and results.json.

    The minutes hold no formula, and the workbook does not ask for a full recalculation on
    load: Excel has nothing to recalculate and does not ask "Save changes?" when a reader
    closes them."""
    return _written(results, layout(results, results_json), restricted)


def start_workbook(results: Results, results_json: bytes, restricted: bool | None = None) -> sheetxml.Zipping:
    """:func:`write_workbook`, its bytes compressed in a thread while the caller goes on (writing
    results.json, say): `.result()` gives the same bytes."""
    book = build_book(results, layout(results, results_json), restricted)
    return book.zipping(clean(results.event.title), results.tool_name or "tally", _document_date(results.event.date))


def _written(results: Results, sheets: Sequence[SheetLayout], restricted: bool | None) -> bytes:
    book = build_book(results, sheets, restricted)
    return book.to_bytes(clean(results.event.title), results.tool_name or "tally",
                         _document_date(results.event.date))


# --- reading back ------------------------------------------------------------------------


def _open(source: Source, read_only: bool, data_only: bool = True) -> Workbook:
    from openpyxl import load_workbook  # deferred: reading back is for tests and tools, not for counting

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
