"""From ballot files to validated ballots (SPEC §3, §5), reporting every problem at once.

`read_ballots` opens every file, maps each sheet to its group, maps header cells to
columns, parses each row and runs the meeting checks. It never stops at the first
problem: the committee sees the whole list, each with a code, a cell and a next step.
Nothing is counted while errors remain; that is the caller's rule (see `require_clean`).

Why one module of this length: files, sheets, groups, header cells and rows share one
diagnostics collector and one notion of where a problem is (file › sheet › cell); split,
the reporting of a problem would be spread over several modules.
"""

from __future__ import annotations

import difflib
import math
import operator
import os
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, cast

from ballots.cells import column_letters
from ballots.entry import TEMPLATE_SHEETS, UNDECIDED_MARK, template_problem
from ballots.errors import (Diagnostic, Diagnostics, Location, TallyError, missing_runs, number_ranges, runs_text,
                            shell_word)
from ballots.event import meeting_count_checks, members_below
from ballots.i18n import _, _n
from ballots.legacy import decodings
from ballots.marks import MARK_HELP, MarkReader, Unknown, cell_text, fold, is_blank, parse_status, squeeze
from ballots.model import Ballot, CleanBallots, Event, Group, GroupBallots, Mark, Person, Source, positions
from ballots.rules import takes_members
from ballots.sheets import OpenedFile, SheetData, open_ballot_file

Progress = Callable[[str, int, int], None]
"""progress(what, done, total): called as files and rows are read."""

BALLOT_HEADERS = {fold(h) for h in ("Số phiếu", "Ballot", "Ballot no", "Ballot no.", "Ballot number", "Phiếu số")}
STATUS_HEADERS = {fold(h) for h in ("Tình trạng", "Status")}
NOTE_HEADERS = {fold(h) for h in ("Ghi chú", "Note", "Notes")}
TOTAL_WORDS = ("tong", "total", "cong", "sum", "tong cong")
_ID_AND_NAME = re.compile(r"^(\S+?)\s*(?:[-–—:.|)/]\s*|\s+)(.+)$")
# Headers of columns that identify a voter (folded: no case, no diacritics). Checked only
# for a header that is not a person under review, so a person's own name never trips it.
_VOTER_IDENTITY = re.compile(
    r"\b(?:ho (?:va )?ten|nguoi (?:bo|danh) phieu|cu tri|chu ky|ky ten|so cmnd|cmnd|cccd|can cuoc|"
    r"ma (?:can bo|nhan vien|so)|so dien thoai|dien thoai|email|e-mail|dia chi|voter|signature|signed|"
    r"full name|name|employee|staff id|id number|phone|address)\b")
ROWS_PER_TICK = 8192        # progress on a large sheet: one call per this many rows costs nothing
MAX_REPORTED_PER_CODE = 10_000  # beyond this the list is summarised, so a wrong file cannot exhaust memory
# The largest ballot number (E507): every whole number up to it is kept exactly by a spreadsheet
# (Excel keeps 15 significant digits of what is typed, and prints no more), by the minutes as
# tally writes them and reads them back to verify, and by results.json in any reader (a double).
# 10**16 is written '1e+16', and 9007199254740993 (2**53 + 1) is read as ...992.
LARGEST_BALLOT_NUMBER = 10**15 - 1


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
    seen_numbers: dict[str, dict[int, _Seen]] = {g.id: {} for g in event.groups}
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
                group = _group_for(opened, sheet_name, csv_group, group_by_key)
                if group is not None:
                    groups_seen.add(group.id)
                    unreadable.add(group.id)
            continue
        in_this_file: dict[str, str] = {}
        for sheet_name in opened.sheet_names:
            if sheet_name in TEMPLATE_SHEETS:  # the fingerprint and legend of `tally template`
                continue
            group = _group_for(opened, sheet_name, csv_group, group_by_key)
            if group is None:
                _unknown_sheet(opened, sheet_name, event, diags)
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
                _empty_columns(diags.items, reported, group.id, typed)

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
                                              _("fix the ones listed first; they often share one cause")))
    result_groups = tuple(
        GroupBallots(g, forms[g.id], tuple(sorted(ballots[g.id], key=lambda b: b.number)), tuple(clean[g.id]))
        for g in event.groups if g.id in groups_seen
    )
    return BallotRead(result_groups, tuple(inputs), tuple(diags.items),
                      tuple((g.id, entered[g.id]) for g in event.groups if g.id in groups_seen),
                      tuple(g.id for g in event.groups if g.id in unreadable))


