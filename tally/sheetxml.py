"""The minutes' xlsx package written directly as XML (SpreadsheetML), without a spreadsheet library.

:mod:`tally.workbook` decides what each cell holds and how it looks; this module numbers
the styles, lays the cells out as rows and writes every part of the package: the
worksheets, the style table, the workbook with its sheets and print titles, the
relationships, the content types and the document properties.

The bytes are those openpyxl 3.1 (with lxml) wrote for the same minutes, which every
results.xlsx until issue 14 was made with: the same parts in the same order, the same
attributes, the same escaping (text in a worksheet as ASCII with character references,
the other parts as UTF-8), and the same style numbers. openpyxl numbers a font, fill,
border or alignment when a cell first takes it and a cell format when the first cell
having it is written, and merging cells redraws the borders of the merged range: both are
reproduced here (:class:`Styles`, :meth:`Sheet.merge`). Writing it directly is what makes
a count of a 3 M-cell sheet, and every rebuild that `tally verify` makes, cheap: no cell
objects, no element tree, and no openpyxl (nor numpy, which openpyxl imports) to load.
"""

from __future__ import annotations

import datetime as dt
import io
import operator
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import Generic, NamedTuple, TypeVar

from ballots.cells import column_letters, ref_at, refs_at
from tally.kept import kept, memo
from tally.theme_xml import THEME_XML

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ROWS_PER_CHUNK = 2048     # rows of a long body made before they are handed on to be compressed
ZIP_LEVEL = 6

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


# --- text ----------------------------------------------------------------------------------

def _number(value: float) -> str:
    """A number as openpyxl writes it (safe_string): at most 16 significant digits."""
    return format(value, ".16g")


_EXACT_INT = 2**53      # an int below it in size is a float exactly, of at most 16 digits: _number gives str()


