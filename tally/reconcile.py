"""Double entry: compare two independent entries of the same paper ballots.

Why one module of this length: reading both entries, comparing them and writing the
differences workbook share one model of a difference (kind, side, cell); the workbook part
is the last section and imports openpyxl only when it runs.

Two clerks type the same ballots, each into a copy of the entry workbook. `reconcile`
reads both exactly as `tally check` does — the same file opening (`ballots.sheets`),
sheet-to-group and header-to-person mapping and mark parsing (`ballots.validate`,
`ballots.headers`, `ballots.ballot_rows`, `ballots.marks`) — and compares them group by group
and ballot by ballot, by person rather than by column, so that a different column order is no
difference. It lists:

- a ballot form (group) whose sheet is in one entry only (:attr:`DiffKind.GROUP`);
- a ballot number entered in one entry only (:attr:`DiffKind.BALLOT`);
- a ballot's status (valid / whole ballot invalid) that differs (:attr:`DiffKind.STATUS`);
- a person's mark that differs (:attr:`DiffKind.MARK`): compared by meaning, so `1` and
  `C` agree, an empty cell and `0` do not; also on a ballot both entries call invalid,
  where the marks are not counted: two entries that differ there were not typed from the
  same paper, and a clerk must look. On a ballot either entry calls invalid, an empty
  person cell is no difference: the cells of an invalid ballot may stay empty, while a
  scanned entry always holds the marks it read (the scanner cannot see the stamp);
- a note that differs (:attr:`DiffKind.NOTE`), ignoring surrounding and repeated spaces.

Each difference carries both values as typed and both cell references. A ballot or cell
one entry could not read (an unknown mark, a duplicate number) is still compared as
typed; the entry's own problems are returned beside the differences.

Which event: ``--event`` when given; otherwise the event file embedded in an entry
workbook made by `tally template`. Entries made for different ballot forms are refused
(E412), as is an entry made for other forms than the given event's (E411).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ballots.ballot_rows import ballot_number
from ballots.cells import column_letters
from ballots.entry import TEMPLATE_SHEETS, Fingerprint, Form, bullets, form_changes, new_entry_path, read_fingerprint
from ballots.errors import Diagnostic, Diagnostics, ExitCode, Location, TallyError, exit_code_for, fail, shell_word
from ballots.event import load_event, parse_event
from ballots.headers import group_for, map_header
from ballots.i18n import _
from ballots.marks import cell_text, is_blank, parse_mark, parse_status, squeeze
from ballots.model import Event, Group, Mark, Person
from ballots.output import refuse_existing, refuse_input_as_output, require_xlsx, same_file
from ballots.sheets import OpenedFile, open_ballot_file
from ballots.validate import display_names, read_ballots
from tally.checking import refuse_swapped
from tally.template import column_points, finish_workbook, new_workbook, write_file
from tally.workbook import FONT_NAME


class DiffKind(enum.Enum):
    GROUP = "group"      # a ballot form's sheet in one entry only
    BALLOT = "ballot"    # a ballot number entered in one entry only
    STATUS = "status"    # the whole-ballot status differs
    MARK = "mark"        # a person's mark differs
    NOTE = "note"        # the note differs


_ORDER: Final = {DiffKind.GROUP: 0, DiffKind.BALLOT: 1, DiffKind.STATUS: 2, DiffKind.MARK: 3, DiffKind.NOTE: 4}


@dataclass(frozen=True)
class Side:
    """One entry's side of a difference."""

    file: str
    sheet: str | None
    cell: str | None        # "D7"; None when the entry has no such cell (e.g. no status column)
    text: str               # as typed; "" for an empty cell
    meaning: str            # high|medium|low|invalid for a mark, valid|invalid for a status, "" when empty,
                            # "unknown" when the reader does not understand it; "" for a note; for a
                            # ballot in one entry only, how many marks it has; for a sheet, "" (text: ballots)

    def where(self) -> str:
        return " › ".join(x for x in (self.file, self.sheet, self.cell) if x)


