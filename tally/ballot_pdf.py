"""Machine-readable paper ballots as a PDF with exact geometry (`tally ballots --pdf`).

The same form as :mod:`tally.printable` (QĐ 96-QĐ/TW, Annex 4): header block, title, the
instruction and the table TT | Họ và tên | Chức vụ | Tín nhiệm cao | Tín nhiệm | Tín nhiệm thấp,
but drawn to the millimetre so that a scan can be read back (:mod:`tally.scan`):

- four ArUco markers (4×4, ids 0–3) in the corners: any three of them register a page,
  whichever way up it was fed;
- a QR code naming the form: ``tally-form/1;<form fingerprint, 16 hex>;<group>;<k>/<n>``. It has
  no per-ballot serial: ballots are secret, every copy of a page is the same;
- one square box per level and person, 8 mm, room for a hand-drawn tick or cross;
- a line asking to print at 100 % (a shrunk page still reads, but its boxes get small).

A form longer than one page is one ballot over k pages. The geometry (:func:`form_layout`)
depends only on the number of people on the form, never on how the text wraps, so the
reader recomputes it from the event file alone. Needs reportlab (the ``scan`` extra).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ballots.entry import Form
from ballots.errors import fail
from ballots.i18n import _
from ballots.model import Event, Group
from ballots.output import refuse_existing, require_suffix
from ballots.paper import PaperEvent, load_paper_event
from ballots.rules import RULE_SETS
from tally.printable import LABELS
from tally.scan import SCAN_EXTRA
from tally.template import write_file
from tally.words import labels

PAGE: Final = (210.0, 297.0)             # A4, mm
FIDUCIAL: Final = 10.0                   # side of a corner marker, mm
FIDUCIAL_INSET: Final = 8.0              # from the page's edges
QR_SIZE: Final = 18.0
QR_AT: Final = (22.0, 271.0)             # top-left of the QR code, mm
LEFT: Final = 15.0
COLUMNS: Final = (10.0, 52.0, 46.0, 24.0, 24.0, 24.0)   # TT, name, positions, three levels: 180 mm
ROW: Final = 11.0                        # a person's row
BOX: Final = 8.0                         # a box's side
HEAD_ROWS: Final = (6.0, 9.0)            # the table header's two rows
FIRST_TABLE_TOP: Final = 92.0            # the table's top on the first page
NEXT_TABLE_TOP: Final = 32.0             # on the following pages
BOTTOM: Final = 266.0                    # no row below this
QR_PREFIX: Final = "tally-form/1"

# The four corner markers: ArUco DICT_4X4_50 ids 0 (top left), 1 (top right), 2 (bottom
# right), 3 (bottom left), as their 4×4 inner bits (1 = white), so that printing needs no OpenCV.
ARUCO_BITS: Final = (
    ("1011", "0101", "0011", "0010"),
    ("0000", "1111", "1001", "1010"),
    ("0011", "0011", "0010", "1101"),
    ("1001", "1001", "0100", "0110"),
)


@dataclass(frozen=True)
class Rect:
    """A rectangle on the page, in mm from the top-left corner."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class RowLayout:
    person: int                        # index on the form (0-based)
    row: Rect                          # the whole table row
    boxes: tuple[Rect, Rect, Rect]     # high, medium, low


@dataclass(frozen=True)
class PageLayout:
    number: int                        # 1-based
    of: int
    rows: tuple[RowLayout, ...]


@dataclass(frozen=True)
class FormLayout:
    group: str
    persons: int
    pages: tuple[PageLayout, ...]


def fiducials() -> tuple[Rect, Rect, Rect, Rect]:
    """The corner markers, by id (0 top left, clockwise)."""
    w, h = PAGE
    far_x, far_y = w - FIDUCIAL_INSET - FIDUCIAL, h - FIDUCIAL_INSET - FIDUCIAL
    return (Rect(FIDUCIAL_INSET, FIDUCIAL_INSET, FIDUCIAL, FIDUCIAL), Rect(far_x, FIDUCIAL_INSET, FIDUCIAL, FIDUCIAL),
            Rect(far_x, far_y, FIDUCIAL, FIDUCIAL), Rect(FIDUCIAL_INSET, far_y, FIDUCIAL, FIDUCIAL))


