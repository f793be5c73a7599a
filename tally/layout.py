"""What the counting minutes show, and where (SPEC §6), without any styling.

:func:`layout` turns results into sheets of cells. Every cell that shows a result value
(a count, a percentage, a name, a title, a flag's consequence, ...) is ``checked``:
``tally verify`` rebuilds the layout from the signed ``results.json`` with
:func:`tally.compare.expected_cells` and compares each checked cell with the workbook it is given,
so a workbook re-saved by Excel or LibreOffice still verifies while a changed number
does not. The layout is therefore a pure function of data that ``results.json``
holds; nothing here may depend on the clock, the machine or the input order.

Styling (fonts, widths, print setup) lives in :mod:`tally.workbook`.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import functools
import operator
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ballots.cells import column_letters, ref_at, refs_at
from ballots.rules import POLICIES, POLICY_NAMES, RULE_SETS, Base, Flag, RuleSet, has_quorum
from tally.kept import kept, memo
from tally.model import EventSummary, GroupResult, InvalidEntry, PersonResult, Results
from tally.results_json import SCHEMA, fingerprint
from tally.words import format_date, format_pct, labels

# A cell's value as laid out: a count, a text, or nothing (an empty cell that is checked
# to stay empty, e.g. the note of a person without flags).
CellValue = int | str | None
CellKey = tuple[str, str]          # (sheet title, "D12")

DATA_SHEET = "_tally"
DATA_MARKER = SCHEMA               # A1 of the hidden sheet
CHUNK = 30000                      # base64 characters per cell (Excel allows 32767)

# What XML 1.0 cannot hold, and so no cell of a workbook: the control characters but tab, line
# feed and carriage return (openpyxl's ILLEGAL_CHARACTERS_RE), U+FFFE and U+FFFF, and lone
# surrogates. They are dropped from every text the minutes show.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Role(enum.Enum):
    """What a cell is, for the styler: it decides fonts, borders and alignment."""

    # Each role is one object, equal only to itself: hashed by identity in C, not by Enum's
    # hash of its name in Python (a cell's role is looked up twice per cell of the minutes)
    __hash__ = object.__hash__

    HEAD = "head"                  # header block, plain, centred (superior body)
    HEAD_BOLD = "head_bold"        # header block, bold, centred (organisation, national header)
    HEAD_MOTTO = "head_motto"      # "Độc lập - Tự do - Hạnh phúc", bold, underlined
    HEAD_MARK = "head_mark"        # "*" under the organisation
    DATE = "date"                  # place and date, italic
    TITLE = "title"                # BIÊN BẢN KIỂM PHIẾU
    SUBTITLE = "subtitle"          # the ballot form's title, bold
    SUBTITLE_PLAIN = "subtitle_plain"
    PARA = "para"                  # a sentence, wrapped
    PARA_ITALIC = "para_italic"
    SECTION = "section"            # "I. ...", bold
    LABEL = "label"                # meeting-count label
    VALUE = "value"                # meeting count
    UNIT = "unit"
    TH = "th"                      # table header
    TD_NO = "td_no"
    TD_TEXT = "td_text"
    TD_NUM = "td_num"
    TD_PCT = "td_pct"
    TD_NOTE = "td_note"
    SIGN_HEAD = "sign_head"
    SIGN_ROLE = "sign_role"
    SIGN_HINT = "sign_hint"
    SIGN_NAME = "sign_name"
    SHEET_TITLE = "sheet_title"
    KEY = "key"                    # provenance: the label column
    MONO = "mono"                  # a hash
    DATA = "data"                  # hidden sheet: no styling at all


class SheetKind(enum.Enum):
    GROUP = "group"
    INVALID = "invalid"
    PROVENANCE = "provenance"
    DATA = "data"


class Cell(NamedTuple):
    """One cell of the minutes. A named tuple, as tally.snapshot.CellRead: the minutes of a
    realistic event lay out some 700, and a tuple is made three times faster than a frozen
    dataclass (each result verify rebuilds lays them out again)."""

    ref: str                       # "D12"
    row: int
    col: int
    value: CellValue
    role: Role
    checked: bool = False          # shows a result value: verify compares it
    highlight: bool = False        # a flagged person's row
    strong: bool = False           # the low count of a flagged person


@dataclass(frozen=True)
class Rows:
    """A table body of rows of one shape: row `first` onwards, one row per tuple of `values`,
    whose cells sit in columns 1, 2, ... with the column's role; every cell checked, none
    merged, highlighted or strong. A long table (the invalid ballots: 15,000 rows in a large
    count) is laid out so rather than as a Cell each: :attr:`SheetLayout.cells` still lists
    its cells, made when asked, and tally.workbook writes it row by row."""

    first: int
    roles: tuple[Role, ...]
    values: tuple[tuple[CellValue, ...], ...]     # texts as a cell holds them (clean, fit_cell)

    @property
    def last(self) -> int:
        return self.first + len(self.values) - 1

    def cells(self) -> list[Cell]:
        letters = [column_letters(c) for c in range(1, len(self.roles) + 1)]
        return [Cell(f"{letter}{r}", r, c, value, role, True)
                for r, row in enumerate(self.values, start=self.first)
                for c, letter, role, value in zip(range(1, len(letters) + 1), letters, self.roles, row)]

    def checked(self) -> dict[str, CellValue]:
        letters = [column_letters(c) for c in range(1, len(self.roles) + 1)]
        return {f"{letter}{r}": value for r, row in enumerate(self.values, start=self.first)
                for letter, value in zip(letters, row)}


@dataclass(frozen=True)
class SheetLayout:
    title: str
    kind: SheetKind
    placed: tuple[Cell, ...]                           # the cells laid out one by one, in row and column order
    merges: tuple[tuple[int, int, int, int], ...]      # (first row, first col, last row, last col)
    columns: int
    title_rows: tuple[int, int] | None = None          # printed again on every page
    keep_together: tuple[tuple[int, int], ...] = ()     # row ranges not to split across pages
    footer: str = ""                                    # page footer text (styler adds fonts)
    hidden: bool = False
    body: Rows | None = None                            # below every placed cell, merged with none

    @functools.cached_property
    def cells(self) -> tuple[Cell, ...]:
        """Every cell, in row and column order: the placed ones, then the body's."""
        return self.placed + tuple(self.body.cells()) if self.body else self.placed

    def flat(self) -> SheetLayout:
        """The same sheet with every cell placed one by one (no body)."""
        return dataclasses.replace(self, placed=self.cells, body=None) if self.body else self

    def checked(self) -> dict[str, CellValue]:
        out = {ref: value for ref, _row, _col, value, _role, checked, _highlight, _strong in self.placed if checked}
        if self.body:
            out.update(self.body.checked())
        return out


