"""Read one scanned page of a PDF ballot: register, identify, score, decide.

**Registration.** The four ArUco corner markers (:mod:`tally.ballot_pdf`) are found on the page
at about 5 px/mm; any three give 12 point pairs, and a homography maps the page onto the form's
own geometry at :data:`PX_PER_MM`. The markers carry their ids, so a page fed upside down or
sideways registers the same way. The root-mean-square distance between the markers' corners
as found and as printed, after the mapping, is the registration error, checked again on the
QR code's corners (a mark the mapping was not fitted to: a QR code found only on the unregistered
page counts as poorly registered): above :data:`REFUSE_ERROR_MM` the page is refused (E423);
above :data:`REVIEW_ERROR_MM` every row of it goes to review.

**Identity.** The QR code names the form (:func:`tally.ballot_pdf.form_fingerprint`: the
organisation, rule set, group and the people on it), the group, and the page k/n. A page of
another event, of a form this event does not have, or of a form whose people changed since it
was printed, is refused (E425); meeting counts edited after printing change nothing.

**Scores.** The registered page is divided by its own background (uneven light, grey paper)
and compared with the blank form rendered from the same PDF (blank-template subtraction, as
VotingWorks does): only ink the blank form does not have counts, and the printed lines are
widened by :data:`LINE_SLACK_MM` so that a slightly misregistered box line is not ink. For each
box, inside its border: the share of dark pixels, of at-least-faint pixels, and the extent of
the largest dark stroke; around its border, the share of dark pixels (a mark crossing the edge).

**Decisions.** A box is *marked* when its dark ink is ample and spans most of the box, *empty*
when it has almost no ink at all, and *doubtful* otherwise: faint marks, dots, marks crossing
the edge. A row with a doubtful box, or on a poorly registered page, is decided by a person
(`tally review`); otherwise SPEC §5 applies: exactly one marked box is that level, none or
several is an invalid row (0). Nothing in between is ever decided by the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from ballots.errors import Diagnostic, Location
from ballots.i18n import _
from ballots.model import Event
from tally.ballot_pdf import (
    PAGE,
    FormLayout,
    QrInfo,
    Rect,
    ballot_pdf,
    fiducials,
    form_fingerprint,
    form_layout,
    parse_qr,
    qr_rect,
)
from tally.scan.pages import ScanPage

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

PX_PER_MM: Final = 5.0                  # the registered page: 1050 × 1485 px
DETECT_MAX_SIDE: Final = 1400           # the page is reduced to this before finding the markers
REVIEW_ERROR_MM: Final = 0.6
REFUSE_ERROR_MM: Final = 2.0
LINE_SLACK_MM: Final = 0.6
INSET_MM: Final = 0.9                   # a box's inside starts this far in from its outline
RING_MM: Final = (0.9, 2.4)             # the band around a box's outline
DARK: Final = 90                        # ink (0–255 darker than the blank form) that counts as a stroke
FAINT: Final = 38                       # ink that is at least a faint trace
MARKED_DARK: Final = 0.045              # share of the inside: a mark has at least this much dark ink...
MARKED_EXTENT: Final = 0.5              # ...in a stroke spanning at least this share of the box
EMPTY_FAINT_PX: Final = 6               # an empty box has at most this many faint pixels inside
RING_DOUBT: Final = 0.04                # ink around the outline beyond this: crossing the edge
RING_EMPTY: Final = 0.012

LEVEL_CODES: Final = ("1", "2", "3")
INVALID_ROW: Final = "0"

# Reasons a row goes to review (ids, stored in the workbook; described by `reason_text`).
FAINT_MARK: Final = "faint"
SMALL_MARK: Final = "small"
CROSSING: Final = "crossing"
REGISTRATION: Final = "registration"
BLANK_ROW: Final = "blank"


def reason_text(reason: str) -> str:
    return {
        FAINT_MARK: _("a faint mark"),
        SMALL_MARK: _("a dot or small mark"),
        CROSSING: _("a mark crossing the box's edge"),
        REGISTRATION: _("the page registered poorly"),
        BLANK_ROW: _("no box marked (review of blank rows asked for)"),
    }.get(reason, reason)


@dataclass(frozen=True)
class BoxScore:
    dark: float          # share of the inside
    faint: float
    extent: float        # of the largest dark stroke, as a share of the box's inside
    ring: float          # share of the band around the outline
    verdict: str         # marked | empty | doubtful
    reason: str | None

    def as_json(self) -> dict[str, object]:
        return {"dark": round(self.dark, 4), "faint": round(self.faint, 4), "extent": round(self.extent, 3),
                "ring": round(self.ring, 4), "verdict": self.verdict, "reason": self.reason}


@dataclass(frozen=True)
class RowRead:
    person: int                      # index on the form
    boxes: tuple[BoxScore, ...]
    decision: str | None             # "1" "2" "3" "0", or None: a person decides
    reasons: tuple[str, ...]


@dataclass
class PageRead:
    page: ScanPage
    qr: QrInfo
    error_mm: float
    markers: int
    rows: list[RowRead] = field(default_factory=list)
    registered: NDArray[np.uint8] | None = None

    @property
    def poorly_registered(self) -> bool:
        return self.error_mm > REVIEW_ERROR_MM


class PageRefused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _refuse(code: str, page: ScanPage, message: str, hint: str) -> PageRefused:
    return PageRefused(Diagnostic(code, message, hint, Location(page.file.display, _("page {n}").format(
        n=page.number))))


def work_size() -> tuple[int, int]:
    return round(PAGE[0] * PX_PER_MM), round(PAGE[1] * PX_PER_MM)


# --- registration ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _detector() -> object:
    import cv2

    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)


def _expected_corners() -> dict[int, list[tuple[float, float]]]:
    out = {}
    for i, r in enumerate(fiducials()):
        out[i] = [(r.x, r.y), (r.x + r.w, r.y), (r.x + r.w, r.y + r.h), (r.x, r.y + r.h)]
    return out


def register(page: ScanPage) -> tuple[NDArray[np.uint8], float, int]:
    """The page mapped onto the form at PX_PER_MM, the registration error in mm, and how many
    corner markers were found. PageRefused (E423) when fewer than three are found or the error
    is too large."""
    import cv2
    import numpy as np

    image = page.image
    scale = min(1.0, DETECT_MAX_SIDE / max(image.shape))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    corners, ids, _rejected = _detector().detectMarkers(small)  # type: ignore[attr-defined]
    expected = _expected_corners()
    src: list[tuple[float, float]] = []
    dst: list[tuple[float, float]] = []
    found: set[int] = set()
    if ids is not None:
        for quad, marker in zip(corners, ids.flatten()):
            m = int(marker)
            if m not in expected or m in found:
                continue
            found.add(m)
            src.extend((float(x), float(y)) for x, y in quad.reshape(4, 2))
            dst.extend((x * PX_PER_MM, y * PX_PER_MM) for x, y in expected[m])
    if len(found) < 3:
        raise _refuse("E423", page, _("only {n} of the 4 corner marks were found on this page").format(n=len(found)),
                      _("scan the page again, whole and flat, at 150–300 dpi; a page of another form or a blank "
                        "sheet has no corner marks"))
    h, _mask = cv2.findHomography(np.array(src, dtype=np.float64), np.array(dst, dtype=np.float64), 0)
    if h is None:
        raise _refuse("E423", page, _("the corner marks of this page do not fit the form"),
                      _("scan the page again, whole and flat"))
    mapped = cv2.perspectiveTransform(np.array(src, dtype=np.float64).reshape(-1, 1, 2), h).reshape(-1, 2)
    error = float(np.sqrt(np.mean(np.sum((mapped - np.array(dst)) ** 2, axis=1)))) / PX_PER_MM
    width, height = work_size()
    registered = cv2.warpPerspective(small, h, (width, height), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return np.asarray(registered, dtype=np.uint8), error, len(found)


def read_qr(registered: NDArray[np.uint8], page: ScanPage) -> tuple[QrInfo | None, float | None]:
    """The form the page's QR code names, and how far (RMS, mm) the code's corners lie from where
    the registration puts them: a check on the registration by a fifth mark it was not fitted to."""
    import math

    import zxingcpp

    r = qr_rect()
    pad = 4.0
    x0, y0 = max(0, int((r.x - pad) * PX_PER_MM)), max(0, int((r.y - pad) * PX_PER_MM))
    x1, y1 = int((r.x + r.w + pad) * PX_PER_MM), int((r.y + r.h + pad) * PX_PER_MM)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for code in zxingcpp.read_barcodes(registered[y0:y1, x0:x1], formats=formats):
        info = parse_qr(code.text)
        if info is None:
            continue
        pos = code.position
        found = [pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left]
        expected = [(r.x, r.y), (r.x + r.w, r.y), (r.x + r.w, r.y + r.h), (r.x, r.y + r.h)]
        squares = [((p.x + x0) / PX_PER_MM - ex) ** 2 + ((p.y + y0) / PX_PER_MM - ey) ** 2
                   for p, (ex, ey) in zip(found, expected)]
        return info, math.sqrt(sum(squares) / 4)
    for code in zxingcpp.read_barcodes(page.image, formats=formats):
        info = parse_qr(code.text)
        if info is not None:
            return info, None
    return None, None


# --- the blank form --------------------------------------------------------------------


@lru_cache(maxsize=32)
def _blank_pages(event: Event, group: str) -> tuple[NDArray[np.uint8], ...]:
    """The blank form's pages at PX_PER_MM, printed lines widened by LINE_SLACK_MM."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    data, _forms = ballot_pdf(event, groups=(group,))
    pdf = pdfium.PdfDocument(data)
    out = []
    width, height = work_size()
    slack = max(1, round(LINE_SLACK_MM * PX_PER_MM)) * 2 + 1
    for i in range(len(pdf)):
        bitmap = pdf[i].render(scale=PX_PER_MM * 25.4 / 72, grayscale=True)
        gray = np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width, -1)[:, :, 0])
        gray = cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA)
        out.append(np.asarray(cv2.erode(gray, np.ones((slack, slack), np.uint8)), dtype=np.uint8))
    pdf.close()
    return tuple(out)


