"""The long tail of a sheet of the minutes, streamed as XML instead of through openpyxl's cells.

A count with 15,000 invalid rows puts 75,000 cells on the invalid-ballot sheet; through
openpyxl's cell model (a Cell object each, then an Element each when saving) they took
1.3 s of a 5.8 s count, while the whole rest of the minutes takes 0.03 s. Here the rows
after the sheet's last merged range (the table body: plain cells, one role per column)
are written as text, straight into openpyxl's own output stream, in exactly the form
openpyxl writes them: the same attributes in the same order, the same escaping, and the
same style numbers, taken from the workbook's style table in the order openpyxl would
take them. The workbook's bytes are therefore the same as before, which a test checks
against openpyxl's own writing of the same sheet.

Everything above the tail (titles, table head, merged ranges), the page setup and the
style table stay openpyxl's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import RowDimension, SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from tally.layout import Cell, SheetKind, SheetLayout

ENABLED = True      # tests switch it off to compare with openpyxl's own writing

StyleKey = tuple[Any, bool, bool]    # (Role, highlight, strong), as tally.workbook caches styles


@dataclass
class Tail:
    """The rows of a sheet from `first_row` on: no merged cell among them."""

    first_row: int
    cells: Sequence[Cell]
    styles: list[Any] = field(default_factory=list)      # openpyxl StyleArray of each cell
    heights: dict[int, float] = field(default_factory=dict)


def split(sheet: SheetLayout) -> tuple[Sequence[Cell], Tail | None]:
    """The cells openpyxl writes, and the tail streamed here (None: the whole sheet is openpyxl's).

    Only plain values are streamed (text, whole numbers, empty cells); anything else keeps
    the sheet on openpyxl's path."""
    if not ENABLED or sheet.kind is SheetKind.DATA or not sheet.cells:
        return sheet.cells, None
    first = 1 + max([r2 for _r1, _c1, r2, _c2 in sheet.merges]
                    + ([sheet.title_rows[1]] if sheet.title_rows else []) + [0])
    cells = sheet.cells
    lo, hi = 0, len(cells)       # cells are in (row, col) order: the first cell of the tail
    while lo < hi:
        mid = (lo + hi) // 2
        if cells[mid].row < first:
            lo = mid + 1
        else:
            hi = mid
    tail = cells[lo:]
    if not tail or not all(v is None or type(v) is str or type(v) is int for v in (c.value for c in tail)):
        return cells, None
    return cells[:lo], Tail(first, tail)


def text_value(value: str) -> str | None:
    """What tally.workbook.put stores for a text: without XML-illegal characters; None if empty."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return text or None


def _escape(text: str) -> str:
    # ElementTree's _escape_cdata, which openpyxl's writer uses
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _row_attrs(ws: Worksheet, height: float | None) -> str:
    """A row's attributes after r="..." (they do not depend on the row number)."""
    if height is None:
        return ""
    attrs = dict(RowDimension(ws, index=1, ht=height))
    return "".join(f' {k}="{_escape(v)}"' for k, v in attrs.items())


def tail_xml(ws: Any, tail: Tail) -> str:
    """The <row> elements of the tail, as openpyxl's WorksheetWriter.write_row writes them."""
    cell_styles = ws.parent._cell_styles    # style numbers are taken as openpyxl takes them: on writing
    ids: dict[int, str] = {}
    out: list[str] = []
    by_row: dict[int, list[tuple[Cell, Any]]] = {}
    for c, style in zip(tail.cells, tail.styles):
        by_row.setdefault(c.row, []).append((c, style))
    rows = sorted(set(by_row) | {r for r in tail.heights if r >= tail.first_row})
    row_attrs: dict[float | None, str] = {}
    for r in rows:
        height = tail.heights.get(r)
        attrs = row_attrs.get(height)
        if attrs is None:
            attrs = row_attrs[height] = _row_attrs(ws, height)
        out.append(f'<row r="{r}"{attrs}>')
        for c, style in by_row.get(r, ()):
            styled = any(style)
            value: object = c.value
            if type(value) is str:
                value = text_value(value)
            if value is None and not styled:
                continue
            ref = f"{get_column_letter(c.col)}{r}"
            s = ""
            if styled:
                sid = ids.get(id(style))
                if sid is None:
                    sid = ids[id(style)] = f' s="{cell_styles.add(style)}"'
                s = sid
            if value is None:
                out.append(f'<c r="{ref}"{s} t="n" />')
            elif type(value) is str:
                stripped = value.strip()
                space = ' xml:space="preserve"' if stripped and stripped != value else ""
                out.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
            else:
                assert type(value) is int
                out.append(f'<c r="{ref}"{s} t="n"><v>{format(value, ".16g")}</v></c>')
        out.append("</row>")
    return "".join(out)


class _TailWriter(WorksheetWriter):
    def __init__(self, ws: Worksheet, tail: Tail) -> None:
        self.tail = tail
        super().__init__(ws)

    def write_dimensions(self) -> None:
        ws: Any = self.ws
        keys = list(ws._cells) + [(c.row, c.col) for c in self.tail.cells]
        rows = [r for r, _c in keys]
        cols = [c for _r, c in keys]
        ref = f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
        self.xf.send(SheetDimension(ref).to_tree())

    def write_rows(self) -> None:
        xf: Any = self.xf.send(True)
        with xf.element("sheetData"):
            for row_idx, row in self.rows():
                self.write_row(xf, row, row_idx)
            raw = tail_xml(self.ws, self.tail)
            write_raw = getattr(xf, "_file", None)
            if write_raw is not None:
                write_raw(raw)
            else:   # lxml's incremental writer (openpyxl's when lxml is installed) takes elements, not markup
                from lxml import etree  # type: ignore[import-untyped,import-not-found,unused-ignore]

                # a parser turns a literal CR into LF: keep it as the character reference lxml writes
                body = etree.fromstring(f"<sheetData>{raw}</sheetData>".replace("\r", "&#13;"))
                preserve = "{http://www.w3.org/XML/1998/namespace}space"
                for t in body.iter("t"):   # openpyxl's lxml writer keeps any outer space, blanks included
                    if t.text and t.text != t.text.strip():
                        t.set(preserve, "preserve")
                for c in body.iter("c"):   # and writes an empty cell as <c ...></c>
                    if len(c) == 0 and c.text is None:
                        c.text = ""
                for element in body:
                    xf.write(element)
        self.xf.send(None)


class TailExcelWriter(ExcelWriter):
    """openpyxl's ExcelWriter, with the tails of some sheets streamed (sheet title -> tail)."""

    def __init__(self, workbook: Any, archive: Any, tails: dict[str, Tail]) -> None:
        super().__init__(workbook, archive)
        self.tails = tails

    def write_worksheet(self, ws: Any) -> None:
        tail = self.tails.get(ws.title)
        if tail is None:
            super().write_worksheet(ws)
            return
        # openpyxl's write_worksheet, with the writer swapped
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer: Any = _TailWriter(ws, tail)
        writer.write()
        ws._rels = writer._rels
        archive: Any = self._archive  # type: ignore[attr-defined]
        archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


def style_tail(tail: Tail, style_of: Callable[[Cell], Any]) -> None:
    """Each tail cell's style, made in cell order (so the style table grows as before)."""
    tail.styles = [style_of(c) for c in tail.cells]
