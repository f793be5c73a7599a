"""From ballot files to validated ballots (SPEC §3, §5), reporting every problem at once.

`read_ballots` opens every file, maps each sheet to its group and its header cells to columns
(`ballots.headers`), reads each sheet's rows, column by column where the sheet is clean
(`ballots.clean_columns`), else row by row and cell by cell (`ballots.ballot_rows`), then runs
the checks across sheets and files (numbering, a file given twice, two entries of the same
ballots) and the meeting checks. It never stops at the first problem: the committee sees the
whole list, each with a code, a cell and a next step, in one collector capped per code.
Nothing is counted while errors remain; that is the caller's rule (see `require_clean`).
"""

from __future__ import annotations

import operator
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ballots.ballot_rows import LARGEST_BALLOT_NUMBER, CarefulRows, Seen, ballot_number, seen_location
from ballots.cells import column_letters
from ballots.clean_columns import SpanColumns, read_columns
from ballots.entry import SCAN_SHEET, TEMPLATE_SHEETS, template_problem
from ballots.errors import (Diagnostic, Diagnostics, Location, TallyError, missing_runs, number_ranges, runs_text,
                            shell_word)
from ballots.event import meeting_count_checks, members_below
from ballots.headers import BALLOT_HEADERS, group_for, map_header, unknown_sheet
from ballots.i18n import _, _n
from ballots.marks import MarkReader, Unknown, cell_text, fold, is_blank, parse_status, squeeze
from ballots.model import Ballot, CleanBallots, Event, Group, GroupBallots, Mark, Person, Source
from ballots.rules import takes_members
from ballots.sheets import SheetData, open_ballot_file

# Imported from here by callers (tally.checking, tally.reconcile, ballots.paper, the tests), though
# some now live in the modules this one reads sheets with.
__all__ = ["LARGEST_BALLOT_NUMBER", "MAX_REPORTED_PER_CODE", "BallotRead", "InputSummary", "Progress", "SpanColumns",
           "display_names", "meeting_checks", "read_ballots"]

Progress = Callable[[str, int, int], None]
"""progress(what, done, total): called as files and rows are read."""

ROWS_PER_TICK = 8192        # progress on a large sheet: one call per this many rows costs nothing
MAX_REPORTED_PER_CODE = 10_000  # beyond this the list is summarised, so a wrong file cannot exhaust memory


@dataclass(frozen=True)
class InputSummary:
    file: str
    sha256: str


@dataclass(frozen=True)
class BallotRead:
    groups: tuple[GroupBallots, ...]
    inputs: tuple[InputSummary, ...]
    diagnostics: tuple[Diagnostic, ...]
    entered: tuple[tuple[str, int], ...] = ()   # (group id, ballot rows entered, with or without errors)
    unread: tuple[str, ...] = ()   # groups whose sheets were refused or unreadable: their count is unknown

    def entered_in(self, group_id: str) -> int:
        return next((n for g, n in self.entered if g == group_id), 0)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def require_clean(self) -> None:
        if self.has_errors:
            raise TallyError([d for d in self.diagnostics if d.is_error])



class _Collector(Diagnostics):
    """Diagnostics with a cap per code, so a sheet of 3 million bad cells stays readable."""

    def __init__(self) -> None:
        super().__init__()
        self.per_code: dict[str, int] = {}

    def add(self, code: str, message: str, hint: str = "", location: Location | None = None,
            related: tuple[Location, ...] = (), about: tuple[tuple[str, str], ...] = ()) -> None:
        n = self.per_code.get(code, 0) + 1
        self.per_code[code] = n
        if n <= MAX_REPORTED_PER_CODE:
            super().add(code, message, hint, location, related, about)


def display_names(paths: Sequence[Path]) -> list[str]:
    """Base names, or relative paths where two inputs share a base name."""
    names = [p.name for p in paths]
    return [p.as_posix() if names.count(p.name) > 1 else p.name for p in paths]


