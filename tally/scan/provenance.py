"""Which scanned files an entry workbook was read from, for the minutes' provenance.

Cheap on every other ballot file: only an .xlsx whose workbook part names the scan sheet is
opened, and then only that sheet. Needs neither OpenCV nor the rest of the scan extra.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ballots.entry import SCAN_SHEET

SCAN_MARKER = "tally-scan/1"


def scanned_files(path: str | Path) -> tuple[tuple[str, str], ...]:
    """(file, SHA-256) of every scan an entry made by `tally scan` was read from; () otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            if f'name="{SCAN_SHEET}"'.encode() not in archive.read("xl/workbook.xml"):
                return ()
    except (OSError, KeyError, zipfile.BadZipFile):
        return ()
    from openpyxl import load_workbook  # deferred: only for an entry that was scanned

    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[SCAN_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows or not rows[0] or rows[0][0] != SCAN_MARKER:
        return ()
    return tuple((str(r[5]), str(r[7])) for r in rows[2:] if r and r[0] == "file")
