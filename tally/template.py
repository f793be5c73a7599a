"""The data-entry workbook (SPEC §5) that `tally template` makes.

One sheet per group, in the import format: row 1 is the header (Số phiếu, Tình trạng,
one column per person, Ghi chú), frozen; ballot numbers 1..issued are filled in; every
cell a clerk types into carries a list validation, so that Excel or LibreOffice itself
refuses anything but a mark code or a status, and an input message that shows the codes
whenever a mark cell is selected. A last sheet explains the codes at more length.

The workbook carries its event: a hidden sheet (:data:`FINGERPRINT_SHEET`) holds a
marker, the SHA-256 of the event file and the event file itself (base64). python-calamine,
which reads the ballots, reads hidden sheets but not custom document properties, hence
a sheet. :func:`read_fingerprint` gives it back; `read_ballots` refuses an entry
workbook whose fingerprint is not the event's (E411), and `tally reconcile` takes the
event from it. A hand-made sheet has no fingerprint and is accepted as it is.

The fingerprint it carries is read back by :mod:`ballots.entry`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from ballots.cells import column_letters as letter
from ballots.entry import CHUNK, FINGERPRINT_MARKER, FINGERPRINT_SHEET, MARK_CODES, STATUS_WORDS
from ballots.model import Event, Group, Person
from ballots.output import refuse_existing, require_xlsx, write_atomic
from ballots.paper import PaperEvent, load_paper_event
from tally.layout import CellValue
from tally.workbook import FONT_NAME, text_lines

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


def write_file(path: str | Path, data: bytes, force: bool) -> Path:
    """Write atomically; an existing file is replaced only with `force`."""
    refuse_existing([path], force, results=False)
    write_atomic(Path(path), data)
    return Path(path)


DEFAULT_FONT_SIZE: Final = 12.0


def new_workbook() -> Workbook:
    """An empty workbook whose default font is Times New Roman 12 (see tally.xlsx.new_workbook):
    a column width of w is then 8·w pixels, :func:`column_points` of it, in Excel and LibreOffice."""
    from openpyxl.styles import Font

    from tally.xlsx import new_workbook as make

    return make(Font(name=FONT_NAME, sz=DEFAULT_FONT_SIZE, family=1))


def column_points(width: float) -> float:
    """A column width (in digits of Times New Roman 12, 8 px each at 96 dpi) in points."""
    return width * 8 * 0.75


def finish_workbook(wb: Workbook, event: Event, title: str) -> bytes:
    """Set fixed document properties and return deterministic xlsx bytes.

    No full recalculation on load (openpyxl's default): these workbooks hold no formula, and
    the flag makes Excel ask "Save changes?" when a file that nobody changed is closed."""
    from tally.xlsx import deterministic_bytes

    wb.calculation.fullCalcOnLoad = False
    return deterministic_bytes(wb, event.date, title)


# --- the template ---------------------------------------------------------------------

_LABELS: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "ballot": "Số phiếu",
        "status": "Tình trạng",
        "note": "Ghi chú",
        "legend_sheet": "Hướng dẫn",
        "mark_title": "Mã đánh dấu",
        "mark_prompt": "1 = Tín nhiệm cao\n2 = Tín nhiệm\n3 = Tín nhiệm thấp\n"
                       "0 = dòng không hợp lệ (không đánh dấu, đánh nhiều ô, gạch tên)\n"
                       "(cũng được: C, T, TH, -)",
        "mark_error_title": "Mã không hợp lệ",
        "mark_error": "Chỉ nhập 1 (tín nhiệm cao), 2 (tín nhiệm), 3 (tín nhiệm thấp) hoặc 0 (dòng không hợp "
                      "lệ); cũng được C, T, TH, -. Cử tri không đánh dấu ô nào: nhập 0, không để trống.",
        "status_title": "Tình trạng phiếu",
        "status_prompt": "Để trống nếu phiếu hợp lệ.\nGhi \"không hợp lệ\" nếu cả phiếu không hợp lệ "
                         "(ghi lý do ở cột Ghi chú).",
        "status_error_title": "Tình trạng không hợp lệ",
        "status_error": "Chỉ để trống, chọn \"hợp lệ\" hoặc \"không hợp lệ\".",
        "number_error_title": "Số phiếu",
        "beyond_error_title": "Ngoài mẫu phiếu",
        "beyond_error": "Mẫu phiếu {group} chỉ có {persons} người; cột này không dùng. Có thể bạn đang nhập "
                        "phiếu của mẫu khác vào trang này: kiểm tra tên trang tính.",
        "number_error": "Số phiếu là số nguyên từ 1 đến {issued} (số phiếu phát ra).",
        "footer": "&A — Trang &P",
        "legend_title": "HƯỚNG DẪN NHẬP PHIẾU",
        "legend_event": "{title} — {organisation}",
        "legend_intro": "Mỗi trang tính là một mẫu phiếu (tên trang = mã nhóm). Mỗi dòng là một phiếu, theo số "
                        "phiếu đã đánh sẵn; mỗi cột là một người được lấy phiếu. Dòng chỉ có số phiếu là "
                        "phiếu chưa dùng và được bỏ qua; dòng nhập dở là lỗi.",
        "legend_codes": "Mã đánh dấu",
        "legend_code": "Mã",
        "legend_meaning": "Ý nghĩa",
        "legend_high": "Tín nhiệm cao",
        "legend_medium": "Tín nhiệm",
        "legend_low": "Tín nhiệm thấp",
        "legend_invalid": "Dòng không hợp lệ: không đánh dấu ô nào, đánh dấu nhiều ô, hoặc gạch tên",
        "legend_status": "Cột Tình trạng: để trống (phiếu hợp lệ) hoặc \"không hợp lệ\" khi cả phiếu không hợp lệ "
                          "(không phải phiếu do Ban kiểm phiếu phát ra, không đúng mẫu); ghi lý do ở cột Ghi chú. "
                          "Trên phiếu không hợp lệ có thể để trống các ô đánh dấu.",
        "legend_twice": "Hai người nhập độc lập, mỗi người một bản sao của tệp này, rồi so sánh: "
                        "tally reconcile bản-1.xlsx bản-2.xlsx",
        "legend_fingerprint": "Tệp này gắn với tệp sự kiện {source} (SHA-256 {sha}). Không dùng cho sự kiện khác.",
        "groups_head": "Mẫu phiếu",
        "group_line": "{id}: {title} — {persons} người, {issued} phiếu phát ra",
    },
    "en": {
        "ballot": "Ballot",
        "status": "Status",
        "note": "Note",
        "legend_sheet": "Instructions",
        "mark_title": "Mark codes",
        "mark_prompt": "1 = high confidence\n2 = confidence\n3 = low confidence\n"
                       "0 = invalid row (no box, several boxes, name crossed out)\n"
                       "(also: C, T, TH, -)",
        "mark_error_title": "Not a mark code",
        "mark_error": "Type 1 (high), 2 (medium), 3 (low) or 0 (invalid row); C, T, TH, - also work. "
                      "If the voter marked no box, type 0: never leave the cell empty.",
        "status_title": "Ballot status",
        "status_prompt": "Leave blank for a valid ballot.\nType \"invalid\" when the whole ballot is invalid "
                         "(give the reason under Note).",
        "status_error_title": "Not a status",
        "status_error": "Leave blank, or choose \"valid\" or \"invalid\".",
        "number_error_title": "Ballot number",
        "beyond_error_title": "Outside the form",
        "beyond_error": "Form {group} has only {persons} people; this column is not used. You may be typing "
                        "another form's ballot into this sheet: check the sheet's name.",
        "number_error": "A ballot number is a whole number from 1 to {issued} (ballots issued).",
        "footer": "&A — Page &P",
        "legend_title": "HOW TO ENTER THE BALLOTS",
        "legend_event": "{title} — {organisation}",
        "legend_intro": "Each sheet is one ballot form (sheet name = group id). Each row is one ballot, by its "
                        "pre-filled number; each column is one person under review. A row with only its number "
                        "is an unused ballot and is skipped; a half-filled row is an error.",
        "legend_codes": "Mark codes",
        "legend_code": "Code",
        "legend_meaning": "Meaning",
        "legend_high": "High confidence (tín nhiệm cao)",
        "legend_medium": "Confidence (tín nhiệm)",
        "legend_low": "Low confidence (tín nhiệm thấp)",
        "legend_invalid": "Invalid row: no box marked, several boxes, or the name crossed out",
        "legend_status": "Status column: blank (a valid ballot) or \"invalid\" when the whole ballot is invalid "
                          "(not issued by the committee, not the official form); give the reason under Note. "
                          "On an invalid ballot the mark cells may stay empty.",
        "legend_twice": "Two clerks enter the ballots independently, each in a copy of this file, then compare: "
                        "tally reconcile entry-1.xlsx entry-2.xlsx",
        "legend_fingerprint": "This file belongs to the event file {source} (SHA-256 {sha}). "
                              "Do not use it for another event.",
        "groups_head": "Ballot forms",
        "group_line": "{id}: {title} — {persons} people, {issued} ballots issued",
    },
}

_STATUS_WORDS_EN: Final = ("valid", "invalid")
_HEADER_FILL: Final = "F2F2F2"
ROW_HEIGHT: Final = 18.0       # points: a ballot row, roomy enough to type in
_INPUT_FILL: Final = "FFFFFF"


def labels(language: str) -> dict[str, str]:
    return _LABELS["vi"] if language == "vi" else _LABELS["en"]


def person_header(person_id: str, name: str) -> str:
    """The person column's header, as `read_ballots` matches it: 'p01 - Nguyễn Văn An'."""
    return f"{person_id} - {name}"


@dataclass(frozen=True)
class TemplateSheet:
    group: str
    persons: int
    rows: int              # pre-numbered ballot rows (= issued)


@dataclass(frozen=True)
class TypedRow:
    """A ballot row as a clerk typed it, to be put into a new template (`tally template --from`)."""

    number: int
    status: object
    note: object
    marks: Mapping[str, object]      # person id -> the cell as typed


def template_workbook(paper: PaperEvent, typed: Mapping[str, Sequence[TypedRow]] | None = None) -> tuple[
        bytes, tuple[TemplateSheet, ...]]:
    """The entry workbook as xlsx bytes (byte-identical for the same event file and rows)."""
    event = paper.event
    lab = labels(event.language)
    wb = new_workbook()
    sheets: list[TemplateSheet] = []
    for group in event.groups:
        ws = wb.create_sheet(group.id)
        n = _group_sheet(ws, event, group, lab)
        sheets.append(TemplateSheet(group.id, n, group.issued))
        for row in (typed or {}).get(group.id, ()):
            _put_row(ws, event.persons_on(group), row)
    _legend_sheet(wb.create_sheet(lab["legend_sheet"]), paper, lab)
    _fingerprint_sheet(wb.create_sheet(FINGERPRINT_SHEET), paper)
    wb.active = 0
    return finish_workbook(wb, event, event.title), tuple(sheets)


def write_template(event_path: str | Path, output: str | Path, force: bool = False) -> tuple[
        PaperEvent, Path, tuple[TemplateSheet, ...]]:
    """Make the entry workbook for the event at `event_path` and write it to `output`.
    Writes nothing when the event has errors or `output` exists without `force`."""
    require_xlsx(output)
    refuse_existing([output], force, results=False)
    paper = load_paper_event(event_path)
    data, sheets = template_workbook(paper)
    return paper, write_file(output, data, force), sheets


# The entry sheet's columns. The note comes before the people so that the people are last:
# a ballot of a longer form typed into this sheet runs into the column after them, which
# accepts nothing, and one of a shorter form leaves the last person's cell empty (E502).
BALLOT_COL: Final = 1
STATUS_COL: Final = 2
NOTE_COL: Final = 3
FIRST_PERSON_COL: Final = 4


def _group_sheet(ws: Worksheet, event: Event, group: Group, lab: dict[str, str]) -> int:
    from openpyxl.worksheet.datavalidation import DataValidation

    from tally.xlsx import put

    persons = event.persons_on(group)
    headers = [lab["ballot"], lab["status"], lab["note"], *(person_header(p.id, p.name) for p in persons)]
    last_person = FIRST_PERSON_COL + len(persons) - 1
    last_row = group.issued + 1
    for col, text in enumerate(headers, start=1):
        _header_style(put(ws, 1, col, text))
    for number in range(1, group.issued + 1):
        ws.row_dimensions[number + 1].height = ROW_HEIGHT
        cell = ws.cell(row=number + 1, column=BALLOT_COL, value=number)
        _body_style(cell, center=True, fill=_HEADER_FILL)
        for col in range(STATUS_COL, last_person + 1):
            _body_style(ws.cell(row=number + 1, column=col), center=col != NOTE_COL)

    widths = {BALLOT_COL: 9.0, STATUS_COL: 13.0, NOTE_COL: 24.0}
    for col in range(FIRST_PERSON_COL, last_person + 1):
        widths[col] = 14.0
    for col, width in widths.items():
        ws.column_dimensions[letter(col)].width = width
    lines = max(text_lines(h, column_points(widths[c]), 12, bold=True) for c, h in enumerate(headers, start=1))
    ws.row_dimensions[1].height = 14.5 * lines + 6

    def validation(kind: Literal["whole", "list", "textLength"], title: str, error: str, formula1: str,
                   operator: Literal["between", "equal"] | None = None, formula2: str | None = None,
                   prompt_title: str | None = None, prompt: str | None = None) -> DataValidation:
        return DataValidation(type=kind, operator=operator, formula1=formula1, formula2=formula2,
                              allow_blank=True, showErrorMessage=True, errorStyle="stop", errorTitle=title,
                              error=error, showInputMessage=prompt is not None, promptTitle=prompt_title,
                              prompt=prompt)

    numbers = validation("whole", lab["number_error_title"], lab["number_error"].format(issued=group.issued),
                        operator="between", formula1="1", formula2=str(max(group.issued, 1)))
    statuses = STATUS_WORDS if event.language == "vi" else STATUS_WORDS + _STATUS_WORDS_EN
    status = validation("list", lab["status_error_title"], lab["status_error"], formula1=_list_formula(statuses),
                        prompt_title=lab["status_title"], prompt=lab["status_prompt"])
    marks = validation("list", lab["mark_error_title"], lab["mark_error"], formula1=_list_formula(MARK_CODES),
                       prompt_title=lab["mark_title"], prompt=lab["mark_prompt"])
    beyond = validation("textLength", lab["beyond_error_title"],
                        lab["beyond_error"].format(group=group.id, persons=len(persons)),
                        operator="equal", formula1="0")
    if group.issued:
        numbers.add(f"{letter(BALLOT_COL)}2:{letter(BALLOT_COL)}{last_row}")
        status.add(f"{letter(STATUS_COL)}2:{letter(STATUS_COL)}{last_row}")
        if persons:
            marks.add(f"{letter(FIRST_PERSON_COL)}2:{letter(last_person)}{last_row}")
        beyond.add(f"{letter(last_person + 1)}2:{letter(last_person + 1)}{last_row}")
    for dv in (numbers, status, marks, beyond):
        if dv.sqref:       # an empty range is a validation Excel calls damaged
            ws.add_data_validation(dv)

    ws.freeze_panes = f"{letter(FIRST_PERSON_COL)}2"   # the header, and ballot number, status and note
    ws.print_title_rows = "1:1"
    _page_setup(ws, "landscape", lab["footer"])
    return len(persons)


def _put_row(ws: Worksheet, persons: Sequence[Person], row: TypedRow) -> None:
    """A typed ballot row into its numbered row (ballot n on sheet row n + 1); text stays text."""
    from tally.xlsx import put

    def value(v: object) -> CellValue:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if v is None or isinstance(v, (int, str)):
            return v
        return str(v)

    at = row.number + 1
    put(ws, at, BALLOT_COL, row.number)
    put(ws, at, STATUS_COL, value(row.status))
    put(ws, at, NOTE_COL, value(row.note))
    for i, person in enumerate(persons):
        if person.id in row.marks:
            put(ws, at, FIRST_PERSON_COL + i, value(row.marks[person.id]))


def _list_formula(items: Sequence[str]) -> str:
    """A list validation's literal list: '"1,2,3"'. Items never hold commas or quotes."""
    return '"' + ",".join(items) + '"'


def _header_style(cell: object) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    cell.font = Font(name=FONT_NAME, size=12, bold=True)  # type: ignore[attr-defined]
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)  # type: ignore[attr-defined]
    cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)  # type: ignore[attr-defined]
    cell.fill = PatternFill(fill_type="solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)  # type: ignore[attr-defined]


def _body_style(cell: object, center: bool, fill: str | None = None) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    hair = Side(style="thin", color="A6A6A6")
    cell.font = Font(name=FONT_NAME, size=12)  # type: ignore[attr-defined]
    cell.alignment = Alignment(horizontal="center" if center else "left", vertical="center")  # type: ignore[attr-defined]
    cell.border = Border(left=hair, right=hair, top=hair, bottom=hair)  # type: ignore[attr-defined]
    if fill:
        cell.fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)  # type: ignore[attr-defined]