def _empty_columns(items: list[Diagnostic], start: int, group_id: str, typed: int) -> None:
    """Name the group on a sheet's mark problems (items[start:]), and mark the E502 of a person
    whose column is empty on every ballot that needs a mark: a person added to the form after
    the entry workbook was made, whom the command line reports once, not once per ballot."""
    missing = Counter(d.fact("person") for d in items[start:] if d.code == "E502")
    for i in range(start, len(items)):
        d = items[i]
        if d.about:
            empty = d.code == "E502" and typed > 1 and missing[d.fact("person")] == typed
            items[i] = replace(d, about=(*d.about, ("group", group_id), *((("column", "empty"),) if empty else ())))


def _numbering_warnings(group: Group, seen: dict[int, _Seen], diags: Diagnostics) -> None:
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
                  _seen_location(seen[above[0]], above[0]), tuple(_seen_location(seen[n], n) for n in above[1:3]))
    # Ballots 1..top should all be there: up to the highest number entered, or to the ballots
    # counted on paper when the event declares more ('collected'), never beyond those issued.
    top = min(max(numbers[-1], group.collected or 0), group.issued)
    missing = missing_runs(numbers, top)
    if missing:
        first = _seen_location(seen[numbers[0]], numbers[0])
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


def _group_for(opened: OpenedFile, sheet_name: str, csv_group: str | None, groups: dict[str, Group]) -> Group | None:
    key = csv_group if (opened.kind == "csv" and csv_group) else sheet_name
    return groups.get(squeeze(key))