# The most a cell holds: Excel counts 32,767 UTF-16 units, and calls a workbook with a longer
# text damaged ("We found a problem with some content") and cuts it in its repair.
CELL_TEXT_MAX = 32767


def clean(text: str) -> str:
    """Text as the workbook holds it: NFC, without XML-illegal control characters."""
    if text.isascii() and text.isprintable():   # the common case, checked in C
        return text
    return ILLEGAL.sub("", unicodedata.normalize("NFC", text))


def fit_cell(text: str) -> str:
    """`text` cut to what a cell holds (:data:`CELL_TEXT_MAX`), never inside a surrogate pair:
    what the minutes show, and so what verification expects there. results.json keeps the
    whole text."""
    if len(text) <= CELL_TEXT_MAX // 2:
        return text
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * CELL_TEXT_MAX:
        return text
    cut = units[: 2 * CELL_TEXT_MAX]
    if 0xD8 <= cut[-1] <= 0xDB:       # the first half of a pair: drop it
        cut = cut[:-2]
    return cut.decode("utf-16-le", "surrogatepass")


def consequence(rules: RuleSet, flags: tuple[Flag, ...], language: str) -> str | None:
    if not flags:
        return None
    return "\n".join(rules.consequence(f, language) for f in flags)


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitive) Excel sheet title, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "_", wanted).strip("'") or "_"
    title = base[:31]
    n = 2
    while title.casefold() in taken:
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