def qr_rect() -> Rect:
    return Rect(QR_AT[0], QR_AT[1], QR_SIZE, QR_SIZE)


def rows_per_page(first: bool) -> int:
    top = (FIRST_TABLE_TOP if first else NEXT_TABLE_TOP) + sum(HEAD_ROWS)
    return int((BOTTOM - top) // ROW)


def form_layout(persons: int, group: str) -> FormLayout:
    """Where every box of a form of `persons` people is, page by page."""
    chunks: list[range] = []
    start = 0
    while start < persons or not chunks:
        n = rows_per_page(not chunks)
        chunks.append(range(start, min(persons, start + n)))
        start += n
    pages = []
    for k, chunk in enumerate(chunks, start=1):
        y = (FIRST_TABLE_TOP if k == 1 else NEXT_TABLE_TOP) + sum(HEAD_ROWS)
        rows = []
        for person in chunk:
            x = LEFT + sum(COLUMNS[:3])
            boxes = []
            for level in range(3):
                cx = x + COLUMNS[3 + level] / 2
                boxes.append(Rect(cx - BOX / 2, y + (ROW - BOX) / 2, BOX, BOX))
                x += COLUMNS[3 + level]
            rows.append(RowLayout(person, Rect(LEFT, y, sum(COLUMNS), ROW), (boxes[0], boxes[1], boxes[2])))
            y += ROW
        pages.append(PageLayout(k, len(chunks), tuple(rows)))
    return FormLayout(group, persons, tuple(pages))


def form_fingerprint(event: Event, group: str) -> str:
    """16 hex digits naming one printed form: the organisation, the rule set, the group and the
    people on it in order with their printed names (:class:`ballots.entry.Form`, what an entry
    workbook is bound to). Meeting counts, the title or a committee member may change after
    the ballots are printed; the people on the form may not."""
    form = Form.of(event)
    people = dict(form.groups).get(group, ())
    text = json.dumps([QR_PREFIX, event.organisation, form.rules, group, [[p.id, p.name] for p in people]],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def qr_payload(fingerprint: str, group: str, page: int, pages: int) -> str:
    return f"{QR_PREFIX};{fingerprint};{group};{page}/{pages}"


@dataclass(frozen=True)
class QrInfo:
    form: str             # the form's fingerprint (form_fingerprint)
    group: str
    page: int
    pages: int


def parse_qr(text: str) -> QrInfo | None:
    """The form a QR code names, or None when it is not one of ours."""
    parts = text.strip().split(";")
    if len(parts) != 4 or parts[0] != QR_PREFIX:
        return None
    k, _slash, n = parts[3].partition("/")
    if not (k.isdigit() and n.isdigit()) or not 1 <= int(k) <= int(n):
        return None
    return QrInfo(parts[1], parts[2], int(k), int(n))


# --- drawing ---------------------------------------------------------------------------


_FONT_FILES: Final = (   # regular, bold, italic: Times New Roman or a serif with every Vietnamese letter
    ("times.ttf", "timesbd.ttf", "timesi.ttf"),
    ("Times New Roman.ttf", "Times New Roman Bold.ttf", "Times New Roman Italic.ttf"),
    ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf"),
    ("DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-Bold.ttf", "DejaVuSerifCondensed-Italic.ttf"),
    ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
)
_FONT_DIRS: Final = (
    os.path.join(os.environ.get("WINDIR", "C:\\Windows"), "Fonts"),
    "/Library/Fonts", "/System/Library/Fonts/Supplemental",
    "/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/liberation-serif", "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
)
_VIETNAMESE: Final = "ĂăÂâĐđÊêÔôƠơƯưẢảẠạẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"


def _covers_vietnamese(path: Path) -> bool:
    from reportlab.pdfbase.ttfonts import TTFontFile

    try:
        cmap = TTFontFile(str(path)).charToGlyph
    except Exception:  # noqa: BLE001  (reportlab raises anything for a damaged font: not a candidate)
        return False
    return all(ord(ch) in cmap for ch in _VIETNAMESE)


def find_fonts() -> tuple[Path, Path, Path]:
    """A serif font with every Vietnamese letter, found on this computer (E429 if none). A family
    without an italic face uses its regular face for the (few) italic lines."""
    extra = os.environ.get("TALLY_FONT_DIR")
    for folder in ((extra,) if extra else ()) + _FONT_DIRS:
        for files in _FONT_FILES:
            regular, bold, italic = (Path(folder) / f for f in files)
            if regular.is_file() and bold.is_file() and _covers_vietnamese(regular) and _covers_vietnamese(bold):
                return regular, bold, italic if italic.is_file() and _covers_vietnamese(italic) else regular
    raise fail("E429", _("no font with Vietnamese letters was found for the PDF ballots"),
               _("install Times New Roman or DejaVu Serif (Debian: apt install fonts-dejavu-core), "
                 "or set TALLY_FONT_DIR to a folder holding DejaVuSerif.ttf and DejaVuSerif-Bold.ttf"))


def _reportlab() -> Any:
    try:
        import reportlab
    except ImportError:
        raise fail("E421", _("the PDF ballots and scanning need the optional scan support, which is not installed"),
                   _("install it with: {command}").format(command=SCAN_EXTRA)) from None
    return reportlab


_FONTS_REGISTERED: list[bool] = []


def _register_fonts() -> None:
    if _FONTS_REGISTERED:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold, italic = find_fonts()
    pdfmetrics.registerFont(TTFont("TallySerif", str(regular)))
    pdfmetrics.registerFont(TTFont("TallySerif-Bold", str(bold)))
    pdfmetrics.registerFont(TTFont("TallySerif-Italic", str(italic)))
    _FONTS_REGISTERED.append(True)


_WORDS: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "print": "In đúng tỷ lệ 100% (không chọn “vừa trang”). Đánh dấu bằng bút mực đậm, trong ô.",
        "page": "Trang {k}/{n}",
        "continued": "(tiếp theo)",
        "form": "Mẫu phiếu {group}",
    },
    "en": {
        "print": "Print at 100% (not “fit to page”). Mark with a dark pen, inside the box.",
        "page": "Page {k} of {n}",
        "continued": "(continued)",
        "form": "Form {group}",
    },
}


