"""How verification compares a workbook with the signed results.json: the one home of
"what counts as the same cell".

:func:`expected_cells` lays out the minutes again from results.json (the same
:func:`tally.layout.layout` that wrote them) and keeps the checked cells;
:func:`compare_cells` says whether a value read back from a workbook shows an expected
one; :func:`table_mismatches` and :func:`mismatches` apply it to a snapshot or to what
openpyxl reads; :func:`display_problems` finds what can make a printed value differ
from the stored one (number formats, formulas, hidden rows, columns and sheets).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from typing import IO

from openpyxl import Workbook, load_workbook

from ballots.cells import column_index
from ballots.i18n import _
from tally.layout import CellKey, CellValue, clean, layout
from tally.results_json import from_bytes
from tally.snapshot import Snapshot

Source = bytes | str | os.PathLike[str]
Expected = dict[CellKey, CellValue]


def expected_cells(results_json: bytes) -> dict[CellKey, CellValue]:
    """Every checked cell the minutes for this results.json show: (sheet, "D12") -> value,
    in sheet, row and column order.

    Raises ValueError for bytes that are not a tally-results/1 document (KeyError or
    TypeError when one is missing a field the minutes show).
    """
    results = from_bytes(results_json)
    out: dict[CellKey, CellValue] = {}
    for sheet in layout(results, results_json):
        for ref, value in sheet.checked().items():
            out[(sheet.title, ref)] = value
    return out


def _norm_text(value: str) -> str:
    return clean(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def compare_cells(expected: CellValue, actual: object) -> bool:
    """True when `actual` (as read back from a workbook) shows `expected`.

    Tolerates what a re-save does without changing a value: 25 stored as 25.0 (or as the
    text "25"), a string in another Unicode normal form, with CRLF line ends or
    surrounding spaces, an empty cell read as "" instead of None.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False          # never a layout value: do not let True == 1 pass
    if isinstance(actual, str):
        actual = _norm_text(actual) or None
    if isinstance(expected, str):
        expected = _norm_text(expected) or None
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, int):
        if isinstance(actual, (int, float)):
            return actual == expected     # exact, also for an integer too large for a float
        return isinstance(actual, str) and actual == str(expected)
    if isinstance(actual, str):
        return actual == expected
    if isinstance(actual, (int, float)) and float(actual).is_integer():
        return str(int(actual)) == expected
    return False


@dataclass(frozen=True)
class CellMismatch:
    """A checked cell whose value in the workbook is not the signed one."""

    sheet: str
    cell: str
    expected: CellValue
    actual: object
    missing_sheet: bool = False


def _open(source: Source) -> Workbook:
    handle: str | os.PathLike[str] | IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
    return load_workbook(handle, data_only=True)


def mismatches(results_json: bytes, source: Source) -> list[CellMismatch]:
    """Every checked cell of the workbook that does not show what `results_json` says, in
    sheet and cell order; a missing sheet is one entry with an empty `cell`. An empty list
    means every number and name matches."""
    expected = expected_cells(results_json)
    wb = _open(source)
    out: list[CellMismatch] = []
    missing: set[str] = set()
    try:
        for (title, ref), want in expected.items():
            if title not in wb.sheetnames:
                if title not in missing:      # one entry for the sheet, not one per cell
                    missing.add(title)
                    out.append(CellMismatch(title, "", None, None, missing_sheet=True))
                continue
            got = wb[title][ref].value
            if not compare_cells(want, got):
                out.append(CellMismatch(title, ref, want, got))
    finally:
        wb.close()
    return out


def table_mismatches(results_json: bytes, snap: Snapshot, expected: Expected | None = None) -> list[CellMismatch]:
    """tally.workbook.mismatches on a snapshot already read: every checked cell of the
    minutes that does not show what `results_json` says, in sheet and cell order."""
    if expected is None:
        expected = expected_cells(results_json)
    out: list[CellMismatch] = []
    for (title, ref), want in expected.items():
        if title not in snap.cells:
            out.append(CellMismatch(title, ref, want, None, missing_sheet=True))
            continue
        got = snap.value(title, ref)
        if not compare_cells(want, got):
            out.append(CellMismatch(title, ref, want, got))
    return out


@dataclass(frozen=True)
class DisplayProblem:
    """A result cell whose printed look can differ from the value it holds."""

    sheet: str
    cell: str                 # "" for the whole sheet
    what: str


def display_problems(expected: Expected, snap: Snapshot) -> list[DisplayProblem]:
    """Number formats, formulas, hidden rows, columns or sheets and conditional formatting
    on the result cells: each can make the paper show another value than the file holds."""

    out: list[DisplayProblem] = []
    for title in dict.fromkeys(t for t, _cell in expected):
        if title not in snap.cells:
            continue
        state = snap.states.get(title, "visible")
        if state != "visible":
            out.append(DisplayProblem(title, "", _("the sheet is {state}").format(state=state)))
        if title in snap.conditional:
            out.append(DisplayProblem(title, "", _("the sheet has conditional formatting")))
    seen_rows: set[tuple[str, int]] = set()
    seen_cols: set[tuple[str, str]] = set()
    for (title, ref), want in expected.items():
        if title not in snap.cells:
            continue
        if ref in snap.formulas.get(title, ()):
            out.append(DisplayProblem(title, ref, _("holds a formula, recalculated when the file is opened")))
        code = snap.formats.get(title, {}).get(ref)
        if code is not None and (want is not None or snap.value(title, ref) is not None):
            out.append(DisplayProblem(title, ref, _("has the number format {code!r}, which can show another value")
                                                  .format(code=code)))
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if m is None:
            continue
        row, letters = int(m.group(2)), m.group(1)
        if want is not None and row in snap.hidden_rows.get(title, ()) and (title, row) not in seen_rows:
            seen_rows.add((title, row))
            out.append(DisplayProblem(title, ref, _("row {row} is hidden").format(row=row)))
        if want is not None and column_index(letters) in snap.hidden_cols.get(title, ()) \
                and (title, letters) not in seen_cols:
            seen_cols.add((title, letters))
            out.append(DisplayProblem(title, ref, _("column {letters} is hidden").format(letters=letters)))
    return out