def _unknown_sheet(opened: OpenedFile, sheet_name: str, event: Event, diags: Diagnostics) -> None:
    ids = ", ".join(g.id for g in event.groups)
    if opened.kind == "csv":
        diags.add("E401", _("the CSV file is named '{sheet}', which is not a group of this event").format(sheet=sheet_name),
                  _("name the file after its group ({ids}) or pass --group").format(ids=ids), Location(opened.display))
        return
    try:
        sheet = opened.sheet(sheet_name)
        header = next(sheet.rows(), (1, []))[1]
    except TallyError:
        header = []
    if any(isinstance(v, str) and fold(v) in BALLOT_HEADERS for v in header):
        close = difflib.get_close_matches(squeeze(sheet_name), [g.id for g in event.groups], n=1, cutoff=0.5)
        hint = (_("rename the sheet to its group id ({ids}); did you mean '{close}'?") if close
                else _("rename the sheet to its group id ({ids})")).format(ids=ids, close=close[0] if close else "")
        diags.add("E401", _("sheet '{sheet}' holds ballots but is not a group of this event").format(sheet=sheet_name), hint,
                  Location(opened.display, sheet_name))
    elif any(not is_blank(v) for v in header):
        diags.add("W706", _("sheet '{sheet}' is not a group of this event and was ignored").format(sheet=sheet_name),
                  _("ballot sheets are named by group id: {ids}").format(ids=ids), Location(opened.display, sheet_name))


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
            diags.add("E408", _("two columns for {label}: {first} and {second}")
                              .format(label=label, first=sheet.cell(first_seen[key], row), second=sheet.cell(col, row)),
                      _("delete or rename one of them"), sheet.where(col, row), (sheet.where(first_seen[key], row),))
            return False
        first_seen[key] = col
        return True

    for col, value in enumerate(header):
        if is_blank(value):
            cols.ignored[col] = ""
            continue
        text = cell_text(value)
        if not _known_header(text, by_id, by_name, persons, others):
            # typed with a legacy font (TCVN3 .VnTime, VNI-Times)? Use the decoded text only if it matches.
            for encoding, decoded in decodings(text):
                if _known_header(decoded, by_id, by_name, persons, others):
                    diags.add("W709", _("header '{header}' was typed in a legacy Vietnamese font ({encoding}) and is read as '{read}'")
                              .format(header=' '.join(text.split()), encoding=encoding, read=' '.join(decoded.split())),
                              _("nothing to do; to avoid this, retype the header in a Unicode font (Times New Roman)"),
                              sheet.where(col, row))
                    text = decoded
                    break
        key = squeeze(text)
        loose = fold(text)
        if loose in BALLOT_HEADERS:
            if claim("#ballot", col, _("the ballot number")):
                cols.ballot = col
            continue
        if loose in STATUS_HEADERS:
            if claim("#status", col, _("the ballot status")):
                cols.status = col
            continue
        if loose in NOTE_HEADERS:
            if claim("#note", col, _("the note")):
                cols.note = col
            continue
        found = _match_person(key, by_id, by_name, persons, text)
        if isinstance(found, int):
            if claim(f"p{found}", col, f"{persons[found].id} {persons[found].name}"):
                cols.persons[found] = col
            continue
        if isinstance(found, str):
            diags.add("E409", found, _("write the header as 'id - full name' exactly as in the event file"),
                      sheet.where(col, row))
            cols.ignored[col] = text
            continue
        if _VOTER_IDENTITY.search(loose):
            # Secret ballot: who voted how must never be typed in, let alone carried into results.
            diags.add("E415", _("column '{header}' looks like the voter's identity "
                        "(name, signature, ID number, e-mail): the vote is secret")
                      .format(header=' '.join(text.split())[:60]),
                      _("delete the column and its contents; the ballot sheet holds only the ballot number, status, "
                      "note and marks (and notes must not name the voter)"), sheet.where(col, row))
            cols.ignored[col] = text
            continue
        other = others.get(key) or _split_other(key, others)
        if other is not None:
            diags.add("E406", _("column '{header}' is for {id} {name}, who is not on this form")
                              .format(header=text, id=other.id, name=other.name),
                      _("this may be another group's sheet; move the column to the right sheet or delete it"),
                      sheet.where(col, row))
        else:
            names = [p.name for p in persons] + [p.id for p in persons]
            close = []
            for variant in [text, *(d for _e, d in decodings(text))]:   # a misspelling typed in .VnTime too
                close = difflib.get_close_matches(fold(variant), [fold(n) for n in names], n=1, cutoff=0.6)
                if close:
                    break
            suggestion = ""
            if close:
                target = next(p for p in persons if close[0] in (fold(p.name), fold(p.id)))
                suggestion = _("; did you mean '{id} - {name}'?").format(id=target.id, name=target.name)
            diags.add("E405", _("column header '{header}' is not a person on this form, nor Số phiếu/Tình trạng/Ghi chú")
                              .format(header=text),
                      _("correct the header to a person's id or full name as in the event file, or delete the column")
                      + suggestion, sheet.where(col, row))
        cols.ignored[col] = text
    if cols.ballot is None:
        diags.add("E404", _("the header row has no 'Số phiếu' (Ballot) column"),
                  _("add a column headed 'Số phiếu' holding each ballot's number"), sheet.where(0, row))
    for i, person in enumerate(persons):
        if i not in cols.persons:
            diags.add("E407", _("no column for {id} {name}, who is on this form").format(id=person.id, name=person.name),
                      _("add a column headed '{id} - {name}'").format(id=person.id, name=person.name), Location(sheet.file, sheet.name))
    return cols


def _match_person(key: str, by_id: dict[str, int], by_name: dict[str, list[int]],
                  persons: tuple[Person, ...], text: str = "") -> int | str | None:
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
            # Quote the header as typed (`key` is case-folded), on one line.
            shown = " ".join(text.split()) or key
            typed = _ID_AND_NAME.match(shown)
            said = typed.group(2).strip() if typed else rest
            return (_("header '{header}' starts with id {id}, which is {name}, but the name says '{said}'")
                    .format(header=shown, id=persons[i].id, name=persons[i].name, said=said))
    return None


def _known_header(text: str, by_id: dict[str, int], by_name: dict[str, list[int]], persons: tuple[Person, ...],
                  others: dict[str, Person]) -> bool:
    """Whether a header names something as it is: a fixed column, a person (or another form's)."""
    loose = fold(text)
    if loose in BALLOT_HEADERS or loose in STATUS_HEADERS or loose in NOTE_HEADERS:
        return True
    key = squeeze(text)
    return isinstance(_match_person(key, by_id, by_name, persons, text), int) or key in others \
        or _split_other(key, others) is not None


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


