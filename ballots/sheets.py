"""Opening ballot files (SPEC §5): the format is recognised from the content, not the name.

Yields plain rows of cell values with their absolute positions, whatever the format:
.xlsx/.xlsm/.xls/.ods through python-calamine, .csv (UTF-8, `,` or `;`) through csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ballots.cellerrors import Errors, put_back
from ballots.cellerrors import find as find_errors
from ballots.cells import cell_ref, column_letters
from ballots.errors import Location, TallyError, fail
from ballots.formats import OLE_MAGIC, ZIP_MAGIC
from ballots.halves import Halves
from ballots.halves import read as read_halves
from ballots.i18n import _
from ballots.limits import (
    Limits,
    active_limits,
    check_csv,
    check_dimensions,
    check_file_size,
    check_zip,
    check_zip_members,
)
from ballots.xls_child import child_command

_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")


Span = tuple[tuple[int, int], tuple[int, int]]
"""A merged range as calamine gives one: (first row, first column), (last row, last column), from 0."""


@dataclass(frozen=True)
class SheetData:
    """One sheet's rows. `rows` yields (1-based row number, values from column `first_col`);
    `table` gives the same rows at once, as a list from row 1. Read a sheet one way, once."""

    file: str
    name: str | None          # None for CSV
    first_col: int            # 0-based column of values[0]
    _rows: Iterable[list[object]]   # consumed once
    _table: Callable[[], list[list[object]]] | None = None   # the reader's own way to give every row
    given: str = ""           # the file as the user gave it (out/entry.xlsx), for a command in a hint
    scanned: bool = False     # a sheet of the entry `tally scan` wrote: there '?' is a mark awaiting review
    merged: tuple[str, ...] = ()   # merged cells over several rows below the header (merged_down)

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        for number, values in enumerate(self._rows, start=1):
            yield number, values

    def table(self) -> list[list[object]]:
        if self._table is not None:
            return self._table()
        return self._rows if isinstance(self._rows, list) else list(self._rows)

    def cell(self, col: int, row: int) -> str:
        return f"{column_letters(self.first_col + col + 1)}{row}"

    def where(self, col: int | None = None, row: int | None = None) -> Location:
        cell = self.cell(col, row) if col is not None and row is not None else None
        return Location(self.file, self.name, cell)


@dataclass
class OpenedFile:
    path: Path
    display: str
    sha256: str
    kind: str                 # xlsx | ods | xls | csv
    sheet_names: list[str]
    _data: bytes
    _book: object = None
    _errors: dict[str, Errors] = field(default_factory=dict)   # sheet -> cells showing #N/A etc.
    _spans: dict[str, list[Span]] = field(default_factory=dict)  # an .ods sheet -> its merged cells
    _halves: dict[str, Halves] = field(default_factory=dict)    # a large .xlsx sheet, cut in two to be read

    def sheet(self, name: str) -> SheetData:
        if self.kind == "csv":
            return SheetData(self.display, None, 0, _csv_rows(self._data, self.display), given=str(self.path))
        if isinstance(self._book, dict):    # an .xls read in a child process (see _read_xls)
            first_col, rows, spans = self._book[name]
            return SheetData(self.display, name, first_col, rows, given=str(self.path), merged=merged_down(spans))
        try:
            cut = self._halves.pop(name, None)
            sheet = (cut and read_halves(cut)) or self._book.get_sheet_by_name(name)  # type: ignore[attr-defined]
            start = sheet.start
            first_col = start[1] if start else 0
            merged = merged_down(self._spans.get(name, []) if self.kind == "ods" else sheet.merged_cell_ranges or [])
            errors = self._errors.get(name)
            if errors:      # the reader gives them as empty cells: put what the cell shows back
                return SheetData(self.display, name, first_col,
                                 put_back(_guarded_rows(sheet, self.display, name), errors, first_col),
                                 lambda: list(put_back(_guarded_table(sheet, start, self.display, name), errors,
                                                       first_col)), str(self.path), merged=merged)
            return SheetData(self.display, name, first_col, _guarded_rows(sheet, self.display, name),
                             lambda: _guarded_table(sheet, start, self.display, name), str(self.path), merged=merged)
        except BaseException as exc:  # calamine's own errors, and a Rust panic (a BaseException)
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)) or isinstance(exc, TallyError):
                raise
            raise _damaged_sheet(self.display, name, exc) from None


def merged_down(spans: Iterable[Span]) -> tuple[str, ...]:
    """The merged cells that span several rows below the header (`B2:B4`). A merge shows its first
    cell's value on every row it covers, but each of those rows reads empty: a status "không hợp lệ"
    merged over three ballots made the second and the third valid."""
    return tuple(f"{cell_ref(c0 + 1, r0 + 1)}:{cell_ref(c1 + 1, r1 + 1)}" for (r0, c0), (r1, c1) in sorted(spans)
                 if r1 > r0 and r1 >= 1)


def _damaged_sheet(display: str, name: str, exc: BaseException) -> TallyError:
    return fail("E303", _("sheet '{name}' cannot be read: {error}: {detail}")
                        .format(name=name, error=type(exc).__name__, detail=str(exc)[:200]),
                _("open the file in Excel or LibreOffice and save it again as .xlsx"), Location(display, name))


def _guarded_rows(sheet: object, display: str, name: str) -> Iterator[list[object]]:
    """The sheet's rows; a failure of the reader half-way becomes a coded error."""
    try:
        yield from sheet.iter_rows()  # type: ignore[attr-defined]
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise _damaged_sheet(display, name, exc) from None


