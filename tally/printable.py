"""Print-ready paper ballots, laid out like the official form (QĐ 96-QĐ/TW, Annex 4).

One sheet per ballot form (group): the header block (the superior body and the
organisation on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" on the right for Party rule sets, the
national header for the state ones), the title naming the position group, a short
instruction (one box per person; a signature is optional), and the table
TT | Họ và tên | Chức vụ | Tín nhiệm cao | Tín nhiệm | Tín nhiệm thấp with boxes big
enough to mark by hand.

A4 portrait, Times New Roman. A form of up to :data:`ONE_PAGE_MAX` people is fitted on
one page; a longer one flows onto further pages at full size, with the table header
repeated and "Trang x/y" in the footer. The page breaks are computed here, not left to
the spreadsheet program, so that the footer can name the sheet's own page count:
LibreOffice's page-count field counts the pages of the whole document, not the sheet.

The bytes are the same on every run for the same event file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ballots.cells import column_letters
from ballots.i18n import _
from ballots.model import Event, Group
from ballots.output import refuse_existing, require_xlsx
from ballots.paper import PaperEvent, load_paper_event
from ballots.rules import RULE_SETS
from tally.layout import clean
from tally.template import column_points, finish_workbook, new_workbook, write_file
from tally.words import labels
from tally.workbook import FONT_NAME, text_lines

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as XlCell
    from openpyxl.worksheet.worksheet import Worksheet

ONE_PAGE_MAX: Final = 20

# Columns in Excel width units: TT, name, position (two columns, so that the header block
# can split the page about evenly), then the three boxes.
# 507 points; A4 leaves 508. The boxes are wide enough for "Confidence" in bold on one line.
WIDTHS: Final = (3.5, 19.5, 15.25, 15.25, 10.33, 10.33, 10.34)
COLUMNS: Final = len(WIDTHS)
_LEFT: Final = (1, 3)          # header block, left: A..C
_RIGHT: Final = (4, COLUMNS)   # header block, right: D..G
_POSITION: Final = (3, 4)      # the position spans C..D
_BOXES: Final = (5, 6, 7)

A4: Final = (595.0, 842.0)    # points
MARGINS: Final = {"left": 0.7, "right": 0.5, "top": 0.5, "bottom": 0.7, "header": 0.3, "footer": 0.3}  # inches
PERSON_ROW: Final = 25.0       # points: about 9 mm, room for a hand-drawn cross
ESTIMATE_MARGIN: Final = 0.93 # of a cell's width, for estimating how many lines a text wraps to
SLACK: Final = 12.0            # points kept free on every page for rounding in the spreadsheet program

LABELS: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "instruction": "Mỗi người chỉ đánh dấu (X) vào một ô. Dòng không đánh dấu hoặc đánh dấu nhiều ô "
                       "thì không hợp lệ. Người tham gia lấy phiếu có thể ký tên hoặc không ký tên vào phiếu.",
        "levels": "Mức độ tín nhiệm",
        "page": "Trang &P/{pages}",
    },
    "en": {
        "instruction": "Mark (X) exactly one box for each person. A row with no box or several boxes "
                       "marked is invalid. Signing the ballot is optional.",
        "levels": "Level of confidence",
        "page": "Page &P of {pages}",
    },
}


@dataclass(frozen=True)
class BallotForm:
    """What was laid out for one group: for the command's summary and for tests."""

    group: str
    persons: int
    pages: int
    breaks: tuple[int, ...]        # rows after which a page ends


@dataclass(frozen=True)
class _Text:
    size: float
    bold: bool = False
    italic: bool = False
    underline: bool = False
    h: str = "center"
    wrap: bool = True
    border: bool = False
    fill: str | None = None
    indent: int = 0


HEAD = _Text(12)
HEAD_BOLD = _Text(12, bold=True)
MOTTO = _Text(13, bold=True, underline=True)
STATE = _Text(12, bold=True)
MARK = _Text(12, wrap=False)
TITLE = _Text(14, bold=True)
SUBTITLE = _Text(12, italic=True)
INSTRUCTION = _Text(11.5, italic=True, h="left")
TH = _Text(11.5, bold=True, border=True, fill="F2F2F2")
TH_BOX = _Text(11, bold=True, border=True, fill="F2F2F2")
TD_NO = _Text(12, border=True)
TD_TEXT = _Text(12, h="left", border=True, indent=1)
BOX = _Text(12, border=True)