def sheet_text(text: str) -> str:
    """Text in a worksheet part, which is ASCII: &, <, > and CR escaped, the rest of Unicode as
    decimal character references (what lxml's incremental writer gives)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if not text.isascii():
        text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return text


def utf8_text(text: str) -> str:
    """Element text in a UTF-8 part (the workbook, the document properties)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def utf8_attr(text: str) -> str:
    """An attribute value in a UTF-8 part."""
    return (utf8_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


_HF_CONTROL = re.compile("[\x01-\x19]")


def _header_footer_text(text: str) -> str:
    """A header or footer in its mini-format: a line break as itself (Excel and LibreOffice both
    print it; openpyxl's _x000a_ was replaced by it), other control characters as _xHHHH_."""
    text = _HF_CONTROL.sub(lambda m: "\n" if m.group(0) == "\n" else f"_x{ord(m.group(0)):0>4x}_", text)
    return sheet_text(text.replace("_x000a_", "\n"))


# --- styles --------------------------------------------------------------------------------

class Font(NamedTuple):
    name: str
    size: float
    bold: bool = False
    italic: bool = False
    underline: str | None = None      # "single"
    color: str | None = None          # ARGB, "009C0006"
    family: int | None = None


class Alignment(NamedTuple):
    horizontal: str
    vertical: str
    wrap: bool = False
    indent: int = 0


# A border's side: (line style, ARGB colour); a side that is absent altogether is None, which
# is not the same as a side drawn with no line (None, None).
Side = tuple[str | None, str | None]
# left, right, top, bottom, diagonal
Border = tuple[Side | None, Side | None, Side | None, Side | None, Side | None]

NO_LINE: Side = (None, None)
DEFAULT_BORDER: Border = (NO_LINE, NO_LINE, NO_LINE, NO_LINE, NO_LINE)
_LEFT, _RIGHT, _TOP, _BOTTOM = 0, 1, 2, 3
_SIDE_TAGS = ("left", "right", "top", "bottom", "diagonal")

_EMPTY_FILL = "<fill><patternFill/></fill>"
_GRAY_FILL = '<fill><patternFill patternType="gray125"/></fill>'


class Xf(NamedTuple):
    """A cell's format: numbers into the workbook's tables (openpyxl's StyleArray)."""

    font: int = 0
    fill: int = 0
    border: int = 0
    alignment: int = 0
    quote: int = 0       # the quote prefix: the text stays text when someone edits the cell


NO_STYLE = Xf()
_new_tuple = tuple.__new__
_ROW = operator.itemgetter(0)      # of a (row, column)
_COL = operator.itemgetter(1)


def _bordered(xf: Xf, border: int) -> Xf:
    """``xf._replace(border=border)``, without _replace's calls in Python (a merge redraws many)."""
    return _new_tuple(Xf, (xf[0], xf[1], border, xf[3], xf[4]))


def _add_sides(a: Side | None, b: Side | None) -> Side | None:
    if a is None or b is None:
        return a if a is not None else b
    return (a[0] or b[0], a[1] or b[1])


def add_borders(a: Border, b: Border) -> Border:
    """openpyxl's Border + Border: each side of `a`, completed by `b`'s."""
    return (_add_sides(a[0], b[0]), _add_sides(a[1], b[1]), _add_sides(a[2], b[2]), _add_sides(a[3], b[3]),
            _add_sides(a[4], b[4]))


T = TypeVar("T")


class _Table(Generic[T]):
    """Distinct values numbered in the order first added (openpyxl's IndexedList)."""

    def __init__(self, *values: T) -> None:
        self.items: list[T] = []
        self.index: dict[T, int] = {}
        for v in values:
            self.add(v)

    def add(self, value: T) -> int:
        n = self.index.get(value)
        if n is None:
            n = self.index[value] = len(self.items)
            self.items.append(value)
        return n


class Styles:
    """The workbook's style tables, numbered as openpyxl numbers them."""

    def __init__(self, default_font: Font) -> None:
        self.fonts = _Table(default_font)
        self.fills: _Table[str | None] = _Table(None, "gray125")
        self.borders = _Table(DEFAULT_BORDER)
        self.alignments: _Table[Alignment | None] = _Table(None)
        self.xfs = _Table(NO_STYLE)
        self.bordered: dict[tuple[int, Border], int] = {}   # (border, sides added by a merge) -> border

    def xf(self, font: Font, alignment: Alignment, border: Border | None, fill: str | None, quote: bool) -> Xf:
        return Xf(self.fonts.add(font), self.fills.add(fill) if fill else 0,
                  self.borders.add(border) if border else 0, self.alignments.add(alignment), int(quote))

    def to_xml(self) -> bytes:
        out = [f'<styleSheet xmlns="{_MAIN_NS}"><numFmts count="0"/>']
        fonts = self.fonts.items
        out.append(f'<fonts count="{len(fonts)}">')
        out += [_font_xml(f) for f in fonts]
        fills = self.fills.items
        out.append(f'</fonts><fills count="{len(fills)}">{_EMPTY_FILL}{_GRAY_FILL}')
        out += [f'<fill><patternFill patternType="solid"><fgColor rgb="{c}"/><bgColor rgb="{c}"/></patternFill></fill>'
                for c in fills[2:]]
        borders = self.borders.items
        out.append(f'</fills><borders count="{len(borders)}">')
        out += [_border_xml(b) for b in borders]
        xfs = self.xfs.items
        out.append('</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                   f'</cellStyleXfs><cellXfs count="{len(xfs)}">')
        alignments = self.alignments.items
        for x in xfs:
            head = f'<xf numFmtId="0" fontId="{x.font}" fillId="{x.fill}" borderId="{x.border}"'
            tail = f' pivotButton="0" quotePrefix="{x.quote}" xfId="0"'
            a = alignments[x.alignment]
            out.append(f'{head}{tail}/>' if a is None else f'{head} applyAlignment="1"{tail}>{_alignment_xml(a)}</xf>')
        out.append(_STYLES_END)
        return "".join(out).encode("utf-8")


def _font_xml(f: Font) -> str:
    # children in the order of the schema (ECMA-376 CT_Font), which strict validators check
    out = ["<font>"]
    if f.bold:
        out.append('<b val="1"/>')
    if f.italic:
        out.append('<i val="1"/>')
    if f.underline:
        out.append(f'<u val="{f.underline}"/>')
    out.append(f'<sz val="{_number(f.size)}"/>')
    if f.color:
        out.append(f'<color rgb="{f.color}"/>')
    out.append(f'<name val="{utf8_attr(f.name)}"/>')
    if f.family is not None:
        out.append(f'<family val="{f.family}"/>')
    out.append("</font>")
    return "".join(out)


def _border_xml(b: Border) -> str:
    out = ["<border>"]
    for tag, side in zip(_SIDE_TAGS, b):
        if side is None:
            continue
        line, color = side
        attr = f' style="{line}"' if line else ""
        out.append(f'<{tag}{attr}><color rgb="{color}"/></{tag}>' if color else f"<{tag}{attr}/>")
    out.append("</border>")
    return "".join(out)


def _alignment_xml(a: Alignment) -> str:
    wrap = ' wrapText="1"' if a.wrap else ""
    indent = f' indent="{a.indent}"' if a.indent else ""
    return f'<alignment horizontal="{a.horizontal}" vertical="{a.vertical}"{wrap}{indent}/>'


# the legacy palette (openpyxl's COLOR_INDEX), which every workbook carries
_INDEXED_COLORS = (  # noqa: SIM905
    "00000000 00FFFFFF 00FF0000 0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF 00000000 00FFFFFF 00FF0000 "
    "0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF 00800000 00008000 00000080 00808000 00800080 00008080 "
    "00C0C0C0 00808080 009999FF 00993366 00FFFFCC 00CCFFFF 00660066 00FF8080 000066CC 00CCCCFF 00000080 "
    "00FF00FF 00FFFF00 0000FFFF 00800080 00800000 00008080 000000FF 0000CCFF 00CCFFFF 00CCFFCC 00FFFF99 "
    "0099CCFF 00FF99CC 00CC99FF 00FFCC99 003366FF 0033CCCC 0099CC00 00FFCC00 00FF9900 00FF6600 00666699 "
    "00969696 00003366 00339966 00003300 00333300 00993300 00993366 00333399 00333333").split()
_STYLES_END = ('</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/>'
               '</cellStyles><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
               'defaultPivotStyle="PivotStyleLight16"/><colors><indexedColors>'
               + "".join(f'<rgbColor rgb="{c}"/>' for c in _INDEXED_COLORS)
               + "</indexedColors></colors></styleSheet>")


# --- a worksheet ---------------------------------------------------------------------------

CellValue = int | str | None


@dataclass(frozen=True)
class HeaderPart:
    """One section of a page header or footer: its text in one font."""

    text: str
    font: str
    size: int

    def code(self) -> str:
        return f'&"{self.font}"&{self.size} {self.text}'


@dataclass(frozen=True)
class Page:
    """How a sheet prints: A4, fitted to the page width, centred, with its margins (inches)."""

    landscape: bool
    margins: tuple[float, float, float, float, float, float]     # left, right, top, bottom, header, footer
    header_right: HeaderPart | None = None
    footer_center: HeaderPart | None = None
    breaks: Sequence[int] = ()             # rows after which a page ends
    print_titles: tuple[int, int] | None = None    # rows printed again on every page


@dataclass(frozen=True)
class Body:
    """A sheet's rows of one shape, below its other cells: row `first` onwards, the cells of each
    row in columns 1, 2, ...; a tuple of formats per row (rows alike share one). Written row by
    row, without a (row, column) entry per cell: a long table (15,000 invalid ballots) costs a
    fraction of what its cells one by one did."""

    first: int
    values: Sequence[tuple[CellValue, ...]]
    xfs: Sequence[tuple[Xf, ...]]

    @property
    def last(self) -> int:
        return self.first + len(self.values) - 1

    def cells(self) -> dict[tuple[int, int], tuple[CellValue, Xf]]:
        return {(r, c): (value, xf) for r, (row, xfs) in enumerate(zip(self.values, self.xfs), start=self.first)
                for c, value, xf in zip(range(1, len(row) + 1), row, xfs)}


@dataclass
class Sheet:
    """A worksheet: cells at (row, column), merged ranges, row heights, column widths."""

    title: str
    widths: Sequence[float]
    styles: Styles
    hidden: bool = False            # veryHidden: not listed by Excel's "Unhide"
    page: Page | None = None        # None: the spreadsheet program's defaults
    heights: dict[int, float] = field(default_factory=dict)
    placed: dict[tuple[int, int], tuple[CellValue, Xf]] = field(default_factory=dict)
    # openpyxl keeps the merged ranges in a set, and writes them in the set's order: a set of the
    # same ranges added one by one in the same order, as tuples that hash as openpyxl's ranges do
    # (in every process: ints do not hash at random), iterates in that same order
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)
    body: Body | None = None        # below every placed cell, in no merged range
    _all: dict[tuple[int, int], tuple[CellValue, Xf]] | None = field(default=None, repr=False, compare=False)
    # row -> the merged ranges over it: whether a range lies in one merged before is asked of those
    _merged_rows: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict, repr=False,
                                                                     compare=False)

    @property
    def cells(self) -> dict[tuple[int, int], tuple[CellValue, Xf]]:
        """Every cell: (row, column) -> (value, format), the body's too (made when first asked:
        writing the sheet does not ask). Read only."""
        if self.body is None:
            return self.placed
        if self._all is None:
            self._all = {**self.placed, **self.body.cells()}
        return self._all

    def put(self, row: int, col: int, value: CellValue, xf: Xf) -> None:
        if self.body is not None and row >= self.body.first:
            raise ValueError("a cell at or below the body")
        self.placed[(row, col)] = (value, xf)
        self._all = None

    def set_body(self, body: Body) -> None:
        if any(r >= body.first for r, _c in self.placed) or any(r2 >= body.first for _r, _c, r2, _c2 in self.merges):
            raise ValueError("a body must be below every placed and merged cell")
        self.body = body if body.values else None
        self._all = None

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """Merge a range as openpyxl merges it: only the top-left cell keeps its value and format;
        it takes the right and bottom borders of the bottom-right cell, and then every cell on an
        edge of the range takes that edge's border from it (openpyxl's MergedCellRange)."""
        if self.body is not None and r2 >= self.body.first:
            raise ValueError("a merge into the body")
        borders = self.styles.borders
        bordered = self.styles.bordered
        table = borders.items
        cells = self.placed
        self._all = None
        # in a range merged before: one over row r1 (a <= r1 <= c) that holds it
        for _a, b, c, d in self._merged_rows.get(r1, ()):
            if c1 >= b and r2 <= c and c2 <= d:
                break
        else:
            self.merges.add((r1, c1, r2, c2))
            for r in range(r1, r2 + 1):
                self._merged_rows.setdefault(r, []).append((r1, c1, r2, c2))
        value, xf = cells.setdefault((r1, c1), (None, NO_STYLE))
        end = cells.get((r2, c2))
        if end is not None:
            end_border = table[end[1].border]
            extra: Border = (None, end_border[_RIGHT], None, end_border[_BOTTOM], None)
            key = (xf.border, extra)
            n = bordered.get(key)
            if n is None:
                n = bordered[key] = borders.add(add_borders(table[xf.border], extra))
            xf = _bordered(xf, n)
        merged = (None, NO_STYLE)                         # openpyxl's MergedCell
        for r in range(r1, r2 + 1):
            cells.update({(r, c): merged for c in range(c1, c2 + 1)})
        cells[(r1, c1)] = (value, xf)                     # the first of them in that order: it stays first
        first = table[xf.border]
        for side in (_TOP, _LEFT, _RIGHT, _BOTTOM):
            line = first[side]
            if line is None or line[0] is None:
                continue     # no line on this edge (openpyxl skips it; adding an absent side changes nothing)
            add: list[Side | None] = [None] * 5
            add[side] = line
            extra = (add[0], add[1], add[2], add[3], add[4])
            if side in (_TOP, _BOTTOM):
                row = r1 if side == _TOP else r2
                edge = [(row, c) for c in range(c1, c2 + 1)]
            else:
                col = c1 if side == _LEFT else c2
                edge = [(r, col) for r in range(r1, r2 + 1)]
            for coord in edge:
                value, xf = cells[coord]
                key = (xf.border, extra)
                n = bordered.get(key)
                if n is None:      # numbered when first made, as before: the same table
                    n = bordered[key] = borders.add(add_borders(table[xf.border], extra))
                cells[coord] = (value, _bordered(xf, n))

    def dimension(self, keys: Sequence[tuple[int, int]] | None = None) -> str:
        """The used range, "A1:L40"; `keys` are the placed cells' (row, column), sorted."""
        if keys is None:
            keys = sorted(self.placed)
        rows = [keys[0][0], keys[-1][0]] if keys else []
        cols = [min(map(_COL, keys)), max(map(_COL, keys))] if keys else []
        body = self.body
        if body is not None:
            rows += (body.first, body.last)
            cols += (1, max(map(len, body.values)))
        if not rows:
            return "A1:A1"
        return f"{column_letters(min(cols))}{min(rows)}:{column_letters(max(cols))}{max(rows)}"

    def to_xml(self, xfs: _Table[Xf], record: list[tuple[str, CellValue, int]] | None = None) -> bytes:
        return b"".join(self.xml_chunks(xfs, record))

    def xml_chunks(self, xfs: _Table[Xf], record: list[tuple[str, CellValue, int]] | None = None
                   ) -> Iterator[bytes]:
        """The worksheet part, a piece at a time (a long body every ROWS_PER_CHUNK rows), so that
        it is compressed as it is made (Book.zipping); joined, the bytes of :meth:`to_xml`.

        `record`, when given, gets each placed cell written (not the body's), in the order
        written: its reference, value and format number (0 for a cell written without one), what
        a reader of the part finds (tally.snapshot.book_read, which reads the body itself)."""
        page = self.page
        keys = sorted(self.placed)      # the keys alone: a pair of ints compares faster than a pair of pairs
        out = [f'<worksheet xmlns="{_MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>',
               '<pageSetUpPr fitToPage="1"/>' if page else "<pageSetUpPr/>",
               f'</sheetPr><dimension ref="{self.dimension(keys)}"/><sheetViews><sheetView ',
               'showGridLines="0" ' if page else "",
               ('workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
                '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')]
        if self.widths:
            out.append("<cols>")
            out += [f'<col width="{_number(w)}" customWidth="1" min="{i}" max="{i}"/>'
                    for i, w in enumerate(self.widths, start=1)]
            out.append("</cols>")
        out.append("<sheetData>")
        for chunk in self._rows_xml(xfs, keys, record):
            out.append(chunk)
            yield "".join(out).encode("ascii")
            out.clear()
        out.append("</sheetData>")
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">')
            out += [f'<mergeCell ref="{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"/>'
                    for r1, c1, r2, c2 in self.merges]
            out.append("</mergeCells>")
        out.append(_page_xml(page))
        out.append("</worksheet>")
        yield "".join(out).encode("ascii")

    def _rows_xml(self, xfs: _Table[Xf], keys: Sequence[tuple[int, int]],
                  record: list[tuple[str, CellValue, int]] | None) -> Iterator[str]:
        """The rows, in order: those holding placed cells (`keys`, sorted), those with a height
        only, and the body's where it goes."""
        refs = refs_at()
        placed = self.placed
        heights = self.heights
        body = self.body
        rows = set(map(_ROW, keys)) | heights.keys()
        if body is not None:
            rows = {r for r in rows if not body.first <= r <= body.last}
        at_key = 0                      # the next of `keys`, taken row by row
        n_keys = len(keys)
        out: list[str] = []
        append = out.append
        ids: dict[Xf, str] = {}
        marks: dict[Xf, tuple[str | None, int]] = {}   # (' s="N"', N), or (None, 0) for a cell without a format
        row_attrs: dict[float, str] = {}
        inline = _INLINE
        written = False
        for r in sorted(rows):
            if body is not None and not written and r > body.last:
                yield from self._body_xml(body, xfs, ids, row_attrs, out)
                written = True
            height = heights.get(r)
            if height is None:
                out.append(f'<row r="{r}">')
            else:
                attrs = row_attrs.get(height)
                if attrs is None:
                    attrs = row_attrs[height] = f' ht="{_number(height)}" customHeight="1"'
                out.append(f'<row r="{r}"{attrs}>')
            while at_key < n_keys and keys[at_key][0] == r:
                at = keys[at_key]
                at_key += 1
                value, xf = placed[at]
                ref = refs.get(at) or ref_at(*at)
                try:
                    mark, n = marks[xf]
                except KeyError:
                    if not any(xf):
                        mark, n = marks[xf] = (None, 0)
                    else:
                        n = xfs.add(xf)      # numbered when first written, as openpyxl numbers them
                        mark = ids.get(xf)
                        if mark is None:
                            mark = ids[xf] = f' s="{n}"'
                        marks[xf] = (mark, n)
                if mark is None:
                    if value is None:
                        continue
                    mark = ""
                if record is not None:
                    record.append((ref, value, n))
                if value is None:
                    append(f'<c r="{ref}"{mark} t="n"></c>')
                elif type(value) is str:
                    tail = inline.get(value)
                    if tail is None:
                        tail = kept(inline, value, _inline(value), value)
                    append(f'<c r="{ref}"{mark} {tail}')
                elif isinstance(value, str):
                    append(f'<c r="{ref}"{mark} {_inline(value)}')
                elif type(value) is int and -_EXACT_INT < value < _EXACT_INT:
                    append(f'<c r="{ref}"{mark} t="n"><v>{value}</v></c>')      # what _number writes
                else:
                    append(f'<c r="{ref}"{mark} t="n"><v>{_number(value)}</v></c>')
            append("</row>")
        if body is not None and not written:
            yield from self._body_xml(body, xfs, ids, row_attrs, out)
        yield "".join(out)

    def _body_xml(self, body: Body, xfs: _Table[Xf], ids: dict[Xf, str], row_attrs: dict[float, str],
                  out: list[str]) -> Iterator[str]:
        """The body's rows, as :meth:`_rows_xml` writes rows cell by cell: a format numbered
        when first written, a text escaped once however often a column repeats it. Every
        ROWS_PER_CHUNK rows what `out` holds is given as a piece, and `out` emptied."""
        width = max(map(len, body.values))
        letters = [column_letters(c) for c in range(1, width + 1)]
        heights = self.heights
        styled: dict[tuple[Xf, ...], tuple[str | None, ...]] = {}   # a row's formats: ' s="N"' or None (none)
        texts: dict[str, str] = {}
        append = out.append
        for r, (row, row_xfs) in enumerate(zip(body.values, body.xfs), start=body.first):
            height = heights.get(r)
            if height is None:
                append(f'<row r="{r}">')
            else:
                attrs = row_attrs.get(height)
                if attrs is None:
                    attrs = row_attrs[height] = f' ht="{_number(height)}" customHeight="1"'
                append(f'<row r="{r}"{attrs}>')
            marks = styled.get(row_xfs)
            if marks is None:
                got: list[str | None] = []
                for xf in row_xfs:
                    if not any(xf):
                        got.append(None)
                        continue
                    known = ids.get(xf)
                    if known is None:
                        known = ids[xf] = f' s="{xfs.add(xf)}"'
                    got.append(known)
                marks = styled[row_xfs] = tuple(got)
            for letter, value, s in zip(letters, row, marks):
                if value is None:
                    if s is not None:
                        append(f'<c r="{letter}{r}"{s} t="n"></c>')
                elif type(value) is str:
                    tail = texts.get(value)
                    if tail is None:
                        tail = texts[value] = _inline(value)
                    append(f'<c r="{letter}{r}"{s or ""} {tail}')
                elif isinstance(value, str):
                    append(f'<c r="{letter}{r}"{s or ""} {_inline(value)}')
                else:
                    append(f'<c r="{letter}{r}"{s or ""} t="n"><v>{_number(value)}</v></c>')
            append("</row>")
            if (r - body.first) % ROWS_PER_CHUNK == ROWS_PER_CHUNK - 1:
                yield "".join(out)
                out.clear()


