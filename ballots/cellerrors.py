"""Cells that show a spreadsheet error (#N/A, #REF!, #DIV/0!...), which the reader gives as empty.

python-calamine reads a cell holding an error value as an empty string, the same as a cell
with nothing in it. For a ballot sheet that is not harmless: empty has a meaning there. A
status cell showing #N/A would be a valid ballot, a row whose every mark cell shows #REF!
would be an unused pre-numbered ballot and skipped without a word, a mark cell would be
"not entered". A cell that shows an error is not empty: ballots.sheets puts its text
(``#N/A``) back in its place, so that the checks see what the clerk sees and refuse it at
its cell (an unknown mark, status or ballot number), like any other text that is not one.

Finding them costs nothing on a normal file: while the pre-scan (ballots.limits.check_zip)
inflates each sheet it notes the sheets whose XML holds a ``#`` (every error value starts
with one; ordinary sheet XML holds none) or, in an .ods, an error value type. Only those
are read again here, for the cells' places.

An .xls (BIFF) file's error cells are found from its records by ballots.xls_errors, in the
child process that reads it. Not covered: .xlsb files.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from ballots.cells import column_index
from ballots.errors import Location, fail
from ballots.i18n import N_, _
from ballots.limits import ods_repeat, sheet_names

Errors = dict[tuple[int, int], str]
"""(row from 1, column from 0) -> the error's text, for one sheet."""


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?c[\s>/]")
_ERROR_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.-]{0,31}:)?c\s[^<>]*?(?<![\w:.-])t\s*=\s*(["'])e\1[^<>]*>""")
_REF = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']\$?([A-Z]{1,3})\$?0*([0-9]{1,7})["']""")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?v>([^<]{0,64})<")
_TEXT = re.compile(r"#[A-Z0-9/!?_.]{1,20}")
_CHUNK = 4 * 1024 * 1024

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
MAX_ERRORS = 100_000     # cells showing an error in one sheet: beyond, the sheet is refused (memory)


_FIX = N_("open the file in Excel or LibreOffice, correct the cells showing an error, and save it again as .xlsx")


def shown(text: str) -> str:
    """The error as a spreadsheet shows it; anything else a file claims is an error is #VALUE!."""
    text = text.strip()
    return text if _TEXT.fullmatch(text) else "#VALUE!"


def find(data: bytes, kind: str, members: Iterable[str], display: str) -> dict[str, Errors]:
    """Sheet name -> its cells showing an error, in the zip `members` the pre-scan flagged."""
    import io

    out: dict[str, Errors] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if kind == "ods":
            if "content.xml" in members:
                out = _ods(_stream(zf, "content.xml"))
        else:
            labels = sheet_names(zf)
            for member in members:
                found = _xlsx(_stream(zf, member), display, labels.get(member, member))
                if found and member not in labels:     # fail closed: the reader's sheet cannot be named
                    raise fail("E303", _("{part} holds cells showing an error (such as #N/A), and tally cannot tell "
                                         "which sheet it is").format(part=member), _(_FIX), Location(display))
                out[labels.get(member, member)] = found
    for sheet, cells in out.items():
        if len(cells) > MAX_ERRORS:
            raise fail("E303", _("sheet '{sheet}' holds more than {n:,} cells showing an error (such as #N/A)")
                       .format(sheet=sheet, n=MAX_ERRORS), _(_FIX), Location(display, sheet))
    return {sheet: cells for sheet, cells in out.items() if cells}


def _stream(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """The member's bytes (its size was checked by the pre-scan); nothing for a damaged one,
    which the reader reports in its own words."""
    try:
        with zf.open(member) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError, KeyError):
        return


def _xlsx(chunks: Iterable[bytes], display: str, sheet: str) -> Errors:
    found: Errors = {}
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        tail = max(0, len(buf) - 65536)
        last = None
        for last in _CELL.finditer(buf, tail):
            pass
        # a cell's tag and its value stay together; else at least no tag is cut in two
        cut = last.start() if last is not None else buf.rfind(b"<", tail)
        if cut < 0:
            cut = len(buf)
        _xlsx_scan(buf, cut, found, display, sheet)
        carry = buf[cut:]
        if len(found) > MAX_ERRORS:      # find() refuses the sheet; stop growing
            return found
    _xlsx_scan(carry, len(carry), found, display, sheet)
    return found