@dataclass(frozen=True)
class Difference:
    kind: DiffKind
    group: str
    ballot: int | None = None
    person: str | None = None          # the person's id, for a mark
    person_name: str | None = None
    first: Side | None = None          # None: not in the first entry at all
    second: Side | None = None

    def describe(self) -> str:
        """One line for logs and tests: 'btv ballot 7 p03 mark: a.xlsx › btv › E8 "1" ≠ b.xlsx › btv › E8 "2"'."""
        what = {DiffKind.GROUP: "sheet", DiffKind.BALLOT: "ballot", DiffKind.STATUS: "status",
                DiffKind.MARK: f"{self.person} mark", DiffKind.NOTE: "note"}[self.kind]
        head = self.group + (f" ballot {self.ballot}" if self.ballot is not None else "")

        def side(s: Side | None) -> str:
            return "(absent)" if s is None else f'{s.where()} "{s.text}"'

        return f"{head} {what}: {side(self.first)} ≠ {side(self.second)}"


@dataclass(frozen=True)
class EntrySummary:
    file: str                          # display name
    sha256: str
    fingerprint: Fingerprint | None    # None: a hand-made sheet
    groups: tuple[str, ...]            # group ids with a sheet in this entry
    ballots: int                       # ballot rows entered, all groups
    diagnostics: tuple[Diagnostic, ...]   # the entry's own problems, as `tally check` reports them


@dataclass(frozen=True)
class Reconciliation:
    event: Event
    first: EntrySummary
    second: EntrySummary
    compared: tuple[str, ...]          # group ids in both entries
    differences: tuple[Difference, ...]

    @property
    def agree(self) -> bool:
        return not self.differences

    @property
    def exit_code(self) -> ExitCode:
        """DIFFER when the entries differ; otherwise the code of the entries' own errors, or OK."""
        if self.differences:
            return ExitCode.DIFFER
        return exit_code_for(self.first.diagnostics + self.second.diagnostics)

    def count(self, kind: DiffKind) -> int:
        return sum(1 for d in self.differences if d.kind is kind)


# --- reading one entry -------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    row: int
    status: object
    note: object
    marks: tuple[object, ...]


@dataclass
class _Sheet:
    group: Group
    persons: tuple[Person, ...]
    name: str | None
    ballot_col: str
    status_col: str | None
    note_col: str | None
    mark_cols: tuple[str | None, ...]
    rows: dict[int, _Row] = field(default_factory=dict)


@dataclass
class _Entry:
    display: str
    opened: OpenedFile | None
    fingerprint: Fingerprint | None
    sheets: dict[str, _Sheet] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()


def _fatal(d: Diagnostic) -> bool:
    """A problem that makes the comparison meaningless: the file cannot be read, or its sheets
    cannot be mapped to groups and persons. A missing group sheet is a difference, not fatal."""
    if not d.is_error:
        return False
    return d.exit_code in (ExitCode.EVENT, ExitCode.UNREADABLE) or (d.code.startswith("E4") and d.code != "E402")


def _open(path: Path, display: str) -> _Entry:
    try:
        opened = open_ballot_file(path, display)
    except TallyError as exc:
        return _Entry(display, None, None, diagnostics=tuple(exc.diagnostics))
    return _Entry(display, opened, read_fingerprint(opened))


def _read(entry: _Entry, event: Event, path: Path) -> None:
    """Fill `entry` with its diagnostics (from `read_ballots`) and every ballot row as typed."""
    if entry.opened is None:
        return
    read = read_ballots(event, [path])
    # read_ballots names the file by its base name; two entries often share one ("entry.xlsx" in two
    # folders), so the entry's own display name is put back.
    base = path.name
    entry.diagnostics = tuple(_renamed(d, base, entry.display) for d in read.diagnostics if d.code != "E402")
    if any(_fatal(d) for d in entry.diagnostics):
        return
    opened = entry.opened
    groups = {squeeze(g.id): g for g in event.groups}
    for sheet_name in opened.sheet_names:
        if sheet_name in TEMPLATE_SHEETS:
            continue
        group = group_for(opened, sheet_name, None, groups)
        if group is None or group.id in entry.sheets:
            continue
        sheet = opened.sheet(sheet_name)
        rows = sheet.rows()
        header_row, header = next(rows, (1, []))
        persons = event.persons_on(group)
        cols = map_header(sheet, header, header_row, persons, event.persons, Diagnostics())
        if cols.ballot is None:
            continue

        def letter(c: int | None, first: int = sheet.first_col) -> str | None:
            return column_letters(first + c + 1) if c is not None else None

        person_cols = [cols.persons.get(i) for i in range(len(persons))]
        found = _Sheet(group, persons, sheet.name, letter(cols.ballot) or "", letter(cols.status), letter(cols.note),
                       tuple(letter(c) for c in person_cols))
        entry.sheets[group.id] = found
        for number, values in rows:
            _take_row(found, number, values, cols.ballot, cols.status, cols.note, person_cols)


