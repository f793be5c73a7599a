"""ballots/clean_columns.py: a clean sheet read column by column says what the row path says.

A large clean sheet is read column by column (ballots.clean_columns.read_columns); any sheet can
be read row by row. On sheets mixing every kind of cell (tests/random_sheets.py), both must give
the same ballots, in the same order, and the same diagnostics (code, text, hint, place), in the
same order; the columns of a clean block are cut only when first read (SpanColumns).
"""

from __future__ import annotations

import random
from typing import cast

import pytest
from random_sheets import read_both_ways, seeded_sheet

from ballots.marks import MarkReader


def _read_both_ways(rows: list[list[object]], persons: int) -> tuple[object, object]:
    by_rows, by_columns = read_both_ways(rows, persons)
    _read_both_ways.blocks = by_columns.blocks   # type: ignore[attr-defined]
    return by_rows.said(), by_columns.said()


@pytest.mark.parametrize("seed", range(60))
def test_the_columnar_path_reads_as_the_row_path(seed: int) -> None:
    rows, persons = seeded_sheet(seed)
    by_rows, by_columns = _read_both_ways(rows, persons)
    assert by_columns == by_rows


def test_the_columnar_path_is_taken_and_reads_as_the_row_path() -> None:
    """A sheet with a little of everything the columns still take (invalid ballots, an unused
    number, a blank row, unknown marks): read as columns, and as row by row."""
    rng = random.Random(7)
    rows = [["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02", "p03"]]
    for number in range(1, 2001):
        rows.append([float(number), "không hợp lệ" if number % 97 == 0 else None, None,
                     *rng.choices([1.0, 2.0, 3.0, 0.0, "x"], [50, 30, 10, 5, 0.2], k=3)])
    rows += [[2001.0, None, None, None, None, None], [None] * 6]
    by_rows, by_columns = _read_both_ways(rows, 3)
    assert _read_both_ways.blocks == 1          # type: ignore[attr-defined]  # read as columns
    assert by_columns == by_rows
    entered, said, ballots, collected, invalid = by_columns
    invalid_ballots = [r for r in rows[1:2001] if r[1] == "không hợp lệ"]
    unknown = sum(1 for r in rows[1:2001] if r[1] is None for v in r[3:] if v == "x")
    codes = [code for code, *_rest in said]
    # the invalid ballots first (W707: marks typed on them), in row order; then each unknown mark
    assert entered == 2000 and codes == ["W707"] * len(invalid_ballots) + ["E501"] * unknown
    assert collected == len(ballots) == 2000 - sum(1 for r in rows[1:2001] if "x" in r[3:] and r[1] is None)
    assert invalid == len(invalid_ballots)


def _clean_rows(rng: random.Random, header: list[object], n: int) -> list[list[object]]:
    """Valid ballots under `header`: a mark (1.0/2.0/3.0/0.0) under each person's column."""
    rows = [header]
    for number in range(1, n + 1):
        rows.append([float(number) if h == "Số phiếu" else
                     rng.choice([1.0, 2.0, 3.0, 0.0]) if isinstance(h, str) and h.startswith("p") else None
                     for h in header])
    return rows


def test_a_boolean_among_equal_marks_is_found_by_the_columns() -> None:
    """TRUE typed after many 1.0 in a column (and FALSE after 0.0): a set of the cells holds 1.0
    once, equal to TRUE, so the columnar path must look at types; each boolean is an E501 at its
    cell, as row by row, and the other ballots are still read as columns."""
    rng = random.Random(3)
    rows = _clean_rows(rng, ["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02", "p03"], 500)
    rows[1][3:6] = [1.0, 0.0, 2.0]
    rows[400][4] = True
    rows[450][5] = False
    by_rows, by_columns = _read_both_ways(rows, 3)
    assert _read_both_ways.blocks == 1          # type: ignore[attr-defined]
    assert by_columns == by_rows
    said = by_columns[1]
    assert [(code, str(where)) for code, _m, _h, where, _r in said] == [("E501", "s.xlsx › g › E401"),
                                                                        ("E501", "s.xlsx › g › F451")]


@pytest.mark.parametrize("header", [
    ["Số phiếu", "p02", "Tình trạng", "p01", "Ghi chú", "p03"],    # other columns between the people
    ["p03", "p01", "p02", "Số phiếu", "Tình trạng", "Ghi chú"],    # the people first, in another order
])
def test_person_columns_anywhere_and_in_any_order_read_as_the_row_path(header: list[object]) -> None:
    """The columnar path checks the span of cells from the first person column to the last; a
    span holding other columns (the status, a note) or the people in another order than the
    form's must still give each person their own column, as row by row."""
    rng = random.Random(5)
    rows = _clean_rows(rng, header, 300)
    for r, c in ((50, header.index("p01")), (120, header.index("p03"))):
        rows[r][c] = "x"
    rows[200][header.index("Ghi chú")] = "Đánh dấu 2 ô"
    by_rows, by_columns = _read_both_ways(rows, 3)
    assert _read_both_ways.blocks == 1          # type: ignore[attr-defined]
    assert by_columns == by_rows
    assert [code for code, *_rest in by_columns[1]] == ["E501", "E501"]
    ballots = {b.number: b for b in by_columns[2]}
    for row in rows[1:]:
        if "x" not in row:
            assert ballots[int(cast(float, row[header.index("Số phiếu")]))].marks == tuple(
                MarkReader()(row[header.index(p)]) for p in ("p01", "p02", "p03"))


def test_the_columns_of_a_clean_block_are_cut_when_first_read() -> None:
    """A check reads no mark column of a clean sheet (SpanColumns): they are made when the count
    first asks, each holding that person's cells in sheet order, the rows of bad ballots left out."""
    from ballots.validate import SpanColumns

    rng = random.Random(9)
    rows = _clean_rows(rng, ["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02"], 50)
    rows[7][4] = "?"
    _by_rows, by_columns = read_both_ways(rows, 2)
    (block,) = by_columns.group.clean
    assert isinstance(block.values, SpanColumns) and block.values._made is None and len(block.values) == 2
    kept = [r for r in rows[1:] if "?" not in r]
    assert [list(column) for column in block.values] == [[r[3] for r in kept], [r[4] for r in kept]]
    assert block.values == ([r[3] for r in kept], [r[4] for r in kept]) and block.values._made is not None