def _normalise(registered: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Divide by the paper's own brightness, estimated with a wide maximum filter."""
    import cv2
    import numpy as np

    small = cv2.resize(registered, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    bg = cv2.dilate(small, np.ones((17, 17), np.uint8))
    bg = cv2.GaussianBlur(bg, (0, 0), 6)
    bg = cv2.resize(bg, (registered.shape[1], registered.shape[0]), interpolation=cv2.INTER_LINEAR)
    norm = cv2.divide(registered, np.maximum(bg, 1), scale=255)
    return np.asarray(norm, dtype=np.uint8)


# --- scoring ---------------------------------------------------------------------------


def _px(v: float) -> int:
    return round(v * PX_PER_MM)


def score_box(ink: NDArray[np.uint8], box: Rect) -> BoxScore:
    import cv2
    import numpy as np

    x0, y0 = _px(box.x + INSET_MM), _px(box.y + INSET_MM)
    x1, y1 = _px(box.x + box.w - INSET_MM), _px(box.y + box.h - INSET_MM)
    inside = ink[y0:y1, x0:x1]
    area = max(1, inside.size)
    dark_mask = (inside > DARK).astype(np.uint8)
    dark = float(dark_mask.sum()) / area
    faint_px = int((inside > FAINT).sum())
    extent = 0.0
    if dark_mask.any():
        n, _labels, stats, _c = cv2.connectedComponentsWithStats(dark_mask, connectivity=8)
        side = max(x1 - x0, y1 - y0)
        for i in range(1, n):
            if stats[i, cv2.CC_STAT_AREA] >= 4:
                extent = max(extent, max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) / side)
    ox0, oy0 = _px(box.x - RING_MM[1]), _px(box.y - RING_MM[1])
    ox1, oy1 = _px(box.x + box.w + RING_MM[1]), _px(box.y + box.h + RING_MM[1])
    ix0, iy0 = _px(box.x - RING_MM[0]), _px(box.y - RING_MM[0])
    ix1, iy1 = _px(box.x + box.w + RING_MM[0]), _px(box.y + box.h + RING_MM[0])
    outer = ink[oy0:oy1, ox0:ox1] > DARK
    inner = ink[iy0:iy1, ix0:ix1] > DARK
    ring_px = int(outer.sum()) - int(inner.sum())
    ring_area = max(1, outer.size - inner.size)
    ring = max(0, ring_px) / ring_area
    faint = faint_px / area
    if ring > RING_DOUBT:
        verdict, reason = "doubtful", CROSSING
    elif dark >= MARKED_DARK and extent >= MARKED_EXTENT:
        verdict, reason = "marked", None
    elif faint_px <= EMPTY_FAINT_PX and ring <= RING_EMPTY:
        verdict, reason = "empty", None
    elif dark_mask.sum() >= 4 and extent < MARKED_EXTENT:
        verdict, reason = "doubtful", SMALL_MARK
    elif ring > RING_EMPTY and faint_px <= EMPTY_FAINT_PX:
        verdict, reason = "doubtful", CROSSING
    else:
        verdict, reason = "doubtful", FAINT_MARK
    return BoxScore(dark, faint, extent, ring, verdict, reason)


def decide_row(boxes: tuple[BoxScore, ...], poorly_registered: bool, review_blank: bool) -> tuple[
        str | None, tuple[str, ...]]:
    """SPEC §5 on the boxes, or None with the reasons when a person must decide."""
    reasons = sorted({b.reason for b in boxes if b.verdict == "doubtful" and b.reason})
    if poorly_registered:
        reasons.append(REGISTRATION)
    if reasons:
        return None, tuple(reasons)
    marked = [i for i, b in enumerate(boxes) if b.verdict == "marked"]
    if len(marked) == 1:
        return LEVEL_CODES[marked[0]], ()
    if not marked and review_blank:
        return None, (BLANK_ROW,)
    return INVALID_ROW, ()


def read_page(page: ScanPage, event: Event, review_blank: bool = False) -> PageRead:
    """Register, identify and score one page; PageRefused when it cannot be read as this event's."""
    import numpy as np

    registered, error, markers = register(page)
    info, qr_error = read_qr(registered, page)
    if info is None:
        raise _refuse("E424", page, _("the QR code of this page cannot be read"),
                      _("scan the page again; if the QR code (bottom left) is damaged, enter this ballot by hand"))
    error = max(error, qr_error if qr_error is not None else REVIEW_ERROR_MM + 0.01)
    if error > REFUSE_ERROR_MM:
        raise _refuse("E423", page, _("the page registers with an error of {mm} mm (at most {limit} mm)")
                      .format(mm=f"{error:.1f}", limit=f"{REFUSE_ERROR_MM:.1f}"),
                      _("scan the page again, flat; a page printed not at 100 % or crumpled cannot be read"))
    group = next((g for g in event.groups if g.id == info.group), None)
    layout = _layout(event, info.group) if group is not None else None
    if layout is None or info.pages != len(layout.pages):
        raise _refuse("E425", page, _("this page is of a ballot form '{group}' ({pages} pages) that this event does "
                                      "not have").format(group=info.group, pages=info.pages),
                      _("take the page out of the stack, or give the event file the ballots were printed from"))
    expected = form_fingerprint(event, info.group)
    if info.form != expected:
        raise _refuse("E425", page, _("this page is a ballot of another event, or of form '{group}' as it was "
                                      "before the people on it changed (its QR code names {found}, this event's "
                                      "form is {expected})").format(group=info.group, found=info.form,
                                                                    expected=expected),
                      _("take the page out of the stack, or give the event file the ballots were printed from; "
                        "ballots printed before people were added, removed or renamed must be printed again"))
    blank = _blank_pages(event, info.group)[info.page - 1]
    norm = _normalise(registered)
    ink = np.asarray(np.clip(blank.astype(np.int16) - norm.astype(np.int16), 0, 255), dtype=np.uint8)
    result = PageRead(page, info, error, markers, registered=registered)
    for row in layout.pages[info.page - 1].rows:
        boxes = tuple(score_box(ink, box) for box in row.boxes)
        decision, reasons = decide_row(boxes, result.poorly_registered, review_blank)
        result.rows.append(RowRead(row.person, boxes, decision, reasons))
    return result


def _layout(event: Event, group: str) -> FormLayout:
    g = next(x for x in event.groups if x.id == group)
    return form_layout(len(event.persons_on(g)), group)