def _xlsx_scan(buf: bytes, end: int, found: Errors, display: str, sheet: str) -> None:
    for m in _ERROR_CELL.finditer(buf, 0, end):
        ref = _REF.search(m.group(0))
        if ref is None:
            raise fail("E303", _("sheet '{sheet}' holds a cell showing an error (such as #N/A) whose place "
                                 "is not written in the file").format(sheet=sheet),
                       _(_FIX), Location(display, sheet))
        text = "#VALUE!"
        if not m.group(0).endswith(b"/>"):
            close = _CELL.search(buf, m.end(), end)
            value = _VALUE.search(buf, m.end(), close.start() if close else end)
            if value is not None:
                text = shown(value.group(1).decode("utf-8", "replace"))
        found[(int(ref.group(2)), column_index(ref.group(1)) - 1)] = text


class _OdsErrors:
    """Cells whose value type is an error, with rows and columns repeated as calamine fills
    its grid (ballots.limits._OdsScan measures the same walk)."""

    def __init__(self) -> None:
        self.tables: dict[str, Errors] = {}
        self._cells: Errors | None = None
        self._row = 0               # rows before the current one
        self._row_rep = 1
        self._row_errors: list[tuple[int, int]] = []   # (column, repeat) in the current row
        self._col = 0
        self._depth = 0             # inside a cell
        self._error = False
        self._rep = 1
        self._text: list[str] = []
        self._texts: dict[int, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self._depth:
            self._depth += 1
            return
        if tag == f"{_TABLE} table":
            self._cells = self.tables.setdefault(attrs.get(f"{_TABLE} name", f"table {len(self.tables) + 1}"), {})
            self._row = 0
        elif tag == f"{_TABLE} table-row":
            self._row_rep = ods_repeat(attrs, "number-rows-repeated")
            self._col = 0
            self._row_errors = []
            self._texts = {}
        elif tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self._depth = 1
            self._rep = ods_repeat(attrs, "number-columns-repeated")
            self._error = attrs.get(f"{_CALCEXT} value-type") == "error"
            self._text = []

    def text(self, data: str) -> None:
        if self._depth and self._error:
            self._text.append(data)

    def end(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1
            if self._depth:
                return
            if self._error:
                self._row_errors.append((self._col, min(self._rep, MAX_ERRORS + 1)))
                self._texts[self._col] = shown("".join(self._text))
            self._col += self._rep
            return
        if tag == f"{_TABLE} table-row":
            if self._row_errors and self._cells is not None:
                for r in range(self._row_rep):
                    for col, rep in self._row_errors:
                        for c in range(col, col + rep):
                            self._cells[(self._row + r + 1, c)] = self._texts[col]
                    if len(self._cells) > MAX_ERRORS:    # find() refuses the sheet; stop growing
                        break
            self._row += self._row_rep


def _ods(chunks: Iterable[bytes]) -> dict[str, Errors]:
    walk = _OdsErrors()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = walk.start
    parser.EndElementHandler = walk.end
    parser.CharacterDataHandler = walk.text
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, ValueError):
        pass          # the pre-scan and the reader report a damaged file
    return walk.tables


def put_back(rows: Iterable[list[object]], errors: Errors, first_col: int) -> Iterator[list[object]]:
    """The reader's rows (from row 1, values from column `first_col`) with each error's text in its cell."""
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (row, col), text in errors.items():
        by_row.setdefault(row, []).append((col - first_col, text))
    for number, values in enumerate(rows, start=1):
        fix = by_row.get(number)
        if fix:
            values = list(values)
            for index, text in fix:
                if index < 0:
                    continue
                if index >= len(values):
                    values.extend([""] * (index + 1 - len(values)))
                values[index] = text
        yield values
