"""ballots/formats.py: a ballot sheet known by its name or by the first bytes the sheet reader
opens a workbook by (tally check's E001 for arguments in the wrong order rests on it)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ballot_fixtures import DATA, EVENT

from ballots.errors import TallyError
from ballots.event_source import looks_like_event
from ballots.formats import is_spreadsheet
from ballots.sheets import sniff


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w"):
        pass
    return buf.getvalue()


def _reader_takes(data: bytes) -> str:
    """What the sheet reader makes of `data`: its kind, or the code and message it refuses it with."""
    try:
        return sniff(data, "f")
    except TallyError as exc:
        (diag,) = exc.diagnostics
        return f"{diag.code} {diag.message}"


@pytest.mark.parametrize(("data", "sheet"), [
    pytest.param((DATA / "good.xlsx").read_bytes(), True, id="xlsx"),
    pytest.param((DATA / "good.xlsm").read_bytes(), True, id="xlsm"),
    pytest.param((DATA / "good.ods").read_bytes(), True, id="ods"),
    pytest.param((DATA / "good.xls").read_bytes(), True, id="xls"),
    # a zip with no entry at all: the reader opens it as a zip (and names it a zip archive)
    pytest.param(_empty_zip(), True, id="empty zip"),
    # an OLE file's first four bytes and then text: the reader finds no OLE file there
    pytest.param(b"\xd0\xcf\x11\xe0" + b"not a workbook at all\x00" * 8, False, id="OLE's first bytes only"),
    pytest.param(EVENT.read_bytes(), False, id="event file"),
])
def test_a_sheet_is_known_by_the_bytes_the_reader_opens_it_by(tmp_path: Path, data: bytes, sheet: bool) -> None:
    path = tmp_path / "given-without-suffix"
    path.write_bytes(data)
    taken = _reader_takes(data)
    # the expectation is the reader's own: a workbook it recognises, or a zip it opened and refused
    assert (taken in ("xlsx", "ods", "xls") or "zip archive" in taken) is sheet, taken
    assert is_spreadsheet(path) is sheet
    assert looks_like_event(path) is (data == EVENT.read_bytes())


@pytest.mark.parametrize("suffix", [".xlsx", ".XLSM", ".xls", ".ods", ".csv"])
def test_a_sheet_is_known_by_its_name_whatever_it_holds(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"ballots{suffix}"
    path.write_bytes(EVENT.read_bytes())
    assert is_spreadsheet(path) and not looks_like_event(path)


def test_a_file_that_cannot_be_read_is_no_sheet(tmp_path: Path) -> None:
    assert not is_spreadsheet(tmp_path / "missing")
    assert not is_spreadsheet(tmp_path)        # a folder
