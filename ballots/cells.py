"""A1 cell addresses: the one place that turns column numbers into letters and back.

Columns are numbered from 1 as in a spreadsheet (A = 1, Z = 26, AA = 27). Every module
that names a cell (diagnostics, the minutes' layout, the workbook reader used by verify,
the resource limits' dimension check) uses these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache


@lru_cache(maxsize=4096)
def column_letters(index: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA'."""
    if index < 1:
        raise ValueError(f"column numbers start at 1, not {index}")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str | bytes) -> int:
    """'A' -> 1, 'AA' -> 27; upper-case letters only (callers decide what a lower-case reference means)."""
    n = 0
    for ch in letters.encode("ascii") if isinstance(letters, str) else letters:
        n = n * 26 + (ch - 64)
    return n


def cell_ref(column: int, row: int) -> str:
    """(1, 1) -> 'A1'."""
    return f"{column_letters(column)}{row}"


# (row, column) -> "D12", for the cells ref_at has named: laying out, writing and taking the
# snapshot of the minutes name the same few thousand cells in every workbook.
_AT: dict[tuple[int, int], str] = {}
_AT_MAX = 1 << 16


def refs_at() -> Mapping[tuple[int, int], str]:
    """The references :func:`ref_at` has made, by (row, column): in a loop over cells keyed so,
    ``refs.get(key) or ref_at(*key)`` makes no tuple and no text for a cell named before."""
    return _AT


def ref_at(row: int, column: int) -> str:
    """The reference of the cell at (row, column), as ``cell_ref(column, row)``; kept (the first
    few tens of thousands asked) for :func:`refs_at`."""
    ref = f"{column_letters(column)}{row}"
    if len(_AT) < _AT_MAX:
        _AT[(row, column)] = ref
    return ref