# A text cell's XML after its reference and style, kept for the process (tally.kept): the
# minutes repeat their labels, positions and percentages within a workbook and from one
# result to the next (verify rebuilds one after another).
_INLINE: dict[str, str] = memo({})


def _inline(text: str) -> str:
    """A text cell's type and content, after its reference and style."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f't="inlineStr"><is><t{space}>{sheet_text(text)}</t></is></c>'


def _page_xml(page: Page | None) -> str:
    if page is None:
        return '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
    left, right, top, bottom, header, footer = (_number(m) for m in page.margins)
    out = ['<printOptions horizontalCentered="1"/>',
           (f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" header="{header}" '
            f'footer="{footer}"/>'),
           (f'<pageSetup orientation="{"landscape" if page.landscape else "portrait"}" paperSize="9" '
            'fitToHeight="0" fitToWidth="1"'),
           ' firstPageNumber="1" useFirstPageNumber="1"/>' if page.footer_center else "/>"]
    if page.header_right or page.footer_center:
        odd_header = _header_footer_text(f"&R{page.header_right.code()}") if page.header_right else ""
        odd_footer = _header_footer_text(f"&C{page.footer_center.code()}") if page.footer_center else ""
        out.append(f"<headerFooter><oddHeader>{odd_header}</oddHeader><oddFooter>{odd_footer}</oddFooter>"
                   "<evenHeader></evenHeader><evenFooter></evenFooter><firstHeader></firstHeader>"
                   "<firstFooter></firstFooter></headerFooter>")
    if page.breaks:
        n = len(page.breaks)
        out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">')
        out += [f'<brk id="{r}" min="0" max="16383" man="1"/>' for r in page.breaks]
        out.append("</rowBreaks>")
    return "".join(out)


# --- the package ---------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
    '.styles+xml"/><Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.theme+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.extended-properties+xml"/>{sheets}<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
               'officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml" '
    f'Id="rId1"/><Relationship Type="{_PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_REL_NS}/extended-properties" Target="docProps/app.xml" Id="rId3"/></Relationships>')
# The application that wrote the minutes, as every results.xlsx so far has said.
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Microsoft Excel Compatible / Openpyxl 3.1.5</Application><AppVersion>3.1</AppVersion>"
        "</Properties>")
_DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
_W3CDTF = ('xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:type="dcterms:W3CDTF"')


@dataclass
class Book:
    """A workbook being written: its style tables and its sheets, in order."""

    default_font: Font
    styles: Styles = field(init=False)
    sheets: list[Sheet] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.styles = Styles(self.default_font)

    def add_sheet(self, title: str, widths: Sequence[float], hidden: bool = False) -> Sheet:
        sheet = Sheet(title, widths, self.styles, hidden)
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self, title: str, creator: str, date: dt.date) -> bytes:
        """The xlsx package; its bytes depend only on the content (fixed zip entry times, document
        times from `date`)."""
        return _zipped(self.parts(title, creator, date))

    def zipping(self, title: str, creator: str, date: dt.date) -> Zipping:
        """The bytes of :meth:`to_bytes`, compressed in a thread as each part is made: zlib lets go
        of the interpreter while it compresses, so the parts still to make (and whatever the
        caller does next, until it asks for the bytes) run beside it, on another core."""
        return Zipping(self.parts(title, creator, date))

    def parts(self, title: str, creator: str, date: dt.date) -> Iterator[tuple[str, Iterable[bytes]]]:
        """The package's parts (name, pieces of its bytes), in the order they are written, each
        made when reached (a worksheet piece by piece, as it is iterated)."""
        when = dt.datetime(date.year, date.month, date.day).isoformat(timespec="seconds") + "Z"
        core = (f'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-'
                f'properties"><dc:creator {_DC}{_space(creator)}>{utf8_text(creator)}</dc:creator>'
                f"<dc:title {_DC}{_space(title)}>{utf8_text(title)}</dc:title>"
                f"<dcterms:created {_W3CDTF}>{when}</dcterms:created>"
                f"<dcterms:modified {_W3CDTF}>{when}</dcterms:modified></cp:coreProperties>")
        yield "docProps/app.xml", (_APP.encode("utf-8"),)
        yield "docProps/core.xml", (core.encode("utf-8"),)
        yield "xl/theme/theme1.xml", (THEME_XML.encode("utf-8"),)
        # worksheets before the style table: a cell format is numbered when first written
        for n, s in enumerate(self.sheets, 1):
            yield f"xl/worksheets/sheet{n}.xml", s.xml_chunks(self.styles.xfs)
        n = len(self.sheets)
        yield "xl/styles.xml", (self.styles.to_xml(),)
        yield "_rels/.rels", (_ROOT_RELS.encode("utf-8"),)
        yield "xl/workbook.xml", (self._workbook_xml().encode("utf-8"),)
        yield "xl/_rels/workbook.xml.rels", ((
            f'<Relationships xmlns="{_PKG_REL_NS}">'
            + "".join(f'<Relationship Type="{_REL_NS}/worksheet" Target="/xl/worksheets/sheet{i}.xml" '
                      f'Id="rId{i}"/>' for i in range(1, n + 1))
            + f'<Relationship Type="{_REL_NS}/styles" Target="styles.xml" Id="rId{n + 1}"/>'
            f'<Relationship Type="{_REL_NS}/theme" Target="theme/theme1.xml" Id="rId{n + 2}"/>'
            "</Relationships>").encode("utf-8"),)
        yield "[Content_Types].xml", (_CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, n + 1))).encode("utf-8"),)

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet xmlns:r="{_REL_NS}" name="{utf8_attr(s.title)}" sheetId="{i}" '
            f'state="{"veryHidden" if s.hidden else "visible"}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, start=1))
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{utf8_text(quote_sheetname(s.title))}!${s.page.print_titles[0]}:${s.page.print_titles[1]}</definedName>"
            for i, s in enumerate(self.sheets) if s.page is not None and s.page.print_titles)
        return (f'<workbook xmlns="{_MAIN_NS}"><workbookPr/><workbookProtection/><bookViews><workbookView '
                'visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
                'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/>'
                f"</bookViews><sheets>{sheets}</sheets>"
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="124519" fullCalcOnLoad="0"/></workbook>')


def _zipped(parts: Iterable[tuple[str, Iterable[bytes]]]) -> bytes:
    """The zip package of `parts` (name, pieces of its bytes): ``ZipInfo(name, ZIP_DATE)``
    entries of create_system 0 deflated at ZIP_LEVEL, each written through zipfile's stream
    (``ZipFile.open(info, "w")``, which ``writestr`` itself uses), so an entry is compressed a
    piece at a time as it is made, with the bytes ``writestr`` writes for the whole
    (tests/test_sheetxml.py holds the two together)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, pieces in parts:
            name.encode("ascii")        # every part name tally writes is ASCII: another is a bug, raised
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0      # no level given: zlib's default, which is ZIP_LEVEL (6)
            with package.open(info, "w") as entry:
                for piece in pieces:
                    entry.write(piece)
    return buffer.getvalue()


