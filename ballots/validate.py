"""From ballot files to validated ballots (SPEC §3, §5), reporting every problem at once.

`read_ballots` opens every file, maps each sheet to its group, maps header cells to
columns, parses each row and runs the meeting checks. It never stops at the first
problem: the committee sees the whole list, each with a code, a cell and a next step.
Nothing is counted while errors remain; that is the caller's rule (see `require_clean`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ballots.errors import Diagnostic, Diagnostics, Location, TallyError
from ballots.marks import MARK_HELP, MarkReader, Unknown, cell_text, fold, is_blank, parse_status, squeeze
from ballots.model import Ballot, Event, Group, GroupBallots, Mark, Person, Source
from ballots.sheets import OpenedFile, SheetData, column_letter, open_ballot_file

Progress = Callable[[str, int, int], None]
"""progress(what, done, total): called as files and rows are read."""

BALLOT_HEADERS = {fold(h) for h in ("Số phiếu", "Ballot", "Ballot no", "Ballot no.", "Ballot number", "Phiếu số")}
STATUS_HEADERS = {fold(h) for h in ("Tình trạng", "Status")}
NOTE_HEADERS = {fold(h) for h in ("Ghi chú", "Note", "Notes")}
TOTAL_WORDS = ("tong", "total", "cong", "sum", "tong cong")
_ID_AND_NAME = re.compile(r"^(\S+?)\s*(?:[-–—:.|)/]\s*|\s+)(.+)$")
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

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def require_clean(self) -> None:
        if self.has_errors:
            raise TallyError([d for d in self.diagnostics if d.is_error])


@dataclass
class _Columns:
    ballot: int | None = None
    status: int | None = None
    note: int | None = None
    persons: dict[int, int] = field(default_factory=dict)   # person index on form -> column
    ignored: dict[int, str] = field(default_factory=dict)   # column -> header, for empty/unknown headers


class _Collector(Diagnostics):
    """Diagnostics with a cap per code, so a sheet of 3 million bad cells stays readable."""

    def __init__(self) -> None:
        super().__init__()
        self.per_code: dict[str, int] = {}

    def add(self, code: str, message: str, hint: str = "", location: Location | None = None,
            related: tuple[Location, ...] = ()) -> None:
        n = self.per_code.get(code, 0) + 1
        self.per_code[code] = n
        if n <= MAX_REPORTED_PER_CODE:
            super().add(code, message, hint, location, related)


def display_names(paths: Sequence[Path]) -> list[str]:
    """Base names, or relative paths where two inputs share a base name."""
    names = [p.name for p in paths]
    return [p.as_posix() if names.count(p.name) > 1 else p.name for p in paths]


def read_ballots(
    event: Event,
    paths: Sequence[str | Path],
    csv_group: str | None = None,
    progress: Progress | None = None,
) -> BallotRead:
    diags = _Collector()
    files = [Path(p) for p in paths]
    names = display_names(files)
    group_by_key = {squeeze(g.id): g for g in event.groups}
    forms = {g.id: event.persons_on(g) for g in event.groups}
    ballots: dict[str, list[Ballot]] = {g.id: [] for g in event.groups}
    seen_numbers: dict[str, dict[int, Location]] = {g.id: {} for g in event.groups}
    groups_seen: set[str] = set()
    inputs: list[InputSummary] = []
    reader = MarkReader()

    for index, (path, display) in enumerate(zip(files, names)):
        if progress:
            progress(display, index, len(files))
        try:
            opened = open_ballot_file(path, display)
        except TallyError as exc:
            diags.extend(exc.diagnostics)
            continue
        inputs.append(InputSummary(display, opened.sha256))
        in_this_file: dict[str, str] = {}
        for sheet_name in opened.sheet_names:
            group = _group_for(opened, sheet_name, csv_group, group_by_key)
            if group is None:
                _unknown_sheet(opened, sheet_name, event, diags)
                continue
            if group.id in in_this_file:
                diags.add("E410", f"group '{group.id}' appears twice in this file: sheets "
                          f"'{in_this_file[group.id]}' and '{sheet_name}'",
                          "keep one sheet per group; merge the rows", Location(display, sheet_name))
                continue
            in_this_file[group.id] = sheet_name
            groups_seen.add(group.id)
            try:
                sheet = opened.sheet(sheet_name)
            except TallyError as exc:
                diags.extend(exc.diagnostics)
                continue
            _read_sheet(sheet, forms[group.id], event.persons, ballots[group.id], seen_numbers[group.id], reader,
                        diags)

    if progress:
        progress("", len(files), len(files))
    for group in event.groups:
        if group.id not in groups_seen and inputs:
            diags.add("E402", f"no sheet for group '{group.id}' ({group.title}) in the ballot files",
                      f"add a sheet named '{group.id}' (or a file {group.id}.csv) with that form's ballots",
                      Location(", ".join(i.file for i in inputs)))
    diags.extend(meeting_checks(event, {g: len(b) for g, b in ballots.items() if g in groups_seen}))
    if diags.per_code:
        for code, n in diags.per_code.items():
            if n > MAX_REPORTED_PER_CODE:
                diags.items.append(Diagnostic(code, f"… and {n - MAX_REPORTED_PER_CODE} more problems of this kind",
                                              "fix the ones listed first; they often share one cause"))
    result_groups = tuple(
        GroupBallots(g, forms[g.id], tuple(sorted(ballots[g.id], key=lambda b: b.number)))
        for g in event.groups if g.id in groups_seen
    )
    return BallotRead(result_groups, tuple(inputs), tuple(diags.items))


def meeting_checks(event: Event, entered: dict[str, int]) -> list[Diagnostic]:
    """SPEC §3 meeting checks; `entered` maps group id to ballots entered (omit unknown)."""
    out: list[Diagnostic] = []
    loc = Location(event.source)
    for g in event.groups:
        name = f"group '{g.id}'"
        if 3 * g.present < 2 * g.summoned:
            out.append(Diagnostic(
                "E201", f"{name}: no quorum: {g.present} present of {g.summoned} summoned is less than 2/3",
                "the vote cannot be held for this group; check the counts in the event file", loc))
        if g.present > g.summoned:
            out.append(Diagnostic("E202", f"{name}: present ({g.present}) is more than summoned ({g.summoned})",
                                  "correct 'present' or 'summoned' in the event file", loc))
        if g.issued > g.present:
            out.append(Diagnostic("E202", f"{name}: ballots issued ({g.issued}) are more than people present ({g.present})",
                                  "correct 'issued' or 'present' in the event file", loc))
        if g.collected is not None and g.collected > g.issued:
            out.append(Diagnostic("E202", f"{name}: ballots collected ({g.collected}) are more than issued ({g.issued})",
                                  "correct 'collected' or 'issued' in the event file", loc))
        n = entered.get(g.id)
        if n is None:
            continue
        if n == 0:
            out.append(Diagnostic("E205", f"{name}: no ballots were entered",
                                  "enter the ballots in the group's sheet", loc))
        if n > g.issued:
            out.append(Diagnostic("E204", f"{name}: {n} ballots entered but only {g.issued} issued",
                                  "look for ballots entered twice or a wrong sheet; or correct 'issued'", loc))
        if g.collected is not None and n != g.collected and 0 < n <= g.issued:
            out.append(Diagnostic(
                "E203", f"{name}: {n} ballots entered but {g.collected} collected (counted on paper)",
                "find the missing or extra ballots, or correct 'collected' in the event file", loc))
    return out


def _group_for(opened: OpenedFile, sheet_name: str, csv_group: str | None, groups: dict[str, Group]) -> Group | None:
    key = csv_group if (opened.kind == "csv" and csv_group) else sheet_name
    return groups.get(squeeze(key))


def _unknown_sheet(opened: OpenedFile, sheet_name: str, event: Event, diags: Diagnostics) -> None:
    ids = ", ".join(g.id for g in event.groups)
    if opened.kind == "csv":
        diags.add("E401", f"the CSV file is named '{sheet_name}', which is not a group of this event",
                  f"name the file after its group ({ids}) or pass --group", Location(opened.display))
        return
    try:
        sheet = opened.sheet(sheet_name)
        header = next(sheet.rows(), (1, []))[1]
    except TallyError:
        header = []
    if any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in header):
        close = difflib.get_close_matches(squeeze(sheet_name), [g.id for g in event.groups], n=1, cutoff=0.5)
        hint = f"rename the sheet to its group id ({ids})" + (f"; did you mean '{close[0]}'?" if close else "")
        diags.add("E401", f"sheet '{sheet_name}' holds ballots but is not a group of this event", hint,
                  Location(opened.display, sheet_name))
    elif any(not is_blank(v) for v in header):
        diags.add("W706", f"sheet '{sheet_name}' is not a group of this event and was ignored",
                  f"ballot sheets are named by group id: {ids}", Location(opened.display, sheet_name))


def _map_header(sheet: SheetData, header: list[object], row: int, persons: tuple[Person, ...],
                event_persons: Iterable[Person], diags: Diagnostics) -> _Columns:
    cols = _Columns()
    by_id = {squeeze(p.id): i for i, p in enumerate(persons)}
    by_name: dict[str, list[int]] = {}
    for i, p in enumerate(persons):
        by_name.setdefault(squeeze(p.name), []).append(i)
    others = {squeeze(p.id): p for p in event_persons if p not in persons}
    others.update({squeeze(p.name): p for p in event_persons if p not in persons})
    first_seen: dict[str, int] = {}

    def claim(key: str, col: int, label: str) -> bool:
        if key in first_seen:
            diags.add("E408", f"two columns for {label}: {sheet.cell(first_seen[key], row)} and {sheet.cell(col, row)}",
                      "delete or rename one of them", sheet.where(col, row), (sheet.where(first_seen[key], row),))
            return False
        first_seen[key] = col
        return True

    for col, value in enumerate(header):
        if is_blank(value):
            cols.ignored[col] = ""
            continue
        text = cell_text(value)
        key = squeeze(text)
        loose = fold(text)
        if loose in BALLOT_HEADERS:
            if claim("#ballot", col, "the ballot number"):
                cols.ballot = col
            continue
        if loose in STATUS_HEADERS:
            if claim("#status", col, "the ballot status"):
                cols.status = col
            continue
        if loose in NOTE_HEADERS:
            if claim("#note", col, "the note"):
                cols.note = col
            continue
        found = _match_person(key, by_id, by_name, persons)
        if isinstance(found, int):
            if claim(f"p{found}", col, f"{persons[found].id} {persons[found].name}"):
                cols.persons[found] = col
            continue
        if isinstance(found, str):
            diags.add("E409", found, "write the header as 'id - full name' exactly as in the event file",
                      sheet.where(col, row))
            cols.ignored[col] = text
            continue
        other = others.get(key) or _split_other(key, others)
        if other is not None:
            diags.add("E406", f"column '{text}' is for {other.id} {other.name}, who is not on this form",
                      "this may be another group's sheet; move the column to the right sheet or delete it",
                      sheet.where(col, row))
        else:
            names = [p.name for p in persons] + [p.id for p in persons]
            close = difflib.get_close_matches(fold(text), [fold(n) for n in names], n=1, cutoff=0.6)
            suggestion = ""
            if close:
                target = next(p for p in persons if close[0] in (fold(p.name), fold(p.id)))
                suggestion = f"; did you mean '{target.id} - {target.name}'?"
            diags.add("E405", f"column header '{text}' is not a person on this form, nor Số phiếu/Tình trạng/Ghi chú",
                      "correct the header to a person's id or full name as in the event file, or delete the column"
                      + suggestion, sheet.where(col, row))
        cols.ignored[col] = text
    if cols.ballot is None:
        diags.add("E404", "the header row has no 'Số phiếu' (Ballot) column",
                  "add a column headed 'Số phiếu' holding each ballot's number", sheet.where(0, row))
    for i, person in enumerate(persons):
        if i not in cols.persons:
            diags.add("E407", f"no column for {person.id} {person.name}, who is on this form",
                      f"add a column headed '{person.id} - {person.name}'", Location(sheet.file, sheet.name))
    return cols


def _match_person(key: str, by_id: dict[str, int], by_name: dict[str, list[int]],
                  persons: tuple[Person, ...]) -> int | str | None:
    """The person index a header names, an explanation if id and name disagree, or None."""
    if key in by_id:
        return by_id[key]
    if key in by_name and len(by_name[key]) == 1:
        return by_name[key][0]
    m = _ID_AND_NAME.match(key)
    if m:
        pid, rest = m.group(1), m.group(2).strip()
        if pid in by_id:
            i = by_id[pid]
            if squeeze(persons[i].name) == rest:
                return i
            return (f"header '{key}' starts with id {persons[i].id}, which is {persons[i].name}, "
                    f"but the name says '{rest}'")
    return None


def _split_other(key: str, others: dict[str, Person]) -> Person | None:
    m = _ID_AND_NAME.match(key)
    return others.get(m.group(1)) if m else None


def _looks_like_total(values: Iterable[object]) -> bool:
    for v in values:
        if isinstance(v, str):
            f = fold(v)
            if any(f == w or f.startswith(w + " ") or f.startswith(w + ":") for w in TOTAL_WORDS):
                return True
    return False


def _ballot_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            n = int(text)
            return n if n > 0 else None
        try:
            f = float(text)
        except ValueError:
            return None
        return int(f) if f.is_integer() and f > 0 else None
    return None


def _read_sheet(sheet: SheetData, persons: tuple[Person, ...], everyone: tuple[Person, ...], out: list[Ballot],
                seen: dict[int, Location], reader: MarkReader, diags: Diagnostics) -> None:
    rows = sheet.rows()
    header_row, header = next(rows, (1, []))
    while header_row == 1 and all(is_blank(v) for v in header):
        # Row 1 is the header by contract; look ahead only to say where the header went.
        for number, values in rows:
            if any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in values):
                diags.add("E403", f"the header row is row {number}, not row 1",
                          f"delete the {number - 1} empty row(s) above the header", sheet.where(0, number))
                return
            if number > 50:
                break
        diags.add("E403", "the sheet is empty: no header row", "row 1 must hold the column headers (Số phiếu, people…)",
                  sheet.where(0, 1))
        return
    if not any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in header) and \
            all(is_blank(v) or _ballot_number(v) is not None or not isinstance(reader(v), Unknown) for v in header):
        diags.add("E403", "row 1 holds ballot data, not the column headers",
                  "insert a header row: Số phiếu, Tình trạng, Ghi chú, then one column per person", sheet.where(0, 1))
        return
    cols = _map_header(sheet, header, header_row, persons, everyone, diags)
    if cols.ballot is None:
        return
    person_cols = [cols.persons.get(i) for i in range(len(persons))]
    letters = tuple(column_letter(sheet.first_col + c) if c is not None else "" for c in person_cols)
    mapped = {c for c in person_cols if c is not None} | {cols.ballot, cols.status, cols.note} - {None}
    warned_columns: set[int] = set()
    bcol, scol, ncol = cols.ballot, cols.status, cols.note
    width = len(header)
    n_persons = len(persons)
    complete = all(c is not None for c in person_cols)

    for number, values in rows:
        if len(values) < width:
            values = list(values) + [None] * (width - len(values))
        raw_ballot = values[bcol]
        raw_status = values[scol] if scol is not None else None
        raw_note = values[ncol] if ncol is not None else None
        raw_marks = [values[c] if c is not None else None for c in person_cols]
        rest_blank = is_blank(raw_status) and is_blank(raw_note) and all(is_blank(v) for v in raw_marks)
        if is_blank(raw_ballot) and rest_blank:
            if not any(not is_blank(v) for v in values):
                continue  # wholly empty row
        for c in range(len(values)):
            if c not in mapped and c not in warned_columns and not is_blank(values[c]) and c < width \
                    and cols.ignored.get(c, None) == "":
                warned_columns.add(c)
                diags.add("E405", f"column {column_letter(sheet.first_col + c)} has data but no header",
                          "give it a header (a person's id or name) or delete its contents", sheet.where(c, number))
        if is_blank(raw_ballot):
            if rest_blank and not any(not is_blank(v) for v in values):
                continue
            if _looks_like_total(values) or _numbers_above_three(raw_marks):
                diags.add("E506", "this looks like a total row",
                          "delete it: tally computes the totals itself", sheet.where(bcol, number))
            else:
                diags.add("E504", "the ballot number is missing", "write the ballot's number in the Số phiếu column",
                          sheet.where(bcol, number))
            continue
        ballot_no = _ballot_number(raw_ballot)
        if ballot_no is None:
            if _looks_like_total(values):
                diags.add("E506", f"this looks like a total row ('{cell_text(raw_ballot)}')",
                          "delete it: tally computes the totals itself", sheet.where(bcol, number))
            else:
                diags.add("E504", f"ballot number '{cell_text(raw_ballot)}' is not a positive whole number",
                          "write the ballot's number (1, 2, 3…)", sheet.where(bcol, number))
            continue
        if rest_blank:
            continue  # an unused pre-numbered row
        where = sheet.where(bcol, number)
        if ballot_no in seen:
            diags.add("E503", f"ballot number {ballot_no} is entered twice (also at {seen[ballot_no]})",
                      "each paper ballot is entered once: delete the duplicate or correct its number",
                      where, (seen[ballot_no],))
            continue
        seen[ballot_no] = where
        status = parse_status(raw_status)
        if isinstance(status, Unknown):
            diags.add("E505", f"ballot status '{cell_text(raw_status)}' is not understood",
                      "leave it blank or write 'hợp lệ' (valid), or 'không hợp lệ' (invalid ballot)",
                      sheet.where(scol, number))
            continue
        note = cell_text(raw_note).strip()
        source = Source(sheet.file, sheet.name, number, sheet.cell(scol if scol is not None else bcol, number), letters)
        if not status:
            out.append(Ballot(ballot_no, False, (None,) * n_persons, note, source))
            continue
        marks: list[Mark | None] = []
        ok = complete
        for i, raw in enumerate(raw_marks):
            mark = reader(raw)
            if isinstance(mark, Mark):
                marks.append(mark)
                continue
            ok = False
            col = person_cols[i]
            if col is None:
                continue
            if mark is None:
                diags.add("E502", f"no mark entered for {persons[i].id} on ballot {ballot_no}",
                          "type the mark from the paper ballot; if the voter left the row blank, enter 0 "
                          "(invalid row)", sheet.where(col, number))
            else:
                diags.add("E501", f"'{cell_text(mark.found)}' is not a mark (ballot {ballot_no}, {persons[i].id})",
                          MARK_HELP, sheet.where(col, number))
        if ok:
            out.append(Ballot(ballot_no, True, tuple(marks), note, source))


def _numbers_above_three(values: list[object]) -> bool:
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 3 for v in values)
