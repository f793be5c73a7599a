"""Domain values: the event as defined, and ballots as entered.

Frozen dataclasses throughout; ids are NewTypes because mixing a person id with a
group id is a bug the type checker should catch.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, NewType

from ballots.rules import Policy, policy_for

PositionId = NewType("PositionId", str)
PersonId = NewType("PersonId", str)
GroupId = NewType("GroupId", str)


class Level(enum.Enum):
    """The three boxes on a ballot, in the order they are printed."""

    HIGH = "high"        # Tín nhiệm cao
    MEDIUM = "medium"    # Tín nhiệm
    LOW = "low"          # Tín nhiệm thấp


class Mark(enum.Enum):
    """What was entered for one person on one ballot."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INVALID = "invalid"  # no box, several boxes, or the name crossed out

    @property
    def level(self) -> Level | None:
        return None if self is Mark.INVALID else Level(self.value)


@dataclass(frozen=True)
class Position:
    id: PositionId
    title: str


@dataclass(frozen=True)
class Person:
    id: PersonId
    name: str
    positions: tuple[PositionId, ...]
    appointed: dt.date | None = None
    retiring: bool = False


@dataclass(frozen=True)
class Group:
    """One ballot form and its electorate."""

    id: GroupId
    title: str
    positions: tuple[PositionId, ...]
    summoned: int
    present: int
    issued: int
    collected: int | None = None
    members: int | None = None


@dataclass(frozen=True)
class CommitteeMember:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Event:
    title: str
    organisation: str
    date: dt.date
    rules: str
    language: str
    positions: tuple[Position, ...]
    persons: tuple[Person, ...]
    groups: tuple[Group, ...]
    committee: tuple[CommitteeMember, ...] = ()
    parent: str | None = None
    place: str | None = None
    source: str = "event.toml"     # file name, for messages
    sha256: str = ""               # of the event file's bytes
    lines: tuple[tuple[str, int], ...] = ()   # ("groups.btv.present", 31): where keys are, for messages
    policy: Policy | None = None   # the [policy] table over the rule set's defaults; None: the defaults
    given_as: str = field(default="", compare=False)   # the path as the user gave it, for commands in hints

    @property
    def effective_policy(self) -> Policy:
        return self.policy or policy_for(self.rules)

    def line_of(self, key: str) -> int | None:
        return next((line for k, line in self.lines if k == key), None)

    def position(self, pid: PositionId) -> Position:
        return next(p for p in self.positions if p.id == pid)

    def group(self, gid: GroupId) -> Group:
        return next(g for g in self.groups if g.id == gid)

    def persons_on(self, group: Group) -> tuple[Person, ...]:
        """Everyone holding one of the group's positions, once, in persons order."""
        wanted = set(group.positions)
        return tuple(p for p in self.persons if wanted.intersection(p.positions))

    def titles_on(self, person: Person, group: Group) -> tuple[str, ...]:
        """The person's position titles that this form is about, in the person's order."""
        wanted = set(group.positions)
        return tuple(self.position(pid).title for pid in person.positions if pid in wanted)


class Source(NamedTuple):
    """Where a ballot row came from, for messages and the invalid-ballot sheet.

    A NamedTuple, not a dataclass: one is made per ballot, 100,000 of them in a large count,
    and everything but the row number is shared by the rows of a sheet.
    """

    file: str
    sheet: str | None            # None for a CSV file
    row: int                     # 1-based spreadsheet row
    cell_column: str             # the status column, or the ballot-number column when there is none
    person_columns: tuple[str, ...] = ()   # column letter of each mark, in marks order

    @property
    def cell(self) -> str:
        return f"{self.cell_column}{self.row}"

    def where(self, cell: str) -> str:
        return " › ".join(x for x in (self.file, self.sheet, cell) if x)

    def __str__(self) -> str:
        return self.where(self.cell)

    def mark_cell(self, index: int) -> str:
        return f"{self.person_columns[index]}{self.row}" if index < len(self.person_columns) else ""


class Ballot(NamedTuple):
    number: int
    valid: bool                      # False: the whole ballot is invalid
    marks: tuple[Mark | None, ...]   # in the order of Event.persons_on(group); None only on invalid ballots
    note: str = ""
    source: Source | None = None


def positions(seq: Sequence[object], value: object) -> list[int]:
    """Where `value` (and every value equal to it) is in `seq`: list.index, in C, from one to the next."""
    found: list[int] = []
    j = -1
    while True:
        try:
            j = seq.index(value, j + 1)
        except ValueError:
            return found
        found.append(j)