def _mm(v: float) -> float:
    return v * 72.0 / 25.4


class _Page:
    """Draws in mm from the top-left corner on a reportlab canvas."""

    def __init__(self, canvas: Any) -> None:
        self.c = canvas

    def y(self, v: float) -> float:
        return _mm(PAGE[1] - v)

    def rect(self, r: Rect, width: float = 0.6, fill: bool = False) -> None:
        self.c.setLineWidth(width)
        self.c.rect(_mm(r.x), self.y(r.y + r.h), _mm(r.w), _mm(r.h), stroke=1, fill=1 if fill else 0)

    def text(self, x: float, y: float, s: str, font: str = "TallySerif", size: float = 12,
             align: str = "left") -> None:
        self.c.setFont(font, size)
        if align == "center":
            self.c.drawCentredString(_mm(x), self.y(y), s)
        elif align == "right":
            self.c.drawRightString(_mm(x), self.y(y), s)
        else:
            self.c.drawString(_mm(x), self.y(y), s)

    def wrapped(self, x: float, y: float, w: float, s: str, font: str = "TallySerif", size: float = 12,
                align: str = "left", max_lines: int = 9) -> float:
        """Draw `s` wrapped to `w` mm from baseline `y`; returns the y after the last line."""
        from reportlab.lib.utils import simpleSplit

        lines = simpleSplit(s, font, size, _mm(w))[:max_lines]
        step = size * 1.2 * 25.4 / 72
        for line in lines:
            self.text(x + (w / 2 if align == "center" else 0), y, line, font, size, align)
            y += step
        return y

    def fit_cell(self, cell: Rect, s: str, bold: bool = False, center: bool = False, largest: float = 11.0) -> None:
        """Text in a table cell, shrunk until it fits in at most three lines."""
        from reportlab.lib.utils import simpleSplit

        font = "TallySerif-Bold" if bold else "TallySerif"
        pad = 1.5
        for size in (s for s in (11.0, 10.0, 9.0, 8.0, 7.0) if s <= largest):
            lines = simpleSplit(s, font, size, _mm(cell.w - 2 * pad))
            step = size * 1.15 * 25.4 / 72
            if len(lines) * step <= cell.h - 1.0 and len(lines) <= 3:
                break
        top = cell.y + (cell.h - len(lines) * step) / 2 + step * 0.78
        for i, line in enumerate(lines):
            if center:
                self.text(cell.x + cell.w / 2, top + i * step, line, font, size, "center")
            else:
                self.text(cell.x + pad, top + i * step, line, font, size)

    def aruco(self, r: Rect, bits: Sequence[str]) -> None:
        cell = r.w / 6
        self.c.setFillGray(0)
        self.rect(r, width=0, fill=True)
        self.c.setFillGray(1)
        for i, row in enumerate(bits):
            for j, bit in enumerate(row):
                if bit == "1":
                    self.c.rect(_mm(r.x + (j + 1) * cell), self.y(r.y + (i + 2) * cell), _mm(cell) + 0.05,
                                _mm(cell) + 0.05, stroke=0, fill=1)
        self.c.setFillGray(0)

    def qr(self, r: Rect, payload: str) -> None:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing

        widget = QrCodeWidget(payload, barLevel="M", barBorder=0)
        x0, y0, x1, y1 = widget.getBounds()
        size = _mm(r.w)
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, self.c, _mm(r.x), self.y(r.y + r.h))


