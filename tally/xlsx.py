"""The workbooks other than the minutes, written with openpyxl: the entry template, the paper
ballots, reconcile's differences and a scanned entry.

They are small and written once per command, so openpyxl's cell model costs nothing that
matters there; the minutes, written by every count and rebuilt by every verification, are
written directly as XML instead (:mod:`tally.sheetxml`). What the two have in common is
the rule for text (:func:`tally.workbook.cell_value`, :func:`tally.workbook.quoted`) and
bytes that depend only on the content.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from tally.layout import CellValue, clean
from tally.sheetxml import ZIP_DATE, ZIP_LEVEL
from tally.workbook import cell_value, quoted


def put(ws: Worksheet, row: int, col: int, value: CellValue) -> XlCell:
    """Write `value` to a cell. Text is always stored as text, never as a formula, and
    loses the control characters XML cannot hold."""
    cell = ws.cell(row=row, column=col)
    if not isinstance(cell, XlCell):     # cells are written before any merge
        raise TypeError(f"{ws.title}!{cell.coordinate} is inside a merged range")
    value = cell_value(value)
    if value is None:
        return cell
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"    # openpyxl made "=..." a formula on assignment; undo that
        if quoted(value):
            cell.quotePrefix = True    # and keep it text when someone edits the cell
    return cell


def new_workbook(font: Font) -> Workbook:
    """An empty workbook whose default font is `font` (Times New Roman 12).

    Column widths are counted in digits of the default font: with openpyxl's Calibri,
    LibreOffice (which lacks it) measures wider columns than Excel and shrinks the page.
    The default is swapped before any cell is styled, since style index 0 must point at it;
    openpyxl has no public way to do this (tests/test_dependencies.py fails when openpyxl
    changes it, and pyproject.toml bounds openpyxl's version).
    """
    wb = Workbook()
    wb._fonts = IndexedList([font])  # type: ignore[attr-defined]
    wb._named_styles["Normal"].font = font  # type: ignore[attr-defined]
    wb.remove(wb.worksheets[0])
    return wb


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
            dst.writestr(fixed, content, compresslevel=ZIP_LEVEL)
    return out.getvalue()


def deterministic_bytes(wb: Workbook, date: dt.date, title: str, creator: str = "tally") -> bytes:
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
        ExcelWriter(wb, archive).save()
    return _repack(raw.getvalue())
