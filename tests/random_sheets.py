"""Ballot sheets mixing every kind of cell, and reading one both ways (row by row, and as columns).

The validator reads a large clean sheet column by column (ballots.clean_columns.read_columns) and
counts it where it lies (tally.count on CleanBallots); any sheet can also be read row by row. The
tests that hold the two paths to the same outcome (test_clean_columns, test_count) share these sheets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ballots.marks import MarkReader
from ballots.model import Group, GroupBallots, GroupId, Person, PersonId
from ballots.sheets import SheetData
from ballots.validate import _Collector, _read_sheet

CELLS = [1.0, 2.0, 3.0, 0.0, 1, 2, "1", "2.0", " 3 ", "C", "T", "TH", "cao", "thấp", "tin nhiem", "-", "0",
         "x", "", None, True, False, 1.5, 4.0, -0.0, "?", "không hợp lệ"]
STATUSES = [None, None, None, "", "hợp lệ", "VALID", "không hợp lệ", "invalid", "có lẽ", True, 1.0, " "]
NUMBERS = ["ok", "ok", "ok", "ok", "text", "float", None, "", "abc", 0, -2, 2.5, True, "dup"]


def random_sheet(rng: random.Random, persons: int, n: int) -> list[list[object]]:
    """A header (Số phiếu, Tình trạng, Ghi chú, p01...) and `n` rows of every kind of cell."""
    header: list[object] = ["Số phiếu", "Tình trạng", "Ghi chú", *[f"p{i:02d}" for i in range(1, persons + 1)]]
    if rng.random() < 0.3:
        header.append(None)                      # a headerless column, sometimes with data
    rows = [header]
    for number in range(1, n + 1):
        kind = rng.choice(NUMBERS) if rng.random() < 0.15 else "ok"
        shown: object = {"ok": float(number), "text": str(number), "float": float(number),
                         "dup": float(rng.randint(1, n))}.get(kind, kind) if isinstance(kind, str) else kind
        shape = rng.random()
        if shape < 0.05:
            row: list[object] = [None] * len(header)                      # wholly empty
        elif shape < 0.1:
            row = [shown] + [None] * (len(header) - 1)                    # pre-numbered, unused
        else:
            marks = rng.choices(CELLS, [30, 20, 10, 5] + [1] * (len(CELLS) - 4), k=persons)
            status = rng.choice(STATUSES) if rng.random() < 0.2 else None
            note = rng.choice([None, "", "Đánh dấu 2 ô", 12.0, True]) if rng.random() < 0.3 else None
            row = [shown, status, note, *marks] + ([rng.choice([None, None, "lạc"])] if len(header) > persons + 3
                                                   else [])
        rows.append(row)
    return rows


def seeded_sheet(seed: int) -> tuple[list[list[object]], int]:
    """The random sheet of `seed` (1, 3 or 7 people, 5 to 300 rows) and how many people it has:
    the sheets test_clean_columns reads both ways and test_count counts both ways."""
    rng = random.Random(seed)
    persons = rng.choice([1, 3, 7])
    return random_sheet(rng, persons, rng.choice([5, 40, 300])), persons


@dataclass
class Read:
    """One way of reading a sheet: what the validator said, and the group's ballots."""

    entered: int | None
    diagnostics: list[tuple[object, ...]]
    group: GroupBallots
    blocks: int                  # CleanBallots made (0: every ballot read row by row)

    def said(self) -> tuple[object, ...]:
        gb = self.group
        return self.entered, self.diagnostics, gb.ballots, gb.collected, gb.wholly_invalid


def people(persons: int) -> tuple[Person, ...]:
    return tuple(Person(PersonId(f"p{i:02d}"), f"Người {i}", ()) for i in range(1, persons + 1))


GROUP = Group(GroupId("g"), "g", (), 10_000, 10_000, 10_000)


def read_both_ways(rows: list[list[object]], persons: int) -> tuple[Read, Read]:
    """The sheet read row by row, then (where the validator takes it) as columns."""
    form = people(persons)
    reads = []
    for clean in (None, []):
        out: list = []
        diags = _Collector()
        sheet = SheetData("s.xlsx", "g", 0, iter(rows), lambda: [list(r) for r in rows])
        entered = _read_sheet(sheet, form, form, out, {}, MarkReader(), diags, None, clean)
        gb = GroupBallots(GROUP, form, tuple(sorted(out, key=lambda b: b.number)), tuple(clean or ()))
        reads.append(Read(entered, [(d.code, d.message, d.hint, d.location, d.related) for d in diags.items], gb,
                          len(clean or ())))
    return reads[0], reads[1]