def _header(p: _Page, event: Event, group: Group, words: dict[str, str]) -> None:
    party = RULE_SETS[event.rules].party
    half = sum(COLUMNS) / 2
    y = 26.0
    left = [(event.parent.upper(), "TallySerif")] if event.parent else []
    left += [(event.organisation.upper(), "TallySerif-Bold")]
    for text, font in left:
        y = p.wrapped(LEFT, y, half - 4, text, font, 11, align="center", max_lines=2)
    p.text(LEFT + half / 2, y + 1, words["party_mark"] if party else words["state_mark"], size=11, align="center")
    if party:
        p.text(LEFT + half * 1.5, 26.0, words["party_header"], "TallySerif-Bold", 12, align="center")
    else:
        p.text(LEFT + half * 1.5, 26.0, words["state_header"], "TallySerif-Bold", 11, align="center")
        p.text(LEFT + half * 1.5, 31.5, words["state_motto"], "TallySerif-Bold", 12, align="center")
    y = p.wrapped(LEFT, 50.0, sum(COLUMNS), group.title.upper(), "TallySerif-Bold", 14, align="center",
                  max_lines=2)
    y = p.wrapped(LEFT, y + 0.5, sum(COLUMNS), event.title, "TallySerif-Italic", 12, align="center", max_lines=2)
    p.wrapped(LEFT, max(y + 2, 72.0), sum(COLUMNS), words["instruction"], "TallySerif-Italic", 11, max_lines=2)
    p.text(LEFT, 87.0, words["print"], "TallySerif-Bold", 10)


def _table_head(p: _Page, top: float, words: dict[str, str]) -> None:
    p.c.setFillGray(0.95)
    x = LEFT
    h1, h2 = HEAD_ROWS
    for i, w in enumerate(COLUMNS):
        if i < 3:
            p.rect(Rect(x, top, w, h1 + h2), fill=True)
        else:
            p.rect(Rect(x, top + h1, w, h2), fill=True)
        x += w
    levels = Rect(LEFT + sum(COLUMNS[:3]), top, sum(COLUMNS[3:]), h1)
    p.rect(levels, fill=True)
    p.c.setFillGray(0)
    x = LEFT
    for i, key in enumerate(("th_no", "th_name", "th_positions")):
        p.fit_cell(Rect(x, top, COLUMNS[i], h1 + h2), words[key], bold=True, center=True)
        x += COLUMNS[i]
    p.fit_cell(levels, words["levels"], bold=True, center=True)
    for key in ("level_high", "level_medium", "level_low"):
        i = 3 + ("level_high", "level_medium", "level_low").index(key)
        p.fit_cell(Rect(x, top + h1, COLUMNS[i], h2), words[key], bold=True, center=True, largest=9.0)
        x += COLUMNS[i]