_new_tuple = tuple.__new__
_ROW_COL = operator.itemgetter(1, 2)          # a Cell's (row, column)
_REFS = refs_at()


_FITTED: dict[str, str] = memo({})     # fit_cell(clean(text)) of the texts met before, for the process (tally.kept)


class _Fitted(dict[CellValue, CellValue]):
    """Texts as a cell holds them (fit_cell(clean(text))), each made once; other values as they are."""

    def __missing__(self, value: CellValue) -> CellValue:
        if not isinstance(value, str):
            return value        # not kept: 1, 1.0 and True are one key
        text = _FITTED.get(value)
        if text is None:
            text = kept(_FITTED, value, fit_cell(clean(value)), value)
        self[value] = text
        return text


class _Builder:
    """Collects the cells of one sheet; rows and columns are 1-based."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.cells: list[Cell] = []
        self.merges: list[tuple[int, int, int, int]] = []
        self.row = 1
        self.body: Rows | None = None
        self._fit = _Fitted().__getitem__     # a sheet repeats its texts (labels, positions, percentages)

    def put(
        self,
        row: int,
        col: int,
        value: CellValue,
        role: Role,
        *,
        checked: bool = False,
        to_col: int | None = None,
        to_row: int | None = None,
        highlight: bool = False,
        strong: bool = False,
    ) -> None:
        if isinstance(value, str):
            value = self._fit(value)
        # Cell(...), made as its named tuple's constructor makes it, without the call in Python
        self.cells.append(_new_tuple(Cell, (_REFS.get((row, col)) or ref_at(row, col), row, col, value, role,
                                            checked, highlight, strong)))
        last_col = to_col or col
        last_row = to_row or row
        if (last_col, last_row) != (col, row):
            self.merges.append((row, col, last_row, last_col))

    def put_row(self, row: int, cells: Sequence[tuple[CellValue, Role, bool]], highlight: bool) -> None:
        """One checked cell per (value, role, strong), in columns 1, 2, ... of `row`, none
        merged: :meth:`put` of each, without a call each (a table's rows are most cells)."""
        fit, refs, append = self._fit, _REFS, self.cells.append
        for col, (value, role, strong) in enumerate(cells, start=1):
            if isinstance(value, str):
                value = fit(value)
            append(_new_tuple(Cell, (refs.get((row, col)) or ref_at(row, col), row, col, value, role, True,
                                     highlight, strong)))

    def line(self, value: CellValue, role: Role, *, checked: bool = False) -> None:
        """A whole-width line at the current row."""
        self.put(self.row, 1, value, role, checked=checked, to_col=self.columns)
        self.row += 1

    def rows(self, roles: tuple[Role, ...], values: list[tuple[CellValue, ...]]) -> None:
        """The sheet's body from the current row on: a row per tuple of values (texts are
        made what a cell holds, as :meth:`put` makes them); every cell checked."""
        fitted = _Fitted()     # a long table repeats its texts (a group, a name, a reason)
        fit = fitted.__getitem__

        def fit_row(row: tuple[CellValue, ...]) -> tuple[CellValue, ...]:
            try:
                return tuple(map(fit, row))
            except TypeError:       # a value results.json holds as a list: kept as put() keeps it
                return tuple(fit(v) if isinstance(v, str) else v for v in row)

        self.body = Rows(self.row, roles, tuple([fit_row(row) for row in values]))
        self.row += len(values)

    def build(self, title: str, kind: SheetKind, **kw: Any) -> SheetLayout:
        cells = tuple(sorted(self.cells, key=_ROW_COL))
        body = self.body
        if body is not None and body.values and (
                any(c.row >= body.first for c in cells) or any(r2 >= body.first for _r, _c, r2, _c2 in self.merges)
                or len(body.roles) > self.columns or any(len(row) != len(body.roles) for row in body.values)):
            raise ValueError("a body must be below every placed and merged cell, a value per column")
        if body is not None and not body.values:
            body = None
        return SheetLayout(title, kind, cells, tuple(self.merges), self.columns, body=body, **kw)


# The group sheet's columns: TT, name, positions, valid, invalid,
# (count, %) for each level, notes.
GROUP_COLUMNS = 12
_LEFT = (1, 3)        # header block and signature slots: columns A..C
_MIDDLE = (4, 8)      # D..H
_RIGHT = (9, 12)      # I..L
_LEVELS = ("high", "medium", "low")


def _header_block(b: _Builder, ev: EventSummary, rules: RuleSet, lab: dict[str, str]) -> None:
    left = [(ev.parent.upper(), Role.HEAD)] if ev.parent else []
    left.append((ev.organisation.upper(), Role.HEAD_BOLD))
    left.append((lab["party_mark"] if rules.party else lab["state_mark"], Role.HEAD_MARK))
    # The number line ("Số ...-BB/BKP") is filled in by hand when the minutes are registered.
    left.append((lab["number_line"], Role.HEAD))
    if rules.party:
        right: list[tuple[str, Role]] = [(lab["party_header"], Role.HEAD_MOTTO)]
    else:
        right = [(lab["state_header"], Role.HEAD_BOLD), (lab["state_motto"], Role.HEAD_MOTTO)]
    date_line = format_date(ev.date, ev.place, ev.language)
    top = b.row
    for i, (text, role) in enumerate(left):
        b.put(top + i, _LEFT[0], text, role, checked=role is not Role.HEAD_MARK and text != lab["number_line"],
              to_col=_LEFT[1])
    for i, (text, role) in enumerate(right):
        b.put(top + i, _MIDDLE[0] + 1, text, role, to_col=_RIGHT[1])
    # The place and date go on the line of the number, across from it (HD 36-HD/VPTW; NĐ 30/2020).
    date_row = top + max(len(left) - 1, len(right))
    b.put(date_row, _MIDDLE[0] + 1, date_line, Role.DATE, checked=True, to_col=_RIGHT[1])
    b.row = max(top + len(left), date_row + 1) + 1


def _opening(b: _Builder, ev: EventSummary, lab: dict[str, str]) -> None:
    """"Hôm nay, vào lúc ... giờ ... ngày ..., tại ..., Ban kiểm phiếu gồm các đồng chí:" and the
    members: the hour is written by hand, the place too when the event file has none."""
    day = format_date(ev.date, None, ev.language)
    day = day[0].lower() + day[1:] if ev.language == "vi" else day
    place = ev.place or lab["blank_place"]
    key = "opening" if ev.committee else "opening_no_committee"
    members = ", ".join(lab["committee_member"].format(name=name, role=role) for name, role in ev.committee)
    b.line(lab[key].format(date=day, place=place, members=members), Role.PARA, checked=True)


def _meeting_block(b: _Builder, g: GroupResult, rules: RuleSet, lab: dict[str, str], quorum: str) -> None:
    b.line(lab["section_meeting"], Role.SECTION)
    counts: list[tuple[str, int, str]] = [
        ("summoned", g.summoned, "unit_person"),
    ]
    if rules.base is Base.MEMBERS and g.members is not None:
        counts.append(("members", g.members, "unit_person"))
    counts += [
        ("present", g.present, "unit_person"),
        ("issued", g.issued, "unit_ballot"),
        ("collected", g.collected, "unit_ballot"),
        ("valid_ballots", g.valid_ballots, "unit_ballot"),
        ("invalid_ballots", g.invalid_ballots, "unit_ballot"),
    ]
    for i, (key, value, unit) in enumerate(counts, start=1):
        b.put(b.row, 1, f"{i}. {lab[key]}", Role.LABEL, to_col=3)
        b.put(b.row, 4, value, Role.VALUE, checked=True)
        b.put(b.row, 5, lab[unit], Role.UNIT, to_col=GROUP_COLUMNS)
        b.row += 1
    key = "quorum_none" if quorum == "none" else "quorum_ok" if has_quorum(g.present, g.summoned, quorum) else "quorum_no"
    b.line(lab[key].format(present=g.present, summoned=g.summoned),
           Role.PARA, checked=True)
    key = "base_members" if rules.base is Base.MEMBERS else "base_collected"
    b.line(lab[key].format(base=g.base), Role.PARA, checked=True)


def _person_table(
    b: _Builder, g: GroupResult, rules: RuleSet, lab: dict[str, str], language: str
) -> tuple[int, int]:
    h1 = b.row
    h2 = h1 + 1
    for col, key in ((1, "th_no"), (2, "th_name"), (3, "th_positions"), (4, "th_valid"), (5, "th_invalid")):
        b.put(h1, col, lab[key], Role.TH, to_row=h2)
    for i, level in enumerate(_LEVELS):
        col = 6 + 2 * i
        b.put(h1, col, lab[f"level_{level}"], Role.TH, to_col=col + 1)
        b.put(h1, col + 1, None, Role.TH)
        b.put(h2, col, lab["th_count"], Role.TH)
        b.put(h2, col + 1, lab["th_pct"], Role.TH)
    b.put(h1, GROUP_COLUMNS, lab["th_note"], Role.TH, to_row=h2)
    for col in (1, 2, 3, 4, 5, GROUP_COLUMNS):
        b.put(h2, col, None, Role.TH)     # the merged cells' lower half still needs its border
    b.row = h2 + 1
    for n, p in enumerate(g.persons, start=1):
        _person_row(b, n, p, rules, language)
    return h1, h2


def _person_row(b: _Builder, n: int, p: PersonResult, rules: RuleSet, language: str) -> None:
    hi = bool(p.flags)
    low = hi                    # the low count of a flagged person is strong
    b.put_row(b.row, (
        (n, Role.TD_NO, False), (p.name, Role.TD_TEXT, False), ("; ".join(p.positions), Role.TD_TEXT, False),
        (p.valid, Role.TD_NUM, False), (p.invalid, Role.TD_NUM, False),
        (p.high, Role.TD_NUM, False), (format_pct(p.high_pct, language), Role.TD_PCT, False),
        (p.medium, Role.TD_NUM, False), (format_pct(p.medium_pct, language), Role.TD_PCT, False),
        (p.low, Role.TD_NUM, low), (format_pct(p.low_pct, language), Role.TD_PCT, low),
        (consequence(rules, p.flags, language), Role.TD_NOTE, False)), hi)
    b.row += 1


def _signature_block(b: _Builder, ev: EventSummary, lab: dict[str, str]) -> tuple[int, int]:
    """The chair signs on the right "TM. BAN KIỂM PHIẾU"; the others fill left, middle, right."""
    first = b.row
    slots = (_LEFT, _MIDDLE, _RIGHT)
    members = list(ev.committee)
    if members:
        chair, others = members[0], members[1:]
    else:
        chair, others = ("", ""), []
    if others:
        b.put(b.row, _LEFT[0], lab["sign_members"], Role.SIGN_HEAD, to_col=_MIDDLE[1])
    b.put(b.row, _RIGHT[0], lab["sign_on_behalf"], Role.SIGN_HEAD, to_col=_RIGHT[1])
    b.row += 1
    # Row groups of three slots; the chair takes the first group's right slot.
    placed: list[list[tuple[str, str] | None]] = [[None, None, chair]]
    queue = list(others)
    while queue:
        group = placed[-1]
        free = [i for i, m in enumerate(group) if m is None]
        if not free:
            placed.append([None, None, None])
            continue
        group[free[0]] = queue.pop(0)
    for group in placed:
        top = b.row
        for slot, member in zip(slots, group):
            if member is None:
                continue
            name, role = member
            b.put(top, slot[0], role.upper(), Role.SIGN_ROLE, checked=True, to_col=slot[1])
            b.put(top + 1, slot[0], lab["sign_hint"], Role.SIGN_HINT, to_col=slot[1])
            b.put(top + 5, slot[0], name, Role.SIGN_NAME, checked=True, to_col=slot[1])
        b.row = top + 7
    return first, b.row - 2


def group_sheet(results: Results, g: GroupResult, title: str, footer: str) -> SheetLayout:
    ev = results.event
    lab = labels(ev.language)
    rules = RULE_SETS[ev.rules]
    b = _Builder(GROUP_COLUMNS)
    _header_block(b, ev, rules, lab)
    b.line(lab["title"], Role.TITLE)
    b.line(g.title, Role.SUBTITLE, checked=True)
    b.line(ev.title, Role.SUBTITLE_PLAIN, checked=True)
    b.row += 1
    b.line(lab["pursuant"].format(citation=rules.citation(ev.language)), Role.PARA_ITALIC, checked=True)
    _opening(b, ev, lab)
    _meeting_block(b, g, rules, lab, ev.effective_policy.quorum)
    b.line(lab["section_result"], Role.SECTION)
    section_row = b.row - 1
    h1, h2 = _person_table(b, g, rules, lab, ev.language)
    last_person = b.row - 1
    b.row += 1
    b.line(lab["closing"], Role.PARA)
    b.row += 1
    sign = _signature_block(b, ev, lab)
    # Keep the section heading with the table header and its first row, and never leave the
    # signatures alone on a page: the last person's row goes with them. The table starts
    # on the first page whenever that much fits there (a whole-section block would push a
    # short table to page 2 and leave half of page 1 empty).
    head = (section_row, h2 + 1)
    tail = (max(last_person, h2 + 1), sign[1])
    # One person: the heading, the table and the signatures are a single block.
    keep = ((section_row, sign[1]),) if tail[0] <= head[1] else (head, tail)
    return b.build(title, SheetKind.GROUP, title_rows=(h1, h2), keep_together=keep, footer=footer)


INVALID_COLUMNS = 5


def invalid_sheet(results: Results, title: str, footer: str) -> SheetLayout:
    lab = labels(results.event.language)
    b = _Builder(INVALID_COLUMNS)
    b.line(lab["invalid_title"], Role.SHEET_TITLE)
    b.line(results.event.title, Role.SUBTITLE_PLAIN, checked=True)
    b.line(lab["invalid_intro"], Role.PARA_ITALIC)
    b.row += 1
    head = b.row
    for col, key in enumerate(("col_group", "col_ballot", "col_person", "col_reason", "col_source"), 1):
        b.put(head, col, lab[key], Role.TH)
    b.row += 1
    rows = [row for g in results.groups for row in _invalid_rows(g, lab)]
    if rows:
        b.rows(_INVALID_ROLES, rows)
    else:
        b.put(b.row, 1, lab["no_invalid"], Role.TD_TEXT, to_col=INVALID_COLUMNS)
        for col in range(2, INVALID_COLUMNS + 1):
            b.put(b.row, col, None, Role.TD_TEXT)
        b.row += 1
    return b.build(title, SheetKind.INVALID, title_rows=(head, head), footer=footer)


def person_name(g: GroupResult, e: InvalidEntry) -> str | None:
    """The name shown for an invalid row: looked up in the group, as results.json keeps ids only."""
    if e.person_id is None:
        return None
    for p in g.persons:
        if p.id == e.person_id:
            return p.name
    return e.person_name or e.person_id


# group, ballot, person, reason, source
_INVALID_ROLES = (Role.TD_TEXT, Role.TD_NUM, Role.TD_TEXT, Role.TD_TEXT, Role.TD_TEXT)


def _invalid_rows(g: GroupResult, lab: dict[str, str]) -> list[tuple[CellValue, ...]]:
    """The invalid-ballot rows of a group: what :func:`person_name` names, by one look-up per row."""
    names: dict[object, str] = {}
    for p in reversed(g.persons):       # the first person with an id, as person_name finds
        try:
            names[p.id] = p.name
        except TypeError:               # an id results.json holds as a list: look each row up
            names = {}
            break
    whole, no_reason = lab["whole_ballot"], lab["no_reason"]
    rows: list[tuple[CellValue, ...]] = []
    for e in g.invalid_entries:
        pid = e.person_id
        if pid is None:
            name: str | None = whole
        else:
            try:
                name = names.get(pid) if names else None
            except TypeError:
                name = None
            if name is None:
                name = person_name(g, e)
            if name is None:
                name = whole
        rows.append((g.title, e.ballot, name, e.reason if e.reason.strip() else no_reason, e.source))
    return rows


PROVENANCE_COLUMNS = 2


def provenance_sheet(results: Results, results_json: bytes, title: str, footer: str) -> SheetLayout:
    ev = results.event
    lab = labels(ev.language)
    rules = RULE_SETS[ev.rules]
    b = _Builder(PROVENANCE_COLUMNS)
    b.line(lab["prov_title"], Role.SHEET_TITLE)
    b.row += 1

    def pair(key: str, value: CellValue, role: Role = Role.TD_TEXT) -> None:
        b.put(b.row, 1, key, Role.KEY)
        b.put(b.row, 2, value, role, checked=True)
        b.row += 1

    pair(lab["prov_event"], ev.title)
    pair(lab["prov_organisation"], ev.organisation)
    pair(lab["prov_date"], format_date(ev.date, None, ev.language))
    pair(lab["prov_event_file"], ev.sha256, Role.MONO)
    for f in results.inputs:
        b.put(b.row, 1, f"{lab['prov_inputs']}: {f.file}", Role.KEY, checked=True)
        b.put(b.row, 2, f.sha256, Role.MONO, checked=True)
        b.row += 1
        for name, sha in f.scans:   # the scanned paper the entry was read from (tally scan)
            b.put(b.row, 1, f"{lab['prov_scan']}: {name}", Role.KEY, checked=True)
            b.put(b.row, 2, sha, Role.MONO, checked=True)
            b.row += 1
    pair(lab["prov_rules"], rules.name(ev.language))
    pair(lab["prov_citation"], rules.citation(ev.language))
    if ev.rules_revision is not None:
        pair(lab["prov_revision"], str(ev.rules_revision))
    policy = ev.effective_policy.as_dict()
    for key, meanings in POLICIES.items():
        pair(f"{lab['prov_policy']}: {POLICY_NAMES[key](ev.language)}", meanings[policy[key]](ev.language))
    pair(lab["prov_tool"], f"{results.tool_name} {results.tool_version}")
    pair(lab["prov_results"], fingerprint(results_json), Role.MONO)
    b.row += 1
    b.line(lab["prov_note"], Role.PARA_ITALIC)
    return b.build(title, SheetKind.PROVENANCE, footer=footer)


def data_sheet(results_json: bytes) -> SheetLayout:
    """The hidden sheet: results.json in base64, A3 onwards. Columns B..E are left free for
    the signatures another module embeds."""
    b = _Builder(1)
    text = base64.b64encode(results_json).decode("ascii")
    chunks = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
    b.put(1, 1, DATA_MARKER, Role.DATA)
    b.put(2, 1, len(chunks), Role.DATA)
    for i, chunk in enumerate(chunks):
        b.put(3 + i, 1, chunk, Role.DATA)
    return b.build(DATA_SHEET, SheetKind.DATA, hidden=True)


def layout(results: Results, results_json: bytes) -> list[SheetLayout]:
    """Every sheet of the minutes, in order: one per group, invalid ballots, provenance, data.

    Pure and deterministic; it reads only what results.json holds (plus the rule set
    texts its `rules` id names), so the layout rebuilt from the signed JSON equals the
    layout the workbook was written from.
    """
    lab = labels(results.event.language)
    taken = {DATA_SHEET.casefold()}
    invalid_title = sheet_title(lab["invalid_sheet"], taken)
    prov_title = sheet_title(lab["prov_sheet"], taken)
    footer = f"{lab['footer_page']}\nresults.json SHA-256: {fingerprint(results_json)}"
    sheets = [group_sheet(results, g, sheet_title(g.id, taken), footer) for g in results.groups]
    sheets.append(invalid_sheet(results, invalid_title, footer))
    sheets.append(provenance_sheet(results, results_json, prov_title, footer))
    sheets.append(data_sheet(results_json))
    return sheets