def _take_row(sheet: _Sheet, number: int, values: list[object], bcol: int, scol: int | None, ncol: int | None,
              person_cols: list[int | None]) -> None:
    """Keep a ballot row as `read_ballots` sees one: a readable ballot number and something more
    than the number (an unused pre-numbered row is skipped); a duplicate keeps the first."""
    def at(c: int | None) -> object:
        return values[c] if c is not None and c < len(values) else None

    ballot = ballot_number(at(bcol))
    if ballot is None or ballot in sheet.rows:
        return
    status, note = at(scol), at(ncol)
    marks = tuple(at(c) for c in person_cols)
    if is_blank(status) and is_blank(note) and all(is_blank(v) for v in marks):
        return
    sheet.rows[ballot] = _Row(ballot, number, status, note, marks)


def _renamed(d: Diagnostic, base: str, display: str) -> Diagnostic:
    if base == display:
        return d

    def fix(loc: Location | None) -> Location | None:
        if loc is None or loc.file != base:
            return loc
        return Location(display, loc.sheet, loc.cell, loc.line)

    return Diagnostic(d.code, d.message, d.hint, fix(d.location),
                      tuple(fix(r) or r for r in d.related))


# --- which event ---------------------------------------------------------------------------


def _event_for(first: _Entry, second: _Entry, event_path: str | Path | None, given: tuple[str, str]) -> Event:
    """The event both entries are for; `given`: the entries as the user typed them, for a hint's command."""
    a, b = first.fingerprint, second.fingerprint
    if a is not None and b is not None and a.sha256 != b.sha256:
        event_a, event_b = a.event(), b.event()
        changes = (form_changes(Form.of(event_a), Form.of(event_b)) if event_a is not None and event_b is not None
                   else None)
        if changes != []:
            what = changes or [_("{first} was made for the event file '{first_event}' ({first_sha}…), {second} for "
                                 "'{second_event}' ({second_sha}…)").format(
                first=first.display, first_event=a.source, first_sha=a.sha256[:12], second=second.display,
                second_event=b.source, second_sha=b.sha256[:12])]
            raise TallyError(Diagnostic(
                "E412",
                _("the two entries {first} and {second} were made by `tally template` for different ballot forms "
                  "(from {first} to {second}):").format(first=first.display, second=second.display)
                + bullets(what),
                _("compare two entries of the same ballots, made for the same forms; if the event file was "
                  "corrected in between, move the older entry's rows into a new entry workbook made from the "
                  "corrected event file; when {first} is the older: tally template {event} -o {new} --from {entry}")
                .format(first=first.display, event=shell_word(event_path if event_path is not None else b.source),
                        new=shell_word(new_entry_path(given[0])), entry=shell_word(given[0])),
                Location(first.display), (Location(second.display),)))
    if event_path is not None:
        return load_event(event_path)[0]
    for entry, fp in ((first, a), (second, b)):
        if fp is not None and fp.event_file is not None:
            # Named as what it is, so that a line number is not taken for one of the user's own file.
            loaded = parse_event(fp.event_file, _("{event} (the copy inside {entry})").format(
                event=fp.source, entry=entry.display))
            if loaded.event is None:
                raise TallyError([d for d in loaded.diagnostics if d.is_error])
            return loaded.event
    why = (_("neither entry was made by `tally template`") if a is None and b is None
           else _("the event file embedded in the entry cannot be read back"))
    raise fail("E413", _("which event are these ballots for? {why}").format(why=why),
               _("give the event file: tally reconcile FIRST SECOND --event event.toml"),
               Location(first.display))