def _form_pages(p: _Page, event: Event, group: Group, words: dict[str, str]) -> int:
    persons = event.persons_on(group)
    layout = form_layout(len(persons), group.id)
    for page in layout.pages:
        for rect, bits in zip(fiducials(), ARUCO_BITS):
            p.aruco(rect, bits)
        p.qr(qr_rect(), qr_payload(form_fingerprint(event, group.id), group.id, page.number, page.of))
        if page.number == 1:
            _header(p, event, group, words)
            top = FIRST_TABLE_TOP
        else:
            p.wrapped(LEFT, 26.0, sum(COLUMNS), f"{group.title.upper()} {words['continued']}", "TallySerif-Bold",
                      11, align="center", max_lines=1)
            top = NEXT_TABLE_TOP
        _table_head(p, top, words)
        for row in page.rows:
            person = persons[row.person]
            x = LEFT
            for i, w in enumerate(COLUMNS):
                p.rect(Rect(x, row.row.y, w, row.row.h), width=0.5)
                x += w
            cells = [Rect(LEFT + sum(COLUMNS[:i]), row.row.y, COLUMNS[i], row.row.h) for i in range(3)]
            p.fit_cell(cells[0], str(row.person + 1), center=True)
            p.fit_cell(cells[1], person.name)
            p.fit_cell(cells[2], "; ".join(event.titles_on(person, group)))
            for box in row.boxes:
                p.rect(box, width=1.0)
        foot = words["form"].format(group=group.id) + " · " + words["page"].format(k=page.number, n=page.of)
        p.text(QR_AT[0] + QR_SIZE + 4, QR_AT[1] + 8, foot, "TallySerif", 10)
        p.text(QR_AT[0] + QR_SIZE + 4, QR_AT[1] + 13, words["print"], "TallySerif-Italic", 8)
        p.c.showPage()
    return len(layout.pages)


@dataclass(frozen=True)
class PdfForm:
    group: str
    persons: int
    pages: int


def _words(language: str) -> dict[str, str]:
    lang = "vi" if language == "vi" else "en"
    return {**labels(language), **LABELS[lang], **_WORDS[lang]}


def ballot_pdf(event: Event, groups: Sequence[str] | None = None) -> tuple[bytes, tuple[PdfForm, ...]]:
    """The ballot forms as PDF bytes, every page of every group (the same bytes on every run)."""
    _reportlab()
    from reportlab.pdfgen.canvas import Canvas

    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(_mm(PAGE[0]), _mm(PAGE[1])), invariant=1, pageCompression=1)
    canvas.setTitle(event.title)
    canvas.setCreator("tally")
    p = _Page(canvas)
    words = _words(event.language)
    forms = []
    for group in event.groups:
        if groups is not None and group.id not in groups:
            continue
        pages = _form_pages(p, event, group, words)
        forms.append(PdfForm(group.id, len(event.persons_on(group)), pages))
    canvas.save()
    return buffer.getvalue(), tuple(forms)


def write_ballot_pdf(event_path: str | Path, output: str | Path, force: bool = False) -> tuple[
        PaperEvent, Path, tuple[PdfForm, ...]]:
    """Lay out the PDF ballots of the event at `event_path` and write them to `output`."""
    require_suffix(output, ".pdf", _("the output '{path}' must end in .pdf: with --pdf, a PDF form is written"),
                   _("write -o {suggestion}, or leave out --pdf for the workbook"))
    refuse_existing([output], force, results=False)
    paper = load_paper_event(event_path)
    data, forms = ballot_pdf(paper.event)
    return paper, write_file(output, data, force), forms
