"""tally/sheetxml.py: the streamed table body gives the very bytes openpyxl's own writing gives."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
from test_workbook import make_results

from tally import sheetxml
from tally.compare import mismatches
from tally.layout import SheetKind, layout
from tally.model import InvalidEntry
from tally.results_json import to_bytes
from tally.workbook import write_workbook

AWKWARD = [
    "", "   ", " leading", "trailing ", " both ", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)",
    "\tTab", "line\nbreak", "cr\r\nlf", "ctrl\x01\x02\x1fchars", "\x01", "<b>&amp;\"quoted\"'</b>", "]]>",
    "a" * 400, "Đánh dấu 2 ô", "A\u0301 (NFD)", "🗳 emoji", "\uff1dfull-width equals", "_x000a_", "0", "12",
]


def awkward_results(n: int, huge_number: bool = True) -> object:
    results = make_results()
    g = results.groups[0]
    entries = tuple(
        InvalidEntry(i + 1, None if i % 5 == 0 else g.persons[i % len(g.persons)].id,
                     None, AWKWARD[i % len(AWKWARD)], AWKWARD[(i * 7) % len(AWKWARD)] or f"ballots.xlsx › btv › B{i}")
        for i in range(n)
    )
    if huge_number:
        entries += (InvalidEntry(10**15 + 3, "p04", None, "a number past a float's digits", "x"),)
    return dataclasses.replace(results, groups=(dataclasses.replace(g, invalid_entries=entries),) + results.groups[1:])


@pytest.mark.parametrize("n", [0, 1, 7, 300])
def test_streamed_tail_is_byte_identical_to_openpyxl(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    results = awkward_results(n)
    data = to_bytes(results)  # type: ignore[arg-type]
    streamed = write_workbook(results, data)  # type: ignore[arg-type]
    monkeypatch.setattr(sheetxml, "ENABLED", False)
    plain = write_workbook(results, data)  # type: ignore[arg-type]
    assert streamed == plain


def test_the_invalid_sheet_body_is_streamed_and_reads_back() -> None:
    results = awkward_results(300, huge_number=False)
    data = to_bytes(results)  # type: ignore[arg-type]
    sheet = next(s for s in layout(results, data) if s.kind is SheetKind.INVALID)  # type: ignore[arg-type]
    head, tail = sheetxml.split(sheet)
    assert tail is not None and len(tail.cells) >= 5 * 300 and len(head) < 20
    xlsx = write_workbook(results, data)  # type: ignore[arg-type]
    assert mismatches(data, xlsx) == []
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))[sheet.title]
    body = {c.ref: c.value for c in tail.cells}
    assert ws["D" + str(tail.first_row + 1)].value == (body["D" + str(tail.first_row + 1)] or None)
    assert ws.max_row == tail.cells[-1].row


def test_a_sheet_with_other_values_stays_with_openpyxl() -> None:
    results = make_results()
    data = to_bytes(results)
    sheet = next(s for s in layout(results, data) if s.kind is SheetKind.INVALID)
    odd = dataclasses.replace(sheet, cells=sheet.cells + (dataclasses.replace(sheet.cells[-1], row=99, value=1.5),))
    assert sheetxml.split(odd)[1] is None