def read_ballots(
    event: Event,
    paths: Sequence[str | Path],
    csv_group: str | None = None,
    progress: Progress | None = None,
    counting: bool = False,
) -> BallotRead:
    """Every ballot of `paths` for `event`, with every problem found. `counting`: the caller
    counts the ballots next (tally count), so the columns read clean are tallied as they are
    checked (CleanBallots.tallies), one pass per column instead of two; a check leaves that out."""
    diags = _Collector()
    files = [Path(p) for p in paths]
    names = display_names(files)
    group_by_key = {squeeze(g.id): g for g in event.groups}
    forms = {g.id: event.persons_on(g) for g in event.groups}
    ballots: dict[str, list[Ballot]] = {g.id: [] for g in event.groups}
    clean: dict[str, list[CleanBallots]] = {g.id: [] for g in event.groups}
    seen_numbers: dict[str, dict[int, Seen]] = {g.id: {} for g in event.groups}
    groups_seen: set[str] = set()
    # Ballot rows entered per group, counting rows with cell errors too: a ballot with a typo is
    # still a ballot entered, and the meeting checks must not report it missing as well.
    entered: dict[str, int] = {g.id: 0 for g in event.groups}
    rows_in: dict[tuple[str, str], int] = {}      # ballots entered per (file, sheet): see _entered_twice
    unreadable: set[str] = set()   # a sheet whose header could not be read: its count is unknown
    inputs: list[InputSummary] = []
    reader = MarkReader()

    given_as = {display: str(path) for path, display in zip(files, names)}
    first_given: dict[object, str] = {}
    for index, (path, display) in enumerate(zip(files, names)):
        if progress:
            progress(display, index, len(files))
        earlier = _given_before(path, display, first_given)
        if earlier is not None:   # the same file twice: one message, not a duplicate per ballot
            first = given_as[earlier]
            said = (_("{file} is given twice: its ballots would be counted twice").format(file=first)
                    if first == str(path) else
                    _("{file} is given twice (also as {first}): its ballots would be counted twice")
                    .format(file=path, first=first))
            diags.add("E417", said, _("give each file once"), Location(display), (Location(earlier),))
            continue
        try:
            opened = open_ballot_file(path, display)
        except TallyError as exc:
            diags.extend(exc.diagnostics)
            continue
        inputs.append(InputSummary(display, opened.sha256))
        refused = template_problem(opened, event)
        if refused is not None:  # an entry workbook made for other ballot forms: E411, its sheets unread
            diags.extend([refused])
            for sheet_name in opened.sheet_names:
                group = group_for(opened, sheet_name, csv_group, group_by_key)
                if group is not None:
                    groups_seen.add(group.id)
                    unreadable.add(group.id)
            continue
        in_this_file: dict[str, str] = {}
        for sheet_name in opened.sheet_names:
            if sheet_name in TEMPLATE_SHEETS:  # the fingerprint and legend of `tally template`
                continue
            group = group_for(opened, sheet_name, csv_group, group_by_key)
            if group is None:
                unknown_sheet(opened, sheet_name, event, diags)
                continue
            if group.id in in_this_file:
                diags.add("E410", _("group '{group}' appears twice in this file: sheets '{first}' and '{second}'")
                          .format(group=group.id, first=in_this_file[group.id], second=sheet_name),
                          _("keep one sheet per group; merge the rows"), Location(display, sheet_name))
                continue
            in_this_file[group.id] = sheet_name
            groups_seen.add(group.id)
            try:
                sheet = opened.sheet(sheet_name)
            except TallyError as exc:
                diags.extend(exc.diagnostics)
                unreadable.add(group.id)
                continue
            if SCAN_SHEET in opened.sheet_names:
                sheet = replace(sheet, scanned=True)
            if sheet.merged:      # what a merge shows on its other rows, they do not hold: refuse the sheet
                for cells in sheet.merged:
                    diags.add("E508", _("cells {cells} are merged: the value shown on every row they cover is held "
                                        "by the first row only, the others read as empty").format(cells=cells),
                              _("unmerge them (Home › Merge & Center) and type each ballot's status, note or marks "
                                "in its own row"), Location(display, sheet_name, cells))
                unreadable.add(group.id)
                continue
            tick = (lambda rows, where=f"{display} › {sheet_name}": progress(where, rows, 0)) if progress else None
            reported, loose = len(diags.items), len(ballots[group.id])
            n = _read_sheet(sheet, forms[group.id], event.persons, ballots[group.id], seen_numbers[group.id], reader,
                            diags, tick, clean[group.id], counting)
            if n is None:
                unreadable.add(group.id)
            else:
                entered[group.id] += n
                rows_in[(sheet.file, sheet.name or "")] = n
                typed = n - sum(not b.valid for b in ballots[group.id][loose:])   # ballots that need marks
                _empty_columns(diags.items, reported, typed)

    if progress:
        progress("", len(files), len(files))
    for group in event.groups:
        if group.id not in groups_seen and inputs:
            diags.add("E402", _("no sheet for group '{group}' ({title}) in the ballot files")
                              .format(group=group.id, title=group.title),
                      _("add a sheet named '{group}' (or a file {group}.csv) with that form's ballots")
                      .format(group=group.id),
                      Location(", ".join(i.file for i in inputs)))
    twice = _entered_twice(diags, group_by_key, given_as, rows_in, event.given_as or event.source)
    for group in event.groups:
        if group.id not in twice:
            _numbering_warnings(group, seen_numbers[group.id], diags)
    diags.extend(meeting_checks(event, {g: n for g, n in entered.items()
                                        if g in groups_seen and g not in unreadable and g not in twice}))
    if diags.per_code:
        for code, n in diags.per_code.items():
            if n > MAX_REPORTED_PER_CODE:
                diags.items.append(Diagnostic(code, _("… and {n} more problems of this kind")
                                                    .format(n=n - MAX_REPORTED_PER_CODE),
                                              _("fix the ones listed first; they often share one cause"),
                                              about=(("more", str(n - MAX_REPORTED_PER_CODE)),)))
    result_groups = tuple(
        GroupBallots(g, forms[g.id], tuple(sorted(ballots[g.id], key=lambda b: b.number)), tuple(clean[g.id]))
        for g in event.groups if g.id in groups_seen
    )
    return BallotRead(result_groups, tuple(inputs), tuple(diags.items),
                      tuple((g.id, entered[g.id]) for g in event.groups if g.id in groups_seen),
                      tuple(g.id for g in event.groups if g.id in unreadable))


