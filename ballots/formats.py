"""What kind of file a path is by its name or its first bytes, without reading it whole or
importing a reader: the one test of a spreadsheet's magic numbers, which `ballots.sheets`
opens files by and `ballots.event_source` tells a ballot sheet from an event file with
(`tally show` and the edits load this, not the sheet readers)."""

from __future__ import annotations

from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"     # .xls (an OLE compound file)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")          # .xlsx, .xlsm, .ods; an empty zip
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def is_spreadsheet(path: Path) -> bool:
    """A ballot sheet by its name, or by the first bytes `ballots.sheets` opens a workbook by
    (a zip or an OLE file)."""
    if path.suffix.lower() in SHEET_SUFFIXES:
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(len(OLE_MAGIC)).startswith((*ZIP_MAGIC, OLE_MAGIC))
    except OSError:
        return False