# --- comparing -----------------------------------------------------------------------------


def _mark_key(value: object) -> tuple[str, str]:
    """(meaning, key) of a mark cell: equal keys agree. Unknown text is compared as typed."""
    mark = parse_mark(value)
    if mark is None:
        return "", ""
    if isinstance(mark, Mark):
        return mark.value, mark.value
    return "unknown", "?" + squeeze(cell_text(value))


def _status_key(value: object) -> tuple[str, str]:
    status = parse_status(value)
    if status is True:
        return "valid", "valid"
    if status is False:
        return "invalid", "invalid"
    return "unknown", "?" + squeeze(cell_text(value))


def _note_key(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", cell_text(value)).split())


def _cell(col: str | None, row: int) -> str | None:
    return f"{col}{row}" if col else None


def compare(event: Event, first: _Entry, second: _Entry) -> tuple[tuple[str, ...], tuple[Difference, ...]]:
    diffs: list[Difference] = []
    compared: list[str] = []
    for group in event.groups:
        a, b = first.sheets.get(group.id), second.sheets.get(group.id)
        if a is None and b is None:
            continue
        if a is None or b is None:
            present, entry = (a, first) if a is not None else (b, second)
            assert present is not None
            side = Side(entry.display, present.name, None, str(len(present.rows)), "")
            diffs.append(Difference(DiffKind.GROUP, group.id, first=side if a is not None else None,
                                    second=side if b is not None else None))
            continue
        compared.append(group.id)
        diffs.extend(_compare_group(group, a, b, first.display, second.display))
    diffs.sort(key=lambda d: (next(i for i, g in enumerate(event.groups) if g.id == d.group),
                              d.ballot or 0, _ORDER[d.kind]))
    return tuple(compared), tuple(diffs)


def _compare_group(group: Group, a: _Sheet, b: _Sheet, fa: str, fb: str) -> list[Difference]:
    out: list[Difference] = []
    for number in sorted(set(a.rows) | set(b.rows)):
        ra, rb = a.rows.get(number), b.rows.get(number)
        if ra is None or rb is None:
            here, sheet, file = (ra, a, fa) if ra is not None else (rb, b, fb)
            assert here is not None
            typed = sum(1 for v in here.marks if not is_blank(v))
            side = Side(file, sheet.name, _cell(sheet.ballot_col, here.row), str(number), str(typed))
            out.append(Difference(DiffKind.BALLOT, group.id, number,
                                  first=side if ra is not None else None, second=side if rb is not None else None))
            continue
        sa, sb = _status_key(ra.status), _status_key(rb.status)
        if sa[1] != sb[1]:
            out.append(Difference(
                DiffKind.STATUS, group.id, number,
                first=Side(fa, a.name, _cell(a.status_col, ra.row), cell_text(ra.status), sa[0]),
                second=Side(fb, b.name, _cell(b.status_col, rb.row), cell_text(rb.status), sb[0])))
        # also on an invalid ballot: the entries must say the same, counted or not; but there a
        # person cell may stay empty (README, "Ballot sheets"), and a scan always reads the marks
        invalid = "invalid" in (sa[1], sb[1])
        for i, person in enumerate(a.persons):
            ma, mb = _mark_key(ra.marks[i]), _mark_key(rb.marks[i])
            if ma[1] != mb[1] and not (invalid and "" in (ma[1], mb[1])):
                out.append(Difference(
                    DiffKind.MARK, group.id, number, person.id, person.name,
                    first=Side(fa, a.name, _cell(a.mark_cols[i], ra.row), cell_text(ra.marks[i]).strip(), ma[0]),
                    second=Side(fb, b.name, _cell(b.mark_cols[i], rb.row), cell_text(rb.marks[i]).strip(),
                                mb[0])))
        if _note_key(ra.note) != _note_key(rb.note):
            out.append(Difference(
                DiffKind.NOTE, group.id, number,
                first=Side(fa, a.name, _cell(a.note_col, ra.row), _note_key(ra.note), ""),
                second=Side(fb, b.name, _cell(b.note_col, rb.row), _note_key(rb.note), "")))
    return out


@dataclass(frozen=True)
class TypedEntry:
    """An entry workbook's rows as typed, read with the event embedded in it."""

    display: str
    event: Event                               # the event the template was made for
    sheets: dict[str, _Sheet]                  # group id -> its rows as typed


def read_typed(path: str | Path) -> TypedEntry:
    """The rows of an entry workbook made by `tally template`, as typed (unknown marks too), read
    with the event it was made for. E416 when it is not such a workbook, or its event cannot be
    read back; E3xx/E4xx when its sheets cannot be read."""
    path = Path(path)
    entry = _open(path, path.name)
    if entry.opened is None:
        raise TallyError(list(entry.diagnostics))
    fp = entry.fingerprint
    event = fp.event() if fp is not None else None
    if event is None:
        raise fail("E416", _("{entry} was not made by `tally template` (or its copy of the event file cannot be read "
                             "back): there are no forms to move its rows from").format(entry=entry.display),
                   _("copy the rows by hand into the new template"), Location(entry.display))
    _read(entry, event, path)
    fatal = [d for d in entry.diagnostics if _fatal(d)]
    if fatal:
        raise TallyError(fatal)
    return TypedEntry(entry.display, event, entry.sheets)


def reconcile(first: str | Path, second: str | Path, event_path: str | Path | None = None) -> Reconciliation:
    """Compare two entries of the same ballots. Raises TallyError when they cannot be compared:
    unreadable files or sheets (E3xx, E4xx), different events (E411, E412), no event (E413),
    no ballot form in common (E414)."""
    paths = [Path(first), Path(second)]
    refuse_swapped(event_path, paths, reconcile=True)
    names = display_names(paths)
    if names[0] == names[1]:
        names = [paths[0].as_posix(), paths[1].as_posix()]
    if names[0] == names[1]:
        names = [f"{names[0]} (1)", f"{names[1]} (2)"]
    if same_file(*paths):
        raise TallyError(Diagnostic(
            "E418", _("{file} is given as both entries: reconcile compares the entries of two clerks")
                    .format(file=paths[0]),
            _("give the second clerk's entry of the same ballots as the second file"),
            Location(display_names(paths)[0])))
    entries = [_open(p, n) for p, n in zip(paths, names)]
    unreadable = [d for e in entries for d in e.diagnostics]
    if unreadable:
        raise TallyError(unreadable)
    copied = _copied(*entries)
    event = _event_for(entries[0], entries[1], event_path, (str(first), str(second)))
    for entry, path in zip(entries, paths):
        _read(entry, event, path)
    fatal = [d for e in entries for d in e.diagnostics if _fatal(d)]
    if fatal:
        raise TallyError(fatal)
    a, b = entries
    if a.sheets and b.sheets and not set(a.sheets) & set(b.sheets):
        raise TallyError(Diagnostic(
            "E414",
            _("the two entries hold different ballot forms: {first} has {first_forms}, "
            "{second} has {second_forms}")
            .format(first=a.display, first_forms=', '.join(a.sheets), second=b.display,
                    second_forms=', '.join(b.sheets)),
            _("compare two entries of the same ballots: each clerk enters every ballot of the form"),
            Location(a.display), (Location(b.display),)))
    if copied is not None:
        b.diagnostics = (*b.diagnostics, copied)
    compared, diffs = compare(event, a, b)
    return Reconciliation(event, _summary(a), _summary(b), compared, diffs)


def _copied(first: _Entry, second: _Entry) -> Diagnostic | None:
    """The warning for two entries with the same bytes: a file and its copy, not two typings (two
    clerks' workbooks differ at least in the time each was saved)."""
    if first.opened is None or second.opened is None or first.opened.sha256 != second.opened.sha256:
        return None
    return Diagnostic("W716", _("{second} has exactly the bytes of {first}: it is a copy of the same file, "
                                "so the ballots were not entered twice").format(first=first.display,
                                                                                second=second.display),
                      _("each clerk types every ballot into their own copy of the empty entry workbook; "
                        "reconcile those two entries"), Location(second.display), (Location(first.display),))


def _summary(entry: _Entry) -> EntrySummary:
    assert entry.opened is not None
    return EntrySummary(entry.display, entry.opened.sha256, entry.fingerprint, tuple(entry.sheets),
                        sum(len(s.rows) for s in entry.sheets.values()), entry.diagnostics)


# --- differences.xlsx ----------------------------------------------------------------------

_LABELS: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "sheet": "Chênh lệch",
        "title": "SO SÁNH HAI BẢN NHẬP PHIẾU",
        "entry": "Bản nhập {n}: {file} (SHA-256 {sha})",
        "agree": "Hai bản nhập khớp nhau: {ballots} phiếu, {groups} mẫu phiếu.",
        "differ": "{n} chỗ khác nhau. Đối chiếu với phiếu giấy, sửa bản nhập sai, rồi so sánh lại.",
        "group": "Mẫu phiếu",
        "ballot": "Số phiếu",
        "what": "Khác nhau ở",
        "cell": "Bản {n}: ô",
        "value": "Bản {n}: giá trị",
        "absent": "(không có)",
        "empty": "(trống)",
        "empty_status": "(trống = hợp lệ)",
        "n_ballots": "trang tính có {n} phiếu",
        "n_marks": "phiếu {ballot}: {n} ô đánh dấu",
        "kind_group": "mẫu phiếu chỉ có ở một bản",
        "kind_ballot": "phiếu chỉ có ở một bản",
        "kind_status": "tình trạng phiếu",
        "kind_mark": "đánh dấu: {person}",
        "kind_note": "ghi chú",
        "high": "tín nhiệm cao",
        "medium": "tín nhiệm",
        "low": "tín nhiệm thấp",
        "invalid": "không hợp lệ",
        "valid": "hợp lệ",
        "unknown": "không hiểu",
    },
    "en": {
        "sheet": "Differences",
        "title": "COMPARISON OF TWO ENTRIES OF THE BALLOTS",
        "entry": "Entry {n}: {file} (SHA-256 {sha})",
        "agree": "The two entries agree: {ballots} ballots, {groups} ballot forms.",
        "differ": "{n} differences. Check them against the paper ballots, correct the wrong entry, and compare again.",
        "group": "Form",
        "ballot": "Ballot",
        "what": "Difference",
        "cell": "Entry {n}: cell",
        "value": "Entry {n}: value",
        "absent": "(absent)",
        "empty": "(empty)",
        "empty_status": "(empty = valid)",
        "n_ballots": "sheet with {n} ballots",
        "n_marks": "ballot {ballot}: {n} marks",
        "kind_group": "form in one entry only",
        "kind_ballot": "ballot in one entry only",
        "kind_status": "ballot status",
        "kind_mark": "mark: {person}",
        "kind_note": "note",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "invalid": "invalid",
        "valid": "valid",
        "unknown": "not understood",
    },
}

