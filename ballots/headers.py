"""A ballot sheet's name and header row: which group a sheet is (E401, W706) and which column
holds the ballot number, the status, the note or each person on the form (E404-E409, E415,
W709), the header's text read through a legacy Vietnamese font when only that matches.

`ballots.validate` reads the rows below the header with the `Columns` made here;
`tally.reconcile` maps two entries' sheets and headers the same way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ballots.errors import Diagnostics, Location, TallyError
from ballots.i18n import _
from ballots.legacy import decodings
from ballots.marks import cell_text, fold, is_blank, squeeze
from ballots.model import Event, Group, Person
from ballots.sheets import OpenedFile, SheetData

BALLOT_HEADERS = {fold(h) for h in ("Số phiếu", "Ballot", "Ballot no", "Ballot no.", "Ballot number", "Phiếu số")}
STATUS_HEADERS = {fold(h) for h in ("Tình trạng", "Status")}
NOTE_HEADERS = {fold(h) for h in ("Ghi chú", "Note", "Notes")}
_ID_AND_NAME = re.compile(r"^(\S+?)\s*(?:[-–—:.|)/]\s*|\s+)(.+)$")
# Headers of columns that identify a voter (folded: no case, no diacritics). Checked only
# for a header that is not a person under review, so a person's own name never trips it.
_VOTER_IDENTITY = re.compile(
    r"\b(?:ho (?:va )?ten|nguoi (?:bo|danh) phieu|cu tri|chu ky|ky ten|so cmnd|cmnd|cccd|can cuoc|"
    r"ma (?:can bo|nhan vien|so)|so dien thoai|dien thoai|email|e-mail|dia chi|voter|signature|signed|"
    r"full name|name|employee|staff id|id number|phone|address)\b")


@dataclass
class Columns:
    ballot: int | None = None
    status: int | None = None
    note: int | None = None
    persons: dict[int, int] = field(default_factory=dict)   # person index on form -> column
    ignored: dict[int, str] = field(default_factory=dict)   # column -> header, for empty/unknown headers


def group_for(opened: OpenedFile, sheet_name: str, csv_group: str | None, groups: dict[str, Group]) -> Group | None:
    key = csv_group if (opened.kind == "csv" and csv_group) else sheet_name
    return groups.get(squeeze(key))


def unknown_sheet(opened: OpenedFile, sheet_name: str, event: Event, diags: Diagnostics) -> None:
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


def map_header(sheet: SheetData, header: list[object], row: int, persons: tuple[Person, ...],
                event_persons: Iterable[Person], diags: Diagnostics) -> Columns:
    cols = Columns()
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
        if len(by_name.get(key, ())) > 1:      # Nguyễn Văn An twice on one form: the name says not whose
            same = [persons[i] for i in by_name[key]]
            diags.add("E405", _("column header '{header}' is the name of {n} people on this form ({ids}): a name "
                                "alone does not say whose marks these are")
                      .format(header=" ".join(text.split()), n=len(same), ids=", ".join(p.id for p in same)),
                      _("head each of their columns with the id and the name, as in '{id} - {name}'")
                      .format(id=same[0].id, name=same[0].name), sheet.where(col, row))
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