def _empty_columns(items: list[Diagnostic], start: int, typed: int) -> None:
    """Mark the E502 of a sheet's mark problems (items[start:]) of a person whose column is empty
    on every ballot that needs a mark: a person added to the form after the entry workbook was
    made, whom the command line reports once, not once per ballot."""
    if typed < 2:
        return
    missing = Counter(d.fact("person") for d in items[start:] if d.code == "E502")
    for i in range(start, len(items)):
        d = items[i]
        if d.code == "E502" and missing[d.fact("person")] == typed:
            items[i] = replace(d, about=(*d.about, ("column", "empty")))


def _numbering_warnings(group: Group, seen: dict[int, Seen], diags: Diagnostics) -> None:
    """W714 for ballot numbers above the ballots issued, W715 for numbers skipped up to the highest
    one entered (or to 'collected' when more were counted on paper): ballots are numbered 1, 2,
    3 ... as they are counted, so either is a typo or a ballot left out. `seen`: every ballot
    number entered, with where it is."""
    numbers = sorted(seen)
    if not numbers:
        return
    above = [n for n in numbers if n > group.issued]
    if above:
        diags.add("W714", _n("form {group}: ballot number {numbers} is above the {issued} ballots issued",
                             "form {group}: ballot numbers {numbers} are above the {issued} ballots issued", len(above))
                  .format(group=group.id, numbers=number_ranges(above), issued=group.issued),
                  _("check the number against the paper ballot, or correct 'issued' in the event file"),
                  seen_location(seen[above[0]], above[0]), tuple(seen_location(seen[n], n) for n in above[1:3]))
    # Ballots 1..top should all be there: up to the highest number entered, or to the ballots
    # counted on paper when the event declares more ('collected'), never beyond those issued.
    top = min(max(numbers[-1], group.collected or 0), group.issued)
    missing = missing_runs(numbers, top)
    if missing:
        first = seen_location(seen[numbers[0]], numbers[0])
        diags.add("W715", _n("form {group}: ballot number {numbers} is missing from 1–{top}",
                             "form {group}: ballot numbers {numbers} are missing from 1–{top}",
                             sum(last - start + 1 for start, last in missing))
                  .format(group=group.id, numbers=runs_text(missing), top=top),
                  _("enter the missing ballots, or check that the numbers were typed right"),
                  Location(first.file, first.sheet))


def _given_before(path: Path, display: str, first_given: dict[object, str]) -> str | None:
    """The display name under which this very file (the same file, however named) was given
    before, else None; records it."""
    try:
        st = path.stat()
        key: object = (st.st_dev, st.st_ino) if st.st_ino else os.path.normcase(os.path.realpath(path))
    except OSError:
        return None
    if key in first_given:
        return first_given[key]
    first_given[key] = display
    return None