_WIDTHS: Final = (11.0, 8.0, 30.0, 9.0, 22.0, 9.0, 22.0)
MARKER_SHEET: Final = "_reconcile"
MARKER: Final = "tally-differences/1"


def labels(language: str) -> dict[str, str]:
    return _LABELS["vi"] if language == "vi" else _LABELS["en"]


def describe_value(side: Side | None, kind: DiffKind, lab: dict[str, str]) -> str:
    """A side's value for people: '1 (tín nhiệm cao)', '(trống)', '(không có)'."""
    if side is None:
        return lab["absent"]
    if kind is DiffKind.NOTE:
        return side.text or lab["empty"]
    if kind is DiffKind.GROUP:
        return lab["n_ballots"].format(n=side.text)
    if kind is DiffKind.BALLOT:
        return lab["n_marks"].format(ballot=side.text, n=side.meaning)
    if not side.text:
        return lab["empty"] if kind is DiffKind.MARK else lab["empty_status"]
    meaning = lab.get(side.meaning, side.meaning)
    return f"{side.text} ({meaning})" if meaning and squeeze(side.text) != squeeze(meaning) else side.text


def describe_kind(d: Difference, lab: dict[str, str]) -> str:
    if d.kind is DiffKind.MARK:
        return lab["kind_mark"].format(person=f"{d.person} - {d.person_name}")
    return lab[f"kind_{d.kind.value}"]