@dataclass(frozen=True)
class CleanBallots:
    """Valid ballots of one sheet whose every mark is known, held column by column.

    A large sheet is almost all such ballots. Holding them as the columns that were read
    spares a Ballot, a Source and a tuple of marks per row: each person's column keeps its
    cells as read, with the few distinct values in it, how often each occurs, and the mark
    each stands for, so counting is a sum over a handful of values. The ballots are in
    sheet order.
    """

    file: str
    sheet: str | None
    status_column: str                # as Source.cell_column
    person_columns: tuple[str, ...]   # as Source.person_columns
    numbers: Sequence[int]
    rows: Sequence[int]
    notes: Sequence[str]
    values: Sequence[Sequence[object]]         # one column of cells per person on the form, in form order
    reading: Mapping[object, Mark]             # the mark every value of those columns stands for (equal ones alike)
    counted: tuple[Mapping[object, int], ...] | None = field(default=None, compare=False, repr=False)
    """The tallies, when the reader made them as it checked the columns (read_ballots(counting=True))."""
    invalid_at: tuple[Sequence[int], ...] | None = field(default=None, compare=False, repr=False)
    """Per column, where its invalid marks are (in order), when the reader found them (counting)."""

    def __len__(self) -> int:
        return len(self.numbers)

    @cached_property
    def tallies(self) -> tuple[Mapping[object, int], ...]:
        """Per column: each distinct value (one of each set of equal ones), how often. Made when
        first asked for (by the count), unless the reader counted them as it checked the columns
        (`counted`): a check needs only to know every value is a mark."""
        return self.counted if self.counted is not None else tuple(map(Counter, self.values))

    def marks(self, person: int) -> list[Mark]:
        return list(map(self.reading.__getitem__, self.values[person]))

    def indexes(self, person: int, value: object) -> list[int]:
        """Where a value (and every value equal to it) is in a person's column."""
        return positions(self.values[person], value)

    def invalid_marks(self, person: int) -> Sequence[int]:
        """Where a person's invalid marks are in the block, in order: as the reader found them
        (`invalid_at`), else looked for now, value by value."""
        if self.invalid_at is not None:
            return self.invalid_at[person]
        return sorted(j for value in self.tallies[person] if self.reading[value] is Mark.INVALID
                      for j in self.indexes(person, value))

    def mark_where(self, index: int, person: int) -> str:
        """file › sheet › cell of one mark (as Source.where(Source.mark_cell(person)))."""
        cell = f"{self.person_columns[person]}{self.rows[index]}" if person < len(self.person_columns) else ""
        return " › ".join(x for x in (self.file, self.sheet, cell) if x)

    def marks_where(self, person: int, indexes: Sequence[int]) -> list[str]:
        """mark_where of each of `indexes`, the file › sheet part joined once."""
        column = self.person_columns[person] if person < len(self.person_columns) else ""
        if not column:
            return [self.mark_where(j, person) for j in indexes]
        prefix = "".join(f"{x} › " for x in (self.file, self.sheet) if x) + column
        rows = self.rows
        return [f"{prefix}{rows[j]}" for j in indexes]

    def ballots(self) -> list[Ballot]:
        marks = zip(*(self.marks(i) for i in range(len(self.values))))
        return [Ballot(number, True, row_marks, note,
                       Source(self.file, self.sheet, row, self.status_column, self.person_columns))
                for number, row, note, row_marks in zip(self.numbers, self.rows, self.notes, marks)]


class GroupBallots:
    """One group's ballots: those read row by row (`loose`) and those held as columns (`clean`)."""

    __slots__ = ("_all", "clean", "group", "loose", "persons")

    def __init__(self, group: Group, persons: tuple[Person, ...], ballots: tuple[Ballot, ...] = (),
                 clean: tuple[CleanBallots, ...] = ()) -> None:
        self.group = group
        self.persons = persons           # the form's people, in column order of `marks`
        self.loose = ballots
        self.clean = clean
        self._all: tuple[Ballot, ...] | None = None if clean else ballots

    @property
    def ballots(self) -> tuple[Ballot, ...]:
        """Every ballot, in ballot-number order (made on first use when some are held as columns)."""
        if self._all is None:
            everything = list(self.loose)
            for block in self.clean:
                everything.extend(block.ballots())
            self._all = tuple(sorted(everything, key=lambda b: b.number))
        return self._all

    @property
    def collected(self) -> int:
        """How many ballots were entered (valid or not)."""
        return len(self.loose) + sum(len(b) for b in self.clean)

    @property
    def wholly_invalid(self) -> int:
        return sum(1 for b in self.loose if not b.valid)    # clean ballots are valid by definition

    def __repr__(self) -> str:
        return f"GroupBallots({self.group.id!r}, {len(self.persons)} persons, {self.collected} ballots)"
