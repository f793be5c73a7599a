"""One ballot row read cell by cell, every problem of it reported with its cell: the ballot
number (E504, E507, a total row E506, entered twice E503), the status (E505, W707) and each
person's mark (E501, E502, E428). `ballots.validate` sends here every row that is not plainly
a clean ballot; `ballots.clean_columns` the rows of a clean sheet that are not.

What a cell means as a ballot number (`ballot_number`, up to `LARGEST_BALLOT_NUMBER`) and where
each number was first seen (`Seen`) live here too: the duplicate check needs both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from ballots.cells import column_letters
from ballots.entry import UNDECIDED_MARK
from ballots.errors import Diagnostics, Location, shell_word
from ballots.headers import Columns
from ballots.i18n import _
from ballots.marks import MARK_HELP, MarkReader, Unknown, cell_text, fold, is_blank, parse_status
from ballots.model import Ballot, CleanBallots, Mark, Person, Source
from ballots.sheets import SheetData

TOTAL_WORDS = ("tong", "total", "cong", "sum", "tong cong")
# The largest ballot number (E507): every whole number up to it is kept exactly by a spreadsheet
# (Excel keeps 15 significant digits of what is typed, and prints no more), by the minutes as
# tally writes them and reads them back to verify, and by results.json in any reader (a double).
# 10**16 is written '1e+16', and 9007199254740993 (2**53 + 1) is read as ...992.
LARGEST_BALLOT_NUMBER = 10**15 - 1


def ballot_number(value: object, largest: float = LARGEST_BALLOT_NUMBER) -> int | None:
    """A cell as a ballot number: a whole number from 1 to `largest` (1.0 from a spreadsheet is
    1), else None."""
    if type(value) is float:  # what spreadsheets give: checked first, it is 100,000 calls in a large count
        return int(value) if value.is_integer() and 0 < value <= largest else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= largest else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 < value <= largest else None
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():   # "²".isdigit() is true, and int() refuses it
            return None
        if text.isdigit():
            n = int(text)
            return n if 0 < n <= largest else None
        try:
            f = float(text)
        except ValueError:
            return None
        return int(f) if f.is_integer() and 0 < f <= largest else None
    return None


class SeenBlock(NamedTuple):
    """Where the ballot numbers of a CleanBallots block were seen (one for all of them)."""

    sheet: SheetData
    col: int
    block: CleanBallots


Seen = tuple[SheetData, int, int] | SeenBlock
"""Where a ballot number was first seen: (sheet, column, row); a Location is made only when needed."""


def seen_location(seen: Seen, number: int) -> Location:
    if isinstance(seen, SeenBlock):
        return seen.sheet.where(seen.col, seen.block.rows[list(seen.block.numbers).index(number)])
    sheet, col, row = seen
    return sheet.where(col, row)


class CarefulRows:
    """The cell-by-cell reader for every row that is not plainly a clean ballot."""

    def __init__(self, sheet: SheetData, persons: tuple[Person, ...], cols: Columns, person_cols: list[int | None],
                 letters: tuple[str, ...], status_letter: str, width: int, seen: dict[int, Seen],
                 reader: MarkReader, diags: Diagnostics, out: list[Ballot]) -> None:
        self.sheet, self.persons, self.cols, self.person_cols = sheet, persons, cols, person_cols
        self.letters, self.status_letter, self.width = letters, status_letter, width
        self.seen, self.reader, self.diags, self.out = seen, reader, diags, out
        self.mapped = {c for c in (*person_cols, cols.ballot, cols.status, cols.note) if c is not None}
        self.warned_columns: set[int] = set()
        self.entered = 0

    def row(self, number: int, values: list[object]) -> None:
        sheet, cols, diags, person_cols, persons = self.sheet, self.cols, self.diags, self.person_cols, self.persons
        bcol, scol, ncol = cols.ballot, cols.status, cols.note
        assert bcol is not None
        if len(values) < self.width:
            values = list(values) + [None] * (self.width - len(values))
        raw_ballot = values[bcol]
        raw_status = values[scol] if scol is not None else None
        raw_note = values[ncol] if ncol is not None else None
        raw_marks = [values[c] if c is not None else None for c in person_cols]
        rest_blank = is_blank(raw_status) and is_blank(raw_note) and all(is_blank(v) for v in raw_marks)
        if is_blank(raw_ballot) and rest_blank and all(is_blank(v) for v in values):
            return  # wholly empty row
        for c in range(len(values)):
            if c not in self.mapped and c not in self.warned_columns and not is_blank(values[c]) \
                    and (c >= self.width or cols.ignored.get(c) == ""):  # a CSV row may be longer than its header
                self.warned_columns.add(c)
                diags.add("E405", _("column {column} has data but no header").format(column=column_letters(sheet.first_col + c + 1)),
                          _("give it a header (a person's id or name) or delete its contents"), sheet.where(c, number))
        if is_blank(raw_ballot):
            if _looks_like_total(values) or _numbers_above_three(raw_marks):
                diags.add("E506", _("this looks like a total row"),
                          _("delete it: tally computes the totals itself"), sheet.where(bcol, number))
            else:
                diags.add("E504", _("the ballot number is missing"), _("write the ballot's number in the Số phiếu column"),
                          sheet.where(bcol, number))
                self.entered += not rest_blank    # a ballot typed without its number: not also one missing (E203)
            return
        ballot_no = ballot_number(raw_ballot)
        if ballot_no is None and ballot_number(raw_ballot, math.inf) is not None:
            diags.add("E507", _("ballot number {found} is larger than {largest}, the largest a spreadsheet keeps "
                                "exactly").format(found=cell_text(raw_ballot), largest=LARGEST_BALLOT_NUMBER),
                      _("check the number against the paper ballot: ballots are numbered 1, 2, 3… as they are "
                        "counted"), sheet.where(bcol, number))
            self.entered += not rest_blank    # a ballot with a mistyped number: not also one missing (E203)
            return
        if ballot_no is None:
            if _looks_like_total(values):
                diags.add("E506", _("this looks like a total row ('{found}')").format(found=cell_text(raw_ballot)),
                          _("delete it: tally computes the totals itself"), sheet.where(bcol, number))
            else:
                diags.add("E504", _("ballot number '{found}' is not a positive whole number")
                                  .format(found=cell_text(raw_ballot)),
                          _("write the ballot's number (1, 2, 3…)"), sheet.where(bcol, number))
                self.entered += not rest_blank
            return
        if rest_blank:
            return  # an unused pre-numbered row
        where = sheet.where(bcol, number)
        if ballot_no in self.seen:
            other = seen_location(self.seen[ballot_no], ballot_no)
            diags.add("E503", _("ballot number {number} is entered twice (also at {other})").format(number=ballot_no, other=other),
                      _("each paper ballot is entered once: delete the duplicate or correct its number"),
                      where, (other,))
            self.entered += 1     # a row typed, the same ballot twice or another with a wrong number
            return
        self.seen[ballot_no] = (sheet, bcol, number)
        self.entered += 1
        status = parse_status(raw_status)
        if isinstance(status, Unknown):
            diags.add("E505", _("ballot status '{found}' is not understood").format(found=cell_text(raw_status)),
                      _("leave it blank or write 'hợp lệ' (valid), or 'không hợp lệ' (invalid ballot)"),
                      sheet.where(scol, number))
            return
        note = cell_text(raw_note).strip()
        source = Source(sheet.file, sheet.name, number, self.status_letter, self.letters)
        if not status:
            if any(not is_blank(v) for v in raw_marks):
                diags.add("W707", _("ballot {number} is wholly invalid; the marks typed on it are not counted").format(number=ballot_no),
                          _("nothing to do if the ballot really is invalid; otherwise correct its status"),
                          sheet.where(scol, number) if scol is not None else where)
            self.out.append(Ballot(ballot_no, False, (None,) * len(persons), note, source))
            return
        marks: list[Mark | None] = []
        ok = all(c is not None for c in person_cols)
        for i, raw in enumerate(raw_marks):
            mark = self.reader(raw)
            if isinstance(mark, Mark):
                marks.append(mark)
                continue
            ok = False
            col = person_cols[i]
            if col is None:
                continue
            about = (("person", persons[i].id), ("name", persons[i].name), ("ballot", str(ballot_no)))
            if mark is None:
                diags.add("E502", _("no mark entered for {person} on ballot {number}").format(person=_who(persons[i]), number=ballot_no),
                          _("type the mark from the paper ballot; if the voter left the row blank, enter 0 "
                          "(invalid row)"), sheet.where(col, number), about=about)
            elif mark.found == UNDECIDED_MARK and sheet.scanned:   # typed by hand, '?' is not a mark (E501)
                diags.add("E428", _("the mark of {person} on ballot {number} was read from a scan and awaits a "
                                    "person's decision").format(person=_who(persons[i]), number=ballot_no),
                          _("decide every doubtful mark with `tally review {file}`, then check again")
                          .format(file=shell_word(sheet.given or sheet.file)), sheet.where(col, number), about=about)
            else:
                diags.add("E501", _("'{found}' is not a mark (ballot {number}, {person})")
                                  .format(found=cell_text(mark.found), number=ballot_no, person=_who(persons[i])),
                          _(MARK_HELP), sheet.where(col, number), about=about)
        if ok:
            self.out.append(Ballot(ballot_no, True, tuple(marks), note, source))


def _looks_like_total(values: Iterable[object]) -> bool:
    for v in values:
        if isinstance(v, str):
            f = fold(v)
            if any(f == w or f.startswith(w + " ") or f.startswith(w + ":") for w in TOTAL_WORDS):
                return True
    return False


def _numbers_above_three(values: list[object]) -> bool:
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 3 for v in values)


def _who(person: Person) -> str:
    """A person as a clerk finds them on the paper: id and name ("p03 Đinh Thị Lan Anh")."""
    return f"{person.id} {person.name}"