def _entered_twice(diags: _Collector, groups: dict[str, Group], given_as: dict[str, str],
                   rows_in: dict[tuple[str, str], int], event: str) -> set[str]:
    """Two clerks' entries of the same ballots given to one check or count: one message (E417)
    instead of a duplicate-number error per ballot and ballot counts twice too high. Two files
    are taken for two entries when at least 3 of their ballot numbers clash, those clashes are
    most of the duplicates, and they are at least half the ballots of the smaller file on those
    forms: two clerks who split the pile (1-500 and 461-960) and overlapped by 40 typed
    different ballots, and "reconcile them, then count one" would drop 460 of them; each clash
    is reported instead. The groups concerned are returned (their counts mean nothing)."""
    pairs: dict[tuple[str, str], list[Diagnostic]] = {}
    dups = [d for d in diags.items if d.code == "E503"]
    for d in dups:
        if d.location is None or not d.related or d.related[0].file == d.location.file:
            continue
        key = (d.related[0].file, d.location.file)
        pairs.setdefault(key, []).append(d)
    twice: set[str] = set()
    for (first, second), found in pairs.items():
        if len(found) < 3 or 2 * len(found) < len(dups):
            continue
        sheets = sorted({d.location.sheet or "" for d in found if d.location is not None})
        smaller = min(sum(rows_in.get((file, sheet), 0) for sheet in sheets) for file in (first, second))
        if 2 * len(found) < smaller:
            continue
        gone = set(map(id, found))
        diags.items[:] = [d for d in diags.items if id(d) not in gone]
        for sheet in sheets:
            group = groups.get(squeeze(sheet))
            if group is not None:
                twice.add(group.id)
        diags.items.append(Diagnostic(
            "E417",
            _("{first} and {second} look like two entries of the same ballots: {n} ballot numbers are in both "
              "(forms: {forms})").format(first=first, second=second, n=len(found), forms=", ".join(sheets)),
            _("reconcile them, then count one: tally reconcile {first} {second} --event {event}")
            .format(first=shell_word(given_as.get(first, first)), second=shell_word(given_as.get(second, second)),
                    event=shell_word(event)),
            Location(second), (Location(first),)))
    return twice


def meeting_checks(event: Event, entered: dict[str, int]) -> list[Diagnostic]:
    """SPEC §3 meeting checks; `entered` maps group id to ballots entered (omit unknown)."""
    out: list[Diagnostic] = []
    for g in event.groups:
        def where(key: str, gid: str = g.id) -> Location:
            return Location(event.source, line=event.line_of(f"groups.{gid}.{key}"))

        counts = {"summoned": g.summoned, "present": g.present, "issued": g.issued, "collected": g.collected,
                  "members": g.members}
        out.extend(meeting_count_checks(g.id, counts, where, rules=event.rules, policy=event.effective_policy))
        n = entered.get(g.id)
        name = _("group '{id}'").format(id=g.id)
        if n is None:
            continue
        if takes_members(event.rules) and g.members and n > g.members and (g.collected is None or g.collected <= g.members):
            out.append(members_below(name, g.members, _("ballots entered"), n, where("members")))
        if n == 0:
            out.append(Diagnostic("E205", _("{name}: no ballots were entered").format(name=name),
                                  _("enter the ballots in the group's sheet"), where("id")))
        if n > g.issued:
            out.append(Diagnostic("E204", _("{name}: {n} ballots entered but only {issued} issued")
                                          .format(name=name, n=n, issued=g.issued),
                                  _("look for ballots entered twice or a wrong sheet; or correct 'issued'"),
                                  where("issued")))
        if g.collected is not None and n != g.collected and 0 < n <= g.issued:
            out.append(Diagnostic(
                "E203", _("{name}: {n} ballots entered but {collected} collected (counted on paper)")
                        .format(name=name, n=n, collected=g.collected),
                _("find the missing or extra ballots, or correct 'collected' in the event file"), where("collected")))
    return out


