"""Opening ballot files (SPEC §5): the format is recognised from the content, not the name.

Yields plain rows of cell values with their absolute positions, whatever the format:
.xlsx/.xlsm/.xls/.ods through python-calamine, .csv (UTF-8, `,` or `;`) through csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ballots.errors import Location, fail

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class SheetData:
    """One sheet's rows. `rows` yields (1-based row number, values from column `first_col`)."""

    file: str
    name: str | None          # None for CSV
    first_col: int            # 0-based column of values[0]
    _rows: Iterable[list[object]]   # consumed once

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        for number, values in enumerate(self._rows, start=1):
            yield number, values

    def cell(self, col: int, row: int) -> str:
        return f"{column_letter(self.first_col + col)}{row}"

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

    def sheet(self, name: str) -> SheetData:
        if self.kind == "csv":
            return SheetData(self.display, None, 0, _csv_rows(self._data, self.display))
        from python_calamine import CalamineError

        try:
            sheet = self._book.get_sheet_by_name(name)  # type: ignore[attr-defined]
            start = sheet.start
            first_col = start[1] if start else 0
            return SheetData(self.display, name, first_col, sheet.iter_rows())
        except CalamineError as exc:
            raise fail("E303", f"sheet '{name}' cannot be read: {exc}",
                       "open the file in Excel or LibreOffice and save it again as .xlsx",
                       Location(self.display, name)) from None


def sniff(data: bytes, display: str) -> str:
    """The real format of a file's bytes, or a coded error saying what it is instead."""
    where = Location(display)
    if not data:
        raise fail("E304", "the file is empty (0 bytes)", "export the ballot sheet again", where)
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_OOXML in data[:1 << 20] or b"EncryptedPackage".decode().encode("utf-16-le") in data:
            raise fail("E302", "the workbook is protected with a password",
                       "open it, remove the password (File › Info › Protect Workbook), save, and try again", where)
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names) \
                        or "xl/workbook.bin" in names:
                    return "xlsx"
                if "mimetype" in names:
                    mime = zf.read("mimetype")[:100]
                    if b"opendocument.spreadsheet" in mime:
                        return "ods"
                    raise fail("E301", f"this is a {_describe_zip(names, mime)}, not a spreadsheet",
                               "give the ballot workbook (.xlsx, .ods, .xls) or a .csv", where)
                if "content.xml" in names:
                    return "ods"
                raise fail("E301", f"this is a {_describe_zip(names, b'')}, not a spreadsheet",
                           "give the ballot workbook (.xlsx, .ods, .xls) or a .csv", where)
        except zipfile.BadZipFile as exc:
            raise fail("E303", f"the file is damaged (broken zip container: {exc})",
                       "copy the file again from its source, or re-save it in Excel/LibreOffice", where) from None
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        raise fail("E301", "this is a PDF document, not a spreadsheet",
                   "enter the ballots in a spreadsheet; a scan cannot be counted", where)
    if b"\x00" in data[:8192]:
        raise fail("E301", "this is a binary file of unknown type, not a spreadsheet",
                   "give the ballot workbook (.xlsx, .ods, .xls) or a .csv", where)
    low = head[:512].lower()
    if low.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise fail("E301", "this is an HTML/XML page saved with a spreadsheet name, not a real workbook",
                   "open it in Excel or LibreOffice and save as .xlsx", where)
    return "csv"


def _describe_zip(names: set[str], mime: bytes) -> str:
    if any(n.startswith("word/") for n in names) or b"opendocument.text" in mime:
        return "word-processor document"
    if any(n.startswith("ppt/") for n in names) or b"opendocument.presentation" in mime:
        return "presentation"
    return "zip archive"


def open_ballot_file(path: str | Path, display: str | None = None) -> OpenedFile:
    path = Path(path)
    display = display or path.name
    where = Location(display)
    try:
        if path.is_dir():
            raise fail("E306", f"'{path}' is a folder, not a file", "give the ballot files inside it", where)
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("E300", f"ballot file '{path}' does not exist", "check the file name and folder", where) from None
    except PermissionError:
        raise fail("E306", f"ballot file '{path}' cannot be read: permission denied",
                   "check the file's permissions", where) from None
    except OSError as exc:
        raise fail("E306", f"ballot file '{path}' cannot be read: {exc.strerror or exc}",
                   "check the file and the disk", where) from None
    kind = sniff(data, display)
    sha = hashlib.sha256(data).hexdigest()
    if kind == "csv":
        _decode(data, display)  # fail early with E305
        return OpenedFile(path, display, sha, kind, [path.stem], data)
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except PasswordError:
        raise fail("E302", "the workbook is protected with a password",
                   "open it, remove the password, save, and try again", where) from None
    except (CalamineError, Exception) as exc:  # calamine raises several error types for damaged files
        raise fail("E303", f"the {kind} file is damaged and cannot be read ({type(exc).__name__}: {exc})",
                   "copy the file again from its source, or open and re-save it in Excel/LibreOffice", where) from None
    return OpenedFile(path, display, sha, kind, names, data, book)


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("E305", f"the CSV file is not UTF-8 text (invalid byte at position {exc.start})",
                   "in Excel choose Save As › 'CSV UTF-8 (Comma delimited)'; in LibreOffice pick UTF-8",
                   Location(display)) from None


def _csv_rows(data: bytes, display: str) -> Iterator[list[object]]:
    text = _decode(data, display)
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