def _guarded_table(sheet: object, start: tuple[int, int] | None, display: str, name: str) -> list[list[object]]:
    """The rows `_guarded_rows` gives, in one call to the reader: its rows start at the first
    row holding a value, iter_rows' at row 1, so the rows above are put back, empty."""
    if start is None:
        return []
    try:
        rows: list[list[object]] = sheet.to_python()  # type: ignore[attr-defined]
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise _damaged_sheet(display, name, exc) from None
    if start[0] and rows:
        rows[0:0] = [[""] * len(rows[0]) for _ in range(start[0])]
    return rows


def sniff(data: bytes, display: str) -> str:
    """The real format of a file's bytes, or a coded error saying what it is instead."""
    where = Location(display)
    if not data:
        raise fail("E304", _("the file is empty (0 bytes)"), _("export the ballot sheet again"), where)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_OOXML in data[:1 << 20] or b"EncryptedPackage".decode().encode("utf-16-le") in data:
            raise fail("E302", _("the workbook is protected with a password"),
                       _("open it, remove the password (File › Info › Protect Workbook), save, and try again"), where)
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names):
                    return "xlsx"
                if any(n.lower() == "xl/workbook.bin" for n in names):
                    # binary records: neither the size checks before reading nor the search for
                    # cells showing an error can look inside, so it is not read at all
                    raise fail("E301", _("this is an Excel Binary Workbook (.xlsb), which tally does not read: "
                                         "its cells cannot be checked before they are read"),
                               _("in Excel choose Save As › 'Excel Workbook (*.xlsx)' and give that file"), where)
                if "mimetype" in names:
                    with zf.open("mimetype") as fh:   # read(): a "mimetype" may inflate to gigabytes
                        mime = fh.read(100)
                    if b"opendocument.spreadsheet" in mime:
                        return "ods"
                    raise fail("E301", _("this is a {kind}, not a spreadsheet").format(kind=_describe_zip(names, mime)),
                               _("give the ballot workbook (.xlsx, .ods, .xls) or a .csv"), where)
                if "content.xml" in names:
                    return "ods"
                raise fail("E301", _("this is a {kind}, not a spreadsheet").format(kind=_describe_zip(names, b'')),
                           _("give the ballot workbook (.xlsx, .ods, .xls) or a .csv"), where)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError,
                ValueError) as exc:   # RuntimeError: an encrypted member; NotImplementedError: a zip feature
            raise fail("E303", _("the file is damaged (broken zip container: {exc})").format(exc=exc),
                       _("copy the file again from its source, or re-save it in Excel/LibreOffice"), where) from None
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        raise fail("E301", _("this is a PDF document, not a spreadsheet"),
                   _("enter the ballots in a spreadsheet; a scan cannot be counted"), where)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):     # Excel's "Unicode Text" and other UTF-16 (or 32) text
        raise fail("E305", _("the file is UTF-16 text (such as Excel's 'Unicode Text'), not a UTF-8 CSV"),
                   _("in Excel choose Save As › 'CSV UTF-8 (Comma delimited)'; in LibreOffice pick UTF-8"), where)
    if b"\x00" in data[:8192]:
        raise fail("E301", _("this is a binary file of unknown type, not a spreadsheet"),
                   _("give the ballot workbook (.xlsx, .ods, .xls) or a .csv"), where)
    low = head[:512].lower()
    if low.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise fail("E301", _("this is an HTML/XML page saved with a spreadsheet name, not a real workbook"),
                   _("open it in Excel or LibreOffice and save as .xlsx"), where)
    return "csv"