def _read_sheet(sheet: SheetData, persons: tuple[Person, ...], everyone: tuple[Person, ...], out: list[Ballot],
                seen: dict[int, Seen], reader: MarkReader, diags: Diagnostics,
                tick: Callable[[int], None] | None = None, clean: list[CleanBallots] | None = None,
                counting: bool = False) -> int | None:
    """Append the sheet's ballots to `out` (or, plain valid ones, as columns to `clean`); return the number of ballot rows entered (with or
    without errors in their cells), or None when the header could not be read. `tick(rows)` is
    told how many rows a large sheet has, for a progress bar."""
    table = sheet.table()       # every row at once: the reader's own loop, in C
    header_row, header = 1, table[0] if table else []
    if tick is not None and len(table) >= ROWS_PER_TICK:
        tick(len(table))
    blank = all(is_blank(v) for v in header)
    if blank or not any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in header):
        # Row 1 is the header by contract; look ahead only to say where the header went (below
        # empty rows, or below a title typed above it), in one message rather than one per column.
        for number, values in enumerate(table[1:51], start=2):
            if any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in values):
                hint = (_n("delete the {n} empty row above the header", "delete the {n} empty rows above the header",
                           number - 1) if blank else
                        _n("delete the {n} row above the header: row 1 must hold the column headers",
                           "delete the {n} rows above the header: row 1 must hold the column headers", number - 1))
                diags.add("E403", _("the header row is row {number}, not row 1").format(number=number),
                          hint.format(n=number - 1), sheet.where(0, number))
                return None
    if blank:
        diags.add("E403", _("the sheet is empty: no header row"), _("row 1 must hold the column headers (Số phiếu, people…)"),
                  sheet.where(0, 1))
        return None
    if not any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in header) and \
            all(is_blank(v) or ballot_number(v) is not None or not isinstance(reader(v), Unknown) for v in header):
        diags.add("E403", _("row 1 holds ballot data, not the column headers"),
                  _("insert a header row: Số phiếu, Tình trạng, Ghi chú, then one column per person"), sheet.where(0, 1))
        return None
    cols = map_header(sheet, header, header_row, persons, everyone, diags)
    if cols.ballot is None:
        return None
    person_cols = [cols.persons.get(i) for i in range(len(persons))]
    letters = tuple(column_letters(sheet.first_col + c + 1) if c is not None else "" for c in person_cols)
    bcol, scol, ncol = cols.ballot, cols.status, cols.note
    status_letter = column_letters(sheet.first_col + (scol if scol is not None else bcol) + 1)
    width = len(header)
    headerless = [c for c, h in cols.ignored.items() if h == ""]
    complete = all(c is not None for c in person_cols) and bool(person_cols)
    careful = CarefulRows(sheet, persons, cols, person_cols, letters, status_letter, width, seen, reader, diags, out)

    data = table[1:]
    if clean is not None and complete:
        entered = read_columns(data, header_row + 1, cols, person_cols, headerless, width, seen, reader, careful,
                                clean, sheet, letters, status_letter, counting)
        if entered is not None:
            return entered
    rows_after = enumerate(data, start=header_row + 1)    # not plain enough for columns: row by row

    # Pass 1, row by row: the ballot number and status. Rows that are plainly a valid ballot
    # with every person column present go on to pass 2; anything else (invalid ballots, blank
    # or odd rows, duplicates) is read cell by cell, carefully, right away.
    candidates: list[list[object]] = []
    numbers: list[tuple[int, int]] = []       # (ballot number, row) of each candidate
    valid_status: dict[object, bool] = {}
    for number, values in rows_after:
        if complete and len(values) == width:
            raw_ballot = values[bcol]
            raw_status = values[scol] if scol is not None else None
            if type(raw_status) is not bool:
                status = valid_status.get(raw_status)
                if status is None:
                    status = valid_status.setdefault(raw_status, parse_status(raw_status) is True)
                ballot_no = ballot_number(raw_ballot)
                if status and ballot_no is not None and ballot_no not in seen \
                        and not any(not is_blank(values[c]) for c in headerless):
                    seen[ballot_no] = (sheet, bcol, number)
                    candidates.append(values)
                    numbers.append((ballot_no, number))
                    continue
        careful.row(number, values)

    # Pass 2, column by column, in C: every person cell of the candidates must be a known mark.
    columns: list[list[Mark | None]] = []
    bad_rows: set[int] = set()
    for c in person_cols if candidates else ():
        assert c is not None
        raw = list(map(operator.itemgetter(c), candidates))
        for value in set(raw).difference(reader.good):  # the few distinct values, parsed once
            reader(value)
        marks = list(map(reader.good.get, raw))
        if None in marks or bool in map(type, raw):
            for i, (value, mark) in enumerate(zip(raw, marks)):
                if mark is None or type(value) is bool:
                    bad_rows.add(i)
        columns.append(marks)
    notes = list(map(operator.itemgetter(ncol), candidates)) if ncol is not None else None
    ballots_marks: list[tuple[Mark | None, ...]] = list(zip(*columns))
    for i, (ballot_no, number) in enumerate(numbers):
        if i in bad_rows:
            del seen[ballot_no]          # let the careful reader register it and report each cell
            careful.row(number, candidates[i])
            continue
        note = cell_text(notes[i]).strip() if notes is not None else ""
        out.append(Ballot(ballot_no, True, ballots_marks[i], note,
                          Source(sheet.file, sheet.name, number, status_letter, letters)))
    entered = careful.entered + len(numbers) - len(bad_rows)
    return entered