def _ballot_number(value: object, largest: float = LARGEST_BALLOT_NUMBER) -> int | None:
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


def _read_sheet(sheet: SheetData, persons: tuple[Person, ...], everyone: tuple[Person, ...], out: list[Ballot],
                seen: dict[int, _Seen], reader: MarkReader, diags: Diagnostics,
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
            all(is_blank(v) or _ballot_number(v) is not None or not isinstance(reader(v), Unknown) for v in header):
        diags.add("E403", _("row 1 holds ballot data, not the column headers"),
                  _("insert a header row: Số phiếu, Tình trạng, Ghi chú, then one column per person"), sheet.where(0, 1))
        return None
    cols = _map_header(sheet, header, header_row, persons, everyone, diags)
    if cols.ballot is None:
        return None
    person_cols = [cols.persons.get(i) for i in range(len(persons))]
    letters = tuple(column_letters(sheet.first_col + c + 1) if c is not None else "" for c in person_cols)
    bcol, scol, ncol = cols.ballot, cols.status, cols.note
    status_letter = column_letters(sheet.first_col + (scol if scol is not None else bcol) + 1)
    width = len(header)
    headerless = [c for c, h in cols.ignored.items() if h == ""]
    complete = all(c is not None for c in person_cols) and bool(person_cols)
    careful = _CarefulRows(sheet, persons, cols, person_cols, letters, status_letter, width, seen, reader, diags, out)

    data = table[1:]
    if clean is not None and complete:
        entered = _read_columns(data, header_row + 1, cols, person_cols, headerless, width, seen, reader, careful,
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
                ballot_no = _ballot_number(raw_ballot)
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


def _read_columns(data: list[list[object]], first_row: int, cols: _Columns, person_cols: list[int | None],
                  headerless: list[int], width: int, seen: dict[int, _Seen], reader: MarkReader,
                  careful: _CarefulRows, clean: list[CleanBallots], sheet: SheetData, letters: tuple[str, ...],
                  status_letter: str, counting: bool = False) -> int | None:
    """The clean path of `_read_sheet`, column by column: each check is a pass in C over a
    column, or over the person columns' cells laid end to end (a set of the values, then a
    look at the few distinct ones). The clean ballots are kept as the columns read
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
        numbers = list(map(_ballot_number, raw_numbers))
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
    seen.update(dict.fromkeys(valid_numbers, _SeenBlock(sheet, bcol, block)))
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
    `_read_columns` checked (`span` cells a row, row after row): column i is every `span`-th
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


class _CarefulRows:
    """The cell-by-cell reader for every row that is not plainly a clean ballot."""

    def __init__(self, sheet: SheetData, persons: tuple[Person, ...], cols: _Columns, person_cols: list[int | None],
                 letters: tuple[str, ...], status_letter: str, width: int, seen: dict[int, _Seen],
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
        ballot_no = _ballot_number(raw_ballot)
        if ballot_no is None and _ballot_number(raw_ballot, math.inf) is not None:
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
            other = _seen_location(self.seen[ballot_no], ballot_no)
            diags.add("E503", _("ballot number {number} is entered twice (also at {other})").format(number=ballot_no, other=other),
                      _("each paper ballot is entered once: delete the duplicate or correct its number"),
                      where, (other,))
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
            elif mark.found == UNDECIDED_MARK:
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


def _who(person: Person) -> str:
    """A person as a clerk finds them on the paper: id and name ("p03 Đinh Thị Lan Anh")."""
    return f"{person.id} {person.name}"


class _SeenBlock(NamedTuple):
    """Where the ballot numbers of a CleanBallots block were seen (one for all of them)."""

    sheet: SheetData
    col: int
    block: CleanBallots


_Seen = tuple[SheetData, int, int] | _SeenBlock
"""Where a ballot number was first seen: (sheet, column, row); a Location is made only when needed."""


def _seen_location(seen: _Seen, number: int) -> Location:
    if isinstance(seen, _SeenBlock):
        return seen.sheet.where(seen.col, seen.block.rows[list(seen.block.numbers).index(number)])
    sheet, col, row = seen
    return sheet.where(col, row)


def _numbers_above_three(values: list[object]) -> bool:
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 3 for v in values)