def _describe_zip(names: set[str], mime: bytes) -> str:
    if any(n.startswith("word/") for n in names) or b"opendocument.text" in mime:
        return _("word-processor document")
    if any(n.startswith("ppt/") for n in names) or b"opendocument.presentation" in mime:
        return _("presentation")
    return _("zip archive")


def open_ballot_file(path: str | Path, display: str | None = None, limits: Limits | None = None) -> OpenedFile:
    """Read, recognise and open a ballot file; every resource limit (`limits`, else those in
    force: ballots.limits.using_limits) is checked on the raw bytes before a parser sees them."""
    limits = limits or active_limits()
    path = Path(path)
    display = display or path.name
    where = Location(display)
    try:
        if path.is_dir():
            raise fail("E306", _("'{path}' is a folder, not a file").format(path=path),
                       _("give the ballot files inside it"), where)
        check_file_size(path.stat().st_size, display, limits)
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("E300", _("ballot file '{path}' does not exist").format(path=path),
                   _("check the file name and folder"), where) from None
    except PermissionError:
        raise fail("E306", _("ballot file '{path}' cannot be read: permission denied").format(path=path),
                   _("check the file's permissions"), where) from None
    except OSError as exc:
        raise fail("E306", _("ballot file '{path}' cannot be read: {reason}")
                           .format(path=path, reason=exc.strerror or exc),
                   _("check the file and the disk"), where) from None
    if data.startswith(ZIP_MAGIC):
        check_zip_members(data, display)   # before zipfile parses the central directory
    kind = sniff(data, display)
    sha = hashlib.sha256(data).hexdigest()
    if kind == "csv":
        _check_quotes(_decode(data, display), display)  # fail early with E305, E311
        check_csv(data, display, limits)
        return OpenedFile(path, display, sha, kind, [path.stem], data)
    errors: dict[str, Errors] = {}
    spans: dict[str, list[Span]] = {}
    halves: dict[str, Halves] = {}
    if kind in ("xlsx", "ods"):
        suspects = check_zip(data, kind, display, limits, spans, halves)
        if suspects:
            errors = find_errors(data, kind, suspects, display)
    if kind == "xls":
        names, sheets = _read_xls(path, data, display, limits)
        return OpenedFile(path, display, sha, kind, names, data, sheets)
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except PasswordError:
        raise fail("E302", _("the workbook is protected with a password"),
                   _("open it, remove the password, save, and try again"), where) from None
    except BaseException as exc:  # calamine raises several error types for damaged files, and may panic
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise fail("E303", _("the {kind} file is damaged and cannot be read ({error}: {exc})")
                           .format(kind=kind, error=type(exc).__name__, exc=exc),
                   _("copy the file again from its source, or open and re-save it in Excel/LibreOffice"), where) from None
    return OpenedFile(path, display, sha, kind, names, data, book, errors, spans, halves)


XLS_MEMORY = 2 * 1024 * 1024 * 1024   # address space of the child that reads an .xls


