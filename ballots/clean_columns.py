"""A clean ballot sheet read column by column (`read_columns`, the fast path of
`ballots.validate`): each check is a pass in C over a column or over the person columns' cells
laid end to end, and the clean ballots are kept as those columns (`CleanBallots`, with
`SpanColumns` cut only when first read), tallied as they are checked when a count follows.
Every row that is not plainly a valid ballot goes to `ballots.ballot_rows.CarefulRows`, in the
order and with the messages of the row-by-row path.
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, cast

from ballots.ballot_rows import LARGEST_BALLOT_NUMBER, CarefulRows, Seen, SeenBlock, ballot_number
from ballots.headers import Columns
from ballots.marks import MarkReader, cell_text, is_blank, parse_status
from ballots.model import CleanBallots, Mark, positions
from ballots.sheets import SheetData


def read_columns(data: list[list[object]], first_row: int, cols: Columns, person_cols: list[int | None],
                  headerless: list[int], width: int, seen: dict[int, Seen], reader: MarkReader,
                  careful: CarefulRows, clean: list[CleanBallots], sheet: SheetData, letters: tuple[str, ...],
                  status_letter: str, counting: bool = False) -> int | None:
    """The clean path of `ballots.validate._read_sheet`, column by column: each check is a pass
    in C over a column, or over the person columns' cells laid end to end (a set of the values,
    then a look at the few distinct ones). The clean ballots are kept as the columns read
    (CleanBallots: no object per ballot; SpanColumns: cut when first read), and only the rows
    that are not plainly a valid ballot go to the careful reader, in the order and with the
    messages of the row-by-row path.

    Returns the rows entered, or None (nothing done) for a sheet where that order would
    matter: a ballot number entered twice, rows of another width. `counting`: each person's
    column is tallied (a Counter) where a check takes only the set of its values, and the
    block keeps the tallies, less the rows that went to the careful reader.
    """
    n = len(data)
    if not n or set(map(len, data)) != {width}:
        return None

    def column(c: int) -> list[Any]:
        return list(map(operator.itemgetter(c), data))

    bcol, scol, ncol = cols.ballot, cols.status, cols.note
    assert bcol is not None
    raw_numbers = column(bcol)
    if set(map(type, raw_numbers)) == {float} and all(map(float.is_integer, raw_numbers)) \
            and 0 < min(raw_numbers) and max(raw_numbers) <= LARGEST_BALLOT_NUMBER:
        numbers: list[int | None] = list(map(int, raw_numbers))   # what spreadsheets give: checked in C
    else:
        numbers = list(map(ballot_number, raw_numbers))
    known = [x for x in numbers if x is not None] if None in numbers else numbers
    if len(set(known)) != len(known) or not seen.keys().isdisjoint(known):
        return None      # duplicates: which one is reported depends on the row order
    bad: set[int] = set(positions(numbers, None)) if len(known) < n else set()
    # Statuses and headerless cells: no boolean is a valid status or a blank cell, so True
    # and 1.0 being one key of a dict changes nothing there.
    if scol is not None:
        bad.update(_where_not(column(scol), _valid_status))
    for c in headerless:
        bad.update(_where_not(column(c), is_blank))
    # Marks: the cells of the person columns' span, row after row, laid end to end in one list
    # (objects side by side in memory, as the reader made them: a pass over them is half as
    # dear as over a column, whose cells lie a row apart). A set of it gives the distinct values,
    # a set of their types whether any cell is a boolean (1, 1.0 and True are one in a set, and a
    # spreadsheet's TRUE is no mark). When the span is the person columns alone and every
    # distinct value is a mark, no cell needs a closer look; otherwise each column is looked at
    # as before. A check needs only to know every value is a mark: the columns are cut from the
    # span when first asked for (SpanColumns). How often each value occurs only a count needs:
    # then each column is cut now and a Counter of it (one pass in C, as a set) gives both, and
    # the count reads it (CleanBallots.tallies) instead of passing over the column again.
    assert all(pc is not None for pc in person_cols)
    offsets = [cast(int, pc) for pc in person_cols]
    lo = min(offsets)
    span = max(offsets) + 1 - lo
    cut = operator.itemgetter(slice(lo, lo + span))
    region: list[object] = list(chain.from_iterable(map(cut, data)))
    offsets = [pc - lo for pc in offsets]
    booleans = bool in set(map(type, region))
    columns = [region[k::span] for k in offsets] if counting else None
    tallies: list[Counter[object]] = list(map(Counter, columns)) if columns is not None else []
    bad_marks: set[int] = set()
    if counting or booleans or span != len(set(offsets)) or \
            not all(isinstance(reader(v), Mark) for v in set(region)):
        for j, k in enumerate(offsets):
            raw = columns[j] if columns is not None else region[k::span]
            if booleans and bool in set(map(type, raw)):     # rare: each cell looked at
                bad_marks.update(i for i, v in enumerate(raw) if type(v) is bool or not isinstance(reader(v), Mark))
            else:
                bad_marks.update(_where_not(raw, lambda v: isinstance(reader(v), Mark),
                                            tallies[j] if tallies else None))
    raw_notes: list[object] | None = column(ncol) if ncol is not None else None
    bad_marks -= bad
    for i in sorted(bad):            # in row order, as the row-by-row path reads them
        careful.row(first_row + i, data[i])
    for i in sorted(bad_marks):      # after them, as there: each unknown mark is reported
        careful.row(first_row + i, data[i])
    rows: Sequence[int] = range(first_row, first_row + n)
    keep: list[int] | None = None
    if bad or bad_marks:
        gone = sorted(bad | bad_marks)
        if len(gone) == n:
            return careful.entered
        keep = sorted(set(range(n)).difference(gone))
        for tally, raw in zip(tallies, columns or ()):     # the rows gone are not counted here
            for i in gone:
                tally[raw[i]] -= 1
        tallies = [+tally for tally in tallies]    # without the values no row kept holds
        numbers, rows = pick(numbers, keep), pick(rows, keep)
        columns = [pick(v, keep) for v in columns] if columns is not None else None
        raw_notes = pick(raw_notes, keep) if raw_notes is not None else None
    if raw_notes is None:
        notes = [""] * len(rows)
    elif bool in set(map(type, raw_notes)):     # True and 1 are one key in a dict
        notes = [cell_text(v).strip() for v in raw_notes]
    else:
        text = {v: cell_text(v).strip() for v in set(raw_notes)}
        notes = list(map(text.__getitem__, raw_notes))
    valid_numbers = cast(list[int], numbers)
    # every value kept is a mark the reader has parsed: its marks so far say what each stands for
    values: Sequence[Sequence[object]] = (tuple(columns) if columns is not None else
                                          SpanColumns(region, span, tuple(offsets), keep))
    reading = dict(reader.good)
    invalid_at = (_invalid_at(region, span, offsets, columns, tallies, reading, keep)
                  if columns is not None else None)
    block = CleanBallots(sheet.file, sheet.name, status_letter, letters, valid_numbers, rows, notes, values,
                         reading, tuple(tallies) if counting else None, invalid_at)
    seen.update(dict.fromkeys(valid_numbers, SeenBlock(sheet, bcol, block)))
    clean.append(block)
    return careful.entered + len(rows)


def _invalid_at(region: list[object], span: int, offsets: list[int], columns: list[list[object]],
                tallies: list[Counter[object]], reading: dict[object, Mark],
                keep: list[int] | None) -> tuple[list[int], ...]:
    """Per person column of a clean block (`columns`, the rows `keep` of the span `region`, None:
    all), where its invalid marks are, in order: what the count lists one by one. A value that
    is an invalid mark in many of the columns (0 on a big sheet) is looked for in the span, in
    C, its cells side by side in memory (list.index from one to the next, a third of the cost
    of a column's cells, which lie a row apart), and each one found is placed in its column and
    row; a value found in few columns is looked for in those columns."""
    found: list[list[int]] = [[] for _ in columns]
    column_at = {k: i for i, k in enumerate(offsets)}
    several = False
    for value in {v for tally in tallies for v in tally if reading[v] is Mark.INVALID}:
        holders = [i for i, tally in enumerate(tallies) if value in tally]
        several = several or any(found[i] for i in holders)
        if len(holders) * 3 <= span:
            for i in holders:
                found[i].extend(positions(columns[i], value))
            continue
        for f in positions(region, value):
            row, k = divmod(f, span)
            at = column_at.get(k)
            if at is None:      # a column between the person columns
                continue
            if keep is not None:
                j = bisect_left(keep, row)
                if j == len(keep) or keep[j] != row:   # a row read carefully, not in the block
                    continue
                row = j
            found[at].append(row)
    if several:         # two invalid values in one column: in row order, as each alone is
        for rows in found:
            rows.sort()
    return tuple(found)


def pick(seq: Sequence[Any], keep: list[int]) -> list[Any]:
    """The items of `seq` at the indexes `keep` (sorted, at least one)."""
    return [seq[keep[0]]] if len(keep) == 1 else list(operator.itemgetter(*keep)(seq))


class SpanColumns(Sequence[Sequence[object]]):
    """The person columns of a CleanBallots block, cut when first read from the span of cells
    `read_columns` checked (`span` cells a row, row after row): column i is every `span`-th
    cell from `offsets[i]`, only the rows `keep` (None: all). A check never reads them."""

    __slots__ = ("_keep", "_made", "_offsets", "_region", "_span")

    def __init__(self, region: list[object], span: int, offsets: tuple[int, ...], keep: list[int] | None) -> None:
        self._region, self._span, self._offsets, self._keep = region, span, offsets, keep
        self._made: tuple[list[object], ...] | None = None

    def _columns(self) -> tuple[list[object], ...]:
        if self._made is None:
            region, span, keep = self._region, self._span, self._keep
            made = tuple(region[k::span] if keep is None else pick(region[k::span], keep) for k in self._offsets)
            self._made, self._region = made, []     # the span is no longer needed
        return self._made

    def __len__(self) -> int:
        return len(self._offsets)

    def __getitem__(self, index: Any) -> Any:
        return self._columns()[index]

    def __iter__(self) -> Iterator[list[object]]:
        return iter(self._columns())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None   # type: ignore[assignment]   # as the tuple of lists it stands for

    def __repr__(self) -> str:
        return f"SpanColumns({list(self)!r})"


_FEW = 16    # distinct values worth finding with list.index; past them, one pass in Python


def _where_not(column: list[object], good: Callable[[object], bool],
               distinct: Iterable[object] | None = None) -> list[int]:
    """Indexes of the cells of `column` whose value is not `good`: each distinct value is
    judged once; the cells of the few bad ones are found in C (list.index). `distinct`: the
    column's distinct values when the caller has them (a Counter of it), else a set is made."""
    if distinct is None:
        distinct = set(column)
    wrong = [v for v in distinct if not good(v)]
    if not wrong:
        return []
    if len(wrong) > _FEW:
        verdict = {v: good(v) for v in distinct}
        return [i for i, v in enumerate(column) if not verdict[v]]
    return [i for v in wrong for i in positions(column, v)]


def _valid_status(value: object) -> bool:
    return parse_status(value) is True