class Zipping:
    """A package being zipped in a thread: its parts are made here, piece by piece, and each
    piece handed to the thread, which deflates it (zlib, without the interpreter's lock) while
    the next is made. :meth:`result` waits for the bytes, the very bytes of `_zipped(parts)`."""

    def __init__(self, parts: Iterator[tuple[str, Iterable[bytes]]]) -> None:
        queue: SimpleQueue[tuple[str] | bytes | None] = SimpleQueue()     # (name,), its pieces, ... None
        self._done: list[bytes] = []
        self._failed: list[BaseException] = []
        ended = False      # the maker's last word (None) taken

        def take() -> tuple[str] | bytes | None:
            nonlocal ended
            item = queue.get()
            ended = item is None
            return item

        def entries() -> Iterator[tuple[str, Iterator[bytes]]]:
            item = take()
            while isinstance(item, tuple):
                (name,) = item

                def pieces(name: str = name) -> Iterator[bytes]:
                    nonlocal item
                    item = take()
                    while isinstance(item, bytes):
                        yield item
                        item = take()
                    if not (item is None or isinstance(item, tuple)):
                        raise TypeError(f"a piece of {name} is {type(item).__name__}, not bytes")

                yield name, pieces()

        def run() -> None:
            try:
                self._done.append(_zipped(entries()))
            except BaseException as exc:  # noqa: BLE001 - handed to result(), raised in the caller's thread
                self._failed.append(exc)
                while not ended:     # let the maker finish
                    take()

        self._thread = threading.Thread(target=run, name="tally-zip")
        self._thread.start()
        try:
            for name, pieces in parts:
                queue.put((name,))
                for piece in pieces:
                    queue.put(piece)
        finally:
            queue.put(None)        # the thread ends even when making a part failed

    def result(self) -> bytes:
        self._thread.join()
        if self._failed:
            raise self._failed[0]
        return self._done[0]


def _space(text: str) -> str:
    """xml:space for a document property: kept when spaces surround other text."""
    stripped = text.strip()
    return ' xml:space="preserve"' if stripped and stripped != text else ""


def quote_sheetname(title: str) -> str:
    """A sheet name as a formula or defined name refers to it: quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"