def _read_xls(path: Path, data: bytes, display: str, limits: Limits) -> tuple[list[str], dict[str, object]]:
    """An .xls (BIFF) file read by calamine in a child process with bounded memory.

    calamine's .xls reader trusts sizes written in the file: a damaged or forged one can make
    it allocate tens of gigabytes, and a failed allocation in Rust aborts the process
    outright (tests/data/fuzz/xls_flip_alloc_32gb.xls). The format cannot be checked
    cheaply beforehand, so the child takes the risk; its death is a coded error. The cap is
    an address-space limit on POSIX and a Job Object on Windows (ballots/memory.py); the child
    is ballots/xls_child.py, started through the frozen executable itself in a one-file build.
    """
    import marshal
    import subprocess

    where = Location(display)
    damaged = _("copy the file again from its source, or open it in Excel/LibreOffice and save it as .xlsx")
    try:
        proc = subprocess.run([*child_command(), str(XLS_MEMORY), str(limits.max_rows),
                               str(limits.max_cells)], input=data, capture_output=True, timeout=120,
                              env={**os.environ, "RUST_BACKTRACE": "0"}, check=False)
    except subprocess.TimeoutExpired:
        raise fail("E303", _("the xls file could not be read in 120 seconds"), damaged, where) from None
    except OSError as exc:
        raise fail("E306", _("cannot start the reader for the xls file: {exc}").format(exc=exc), _("try again"),
                   where) from None
    try:
        status, detail, sheets, _capped = (marshal.loads(proc.stdout) if proc.returncode == 0
                                           else ("died", "", None, None))
    except (EOFError, ValueError, TypeError):
        status, detail, sheets = "died", "", None
    if status == "password":
        raise fail("E302", _("the workbook is protected with a password"),
                   _("open it, remove the password, save, and try again"), where)
    if status == "error":
        raise fail("E303", _("the xls file is damaged and cannot be read ({detail})")
                           .format(detail=detail), damaged, where)
    if status != "ok":
        raise fail("E303", _("the xls file is damaged: reading it exhausted memory or crashed the reader "
                   "(exit status {status})").format(status=proc.returncode), damaged, where)
    out: dict[str, object] = {}
    assert isinstance(sheets, dict)
    for name, entry in sheets.items():
        if entry[0] == "limit":
            check_dimensions(display, name, entry[1], entry[2], limits)
        out[name] = (entry[1], entry[2], entry[3] if len(entry) > 3 else [])
    return list(detail), out


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("E305", _("the CSV file is not UTF-8 text (invalid byte at position {position})")
                           .format(position=exc.start),
                   _("in Excel choose Save As › 'CSV UTF-8 (Comma delimited)'; in LibreOffice pick UTF-8"),
                   Location(display)) from None


def _cells_up_to(text: str) -> None:
    """Let the csv module read a cell as long as the whole text (its default stops at 131,072
    characters with an error that is no problem of the file: a long note was "an internal
    error", or with a quote elsewhere a false E311). The file's size is bounded before (E307);
    what a cell may hold is judged where its value is read, as for a spreadsheet's cells."""
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))


def _check_quotes(text: str, display: str) -> None:
    """Refuse a CSV whose quotes do not pair up. Read leniently (as the rows are), a quote opened
    and never closed makes the rest of the file one cell: in a note column, the ballots after it
    vanished without a word. Only a file with a quote in it is parsed strictly to find out."""
    if '"' not in text:
        return
    _cells_up_to(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    line = 1
    try:
        for _row in reader:
            line = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            message = _("a quote (\") opened in the row starting on line {line} is never closed: the rest of the "
                        "file would be read as one cell").format(line=line)
        else:
            message = _("a quote (\") on line {line} closes a cell but more text follows it in the same cell"
                        ).format(line=reader.line_num)
        raise fail("E311", message, _("correct the quotes on that line (a quote inside a cell is written as two: "
                                      "\"\"), or export the sheet again from Excel or LibreOffice"),
                   Location(display)) from None


def _csv_rows(data: bytes, display: str) -> Iterator[list[object]]:
    text = _decode(data, display)
    _cells_up_to(text)
    delimiter = sniff_delimiter(text)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield list(row)


def sniff_delimiter(text: str) -> str:
    """`,` or `;` (Vietnamese Excel) or tab: whichever splits the header record into most cells.

    The header is parsed as a CSV record, not a line, because a header cell may hold
    the person's id and name on two lines.
    """
    best, best_cells = ",", 0
    for candidate in (",", ";", "\t"):
        try:
            first = next(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=candidate), [])
        except csv.Error:
            continue
        if len(first) > best_cells:
            best, best_cells = candidate, len(first)
    return best