def differences_workbook(rec: Reconciliation) -> bytes:
    """differences.xlsx: both entries, then one row per difference with both cells and values.
    Byte-identical for the same two entries."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill
    from openpyxl.styles import Side as Line

    from tally.xlsx import put

    lab = labels(rec.event.language)
    wb = new_workbook()
    ws = wb.create_sheet(lab["sheet"])
    for i, w in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[column_letters(i)].width = w
    last = column_letters(len(_WIDTHS))
    thin = Line(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def line(row: int, text: str, size: float = 12, bold: bool = False, italic: bool = False) -> None:
        cell = put(ws, row, 1, text)
        cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal="center" if bold else "left", vertical="center", wrap_text=True)
        ws.merge_cells(f"A{row}:{last}{row}")

    line(1, lab["title"], 14, bold=True)
    line(2, f"{rec.event.title} — {rec.event.organisation}", italic=True)
    for n, entry in ((1, rec.first), (2, rec.second)):
        line(2 + n, lab["entry"].format(n=n, file=entry.file, sha=entry.sha256), 10)
    if rec.agree:
        summary = lab["agree"].format(ballots=rec.first.ballots, groups=len(rec.compared))
    else:
        summary = lab["differ"].format(n=len(rec.differences))
    line(5, summary, bold=False)
    ws["A5"].font = Font(name=FONT_NAME, size=12, bold=True)
    head = 7
    titles = (lab["group"], lab["ballot"], lab["what"], lab["cell"].format(n=1), lab["value"].format(n=1),
              lab["cell"].format(n=2), lab["value"].format(n=2))
    for col, text in enumerate(titles, start=1):
        cell = put(ws, head, col, text)
        cell.font = Font(name=FONT_NAME, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
        cell.fill = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")
    ws.row_dimensions[head].height = 30
    for row, d in enumerate(rec.differences, start=head + 1):
        values: Sequence[str | int | None] = (
            d.group, d.ballot, describe_kind(d, lab),
            d.first.cell if d.first else None, describe_value(d.first, d.kind, lab),
            d.second.cell if d.second else None, describe_value(d.second, d.kind, lab),
        )
        for col, value in enumerate(values, start=1):
            cell = put(ws, row, col, value)
            cell.font = Font(name=FONT_NAME, size=11)
            cell.alignment = Alignment(horizontal="left" if col in (3, 5, 7) else "center", vertical="center",
                                       wrap_text=True)
            cell.border = box
    ws.freeze_panes = f"A{head + 1}"
    ws.print_title_rows = f"{head}:{head}"
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "landscape"
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&P/&N"
    assert sum(column_points(w) for w in _WIDTHS) < 842
    marker = wb.create_sheet(MARKER_SHEET)
    put(marker, 1, 1, MARKER)
    marker.sheet_state = "veryHidden"   # not offered by Excel's Unhide: nobody edits it by hand
    return finish_workbook(wb, rec.event, lab["title"])


def is_differences_workbook(path: str | Path) -> bool:
    """Whether `path` is a differences workbook written by `reconcile` (its hidden marker sheet)."""
    try:
        opened = open_ballot_file(path)
        if MARKER_SHEET not in opened.sheet_names:
            return False
        first = next(opened.sheet(MARKER_SHEET).rows(), (1, []))[1]
    except TallyError:
        return False
    return bool(first) and first[0] == MARKER


def reconcile_and_write(first: str | Path, second: str | Path, event_path: str | Path | None = None,
                        output: str | Path | None = None, force: bool = False) -> Reconciliation:
    """`reconcile`, then (with `output`) write differences.xlsx, also when the entries agree.

    Compare, correct, compare again is the normal loop, so a differences workbook from an
    earlier run is replaced; any other existing file only with `force`. Writes nothing when
    the entries cannot be compared."""
    if output is not None:
        require_xlsx(output)
        refuse_input_as_output([output], [p for p in (first, second, event_path) if p is not None])
        force = force or is_differences_workbook(output)
        refuse_existing([output], force, results=False)
    rec = reconcile(first, second, event_path)
    if output is not None:
        write_file(output, differences_workbook(rec), force)
    return rec