def _legend_sheet(ws: Worksheet, paper: PaperEvent, lab: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font

    from tally.xlsx import put

    event = paper.event
    widths = (12.0, 62.0)
    ws.column_dimensions["A"].width = widths[0]
    ws.column_dimensions["B"].width = widths[1]
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1

    def line(text: str, *, bold: bool = False, italic: bool = False, size: float = 12) -> None:
        nonlocal row
        cell = put(ws, row, 1, text)
        cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
        cell.alignment = wrap
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        lines = text_lines(text, column_points(sum(widths)), size, bold)
        ws.row_dimensions[row].height = lines * size * 1.25 + 4
        row += 1

    line(lab["legend_title"], bold=True, size=14)
    line(lab["legend_event"].format(title=event.title, organisation=event.organisation), italic=True)
    row += 1
    line(lab["legend_intro"])
    row += 1
    line(lab["legend_codes"], bold=True)
    for code, meaning in ((lab["legend_code"], lab["legend_meaning"]),
                          ("1  ·  C", lab["legend_high"]), ("2  ·  T", lab["legend_medium"]),
                          ("3  ·  TH", lab["legend_low"]), ("0  ·  -", lab["legend_invalid"])):
        head = code == lab["legend_code"]
        for col, text in ((1, code), (2, meaning)):
            cell = put(ws, row, col, text)
            cell.font = Font(name=FONT_NAME, size=12, bold=head or col == 1)
            cell.alignment = wrap
        ws.row_dimensions[row].height = text_lines(meaning, column_points(widths[1]), 12) * 15 + 4
        row += 1
    row += 1
    line(lab["legend_status"])
    row += 1
    line(lab["groups_head"], bold=True)
    for group in event.groups:
        line(lab["group_line"].format(id=group.id, title=group.title, persons=len(event.persons_on(group)),
                                      issued=group.issued))
    row += 1
    line(lab["legend_twice"])
    line(lab["legend_fingerprint"].format(source=event.source, sha=event.sha256), italic=True, size=10)
    _page_setup(ws, "portrait", lab["footer"])


def _page_setup(ws: Worksheet, orientation: Literal["portrait", "landscape"], footer: str) -> None:
    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = orientation
    ps.fitToWidth = 1
    ps.fitToHeight = 0
    ps.firstPageNumber = 1
    ps.useFirstPageNumber = True
    assert ws.sheet_properties.pageSetUpPr is not None and ws.oddFooter is not None
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = footer
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 10


def _fingerprint_sheet(ws: Worksheet, paper: PaperEvent) -> None:
    from tally.xlsx import put

    encoded = base64.b64encode(paper.raw).decode("ascii")
    chunks = [encoded[i : i + CHUNK] for i in range(0, len(encoded), CHUNK)]
    values: list[str | int] = [FINGERPRINT_MARKER, paper.event.sha256, paper.event.source, len(chunks), *chunks]
    for row, value in enumerate(values, start=1):
        put(ws, row, 1, value)
    ws.sheet_state = "veryHidden"   # not offered by Excel's Unhide: the fingerprint is not edited by hand