def _words(language: str) -> dict[str, str]:
    return {**labels(language), **(LABELS["vi"] if language == "vi" else LABELS["en"])}


def ballot_workbook(event: Event) -> tuple[bytes, tuple[BallotForm, ...]]:
    """The ballot forms as xlsx bytes, one sheet per group (byte-identical for the same event)."""
    wb = new_workbook()
    forms = tuple(_ballot_sheet(wb.create_sheet(group.id), event, group) for group in event.groups)
    wb.active = 0
    return finish_workbook(wb, event, event.title), forms


def write_ballots(event_path: str | Path, output: str | Path, force: bool = False) -> tuple[
        PaperEvent, Path, tuple[BallotForm, ...]]:
    """Lay out the ballots of the event at `event_path` and write them to `output`.
    Writes nothing when the event has errors or `output` exists without `force`."""
    require_xlsx(output, _("write -o {suggestion}, or add --pdf for the PDF form that `tally scan` reads"))
    refuse_existing([output], force, results=False)
    paper = load_paper_event(event_path)
    data, forms = ballot_workbook(paper.event)
    return paper, write_file(output, data, force), forms


# --- one form ----------------------------------------------------------------------------


class _Sheet:
    """Writes styled cells and remembers how tall each row must be."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.heights: dict[int, float] = {}

    def put(self, row: int, col: int, value: str | int | None, style: _Text, to_col: int | None = None,
            to_row: int | None = None) -> XlCell:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        from tally.xlsx import put

        cell = put(self.ws, row, col, clean(value) if isinstance(value, str) else value)
        cell.font = Font(name=FONT_NAME, size=style.size, bold=style.bold, italic=style.italic,
                         underline="single" if style.underline else None)
        cell.alignment = Alignment(horizontal=style.h, vertical="center", wrap_text=style.wrap,
                                   indent=style.indent)
        last_col, last_row = to_col or col, to_row or row
        if style.border:
            thin = Side(style="thin", color="000000")
            for r in range(row, last_row + 1):
                for c in range(col, last_col + 1):
                    self.ws.cell(row=r, column=c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if style.fill:
            cell.fill = PatternFill(fill_type="solid", start_color=style.fill, end_color=style.fill)
        if (last_col, last_row) != (col, row):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)
        if isinstance(value, str) and last_row == row:
            self.fit(row, value, style, col, last_col)
        return cell

    def fit(self, row: int, text: str, style: _Text, col: int, last_col: int) -> None:
        width = sum(column_points(WIDTHS[c - 1]) for c in range(col, last_col + 1))
        # The estimate of text_lines is rough; a row a line too tall is better than a clipped name.
        room = (width - style.indent * 9) * ESTIMATE_MARGIN
        lines = text_lines(text, room, style.size, style.bold) if style.wrap else 1
        need = lines * style.size * 1.22 + (6 if style.border else 4)
        self.height(row, need)

    def height(self, row: int, points: float) -> None:
        self.heights[row] = max(self.heights.get(row, 0.0), points)


def _ballot_sheet(ws: Worksheet, event: Event, group: Group) -> BallotForm:

    words = _words(event.language)
    party = RULE_SETS[event.rules].party
    sheet = _Sheet(ws)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[column_letters(i)].width = width

    # Header block: the superior body and the organisation (left), the national header (right).
    left = [(event.parent.upper(), HEAD)] if event.parent else []
    left += [(event.organisation.upper(), HEAD_BOLD), (words["party_mark"] if party else words["state_mark"], MARK)]
    right = [(words["party_header"], MOTTO)] if party else [(words["state_header"], STATE),
                                                           (words["state_motto"], MOTTO)]
    for i, (text, style) in enumerate(left):
        sheet.put(1 + i, _LEFT[0], text, style, to_col=_LEFT[1])
    for i, (text, style) in enumerate(right):
        sheet.put(1 + i, _RIGHT[0], text, style, to_col=_RIGHT[1])
    row = max(len(left), len(right)) + 1
    sheet.height(row, 10.0)
    row += 1
    sheet.put(row, 1, group.title.upper(), TITLE, to_col=COLUMNS)
    row += 1
    sheet.put(row, 1, event.title, SUBTITLE, to_col=COLUMNS)
    row += 1
    sheet.height(row, 6.0)
    row += 1
    sheet.put(row, 1, words["instruction"], INSTRUCTION, to_col=COLUMNS)
    row += 1
    sheet.height(row, 6.0)
    row += 1

    # The table: a two-row header, repeated on every page, then one row per person.
    h1, h2 = row, row + 1
    sheet.put(h1, 1, words["th_no"], TH, to_row=h2)
    sheet.put(h1, 2, words["th_name"], TH, to_row=h2)
    sheet.put(h1, _POSITION[0], words["th_positions"], TH, to_col=_POSITION[1], to_row=h2)
    sheet.put(h1, _BOXES[0], words["levels"], TH, to_col=_BOXES[-1])
    # The official labels; the boxes are wide enough that they wrap between words only.
    for col, key in zip(_BOXES, ("level_high", "level_medium", "level_low")):
        sheet.put(h2, col, words[key], TH_BOX)
    sheet.height(h1, 18.0)
    persons = event.persons_on(group)
    row = h2 + 1
    for n, person in enumerate(persons, start=1):
        sheet.put(row, 1, n, TD_NO)
        sheet.put(row, 2, person.name, TD_TEXT)
        sheet.put(row, _POSITION[0], "; ".join(event.titles_on(person, group)), TD_TEXT, to_col=_POSITION[1])
        for col in _BOXES:
            sheet.put(row, col, None, BOX)
        sheet.height(row, PERSON_ROW)
        row += 1
    last = row - 1
    # Every person's row is as tall as the tallest: the boxes form an even grid.
    tallest = max((sheet.heights[r] for r in range(h2 + 1, last + 1)), default=PERSON_ROW)
    for r in range(h2 + 1, last + 1):
        sheet.height(r, tallest)

    heights = {r: math.ceil(sheet.heights.get(r, 15.0) * 4) / 4 for r in range(1, last + 1)}
    for r, h in heights.items():
        ws.row_dimensions[r].height = h
    one_page = len(persons) <= ONE_PAGE_MAX
    breaks = () if one_page else page_breaks(heights, (h1, h2))
    pages = len(breaks) + 1
    _setup_page(ws, words["page"].format(pages=pages), (h1, h2), breaks, one_page)
    return BallotForm(group.id, len(persons), pages, breaks)


def page_room() -> float:
    """The printable height of an A4 portrait page at full size, in points, less the slack."""
    return A4[1] - (MARGINS["top"] + MARGINS["bottom"]) * 72 - SLACK


def page_breaks(heights: dict[int, float], title_rows: tuple[int, int]) -> tuple[int, ...]:
    """Rows after which to start a new page, at full size, with `title_rows` repeated on
    every page after the first."""
    room = page_room()
    title_h = sum(heights[r] for r in range(title_rows[0], title_rows[1] + 1))
    breaks: list[int] = []
    y = 0.0
    for r in sorted(heights):
        if y + heights[r] > room and r > title_rows[1] + 1:
            breaks.append(r - 1)
            y = title_h
        y += heights[r]
    return tuple(breaks)


def _setup_page(ws: Worksheet, footer: str, title_rows: tuple[int, int], breaks: tuple[int, ...],
                one_page: bool) -> None:
    from openpyxl.worksheet.pagebreak import Break

    ps = ws.page_setup
    ps.paperSize = ws.PAPERSIZE_A4
    ps.orientation = "portrait"
    ps.fitToWidth = 1
    ps.fitToHeight = 1 if one_page else 0
    ps.firstPageNumber = 1          # every form starts at page 1, whatever sheet it is
    ps.useFirstPageNumber = True
    assert ws.sheet_properties.pageSetUpPr is not None
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for key, value in MARGINS.items():
        setattr(ws.page_margins, key, value)
    ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    for footer_part in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        assert footer_part is not None
        footer_part.center.text = footer
        footer_part.center.font = FONT_NAME
        footer_part.center.size = 10
    ws.sheet_view.showGridLines = False
    for r in breaks:
        ws.row_breaks.append(Break(id=r))
